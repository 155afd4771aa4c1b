"""The addon installs and uninstalls on a fresh database without a warning or an error from our code."""

import os
import re
import subprocess
import sys
import uuid

import pytest

CONFIG = os.environ.get("XTS_ODOO_CONFIG")
TEMPLATE = os.environ.get("XTS_TEMPLATE_DB")
OUR_LOGGERS = re.compile(r" (WARNING|ERROR|CRITICAL) \S+ (odoo\.addons\.xero_timesync|xero_sandbox|py\.warnings)")


def odoo(*args):
    result = subprocess.run(
        [sys.executable, "-m", "odoo", *args], capture_output=True, text=True, timeout=600, check=False
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def fresh_database():
    if not (CONFIG and TEMPLATE):
        pytest.fail("run through ./dev test, which provides XTS_ODOO_CONFIG and XTS_TEMPLATE_DB")
    name = f"xts_lifecycle_{uuid.uuid4().hex[:8]}"
    code, output = odoo("db", "-c", CONFIG, "duplicate", "-f", TEMPLATE, name)
    assert code == 0, output
    yield name
    odoo("db", "-c", CONFIG, "drop", name)


def test_install_then_uninstall_is_clean(fresh_database):
    code, install_log = odoo("server", "-c", CONFIG, "-d", fresh_database, "-i", "xero_timesync", "--stop-after-init")
    assert code == 0, install_log
    assert not OUR_LOGGERS.findall(install_log), install_log
    code, uninstall_log = odoo("module", "uninstall", "-c", CONFIG, "-d", fresh_database, "xero_timesync")
    assert code == 0, uninstall_log
    assert not OUR_LOGGERS.findall(uninstall_log), uninstall_log
    assert " ERROR " not in uninstall_log and " CRITICAL " not in uninstall_log, uninstall_log
