"""Credit notes both ways, the timesheet PDF on the Xero invoice, View online invoice (issue 15, parts 2 and 4)."""

from datetime import date

from odoo.exceptions import UserError

from .common import XeroSandboxCase
from .test_money_payments import XeroMoneyMixin


class TestCreditNotes(XeroMoneyMixin, XeroSandboxCase):
    def reverse(self, move, release_time=False):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "Wrong client", "xero_release_time": release_time})
        )
        action = wizard.refund_moves()
        refund = self.env["account.move"].browse(action["res_id"])
        refund.action_post()
        return refund

    def test_odoo_reversal_is_pushed_once_allocated_and_reconciled(self):
        move = self.pushed_invoice(100.0)
        refund = self.reverse(move)
        self.assertTrue(refund.xero_credit_pushable)
        action = refund.action_xero_push()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        [note] = self.sandbox.control.credit_notes(self.tenant["tenant_id"])
        self.assertEqual(note["Type"], "ACCRECCREDIT")
        self.assertEqual(note["Reference"], refund.name)
        self.assertAlmostEqual(note["Total"], refund.amount_total, places=2)
        self.assertEqual((refund.xero_total, refund.xero_total_tax), (refund.amount_total, refund.amount_tax))
        self.assertEqual([a["Invoice"]["InvoiceID"] for a in note["Allocations"]], [move.xero_invoice_id])
        self.assertEqual(refund.xero_invoice_id, note["CreditNoteID"])
        self.assertTrue(refund.xero_allocated)
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["AmountDue"], 0)
        self.assertEqual(move.payment_state, "reversed")
        # again: nothing new at Xero; the pull does not bring it back as a second credit note
        refund.action_xero_push()
        self.env.company.xero_money_since = False
        self.pull()
        self.assertEqual(len(self.sandbox.control.credit_notes(self.tenant["tenant_id"])), 1)
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", move.id)]), 1)
        with self.assertRaisesRegex(UserError, "void it in Xero"):
            refund.button_cancel()

    def test_lost_response_is_replayed_and_never_doubles(self):
        move = self.pushed_invoice(100.0)
        refund = self.reverse(move)
        self.sandbox.control.inject_fault("PUT", "/api.xro/2.0/CreditNotes", "drop", count=1)
        refund.action_xero_push()
        self.assertEqual(len(self.sandbox.control.credit_notes(self.tenant["tenant_id"])), 1)
        self.assertTrue(refund.xero_allocated)
        # a credit note whose answer never came back is looked up before creating
        refund2 = self.reverse(self.pushed_invoice(50.0))
        self.sandbox.control.inject_fault("PUT", "/api.xro/2.0/CreditNotes", "error_after_processing", count=9)
        refund2.action_xero_push()
        self.assertFalse(refund2.xero_invoice_id)
        self.sandbox.control.clear_faults()
        refund2.action_xero_push()
        self.assertEqual(len(self.sandbox.control.credit_notes(self.tenant["tenant_id"])), 2)
        self.assertTrue(refund2.xero_allocated)

    def test_time_is_released_only_when_the_accountant_says_so(self):
        self.task.xero_hourly_rate = 100
        self.timesheet(2)
        move = self.invoice_time()
        move.action_post()
        self.env["xero.invoice.sync"]._xero_push(move)
        self.reverse(move)  # not released: the time stays invoiced
        self.assertEqual(self.env["account.analytic.line"].search_count([("xero_billed_move_id", "=", move.id)]), 1)
        self.timesheet(1, day=date(2026, 3, 4))
        move2 = self.invoice_time()
        self.assertEqual(move2.xero_timesheet_count, 1)
        move2.action_post()
        self.env["xero.invoice.sync"]._xero_push(move2)
        self.reverse(move2, release_time=True)
        self.assertFalse(self.env["account.analytic.line"].search([("xero_billed_move_id", "=", move2.id)]))

    def test_credit_note_made_at_xero_comes_back_reconciled_once(self):
        move = self.pushed_invoice(100.0)
        made = self.sandbox.control.create_credit_note(self.tenant["tenant_id"], move.xero_invoice_id, amount=30)
        self.pull()
        refund = self.env["account.move"].search([("reversed_entry_id", "=", move.id)])
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.xero_invoice_id, made["credit_note"]["CreditNoteID"])
        self.assertAlmostEqual(refund.amount_total, 30, places=2)
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, move.amount_total - 30, places=2)
        self.env.company.xero_money_since = False
        self.pull()
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", move.id)]), 1)


class TestTimeBehindTheInvoice(XeroMoneyMixin, XeroSandboxCase):
    def test_push_attaches_the_timesheets_online_and_view_online_opens_it(self):
        self.task.xero_hourly_rate = 100
        self.timesheet(1.5, name="Design review")
        self.timesheet(2, day=date(2026, 3, 3), employee=self.ben, name="Build")
        move = self.invoice_time()
        move.action_post()
        html = self.env["ir.actions.report"]._render_qweb_html("xero_timesync.action_report_xero_timesheets", move.ids)[
            0
        ]
        for text in (b"Design review", b"Ben", b"1:30", b"3:30"):
            self.assertIn(text, html)
        self.assertTrue(self.env["xero.invoice.sync"]._xero_timesheet_pdf(move).startswith(b"%PDF-"))
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_timesheets_attached)
        puts = [r for r in self.sandbox.control.requests("/api.xro/2.0/Invoices/") if r["method"] == "PUT"]
        [upload] = [r for r in puts if "/Attachments/" in r["path"]]
        self.assertIn(move.xero_invoice_id, upload["path"])
        self.assertTrue(upload["path"].endswith(".pdf"))
        self.assertIn("includeonline=true", upload["query"].lower())
        client = self.env["xero.service"]._xero_client(self.connection)
        [invoice] = client.get_full_invoices([move.xero_invoice_id])
        self.assertEqual(invoice.status, "AUTHORISED")
        action = move.action_xero_view_online()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(move.xero_invoice_id, action["url"])

    def test_view_online_is_refused_for_drafts_and_a_failed_attachment_is_retried_hourly(self):
        self.company.xero_push_status = "DRAFT"
        self.task.xero_hourly_rate = 100
        self.timesheet(1)
        move = self.invoice_time()
        move.action_post()
        self.sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices/", "400", count=1)
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id)
        with self.assertRaisesRegex(UserError, "once they are approved"):
            move.action_xero_view_online()
        self.pull()
        self.assertTrue(move.xero_timesheets_attached)
