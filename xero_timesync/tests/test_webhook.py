import json

import requests

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .common import WEBHOOK_KEY, XeroSandboxMixin, XeroWebhookMixin


@tagged("post_install", "-at_install")
class TestWebhook(XeroWebhookMixin, XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 5, "seed": 4, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()

    def setUp(self):
        super().setUp()
        self.cron = self.connection.sudo().sync_cron_id

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_intent_to_receive_passes_only_with_the_right_key(self):
        self.assertTrue(self.sandbox.control.intent_to_receive(url=self.url, key=WEBHOOK_KEY)["passed"])
        self.assertFalse(self.sandbox.control.intent_to_receive(url=self.url, key="another-key")["passed"])

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_missing_key_fails_closed(self):
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_WEBHOOK_KEY, False)
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
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
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

    def post(self, body, key=WEBHOOK_KEY):
        import base64
        import hashlib
        import hmac

        signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
        # as Xero posts: from outside, without the test browser's session
        return requests.post(self.url, data=body, headers={"x-xero-signature": signature}, timeout=30)

    def delivery_body(self, entropy):
        event = {
            "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/x",
            "resourceId": "x",
            "eventDateUtc": "2026-12-06T10:00:00.000",
            "eventType": "UPDATE",
            "eventCategory": "CONTACT",
            "tenantId": self.tenant["tenant_id"],
            "tenantType": "ORGANISATION",
        }
        payload = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": entropy}
        return json.dumps(payload).encode()

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_a_replayed_delivery_is_answered_and_ignored(self):
        body = self.delivery_body("ABCDEFGHIJ")
        self.assertEqual(self.post(body).status_code, 200)
        deliveries = self.env["xero.webhook.delivery"].search([])
        self.assertEqual(len(deliveries), 1)
        self.assertEqual(self.post(body).status_code, 200, "Xero must not retry a replay")
        self.assertEqual(self.env["xero.webhook.delivery"].search([]), deliveries, "the replay is not recorded")
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
        self.assertEqual(self.connection.last_sync_log_id.trigger, "webhook")
        self.assertFalse(self.connection.webhook_pending)
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
        self.assertEqual(self.post(body).status_code, 200)
        self.assertFalse(self.connection.webhook_pending, "a replay after the run wakes nothing")
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook")
    def test_an_oversized_body_is_refused_unread(self):
        body = self.delivery_body("X" * (8 * 1024 * 1024))
        self.assertEqual(self.post(body).status_code, 413)
        self.assertFalse(self.env["xero.webhook.delivery"].search([]))

    def test_a_burst_of_deliveries_costs_one_run(self):
        for entropy in range(20):
            self.assertEqual(self.post(self.delivery_body(f"burst-{entropy}")).status_code, 200)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), 20)
        wake_times = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).mapped("call_at")
        self.assertLessEqual(
            max(wake_times),
            fields.Datetime.now(),
            "all due at once: Odoo's runner clears every due trigger after one run (ir.cron._clear_schedule)",
        )
        logs = self.connection.sync_log_count
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
        self.assertEqual(self.connection.sync_log_count, logs + 1)
        self.assertEqual(self.connection.last_sync_log_id.trigger, "webhook")
        self.assertFalse(self.connection.webhook_pending, "one run covered the whole burst")
