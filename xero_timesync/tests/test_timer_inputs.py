"""The timer's task picker route against any JSON a client sends (issue 21, item 7): clamped, never an error."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from .timer_common import PASSWORD, TimerFixture

TASKS = "/xero_timesync/timer/tasks"


@tagged("post_install", "-at_install")
class TestTimerInputs(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()

    def tasks(self, **params):
        """The route's task ids, the call sent as Python's json writes it (Infinity and NaN included, which
        Odoo's JSON reader accepts); an HTTP error or a JSON-RPC error fails the test."""
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        response = self.url_open(TASKS, data=body, headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertNotIn("error", answer)
        return [task["id"] for task in answer["result"]["tasks"]]

    def test_any_limit_is_clamped_never_an_error(self):
        self.authenticate("tim", PASSWORD)
        everything = self.tasks()
        self.assertEqual(everything, (self.task_acme | self.task_bolt).ids, "tasks Tim may log time on")
        first = everything[:1]
        limits = {
            "negative": (-5, first),
            "very negative": (-(10**30), first),
            "zero": (0, first),
            "one": (1, first),
            "huge": (10**30, everything),
            "a fraction": (1.7, first),
            "infinite": (float("inf"), everything),
            "not a number": (float("nan"), everything),
            "an integer as text": ("1", first),
            "text": ("abc", everything),
            "empty text": ("", everything),
            "null": (None, everything),
            "a list": ([1], everything),
            "an object": ({"limit": 1}, everything),
        }
        for name, (limit, expected) in limits.items():
            with self.subTest(name):
                self.assertEqual(self.tasks(limit=limit), expected)
        with patch("odoo.addons.xero_timesync.models.xero_timer.TASK_LIMIT", 1):
            self.assertEqual(self.tasks(limit=10**30), first, "never more than the picker's maximum")
            self.assertEqual(self.tasks(), first)

    def test_any_query_is_read_as_text_or_ignored(self):
        self.authenticate("tim", PASSWORD)
        everything = self.tasks()
        self.assertEqual(self.tasks(query="C-0077"), self.task_bolt.ids)
        self.assertEqual(self.tasks(query=42), self.task_acme.ids, "a number is read as text: C-0042")
        for query in (["Bolt"], {"name": "Bolt"}, None, True):
            with self.subTest(query=query):
                self.assertEqual(self.tasks(query=query), everything)
        self.assertEqual(self.tasks(include_archived="yes"), (self.task_acme | self.task_bolt | self.task_gone).ids)
