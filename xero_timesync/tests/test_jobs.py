"""Every flow of every organisation is its own job (issue 23): a log per run, one run at a time, a failing
organisation delays no other, an admin called once, yielding before Odoo's limits, webhooks waking their own."""

import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from .. import const
from ..models import xero_job
from .common import XeroSandboxCase, load_migration
from .test_money_payments import XeroMoneyMixin

FAILING = "xero_timesync.mail_activity_type_xero_failing"


class TestJobs(XeroMoneyMixin, XeroSandboxCase):
    sandbox_options = {"contacts": 8, "seed": 5, "orgs": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.env.user.company_ids |= cls.company_b
        cls.env.ref("base.user_admin").company_ids |= cls.company_b  # the administrator the activities call
        cls.tenant_b = cls.sandbox.tenants[1]["tenant_id"]
        cls.conn_b = cls.connect(company=cls.company_b, tenant_ids=[cls.tenant_b])
        cls.Job = cls.env["xero.job"]

    def calls(self, tenant=None):
        return [
            r
            for r in self.sandbox.control.requests("/api.xro/2.0/")
            if not tenant or r["headers"].get("Xero-Tenant-Id") == tenant
        ]

    def test_each_flow_leaves_its_log_with_counts_and_calls(self):
        self.assertEqual(
            set(self.connection.job_ids.mapped("flow")),
            {"contacts", "invoices", "money", "events"},
            "made on Enable integration",
        )
        contacts = self.job("contacts")
        self.assertEqual(contacts.cron_id, self.connection.sudo().sync_cron_id, "the contact job is one of them")
        self.assertEqual(contacts.last_log_id, self.connection.last_sync_log_id, "its first import")
        self.assertTrue(all(self.connection.job_ids.mapped("cron_id.active")))
        move = self.pushed_invoice(100.0)
        payment = self.sandbox.control.record_payment(self.tenant_id, move.xero_invoice_id)
        self.sandbox.control.clear_requests()

        money = self.run_job("money")
        self.assertEqual((money.flow, money.state, money.payments_count), ("money", "done", 1))
        self.assertEqual(money.api_calls, 2, "one paged read of payments, one of credit notes")
        self.assertEqual(move.payment_state, "paid")
        self.assertTrue(self.job("money").watermark)
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.job("invoices").cron_id.id)]),
            "money changed: the invoice job follows (the orchestration sequences the flows)",
        )
        invoices = self.run_job("invoices")
        self.assertEqual((invoices.flow, invoices.state, invoices.statuses_count), ("invoices", "done", 1))
        self.assertEqual(invoices.api_calls, 1)
        self.assertEqual(move.xero_status, "PAID")
        self.assertIn("1 statuses updated", invoices.summary)
        self.assertEqual(self.job("invoices").last_log_id, invoices)
        self.assertEqual(self.job("invoices").last_state, "done")
        self.assertEqual(len(self.calls(self.tenant_b)), 0, "the other organisation's jobs did not run")

        # a webhook with events of this organisation wakes its events job, and only its own
        self.sandbox.control.delete_payment(self.tenant_id, payment["PaymentID"])
        events = [{"tenantId": self.tenant_id, "eventCategory": "INVOICE", "resourceId": move.xero_invoice_id}]
        self.env["xero.webhook.delivery"]._receive(json.dumps({"events": events}).encode(), events)
        self.env["xero.invoice.event"]._xero_receive(events)
        Trigger = self.env["ir.cron.trigger"]
        self.assertTrue(Trigger.search([("cron_id", "=", self.job("events").cron_id.id)]))
        self.assertFalse(Trigger.search([("cron_id", "=", self.job("events", self.conn_b).cron_id.id)]))
        self.assertTrue(self.connection.last_webhook_date)
        self.assertFalse(self.conn_b.last_webhook_date, "the health panel shows each organisation's own")
        self.sandbox.control.clear_requests()
        self.Job._cron_xero_run(self.job("events").id)
        fetched = self.job("events").last_log_id
        self.assertEqual((fetched.flow, fetched.trigger, fetched.state), ("events", "webhook", "done"))
        self.assertEqual((fetched.events_count, fetched.api_calls), (1, 1))
        self.assertEqual(move.payment_state, "not_paid")
        self.assertFalse(self.env["xero.invoice.event"].search([]))
        self.assertFalse(self.run_job("events"), "nothing waits: no run, no log")

    @mute_logger("odoo.addons.xero_timesync.models.xero_job", "odoo.addons.xero_timesync.services.xero_client")
    def test_a_failing_organisation_delays_no_other_and_calls_an_admin_once(self):
        move = self.pushed_invoice(100.0)
        self.env["xero.service"]._xero_client(self.connection).update_invoice_status(move.xero_invoice_id, "VOIDED")
        job_b = self.job("invoices", self.conn_b)
        job_b.sudo().watermark = fields.Datetime.now() - timedelta(days=1)
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Invoices", "500", count=100, tenant=self.tenant_b)
        activities = self.conn_b.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FAILING))
        with self.clients_sleep():
            for _run in range(const.JOB_FAILURES_BEFORE_ACTIVITY + 1):
                self.Job._cron_xero_run(job_b.id)
                self.assertEqual(job_b.last_state, "failed")
                self.Job._cron_xero_run(self.job("invoices").id)
                self.assertEqual(self.job("invoices").last_state, "done", "the other organisation runs as ever")
        self.assertEqual(move.state, "cancel", "its void followed")
        self.assertIn("Nothing is lost", job_b.last_log_id.message)
        activities = self.conn_b.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FAILING))
        self.assertEqual(len(activities), 1, "one activity, not one per run")
        self.assertIn("Invoice statuses", activities.note)
        self.assertFalse(self.connection.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FAILING)))
        self.sandbox.control.clear_faults()
        self.assertEqual(self.run_job("invoices", self.conn_b).state, "done")
        self.assertFalse(activities.exists() and activities.active, "closed by the good run")
        self.assertEqual(job_b.failures, 0)
        # an auth failure goes to the one place that handles it
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Invoices", "403", count=5, tenant=self.tenant_b)
        self.assertEqual(self.run_job("invoices", self.conn_b).state, "failed")
        self.assertEqual(self.conn_b.state, "needs_reauth")
        self.assertEqual(self.connection.state, "connected")

    def test_a_day_spent_paces_every_flow_it_fails_none(self):
        """The organisation's calls of the day are spent (Xero answers 429 with the day as the problem): each
        flow's run stops as partial, naming the day's limit, and never counts as a failure (three of those in a
        row would tell the administrators the flow keeps failing, on each day of a long paced push)."""
        job = self.job("invoices")
        job.sudo().watermark = fields.Datetime.now() - timedelta(days=1)
        self.sandbox.control.set_rate_limits(day=0)
        self.addCleanup(self.sandbox.control.set_rate_limits, day=-1)
        with self.clients_sleep():
            for _run in range(const.JOB_FAILURES_BEFORE_ACTIVITY + 1):
                self.Job._cron_xero_run(job.id)
                self.assertEqual(job.last_state, "partial")
        self.assertIn("day rate limit", job.last_log_id.message)  # Xero's answer, named
        self.assertEqual(job.failures, 0)
        self.assertFalse(self.connection.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(FAILING)))
        quota = self.env.ref("xero_timesync.mail_activity_type_xero_quota")
        self.assertEqual(len(self.connection.activity_ids.filtered(lambda a: a.activity_type_id == quota)), 1)

    def test_a_run_held_by_another_is_skipped(self):
        job = self.job("money")
        with db_connect(self.env.cr.dbname).cursor() as other:  # another server's run
            other.execute("SELECT pg_try_advisory_lock(%s)", [job._xero_lock_key()])
            self.assertTrue(other.fetchone()[0])
            self.sandbox.control.clear_requests()
            skipped = self.run_job("money")
            other.execute("SELECT pg_advisory_unlock(%s)", [job._xero_lock_key()])
        self.assertEqual((skipped.flow, skipped.state), ("money", "skipped"))
        self.assertIn("Another run", skipped.message)
        self.assertFalse(self.calls(), "no call to Xero")
        self.assertNotEqual(job.last_log_id, skipped, "the health panel shows the run that ran")
        self.assertEqual(self.run_job("money").state, "done", "free again")

    def test_a_contact_run_leaves_the_other_flows_runs_alone(self):
        """Each flow's run is its job's: a contact run closes the contact runs a dead worker left, not a money run
        going on beside it (which would then fail writing its own log)."""
        Log = self.env["xero.sync.log"].sudo()
        money = Log.create({"connection_id": self.connection.id, "flow": "money", "trigger": "cron"})
        dead = Log.create({"connection_id": self.connection.id, "flow": "contacts", "trigger": "cron"})
        self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((money.state, dead.state), ("running", "failed"))

    def test_a_job_yields_before_odoos_limits_and_continues_where_it_stopped(self):
        moves = self.pushed_invoice(100.0) | self.pushed_invoice(60.0)
        for move in moves:
            self.sandbox.control.record_payment(self.tenant_id, move.xero_invoice_id)
        Cron = type(self.env["ir.cron"])
        job = self.job("money")
        reported = []  # what the job tells Odoo's scheduler (nothing is committed in a test)

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            reported.append(remaining)
            return float("inf")

        with (
            patch.object(const, "PAYMENTS_PER_BATCH", 1),
            patch.object(Cron, "_xero_out_of_time", return_value=True),
            patch.object(Cron, "_commit_progress", commit_progress),
            patch.object(Cron, "_xero_in_job", return_value=True),  # as the scheduler runs it
        ):
            first = job.with_context(ir_cron_progress_id=1, cron_id=job.cron_id.id)._xero_run()  # as its worker runs it
        self.assertEqual(first.state, "partial")
        self.assertEqual(reported[-1], 0, "never “remaining”: Odoo would run it again in the same worker turn")
        self.assertEqual(sorted(moves.mapped("payment_state")), ["not_paid", "paid"], "one batch, then it yielded")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", job.cron_id.id)]), "its next turn")
        self.assertEqual((job.resume_step, job.resume_page, job.resume_offset), ("payments", 1, 1))
        self.assertFalse(job.watermark)
        with patch.object(const, "PAYMENTS_PER_BATCH", 1):
            second = self.run_job("money")
        self.assertEqual(second.state, "done")
        self.assertEqual(set(moves.mapped("payment_state")), {"paid"})
        self.assertEqual(self.env["account.payment"].search_count([("xero_payment_id", "!=", False)]), 2)
        self.assertLessEqual(
            abs(job.watermark - first.started_at), timedelta(seconds=1), "from the start of the pull that completed"
        )
        self.assertFalse(job.resume_step)

    def test_a_run_whose_end_loses_a_race_ends_partial_not_running(self):
        """Two jobs that found the grant dead both mark the connection: the one whose final commit loses that race
        ends as partial (the other's write stays) and continues later, instead of leaving its log "running" (the
        chaos tier's seed 820437)."""
        Cron = type(self.env["ir.cron"])
        job = self.job("invoices")
        job.watermark = fields.Datetime.now() - timedelta(days=1)
        reported = []

        class LostRace(Exception):
            pass

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            if remaining == 0 and "lost" not in reported:
                reported.append("lost")
                raise LostRace
            reported.append(remaining)
            return float("inf")

        with (
            patch.object(Cron, "_commit_progress", commit_progress),
            patch.object(Cron, "_xero_in_job", return_value=True),  # as the scheduler runs it
            patch.object(xero_job, "is_concurrency_error", lambda error: isinstance(error, LostRace)),
            patch.object(self.env.cr, "rollback", lambda: None),  # nothing is committed in a test
        ):
            log = job.with_context(ir_cron_progress_id=1, cron_id=job.cron_id.id)._xero_run()
        self.assertIn("lost", reported)
        self.assertEqual(reported[-1], 0, "its end committed again, as partial")
        self.assertEqual(log.state, "partial")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", job.cron_id.id)]), "its next turn")

    def test_a_job_whose_time_is_up_before_a_call_continues_in_its_next_turn(self):
        job = self.job("invoices")
        job.watermark = fields.Datetime.now() - timedelta(days=1)
        self.sandbox.control.clear_requests()
        with patch.object(type(self.env["ir.cron"]), "_xero_deadline", return_value=time.monotonic() - 1):
            log = self.run_job("invoices")
        self.assertEqual(log.state, "partial", "not a failure")
        self.assertEqual(job.failures, 0)
        self.assertFalse(self.calls())
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", job.cron_id.id)]), "its next turn")
        self.assertEqual(self.run_job("invoices").state, "done")

    def test_the_safety_nets_only_wake_the_jobs_that_are_due(self):
        self.sandbox.control.clear_requests()
        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()
        Trigger = self.env["ir.cron.trigger"]
        for connection in self.connection | self.conn_b:
            for flow in ("money", "invoices"):
                self.assertTrue(Trigger.search([("cron_id", "=", self.job(flow, connection).cron_id.id)]))
        self.assertFalse(self.calls(), "the safety net itself calls no one")
        Trigger.search([]).unlink()
        self.run_job("money")
        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()
        self.assertFalse(Trigger.search([("cron_id", "=", self.job("money").cron_id.id)]), "it just ran")
        self.env["xero.invoice.event"].create({"tenant_id": self.tenant_b, "category": "INVOICE", "resource_id": "x"})
        self.env["xero.invoice.event"]._cron_xero_fetch_invoice_events()
        self.assertTrue(Trigger.search([("cron_id", "=", self.job("events", self.conn_b).cron_id.id)]))
        self.assertFalse(Trigger.search([("cron_id", "=", self.job("events").cron_id.id)]), "nothing waits for it")

    def test_a_xero_administrator_reads_the_jobs_and_changes_none(self):
        self.pushed_invoice(100.0)
        self.run_job("money")
        watermark = self.job("money").watermark
        xero_admin = new_test_user(self.env, "jobs_xero_admin", groups="base.group_user,xero_timesync.group_xero_admin")
        jobs = self.connection.with_user(xero_admin).job_ids
        self.assertEqual(jobs.filtered(lambda job: job.flow == "money").last_state, "done")
        with self.assertRaises(AccessError):
            jobs.write({"watermark": False})
        with self.assertRaises(AccessError):
            jobs.read(["cron_id"])
        self.assertEqual(self.job("money").watermark, watermark)
        other = self.conn_b.with_user(xero_admin)
        with self.assertRaises(AccessError):
            other.job_ids.read(["flow"])  # Company B's are not theirs

    def test_migration_carries_the_watermarks_to_the_jobs(self):
        statuses, money = fields.Datetime.now() - timedelta(days=3), fields.Datetime.now() - timedelta(days=2)
        self.connection.job_ids.filtered(lambda job: job.flow != "contacts").unlink()
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE res_company ADD COLUMN xero_invoice_status_since timestamp,"
            " ADD COLUMN xero_money_since timestamp, ADD COLUMN xero_money_error varchar"
        )
        cr.execute(
            "UPDATE res_company SET xero_invoice_status_since = %s, xero_money_since = %s WHERE id = %s",
            [statuses, money, self.company.id],
        )
        load_migration("19.0.1.7.0", "post-migrate").migrate(cr, "19.0.1.6.0")
        self.env.invalidate_all()
        self.assertEqual(self.job("invoices").watermark, statuses)
        self.assertEqual(self.job("money").watermark, money)
        self.assertFalse(self.job("events").watermark)
        self.assertTrue(self.job("money").cron_id.active)
        self.assertFalse(self.job("money", self.conn_b).watermark, "Company B had none")
        cr.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_company'"
            " AND column_name LIKE 'xero_%%_since'"
        )
        self.assertEqual(cr.fetchone()[0], 0, "the old columns are gone")
