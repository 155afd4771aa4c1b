"""Month-end in one click: the billing run (preview, one invoice per client, pushed in batches, resumed without
doubling, scheduled) and the Uninvoiced time view."""

from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .. import const
from ..ownership import owned_writes
from .invoice_common import XeroInvoiceMixin

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


class BillingRunMixin(XeroInvoiceMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.xero_timesheet_approval = True
        tasks = cls.xero_tasks(cls.connection, active=True).filtered("partner_id")
        cls.client_tasks = tasks[:3]
        cls.clients = cls.client_tasks.partner_id
        for rate, task in zip((100.0, 120.0, 150.0), cls.client_tasks, strict=True):
            task.xero_hourly_rate = rate

    def month_of_time(self):
        """Each client: 2 approved hours on two days, plus time that is never billed (unapproved, non-billable,
        another month)."""
        Timesheet = self.env["account.analytic.line"]
        approved = Timesheet
        for task in self.client_tasks:
            approved |= self.timesheet(1.0, day=date(2026, 3, 2), task=task)
            approved |= self.timesheet(1.0, day=date(2026, 3, 9), task=task)
            self.timesheet(3.0, day=date(2026, 3, 10), task=task, name="Not approved yet")
            self.timesheet(4.0, day=date(2026, 3, 11), task=task, name="Free", xero_billable=False)
            self.timesheet(5.0, day=date(2026, 4, 1), task=task, name="April")
        with owned_writes():
            approved.xero_approval_state = "approved"
        return approved

    def new_run(self, **vals):
        return self.env["xero.billing.run"].with_user(self.accountant).create({**MARCH, **vals})

    def moves_of(self, partner):
        return self.env["account.move"].search([("partner_id", "=", partner.id), ("move_type", "=", "out_invoice")])


class TestBillingRun(BillingRunMixin, TransactionCase):
    def test_preview_create_and_push_in_batches(self):
        approved = self.month_of_time()
        run = self.new_run()
        run.action_preview()
        self.assertEqual(run.line_ids.partner_id, self.clients)
        for line in run.line_ids:
            rate = self.client_tasks.filtered(lambda t, p=line.partner_id: t.partner_id == p).xero_hourly_rate
            self.assertEqual((line.hours, line.amount, line.invoice_line_count), (2.0, 2 * rate, 1))
        self.assertEqual(run.state, "draft")
        self.assertFalse(self.env["account.move"].search([("partner_id", "in", self.clients.ids)]))

        run.action_create_invoices()  # 3 clients: one chunk, in the request
        self.assertEqual(run.state, "created")
        self.assertEqual(set(run.line_ids.mapped("state")), {"created"})
        with self.assertRaises(UserError):
            run.date_to = date(2026, 4, 30)
        self.assertEqual(run.date_to, date(2026, 3, 31))
        for client in self.clients:
            [move] = self.moves_of(client)
            self.assertEqual(move.state, "draft")
            line = run.line_ids.filtered(lambda line, c=client: line.partner_id == c)
            self.assertEqual(move.amount_untaxed, line.amount)
        # only the approved, billable time of the period is billed
        billed = self.env["account.analytic.line"].search([("xero_billed_move_line_id", "!=", False)])
        self.assertEqual(billed, approved)
        self.assertFalse(self.puts())

        self.sandbox.control.clear_requests()
        with patch.object(const, "INVOICES_BATCH_SIZE", 2):
            run.action_push()  # one batch in the request, the rest by the job
            self.assertEqual(run.state, "pushing")
            self.assertEqual((run.done_count, run.line_count), (2, 3))
            self.env["xero.billing.run"]._cron_xero_billing_runs()
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.line_ids.mapped("state")), {"pushed"})
        self.assertEqual(len(self.puts()), 2)  # ceil(3 / 2)
        self.assertEqual(len(self.xero_invoices()), 3)
        self.assertTrue(all(run.line_ids.move_id.mapped("xero_invoice_id")))
        # the timesheet PDFs wait for the hourly retry: the run's push makes no call per invoice
        calls = [f"{r['method']} {r['path']}" for r in self.sandbox.control.requests("/api.xro")]
        self.assertEqual(calls.count("GET /api.xro/2.0/TaxRates"), 1)  # the reads: once per push
        self.assertFalse([call for call in calls if "Attachments" in call])

    def test_contacts_time_on_the_clients_invoice(self):
        """The chunk's time is found by one search for all its clients: a contact's time is its company's."""
        approved = self.month_of_time()
        client = self.clients[0]
        contact = self.env["res.partner"].create({"name": "Contact of the client", "parent_id": client.id})
        extra = self.timesheet(1.5, day=date(2026, 3, 3), task=self.client_tasks[0], partner_id=contact.id)
        with owned_writes():
            extra.xero_approval_state = "approved"
        self.assertEqual(extra.partner_id, contact)
        run = self.new_run()
        run.action_create_invoices()
        self.assertEqual(set(run.line_ids.mapped("state")), {"created"})
        billed = self.env["account.analytic.line"].search([("xero_billed_move_line_id", "!=", False)])
        self.assertEqual(billed, approved | extra)
        [move] = self.moves_of(client)
        self.assertEqual(extra.xero_billed_move_line_id.move_id, move)
        self.assertEqual(move.amount_untaxed, 3.5 * self.client_tasks[0].xero_hourly_rate)

    def test_resume_after_interruption_doubles_nothing(self):
        self.month_of_time()
        run = self.new_run()
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(const, "BILLING_RUN_CHUNK", 1),
            patch.object(const, "BILLING_RUN_JOB_CHUNK", 1),
            patch.object(const, "INVOICES_BATCH_SIZE", 2),
        ):
            run.action_create_invoices()  # the first client in the request
            self.assertEqual((run.state, run.done_count), ("creating", 1))
            with patch.object(Cron, "_xero_out_of_time", return_value=True):
                run._xero_work()  # a worker limit after one more client
            self.assertEqual((run.state, run.done_count), ("creating", 2))
            self.env["xero.billing.run"]._cron_xero_billing_runs()  # the next pass: the last client
            self.assertEqual(run.state, "created")
            for client in self.clients:
                self.assertEqual(len(self.moves_of(client)), 1)

            with patch.object(Cron, "_xero_out_of_time", return_value=True):
                run.action_push()  # the first batch, then interrupted
            self.assertEqual(len(self.puts()), 1)
            first = run.line_ids.filtered(lambda line: line.state == "pushed")
            self.assertEqual(len(first), 2)
            # a worker that died after Xero answered but before the lines were saved
            with owned_writes():
                first[0].sudo().state = "created"
            self.env["xero.billing.run"]._cron_xero_billing_runs()
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.line_ids.mapped("state")), {"pushed"})
        self.assertEqual(len(self.puts()), 2)  # the invoice already in Xero is not sent again
        self.assertEqual(len(self.xero_invoices()), 3)

    def test_a_chunks_checks_are_made_together(self):
        """Invoice time's checks of a chunk's clients cost a query each for them all (the time locked, read and
        checked, the accounts listed, the contacts read): a client more costs the queries of Odoo's own create of an
        invoice, not the checks again (bench/README.md, billing_run.py)."""
        self.month_of_time()

        def queries(clients):
            """The queries of creating the clients' invoices; the invoices are cancelled after (their time free)."""
            run = self.new_run(partner_ids=[(6, 0, clients.ids)])
            run.action_preview()
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            run.action_create_invoices()
            self.env.flush_all()
            count = self.env.cr.sql_log_count - before
            self.assertEqual((run.state, len(run.line_ids.move_id)), ("created", len(clients)))
            run.line_ids.move_id.button_cancel()
            return count

        queries(self.clients)  # the caches' first reads
        one, three = queries(self.clients[:1]), queries(self.clients)
        self.assertLessEqual((three - one) / 2, 12)  # 6.5 a client; 14.5 when each client's checks were its own

    def test_the_jobs_large_chunk_only_when_its_pass_has_time(self):
        self.month_of_time()
        run = self.new_run()
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(const, "BILLING_RUN_CHUNK", 1),
            patch.object(const, "BILLING_RUN_JOB_CHUNK", 3),
            patch.object(Cron, "_xero_out_of_time", return_value=True),  # a chunk per pass
        ):
            run.action_create_invoices()  # the button's chunk
            self.assertEqual(run.done_count, 1)
            with patch.object(Cron, "_xero_time_left", return_value=const.BILLING_RUN_JOB_CHUNK_SECONDS - 1):
                run._xero_work()  # too little time left for a large chunk: the small one
            self.assertEqual(run.done_count, 2)
            with patch.object(Cron, "_xero_time_left", return_value=const.BILLING_RUN_JOB_CHUNK_SECONDS):
                run._xero_work()
        self.assertEqual(run.state, "created")
        for client in self.clients:
            self.assertEqual(len(self.moves_of(client)), 1)

    def test_refused_client_keeps_its_reason(self):
        self.month_of_time()
        self.client_tasks[1].xero_hourly_rate = 0.0  # no rate anywhere: Invoice time refuses an invoice at 0
        run = self.new_run()
        run.action_create_invoices()
        refused = run.line_ids.filtered(lambda line: line.partner_id == self.client_tasks[1].partner_id)
        self.assertEqual(refused.state, "refused")
        self.assertIn("no hourly rate", refused.message)
        self.assertFalse(self.moves_of(refused.partner_id))
        self.assertEqual(run.created_count, 2)

    def test_contact_group_bills_its_members_only(self):
        self.month_of_time()
        group = self.sandbox.control.create_contact_group(self.tenant_id, "Monthly clients")
        member = self.clients[0]
        self.sandbox.control.add_to_group(self.tenant_id, group["ContactGroupID"], [member.xero_contact_id])
        record = self.env["xero.contact.group"]._refresh(self.tenant_id, [(group["ContactGroupID"], group["Name"])])
        run = self.new_run(contact_group_id=record.id)
        run.action_preview()
        self.assertEqual(run.line_ids.partner_id, member)

    def test_only_accountants_run_and_companies_stay_apart(self):
        self.month_of_time()
        employee = new_test_user(self.env, "xero_billing_employee", groups="base.group_user")
        run = self.new_run()
        with self.assertRaises(AccessError):
            run.with_user(employee).action_create_invoices()
        with self.assertRaises(AccessError):
            self.env["xero.billing.run"].with_user(employee).create(MARCH)
        self.assertEqual(run.state, "draft")
        other = self.env["res.company"].create({"name": "Other Ltd"})
        accountant = new_test_user(
            self.env, "xero_billing_other", groups="base.group_user,account.group_account_invoice", company_id=other.id
        )
        self.assertFalse(self.env["xero.billing.run"].with_user(accountant).search([]))
        self.assertFalse(self.env["xero.uninvoiced.time"].with_user(accountant).search([]))

    def test_scheduled_monthly_run_leaves_drafts_or_pushes(self):
        self.month_of_time()
        Run = self.env["xero.billing.run"]
        self.company.xero_billing_schedule = "monthly"
        [run] = Run._xero_schedule_due(today=date(2026, 4, 3))
        self.assertEqual((run.date_from, run.date_to, run.state), (date(2026, 3, 1), date(2026, 3, 31), "creating"))
        self.assertFalse(Run._xero_schedule_due(today=date(2026, 4, 20)))  # once per period
        Run._cron_xero_billing_runs()
        self.assertEqual(run.state, "created")
        self.assertEqual(set(run.line_ids.move_id.mapped("state")), {"draft"})
        self.assertFalse(self.puts())

        self.company.xero_billing_schedule_push = True
        april_time = self.env["account.analytic.line"].search([("name", "=", "April")])
        with owned_writes():
            april_time.xero_approval_state = "approved"
        [april] = Run._xero_schedule_due(today=date(2026, 5, 2))
        Run._cron_xero_billing_runs()
        self.assertEqual(april.state, "done")
        self.assertEqual(april.line_ids.move_id.mapped("state"), ["posted"] * 3)
        self.assertEqual(len(self.xero_invoices()), 3)
        self.assertEqual(len(self.puts()), 1)
        self.assertEqual(Run._xero_previous_period("weekly", date(2026, 4, 8)), (date(2026, 3, 30), date(2026, 4, 5)))

    def test_uninvoiced_time_by_client_and_month(self):
        self.month_of_time()
        View = self.env["xero.uninvoiced.time"].with_user(self.accountant)
        View.env.flush_all()
        rows = View.search([("partner_id", "=", self.clients[0].id)])
        march = rows.filtered(lambda r: r.period == date(2026, 3, 1))
        self.assertEqual((march.hours, march.approved_hours, march.oldest_date), (5.0, 2.0, date(2026, 3, 2)))
        self.assertEqual(march.approval, "partial")
        self.assertEqual(march.amount, 5 * 100.0)  # Invoice time's rate, on every billable hour of the month
        self.assertEqual(rows.filtered(lambda r: r.period == date(2026, 4, 1)).approval, "to_approve")
        self.new_run(partner_ids=[(6, 0, self.clients[0].ids)]).action_create_invoices()
        self.env.flush_all()
        march = View.search([("partner_id", "=", self.clients[0].id), ("period", "=", date(2026, 3, 1))])
        self.assertEqual((march.hours, march.approval), (3.0, "to_approve"))


@tagged("post_install", "-at_install")
class TestBillingRunTour(BillingRunMixin, HttpCase):
    registry_test_mode = False  # the sandbox mixin puts the registry in test mode itself

    def test_tour_accountant_bills_a_month(self):
        self.month_of_time()
        self.accountant.write({"password": "xero_accountant", "tour_enabled": False})
        self.start_tour(
            "/odoo/action-xero_timesync.xero_billing_run_action", "xero_timesync_billing_run", login="xero_accountant"
        )
        run = self.env["xero.billing.run"].search([])
        self.assertEqual(run.state, "done")
        self.assertEqual(set(run.line_ids.mapped("state")), {"pushed"})
        self.assertEqual(len(self.xero_invoices()), 3)
