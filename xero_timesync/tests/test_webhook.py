from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import XeroSandboxMixin

WEBHOOK_KEY = "webhook-signing-key-for-tests"


@tagged("post_install", "-at_install")
class TestWebhook(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 5, "seed": 4, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()
        cls.env["ir.config_parameter"].sudo().set_param("xero_timesync.webhook_key", WEBHOOK_KEY)

    def setUp(self):
        super().setUp()
        # Xero posts without a session cookie: as in production, dbfilter must single out the database
        dbname = self.env.cr.dbname
        db_filter = patch("odoo.http.db_filter", lambda dbs, host=None: [db for db in dbs if db == dbname])
        db_filter.start()
        self.addCleanup(db_filter.stop)
        self.url = self.base_url() + "/xero_timesync/webhook"
        # Xero (the sandbox) calls us from outside the test's browser session
        self.enterContext(self.allow_requests(all_requests=True))
        self.cron = self.env.ref("xero_timesync.ir_cron_xero_sync_contacts")

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_intent_to_receive_passes_only_with_the_right_key(self):
        self.assertTrue(self.sandbox.control.intent_to_receive(url=self.url, key=WEBHOOK_KEY)["passed"])
        self.assertFalse(self.sandbox.control.intent_to_receive(url=self.url, key="another-key")["passed"])

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_missing_key_fails_closed(self):
        self.env["ir.config_parameter"].sudo().set_param("xero_timesync.webhook_key", False)
        self.assertFalse(self.sandbox.control.intent_to_receive(url=self.url, key=WEBHOOK_KEY)["passed"])

    def test_contact_event_wakes_the_cron_which_syncs_as_webhook(self):
        contact = self.sandbox.control.add_contact(self.tenant["tenant_id"], name="Arrived by webhook")
        delivery = self.sandbox.control.trigger_webhook(
            self.tenant["tenant_id"], contact["ContactID"], event_type="CREATE", url=self.url, key=WEBHOOK_KEY
        )
        self.assertEqual(delivery["status"], 200, delivery)
        self.connection.invalidate_recordset()  # written by the webhook request
        self.assertTrue(self.connection.webhook_pending)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))
        self.env["xero.connection"]._cron_xero_sync_contacts()
        log = self.connection.last_sync_log_id
        self.assertEqual((log.trigger, log.state, log.created_count), ("webhook", "done", 1))
        self.assertFalse(self.connection.webhook_pending)
        self.assertTrue(self.xero_tasks(self.connection).filtered(lambda t: t.name == "Arrived by webhook"))

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_forged_event_changes_nothing(self):
        contact_id = self.sandbox.control.contacts(self.tenant["tenant_id"])[0]["ContactID"]
        delivery = self.sandbox.control.trigger_webhook(
            self.tenant["tenant_id"], contact_id, url=self.url, key="forged-key"
        )
        self.assertEqual(delivery["status"], 401)
        self.assertFalse(self.connection.webhook_pending)
