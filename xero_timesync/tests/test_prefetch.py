"""Pipelined import: the next page is fetched while this one is written, never more than one ahead."""

import threading
import time

from odoo.tests import BaseCase, tagged

from odoo.addons.xero_timesync.services.paging import prefetch_one_ahead


@tagged("post_install", "-at_install")
class TestPrefetch(BaseCase):
    def pages(self, count, fetched, fail_at=None):
        for number in range(1, count + 1):
            time.sleep(0.05)  # Xero's latency
            if number == fail_at:
                raise ConnectionError("Xero went away")
            fetched.append(number)
            yield number

    def test_pages_arrive_in_order_at_most_one_ahead_and_overlap_the_writes(self):
        fetched, seen_ahead = [], []
        refreshes = []
        for page in prefetch_one_ahead(self.pages(6, fetched), before_fetch=lambda: refreshes.append(1)):
            deadline = time.monotonic() + 10  # "writing" this page: the next one arrives meanwhile, not after
            while len(fetched) < min(page + 1, 6) and time.monotonic() < deadline:
                time.sleep(0.005)
            seen_ahead.append(len(fetched) - page)
        self.assertEqual(fetched, [1, 2, 3, 4, 5, 6])
        self.assertEqual(seen_ahead, [1, 1, 1, 1, 1, 0], "fetched while writing, never more than one page ahead")
        self.assertEqual(len(refreshes), 7, "the token is checked here before every fetch")

    def test_a_fetch_error_reaches_the_writer_after_the_pages_before_it(self):
        fetched, written = [], []
        with self.assertRaises(ConnectionError):
            for page in prefetch_one_ahead(self.pages(5, fetched, fail_at=3)):
                written.append(page)
        self.assertEqual(written, [1, 2])

    def test_stopping_early_stops_the_fetcher(self):
        fetched = []
        for page in prefetch_one_ahead(self.pages(50, fetched)):
            if page == 2:
                break
        # the fetcher ends by itself (the generator only waits a second for it): wait for that, not for a
        # time, however loaded the machine; a fetcher that went on fetching would never end here
        for fetcher in [t for t in threading.enumerate() if t.name == "xero-prefetch"]:
            fetcher.join(timeout=60)
        self.assertFalse([t for t in threading.enumerate() if t.name == "xero-prefetch" and t.is_alive()])
        self.assertLessEqual(len(fetched), 3)
