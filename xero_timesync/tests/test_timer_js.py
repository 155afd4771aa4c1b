"""The timer service's hoot unit tests (static/tests/timer_service.test.js), run in Chromium as Odoo runs its own."""

import logging
import re

from odoo.tests import HttpCase, no_retry, tagged

SUITE = "@xero_timesync/timer_service"
CASES = 6  # the test cases in timer_service.test.js


def unit_test_error_checker(message):
    """As web's test_js: a failed hoot test logs an error prefixed [HOOT]; keep running to the end."""
    return "[HOOT]" not in message


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestTimerServiceJs(HttpCase):
    @no_retry
    def test_timer_service_unit_tests(self):
        # the browser's console lands on this logger: count what ran, so a filter matching nothing fails
        console = self._logger.getChild("browser")
        collect = _Collect()
        console.addHandler(collect)
        self.addCleanup(console.removeHandler, collect)
        self.addCleanup(console.setLevel, console.level)
        console.setLevel(logging.INFO)  # hoot's summary is an info message
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&filter={SUITE}",
            "",
            "",
            login="admin",
            timeout=1800,
            success_signal="[HOOT] Test suite succeeded",
            error_checker=unit_test_error_checker,
        )
        passed = [int(m.group(1)) for m in map(re.compile(r"Passed (\d+) tests").search, collect.messages) if m]
        self.assertEqual(passed, [CASES], "every case of the suite ran and passed")
