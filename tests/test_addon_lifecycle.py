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


# Enable integration against a sandbox, as the admin, in its own process (the addon's real code path).
CONNECT = """
import sys
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import odoo
from xero_sandbox.odoo_seam import point_odoo_at_sandbox
from odoo.modules.registry import Registry
from odoo.tools import config

from xero_sandbox.testing import SandboxServer

cfg, db, sandbox_url, base_url = sys.argv[1:]
config.parse_config(["-c", cfg])
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env["ir.config_parameter"].set_param("web.base.url", base_url)
    point_odoo_at_sandbox(env, sandbox_url, "lifecycle-id", "lifecycle-secret")
    env = env(user=env.ref("base.user_admin"))
    wizard = env["xero.connect.wizard"].create({"company_id": env.company.id})
    action = wizard.action_connect()
    redirect = SandboxServer.consent(SimpleNamespace(url=sandbox_url), action["url"])
    params = {key: values[0] for key, values in parse_qs(urlparse(redirect).query).items()}
    wizard._complete_oauth(code=params.get("code"), error=params.get("error"))
    wizard.action_save()
    assert wizard.step == "done", (wizard.step, wizard.error_message)
    print("connected", env["xero.connection"]._xero_for_company(env.company).state)
"""

PARAMS = """
import sys

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

cfg, db = sys.argv[1:]
config.parse_config(["-c", cfg])
with Registry(db).cursor() as cr:
    cr.execute("SELECT key FROM ir_config_parameter WHERE key LIKE 'xero\\\\_timesync.%' ORDER BY key")
    print(",".join(key for (key,) in cr.fetchall()))
"""


def python(script, *args):
    """Runs ``script`` in a fresh interpreter; returns (exit code, stdout, stdout + stderr)."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600, check=False
    )
    return result.returncode, result.stdout, result.stdout + result.stderr


def test_uninstall_revokes_at_xero_and_removes_the_system_parameters(fresh_database):
    from xero_sandbox.testing import SandboxServer

    base_url = "http://127.0.0.1:8069"
    with SandboxServer(
        contacts=3,
        seed=5,
        orgs=1,
        client_id="lifecycle-id",
        client_secret="lifecycle-secret",
        redirect_uris=[base_url + "/xero_timesync/oauth/callback"],
    ) as sandbox:
        code, log = odoo("server", "-c", CONFIG, "-d", fresh_database, "-i", "xero_timesync", "--stop-after-init")
        assert code == 0, log
        code, out, log = python(CONNECT, CONFIG, fresh_database, sandbox.url, base_url)
        assert code == 0 and out.strip() == "connected connected", log
        assert not OUR_LOGGERS.findall(log), log  # no DeprecationWarning from xero-python on Connect
        oauth = sandbox.sandbox.oauth
        assert oauth.connections and not any(grant.revoked for grant in oauth.grants.values())
        code, out, log = python(PARAMS, CONFIG, fresh_database)
        assert "xero_timesync.client_secret" in out.split(","), log

        code, uninstall_log = odoo("module", "uninstall", "-c", CONFIG, "-d", fresh_database, "xero_timesync")
        assert code == 0, uninstall_log
        assert "Uninstall: revoked the Xero connection" in uninstall_log, uninstall_log
        assert not OUR_LOGGERS.findall(uninstall_log), uninstall_log
        # at Xero: the grant is revoked and the organisation's connection is gone
        assert all(grant.revoked for grant in oauth.grants.values())
        assert not oauth.connections
        code, out, log = python(PARAMS, CONFIG, fresh_database)
        assert code == 0 and out.strip() == "", log


def test_uninstall_goes_on_when_xero_cannot_be_reached(fresh_database):
    from xero_sandbox.testing import SandboxServer

    base_url = "http://127.0.0.1:8069"
    sandbox = SandboxServer(
        contacts=2,
        seed=6,
        orgs=1,
        client_id="lifecycle-id",
        client_secret="lifecycle-secret",
        redirect_uris=[base_url + "/xero_timesync/oauth/callback"],
    ).start()
    try:
        code, log = odoo("server", "-c", CONFIG, "-d", fresh_database, "-i", "xero_timesync", "--stop-after-init")
        assert code == 0, log
        code, out, log = python(CONNECT, CONFIG, fresh_database, sandbox.url, base_url)
        assert code == 0, log
    finally:
        sandbox.stop()  # Xero is now unreachable
    code, uninstall_log = odoo("module", "uninstall", "-c", CONFIG, "-d", fresh_database, "xero_timesync")
    assert code == 0, uninstall_log
    assert "Uninstall: could not revoke the Xero connection" in uninstall_log, uninstall_log
    code, out, log = python(PARAMS, CONFIG, fresh_database)
    assert code == 0 and out.strip() == "", log
