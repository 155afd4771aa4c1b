"""Settings → Xero → Health: what an admin reads at a glance, and the activities that call them."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .common import XeroSandboxCase
from .test_sync_faults import IMPORTER_LOGGER, too_long_for_an_index


@tagged("post_install", "-at_install")
class TestHealth(XeroSandboxCase):
    sandbox_options = {"contacts": 5, "seed": 9, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()

    def activities(self, xmlid):
        activity_type = self.env.ref(xmlid)
        return self.connection.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)

    def test_the_panel_shows_runs_quota_grant_and_deliveries(self):
        self.sandbox.control.set_rate_limits(minute=const.MINUTE_LIMIT, day=const.DAILY_LIMIT)
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.state, "done")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.xero_last_success_date, log.started_at)
        self.assertIn("0 created", settings.xero_last_success_summary)
        self.assertEqual(
            settings.xero_quota_day_remaining, const.DAILY_LIMIT - 1, "Xero's X-DayLimit-Remaining after one call"
        )
        self.assertEqual(settings.xero_quota_minute_remaining, const.MINUTE_LIMIT - 1)
        self.assertTrue(self.connection.quota_checked_at)
        self.assertEqual(
            (settings.xero_token_age_days, settings.xero_token_days_left), (0, const.REFRESH_TOKEN_LIFETIME_DAYS)
        )
        self.assertTrue(settings.xero_next_sync_date)
        self.assertFalse(settings.xero_last_webhook_date)
        self.assertEqual(settings.xero_failed_push_count, 0)
        graph = settings.action_xero_open_runs_graph()
        self.assertEqual(graph["views"][0][1], "graph")

    @mute_logger(IMPORTER_LOGGER)
    def test_refused_contacts_call_an_admin_once_and_retry_clears_it(self):
        control = self.sandbox.control
        refused = control.add_contact(self.tenant_id, name=too_long_for_an_index())
        self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual(len(self.activities("xero_timesync.mail_activity_type_xero_refused")), 1)
        control.rename_contact(self.tenant_id, refused["ContactID"], "Acceptable Name Ltd")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.xero_refused_count, 1)
        action = settings.action_xero_retry_refused()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.connection.refused_count, 0)
        self.assertFalse(self.activities("xero_timesync.mail_activity_type_xero_refused"))

    @mute_logger(IMPORTER_LOGGER)
    def test_the_daily_limit_calls_an_admin_once(self):
        self.sandbox.control.set_rate_limits(day=1)
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "manual").state, "done")
        for _run in range(2):
            log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
            self.assertEqual(log.state, "failed")
        self.assertIn("day", log.message)
        self.assertEqual(len(self.activities("xero_timesync.mail_activity_type_xero_quota")), 1)

    def test_every_worker_counts_its_calls_against_the_organisation_budget(self):
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_DAILY_LIMIT, "3")
        self.env["xero.rate.budget"].search([]).unlink()
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "manual").state, "done")  # call 1
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "manual").state, "done")  # call 2
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "manual").state, "done")  # call 3
        self.sandbox.control.clear_requests()
        refused = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(refused.state, "failed")
        self.assertIn("daily call limit", refused.message)
        self.assertFalse(self.sandbox.control.requests("/api.xro"), "refused before calling Xero")
        budget = self.env["xero.rate.budget"].search([("tenant_id", "=", self.tenant_id)])
        self.assertEqual(budget.day_calls, 3, "the refused call is not counted")

    def test_a_spent_minute_is_waited_out_before_calling(self):
        """The budget's answer (see test_rate_budget) is slept by the client before the call."""
        Budget = self.env["xero.rate.budget"]
        waits = []
        with patch.object(type(Budget), "_spend", autospec=True, side_effect=[(12.5, False), (0, False)]):
            self.env["xero.service"]._xero_client(self.connection, sleep=waits.append).organisation()
        self.assertEqual(waits, [12.5], "the client slept, then called")
