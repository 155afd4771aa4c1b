"""The per-organisation call budget every worker and server shares (``xero.rate.budget``)."""

from unittest.mock import patch

import psycopg2.errors
from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.models.xero_rate_budget import MARGIN


def lost_race():
    """What PostgreSQL raises at the loser of two concurrent upserts of one row under REPEATABLE READ."""
    return psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")


@tagged("post_install", "-at_install")
class TestRateBudget(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()  # the budget's own cursor joins the test transaction

    def setUp(self):
        super().setUp()
        self.Budget = self.env["xero.rate.budget"]
        self.Budget.search([]).unlink()

    def budget(self):
        self.env.invalidate_all()  # written by the budget's own cursor
        return self.Budget.search([("tenant_id", "=", "tenant-x")])

    def test_a_spent_minute_is_waited_out_to_its_end(self):
        with patch.object(const, "MINUTE_LIMIT", 1), freeze_time("2026-03-02 10:00:30"):
            self.assertEqual(self.Budget._spend("tenant-x", 5000), (0, False))
            wait, day_spent = self.Budget._spend("tenant-x", 5000)
        self.assertAlmostEqual(wait, 60 + MARGIN, places=3, msg="until the call leaves Xero's minute, and a margin")
        self.assertFalse(day_spent)
        with patch.object(const, "MINUTE_LIMIT", 1), freeze_time("2026-03-02 10:01:31"):
            self.assertEqual(self.Budget._spend("tenant-x", 5000), (0, False), "the first call left the minute")
        self.assertEqual(self.budget().day_calls, 2, "a call told to wait is not counted: it is asked again")

    def test_the_minute_is_xeros_rolling_minute(self):
        """Xero counts the calls of the last 60 seconds, not of the clock's minute: 60 calls at 10:00:59 and 60
        more at 10:01:00 would be answered 429."""
        with patch.object(const, "MINUTE_LIMIT", 2):
            with freeze_time("2026-03-02 10:00:30"):
                self.Budget._spend("tenant-x", 5000)
            with freeze_time("2026-03-02 10:00:59"):
                self.Budget._spend("tenant-x", 5000)
            with freeze_time("2026-03-02 10:01:00"):
                wait, _day_spent = self.Budget._spend("tenant-x", 5000)
                self.assertAlmostEqual(wait, 30 + MARGIN, places=3, msg="a new clock minute, the same Xero minute")
            with freeze_time("2026-03-02 10:01:31.5"):  # 10:00:30's call left it
                self.assertEqual(self.Budget._spend("tenant-x", 5000), (0, False))
                wait, _day_spent = self.Budget._spend("tenant-x", 5000)
                self.assertAlmostEqual(wait, 59 + 60 + MARGIN - 91.5, places=3, msg="until 10:00:59's call leaves it")
        self.assertEqual(self.budget().day_calls, 3)

    def test_the_day_spent_refuses_without_counting(self):
        with freeze_time("2026-03-02 23:59:00"):
            self.assertEqual(self.Budget._spend("tenant-x", 2), (0, False))
            self.assertEqual(self.Budget._spend("tenant-x", 2), (0, False))
            self.assertEqual(self.Budget._spend("tenant-x", 2), (0, True))
        self.assertEqual(self.budget().day_calls, 2)
        with freeze_time("2026-03-03 00:01:00"):
            self.assertEqual(self.Budget._spend("tenant-x", 2), (0, False), "a new UTC day")
        self.assertEqual((str(self.budget().day), self.budget().day_calls), ("2026-03-03", 1))

    def test_runs_waking_together_are_counted_not_failed(self):
        """Runs that waited out the same minute all count their next call at :00; the losers of the upsert
        race get a serialization failure under REPEATABLE READ, and their call must still be counted."""
        real_cursor = self.env.registry.cursor
        lost = []

        def cursor(*args, **kwargs):
            if len(lost) < 2:
                lost.append(1)
                raise lost_race()
            return real_cursor(*args, **kwargs)

        with patch.object(self.env.registry, "cursor", side_effect=cursor):
            self.assertEqual(self.Budget._spend("tenant-x", 5000), (0, False))
        self.assertEqual(len(lost), 2, "two lost races, replayed")
        self.assertEqual(self.budget().day_calls, 1, "counted once")

    def test_a_replayed_call_counts_when_it_is_replayed(self):
        """A stale clock written after a newer one would count the call in a day (or minute) already gone."""
        real_cursor = self.env.registry.cursor
        with freeze_time("2026-03-02 23:59:59.990") as clock:

            def cursor(*args, **kwargs):
                if clock().second == 59:  # lost the race at 23:59:59, replayed on the next day
                    clock.tick(0.02)
                    raise lost_race()
                return real_cursor(*args, **kwargs)

            with patch.object(self.env.registry, "cursor", side_effect=cursor):
                self.Budget._spend("tenant-x", 5000)
        self.assertEqual((str(self.budget().day), self.budget().day_calls), ("2026-03-03", 1))

    def test_a_lasting_conflict_is_not_hidden(self):
        with (
            patch.object(self.env.registry, "cursor", side_effect=lost_race()) as cursor,
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            self.Budget._spend("tenant-x", 5000)
        self.assertEqual(cursor.call_count, 5)
