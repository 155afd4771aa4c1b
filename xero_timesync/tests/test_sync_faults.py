"""What a real deployment throws at a run: contacts Odoo refuses, dead grants, bugs, odd token answers.

The multi-worker side of the same failures (locks, commits, concurrent triggers) is proven by the
deployment tier in the repository's top-level tests/ folder.
"""

import random
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from xero_sandbox.config import REFRESH_TOKEN_TTL

from .common import XeroSandboxCase

IMPORTER_LOGGER = "odoo.addons.xero_timesync.models.xero_contact_sync"
SERVICE_LOGGER = "odoo.addons.xero_timesync.models.xero_service"


def too_long_for_an_index(seed=3):
    """A name whose btree index entry exceeds PostgreSQL's 2,704 bytes even compressed."""
    rng = random.Random(seed)
    return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(1500))


@tagged("post_install", "-at_install")
class TestSyncFaults(XeroSandboxCase):
    sandbox_options = {"contacts": 6, "seed": 5, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()

    def task_of(self, contact_id):
        return (
            self.env["project.task"]
            .with_context(active_test=False)
            .search([("xero_contact_id", "=", contact_id), ("xero_connection_id", "=", self.connection.id)])
        )

    # -- one contact never blocks the others ---------------------------------------------------------
    def test_control_characters_are_cleaned_not_refused(self):
        contact = self.sandbox.control.add_contact(
            self.tenant_id, name="Bad\x00Name\x07 Ltd\n", email="a\x00@b.example"
        )
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((log.state, log.created_count, log.refused_count), ("done", 1, 0), log.message)
        task = self.task_of(contact["ContactID"])
        self.assertEqual(task.name, "BadName Ltd")
        self.assertEqual(task.partner_id.email, "a@b.example")

    @mute_logger(IMPORTER_LOGGER)
    def test_a_refused_contact_is_listed_retried_and_never_blocks_its_page(self):
        control = self.sandbox.control
        before = control.add_contact(self.tenant_id, name="Before Ltd")
        refused = control.add_contact(self.tenant_id, name=too_long_for_an_index())
        after = control.add_contact(self.tenant_id, name="After Ltd")
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((log.state, log.created_count, log.refused_count), ("done", 2, 1), log.message)
        self.assertIn("1 refused", log.summary)
        self.assertTrue(self.task_of(before["ContactID"]) and self.task_of(after["ContactID"]))
        self.assertEqual(self.connection.sync_resume_page, 0, "the page is not a resume point for ever")
        refusals = self.connection.refusal_ids
        self.assertEqual(set(refusals.mapped("xero_contact_id")), {refused["ContactID"]})
        self.assertTrue(all(refusals.mapped("reason")), "each refusal says why")
        self.assertEqual(self.connection.refused_count, 1)

        # nothing changed at Xero: refused contacts are asked by id
        retry = self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual((retry.state, retry.refused_count), ("done", 1))
        self.assertEqual(self.connection.refusal_ids.attempts, 2)

        control.rename_contact(self.tenant_id, refused["ContactID"], "Shorter Name Ltd")
        fixed = self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual((fixed.state, fixed.refused_count), ("done", 0), fixed.message)
        self.assertEqual(self.task_of(refused["ContactID"]).name, "Shorter Name Ltd")
        self.assertFalse(self.connection.refusal_ids)

    # -- every run ends with a state and a reason ----------------------------------------------------------
    @mute_logger(IMPORTER_LOGGER)
    def test_an_unexpected_error_fails_the_run_with_its_reason(self):
        self.sandbox.control.add_contact(self.tenant_id, name="Never Mind Ltd")
        Sync = self.env.registry["xero.contact.sync"]
        with patch.object(Sync, "_upsert_tasks", side_effect=KeyError("bug")):
            log = self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual(log.state, "failed")
        self.assertIn("Unexpected error (KeyError)", log.message)
        self.assertEqual(self.connection.last_sync_state, "failed")
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "cron").state, "done")

    def test_a_malformed_token_answer_is_retried_with_the_same_grant(self):
        control = self.sandbox.control
        control.add_contact(self.tenant_id, name="After A Bad Answer")
        control.set_clock_offset(2 * 3600)  # the access token expired: the run must refresh first
        control.inject_fault("POST", "/connect/token", "malformed", count=1)
        with self.clients_sleep():
            log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((log.state, log.created_count), ("done", 1), log.message)
        self.assertEqual(self.connection.state, "connected")

    @mute_logger(IMPORTER_LOGGER)
    def test_token_endpoint_answering_garbage_fails_the_run_cleanly(self):
        control = self.sandbox.control
        control.set_clock_offset(2 * 3600)
        control.inject_fault("POST", "/connect/token", "malformed", count=10)
        with self.clients_sleep():
            log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.state, "failed")
        self.assertIn("not valid JSON", log.message)
        self.assertEqual(self.connection.state, "connected", "a bad answer is not a dead grant")
        control.clear_faults()
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "manual").state, "done")

    # -- a dead grant ----------------------------------------------------------------------------------
    @mute_logger(IMPORTER_LOGGER, SERVICE_LOGGER)
    def test_a_dead_grant_needs_reauthorisation_tells_an_admin_once_and_stops_retrying(self):
        control = self.sandbox.control
        control.set_clock_offset(REFRESH_TOKEN_TTL + 86400)  # Xero's refresh tokens die after 60 days unused
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual(log.state, "failed")
        self.assertEqual(self.connection.state, "needs_reauth")
        activities = self.connection.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.activity_type_id, self.env.ref("xero_timesync.mail_activity_type_xero_reauth"))
        self.assertTrue(activities.user_id.has_group("base.group_system"))

        logs = self.connection.sync_log_count
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
        self.assertEqual(self.connection.sync_log_count, logs, "no retries until re-authorised")
        self.env["xero.service"]._xero_handle_auth_error(self.connection, "again")
        self.assertEqual(len(self.connection.activity_ids), 1, "one activity, not one per run")

        control.set_clock_offset(0)
        self.connect()  # Enable integration again
        self.assertEqual(self.connection.state, "connected")
        self.assertFalse(self.connection.activity_ids, "re-authorising closes the activity")

    # -- the cron's queue --------------------------------------------------------------------------------------
    def test_cron_runs_only_organisations_with_something_to_do(self):
        Sync = self.env["xero.contact.sync"]
        self.assertFalse(Sync._xero_due_connections(), "synchronized at Save")
        self.assertTrue(self.connection.sudo().sync_cron_id.active, "its own job")
        log = self.connection.last_sync_log_id
        log.started_at = fields.Datetime.now() - timedelta(hours=1)
        self.assertEqual(Sync._xero_due_connections(), self.connection, "an hour later")
        log.started_at = fields.Datetime.now()
        log.state = "partial"
        self.assertEqual(Sync._xero_due_connections(), self.connection, "an import to continue")
        log.state = "failed"
        self.assertFalse(Sync._xero_due_connections(), "a failed run waits for the next hour")
        self.env["xero.webhook.delivery"]._receive(
            b"{}", [{"eventCategory": "CONTACT", "tenantId": self.tenant_id, "resourceId": "x"}]
        )
        self.assertEqual(Sync._xero_due_connections(), self.connection, "Xero announced changes")
        self.assertEqual(self.env["xero.contact.sync"]._xero_sync(self.connection, "webhook").state, "done")
        self.assertFalse(self.connection.webhook_pending, "the run consumed the delivery")

    # -- secrets -------------------------------------------------------------------------------------------
    def test_secrets_reach_settings_administrators_only(self):
        settings = self.env["res.config.settings"]
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_WEBHOOK_KEY, "the-webhook-key")
        names = ["xero_client_secret", "xero_webhook_key", "xero_client_id"]
        self.assertEqual(settings.default_get(names)["xero_webhook_key"], "the-webhook-key")
        employee = new_test_user(self.env, "probe_employee", groups="base.group_user")
        portal = new_test_user(self.env, "probe_portal", groups="base.group_portal")
        for user in (employee, portal):
            values = settings.with_user(user).default_get(names)
            self.assertNotIn("xero_client_secret", values)
            self.assertNotIn("xero_webhook_key", values)

    def test_every_request_is_logged_at_debug_without_secrets(self):
        with self.assertLogs("odoo.addons.xero_timesync.services.xero_client", level="DEBUG") as logged:
            self.env["xero.service"]._xero_client(self.connection).organisation()
        line = next(entry for entry in logged.output if "/Organisation" in entry)
        self.assertIn("GET /api.xro/2.0/Organisation → 200", line)
        token = self.connection.sudo().token_id.sudo()
        for secret in (token.access_token, token.refresh_token, "Bearer", "xero-tenant-id"):
            self.assertNotIn(secret, "\n".join(logged.output))
