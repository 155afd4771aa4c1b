"""Project-wide pytest rules (./dev test).

A skipped test fails the run: browser tests skip silently without Chromium, Firefox, websocket-client or
--odoo-http, and a green run that tested less than it claims is worse than a red one.
"""

_skipped = []


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
