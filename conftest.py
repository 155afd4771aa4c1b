"""Project-wide pytest rules (./dev test).

A skipped test fails the run: browser tests skip silently without Chromium, Firefox, websocket-client or
--odoo-http, and a green run that tested less than it claims is worse than a red one. Under pytest-xdist the
workers' reports reach these hooks in the controller too, which prints the list and sets the exit status.

In parallel (./dev test on several workers, ``--dist loadfile --no-loadscope-reorder``), each worker takes
whole files in collection order: the files below, the longest, are collected first, so that they start at once
and the short ones fill the gaps at the end, instead of one worker finishing alone with the chaos tier.
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

# Seconds each of the longest files takes on a 2-core machine (./dev test -v --durations=0 with two workers, setup
# + call + teardown, the machine loaded), roughly: only the order matters. A file of a minute or more belongs here.
LONGEST_FILES = {
    "tests/deployment/test_deployment_chaos.py": 340,
    "tests/deployment/test_deployment_hostile.py": 335,
    "tests/test_addon_lifecycle.py": 270,
    "tests/deployment/test_deployment_sync_faults.py": 150,
    "tests/deployment/test_deployment_money.py": 150,
    "tests/deployment/test_deployment_cron_progress.py": 130,
    "tests/deployment/test_deployment_cron_limits.py": 100,
    "tests/deployment/test_deployment_timer_crons.py": 95,
    "tests/test_sale_timesheet_coexistence.py": 70,
}

_skipped = []


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import pytest_odoo  # noqa: PLC0415  (pinned 2.3.0: its worker databases share the filestore)

        pytest_odoo._shared_filestore = _own_filestore


@contextmanager
def _own_filestore(original_db_name, db_name):
    """A worker's copy of the test database gets a copy of its filestore (pytest-odoo would share it): Odoo
    writes a new file in place, so a worker could read another one's half-written file (an asset bundle)."""
    if original_db_name == db_name:
        yield
        return
    import odoo  # noqa: PLC0415

    filestores = Path(odoo.tools.config["data_dir"]) / "filestore"
    own = filestores / db_name
    shutil.rmtree(own, ignore_errors=True)
    if (filestores / original_db_name).is_dir():
        shutil.copytree(filestores / original_db_name, own)
    try:
        yield
    finally:
        shutil.rmtree(own, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYTEST_XDIST_WORKER"):  # serial runs keep pytest's order
        items.sort(key=lambda item: -LONGEST_FILES.get(item.nodeid.split("::", 1)[0], 0))


def pytest_runtest_logreport(report):
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append(f"{report.nodeid}: {reason}")


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped tests fail this run", sep="=", red=True, bold=True)
        for line in _skipped:
            terminalreporter.line(line)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        session.exitstatus = 1
