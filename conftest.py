"""Project-wide pytest rules (./dev test).

A skipped test fails the run: browser tests skip silently without Chromium, Firefox, websocket-client or
--odoo-http, and a green run that tested less than it claims is worse than a red one. Under pytest-xdist the
workers' reports reach these hooks in the controller too, which prints the list and sets the exit status.

In parallel (./dev test on several workers, ``--dist loadfile --no-loadscope-reorder``), each worker takes
whole files in collection order: the files below, the longest, are collected first, so that they start at once
and the short ones fill the gaps at the end, instead of one worker finishing alone with the chaos tier.
"""

import os

# Seconds each of the longest files takes on a 2-core machine (./dev test --durations=0, setup + call + teardown,
# with the other worker busy), roughly: only the order matters. A file that takes a minute or more belongs here.
LONGEST_FILES = {
    "tests/deployment/test_deployment_chaos.py": 300,
    "tests/deployment/test_deployment_hostile.py": 260,
    "tests/deployment/test_deployment_cron_progress.py": 155,
    "tests/test_addon_lifecycle.py": 150,
    "tests/deployment/test_deployment_money.py": 140,
    "tests/deployment/test_deployment_timer_crons.py": 140,
    "tests/deployment/test_deployment_cron_limits.py": 120,
    "tests/deployment/test_deployment_sync_faults.py": 110,
    "tests/test_sale_timesheet_coexistence.py": 100,
}

_skipped = []


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
