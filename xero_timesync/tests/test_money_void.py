"""What Xero voids or deletes reaches Odoo, and one organisation's documents stay with it (issue 22, items 1, 8)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError

from xero_sandbox.control_client import SandboxControlError

from .common import XeroSandboxCase, load_migration
from .test_money_payments import XeroMoneyMixin

ACTIVITY = "xero_timesync.mail_activity_type_xero_voided"


class XeroVoidMixin(XeroMoneyMixin):
    def time_invoice(self, hours=2.0):
        """An invoice made from time, posted and pushed (AUTHORISED); returns (invoice, its timesheet)."""
        self.task.xero_hourly_rate = 100
        timesheet = self.timesheet(hours)
        move = self.invoice_time()
        move.action_post()
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        self.assertEqual(timesheet.xero_billed_move_id, move)
        return move, timesheet

    def at_xero(self, move, status):
        self.sandbox.control.set_invoice_status(self.tenant_id, move.xero_invoice_id, status)

    def xero_status(self, move):
        return next(i["Status"] for i in self.xero_invoices() if i["InvoiceID"] == move.xero_invoice_id)

    def activities(self, move):
        return move.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(ACTIVITY))

    def event(self, invoices=(), credit_notes=()):
        """INVOICE / CREDITNOTE events, fetched by the organisation's events job (the webhook is test_money_events')."""
        self.env["xero.invoice.event"].create(
            [
                {"tenant_id": self.connection.tenant_id, "category": category, "resource_id": resource}
                for category, resources in (("INVOICE", invoices), ("CREDITNOTE", credit_notes))
                for resource in resources
            ]
        )
        self.assertEqual(self.run_job("events").state, "done")


class TestVoidedAtXero(XeroVoidMixin, XeroSandboxCase):
    sandbox_options = {"contacts": 8, "seed": 5, "orgs": 2}  # the second one for the switch

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.connection.tenant_id == cls.tenant_id

    def test_invoice_voided_at_xero_is_cancelled_its_time_released_and_the_accountant_told_once(self):
        move, timesheet = self.time_invoice()
        self.at_xero(move, "VOIDED")
        self.pull()
        self.assertEqual(move.state, "cancel")
        self.assertEqual(move.xero_status, "VOIDED")
        self.assertFalse(timesheet.xero_billed_move_line_id, "released: it can be invoiced again")
        self.assertEqual(self.xero_status(move), "VOIDED")
        [activity] = self.activities(move)
        self.assertIn("voided in Xero", activity.note)
        self.assertIn("released", activity.note)
        self.assertTrue(activity.user_id.active and not activity.user_id.share)
        # the next pulls and events (the same change seen again) neither act nor tell twice
        self.job("invoices").watermark = False
        self.pull()
        self.event(invoices=[move.xero_invoice_id])
        self.assertEqual(len(self.activities(move)), 1)
        self.assertEqual(move.state, "cancel")
        # the released time is invoiced anew
        again = self.invoice_time()
        self.assertEqual(timesheet.xero_billed_move_id, again)

    def test_draft_deleted_at_xero_by_event_keeps_the_time_when_the_accountant_says_so(self):
        self.company.xero_push_status = "DRAFT"
        self.company.xero_void_time = "keep"
        move, timesheet = self.time_invoice()
        self.at_xero(move, "DELETED")
        self.event(invoices=[move.xero_invoice_id])
        self.assertEqual(move.state, "cancel")
        self.assertEqual(move.xero_status, "DELETED")
        self.assertEqual(timesheet.xero_billed_move_id, move, "kept on the cancelled invoice")
        [activity] = self.activities(move)
        self.assertIn("deleted in Xero", activity.note)
        self.event(invoices=[move.xero_invoice_id])
        self.pull()
        self.assertEqual(len(self.activities(move)), 1)
        self.assertEqual(self.xero_status(move), "DELETED")

    def test_paid_here_is_shown_not_cancelled_until_the_money_is_gone(self):
        move = self.pushed_invoice(100.0)
        payment = self.sandbox.control.record_payment(self.tenant_id, move.xero_invoice_id, amount=40)
        self.pull()
        self.assertEqual(move.payment_state, "partial")
        # Xero refuses to void it while paid: the payment goes first, then the void; one pull sees both
        with self.assertRaisesRegex(SandboxControlError, "Payments must be removed"):
            self.at_xero(move, "VOIDED")
        self.sandbox.control.delete_payment(self.tenant_id, payment["PaymentID"])
        self.at_xero(move, "VOIDED")
        self.pull()
        self.assertEqual(move.state, "cancel")
        self.assertEqual(len(self.activities(move)), 1, "no false alarm for the payment the same run took back")

        # paid here (by hand), voided there: a difference to show, never a guess
        other = self.pushed_invoice(80.0)
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=other.ids).create(
            {"journal_id": self.bank.id}
        )._create_payments()
        self.at_xero(other, "VOIDED")
        self.pull()
        self.assertEqual(other.state, "posted")
        self.assertIn(other.payment_state, ("paid", "in_payment"))
        self.assertEqual(other.xero_status, "VOIDED")
        self.assertEqual(other.xero_ledger_difference, "void_paid")
        [activity] = self.activities(other)
        self.assertIn("payments", activity.note)
        self.job("invoices").watermark = False
        self.pull()
        self.event(invoices=[other.xero_invoice_id])
        self.assertEqual(len(self.activities(other)), 1)
        self.assertEqual(len(other.activity_ids), 1, "the reconciliation does not tell the same difference again")
        self.assertEqual(other.state, "posted")

        # Push to Xero again: once and only once, never a second invoice beside the voided one
        self.sandbox.control.clear_requests()
        other.action_xero_push()
        self.assertIn("voided in Xero: a document is pushed once", other.xero_push_error)
        self.assertFalse(self.sandbox.control.requests(method="PUT"))
        copies = [i for i in self.sandbox.control.invoices(self.tenant_id) if i.get("Reference") == other.name]
        self.assertEqual(len(copies), 1)

    def test_locked_period_is_reversed(self):
        move, timesheet = self.time_invoice()
        self.company.sudo().sale_lock_date = move.date
        self.at_xero(move, "VOIDED")
        self.pull()
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.payment_state, "reversed")
        [reversal] = move.reversal_move_ids
        self.assertEqual(reversal.state, "posted")
        self.assertGreater(reversal.date, move.date)
        self.assertFalse(reversal.xero_invoice_id)
        self.assertFalse(timesheet.xero_billed_move_line_id)
        self.assertFalse(move.xero_ledger_difference)
        [activity] = self.activities(move)
        self.assertIn(reversal.display_name, activity.note)
        self.job("invoices").watermark = False
        self.pull()
        self.assertEqual(len(move.reversal_move_ids), 1, "reversed once")
        self.assertEqual(len(self.activities(move)), 1)

    def test_credit_note_voided_at_xero_is_cancelled(self):
        move = self.pushed_invoice(100.0)
        self.sandbox.control.record_payment(self.tenant_id, move.xero_invoice_id)
        self.pull()
        self.assertEqual(move.payment_state, "paid")
        refund = move._reverse_moves()
        refund.action_post()
        refund.action_xero_push()  # in Xero, not allocated: nothing is due there
        self.assertTrue(refund.xero_invoice_id)
        self.assertFalse(refund.xero_allocated)
        self.sandbox.control.set_credit_note_status(self.tenant_id, refund.xero_invoice_id, "VOIDED")
        self.event(credit_notes=[refund.xero_invoice_id])
        self.assertEqual(refund.state, "cancel")
        self.assertEqual(refund.xero_status, "VOIDED")
        self.assertEqual(len(self.activities(refund)), 1)
        self.assertEqual(move.payment_state, "paid", "the invoice keeps its Xero payment")
        self.job("money").watermark = False
        self.pull()
        self.assertEqual(len(self.activities(refund)), 1)

    def test_users_cannot_write_what_xero_said(self):
        move = self.pushed_invoice(100.0)
        for vals in (
            {"xero_tenant_id": "other"},
            {"xero_ledger_difference": "void_paid"},
            {"xero_gone_at": fields.Datetime.now()},
            {"xero_gone_followed": True},
        ):
            with self.assertRaises(AccessError):
                move.with_user(self.accountant).write(vals)
        self.assertEqual(move.xero_tenant_id, self.connection.tenant_id)
        self.assertFalse(move.xero_ledger_difference)

    # -- item 8: one organisation's documents stay with it -------------------------------------------
    def test_the_old_organisation_keeps_its_documents(self):
        old_tenant = self.connection.tenant_id
        move = self.pushed_invoice(100.0)
        self.assertEqual(move.xero_tenant_id, old_tenant)
        self.pull()
        self.assertTrue(self.job("invoices").watermark and self.job("money").watermark)
        # the company switches to the other organisation (its old clients archived first, as the wizard asks)
        self.xero_tasks(self.connection).write({"active": False})
        new_tenant = next(t["tenant_id"] for t in self.sandbox.tenants if t["tenant_id"] != old_tenant)
        self.assertEqual(self.connect(tenant_ids=[new_tenant]), self.connection)
        self.assertEqual(self.connection.tenant_id, new_tenant)
        self.assertFalse(self.job("invoices").watermark, "the new organisation's statuses start fresh")
        self.assertFalse(self.job("money").watermark)
        # the new organisation does not know it: it is never taken for deleted, nor cancelled, nor asked for
        self.job("invoices").watermark = fields.Datetime.now() - timedelta(days=30)
        self.pull()
        self.assertEqual((move.state, move.xero_status), ("posted", "AUTHORISED"))
        with self.assertRaises(UserError) as refused:
            move.button_cancel()
        self.assertIn("another Xero organisation", str(refused.exception))
        self.assertEqual(move.state, "posted")
        self.assertEqual(self.sandbox.control.invoices(old_tenant)[0]["Status"], "AUTHORISED")
        refund = move._reverse_moves()
        refund.action_post()
        action = refund.action_xero_push()
        self.assertIn("another Xero organisation", action["params"]["message"])
        self.assertFalse(self.sandbox.control.credit_notes(new_tenant))
        # what is pushed now belongs to the new one
        self.partner = self.xero_tasks(self.connection, active=True)[0].partner_id
        self.assertEqual(self.pushed_invoice(50.0).xero_tenant_id, new_tenant)

    def test_migration_records_the_organisation_of_documents_pushed_before(self):
        move = self.pushed_invoice(100.0)
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET xero_tenant_id = NULL WHERE id = %s", [move.id])
        self.env.invalidate_all()
        load_migration("19.0.1.5.0", "post-migrate").migrate(self.env.cr, "19.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(move.xero_tenant_id, self.connection.tenant_id)
        self.assertEqual(self.posted_invoice(10).xero_tenant_id, False, "not pushed: nothing to record")
