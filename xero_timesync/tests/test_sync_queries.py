"""Cost of a synchronization: O(pages) queries and API calls, never O(contacts already imported).

No timing here (bench/sync_contacts.py measures time); only counts, with a small page size.
"""

import math
import re
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.models.xero_contact_sync import IMPORT_CONTEXT

from .common import XeroSandboxCase

PAGE_SIZE = 10


@tagged("post_install", "-at_install")
class TestSyncQueries(XeroSandboxCase):
    sandbox_options = {"contacts": 20, "seed": 3, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with patch.object(const, "CONTACTS_PAGE_SIZE", PAGE_SIZE):
            cls.connection = cls.connect()

    def setUp(self):
        super().setUp()
        patcher = patch.object(const, "CONTACTS_PAGE_SIZE", PAGE_SIZE)
        patcher.start()
        self.addCleanup(patcher.stop)

    def sync(self):
        queries = self.env.cr.sql_log_count
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.state, "done", log.message)
        return log, self.env.cr.sql_log_count - queries

    def settle(self):
        """As if the next run came later: every change so far is older than its If-Modified-Since.

        (Changes made a moment ago are fetched again by the next run: the overlap.) The sandbox's
        clock then moves past them, so that changes made after this are newer.
        """
        control = self.sandbox.control
        stamps = [int(re.search(r"\d+", c["UpdatedDateUTC"]).group()) for c in control.contacts(self.tenant_id)]
        now_ms = control.advance_clock(0)["now_ms"]
        newest_ms = max(now_ms, *stamps)  # the sandbox's change stamps never go back, even after a reset
        newest = datetime.fromtimestamp(newest_ms / 1000, timezone.utc).replace(tzinfo=None)
        self.connection.sudo().contacts_watermark = (
            newest + self.env["xero.contact.sync"]._xero_overlap() + timedelta(seconds=1)
        )
        control.advance_clock((newest_ms - now_ms) / 1000 + 2)

    def add_contacts(self, count, prefix):
        for i in range(count):
            self.sandbox.control.add_contact(self.tenant_id, name=f"{prefix} {i:03d}")

    def full_import(self):
        self.connection.sudo().contacts_watermark = False
        return self.sync()

    def test_full_import_costs_one_call_per_page(self):
        self.assertEqual(self.connection.last_sync_log_id.api_calls, 2, "20 contacts, pages of 10")
        for added, pages in ((5, 3), (5, 3), (1, 4)):  # 25, 30 (no trailing empty page), 31 contacts
            self.add_contacts(added, f"Paged {pages}")
            log, _queries = self.full_import()
            contacts = len(self.sandbox.control.contacts(self.tenant_id))
            self.assertEqual(log.api_calls, math.ceil(contacts / PAGE_SIZE), f"{contacts} contacts")
            self.assertEqual(log.pages, pages)
            self.assertEqual(len(self.xero_tasks(self.connection)), contacts)

    def test_no_change_run_costs_the_same_whatever_was_imported(self):
        self.sync()  # warm caches
        self.settle()
        log, with_20 = self.sync()
        self.assertEqual((log.api_calls, log.contacts_received), (1, 0))
        self.add_contacts(40, "More")
        log, _queries = self.sync()
        self.assertEqual(log.created_count, 40)
        self.assertEqual(len(self.xero_tasks(self.connection)), 60)
        self.settle()
        log, with_60 = self.sync()
        self.assertEqual(log.contacts_received, 0)
        self.assertEqual(log.api_calls, 1)
        self.assertEqual(with_60, with_20, "a no-change run must not grow with the contacts already imported")

    def test_changes_cost_the_same_whatever_was_imported(self):
        def rename_two(suffix):
            active = [c for c in self.sandbox.control.contacts(self.tenant_id) if c["ContactStatus"] == "ACTIVE"]
            self.settle()
            for i, contact in enumerate(active[:2]):
                self.sandbox.control.rename_contact(self.tenant_id, contact["ContactID"], f"Renamed {suffix}{i}")
            log, queries = self.sync()
            self.assertEqual((log.api_calls, log.contacts_received, log.updated_count), (1, 2, 2))
            return queries

        rename_two("warm")  # the first write of a partner fills registry caches
        with_20 = rename_two("a")
        self.add_contacts(40, "More")
        self.sync()
        with_60 = rename_two("b")
        self.assertEqual(with_60, with_20, "a run's queries grow with its changes, not with the imported contacts")

    def test_a_page_costs_the_same_whatever_its_number_of_new_contacts(self):
        def import_new(count, prefix):
            self.settle()
            self.add_contacts(count, prefix)
            with patch.object(const, "CONTACTS_PAGE_SIZE", 50):
                log, queries = self.sync()
            self.assertEqual((log.pages, log.contacts_received, log.created_count), (1, count, count))
            return queries

        import_new(5, "Warm")  # the first creations fill registry caches
        self.assertEqual(import_new(40, "Forty"), import_new(10, "Ten"), "creating contacts is batched per page")

    def test_imported_tasks_are_followed_like_created_ones_but_not_by_the_importer(self):
        """Followers are subscribed a page at a time, as project.task.create does one task at a time, except
        the user who ran the import (Save, Force synchronization, OdooBot for the cron): nobody follows, and
        is notified of, every client of the organisation because they imported it."""
        project = self.connection.project_id
        context = {key: value for key, value in IMPORT_CONTEXT.items() if key != const.CONTEXT_FROM_XERO}
        plain = self.env["project.task"].with_context(**context).create({"name": "One task", "project_id": project.id})
        importer = self.env.user.partner_id

        def followers(task):
            return {(f.partner_id, f.subtype_ids) for f in task.message_follower_ids if f.partner_id != importer}

        self.assertIn(importer, plain.message_partner_ids, "Odoo makes the creator of a task follow it")
        for task in self.xero_tasks(self.connection):
            self.assertNotIn(importer, task.message_partner_ids, task.name)
            self.assertEqual(followers(task), followers(plain), task.name)
