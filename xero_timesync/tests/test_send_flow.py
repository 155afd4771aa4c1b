"""Odoo's Send with the "by Xero" method pushes through Push to Xero's own path, and a pushed invoice changed in
Odoo while Xero keeps it as a draft is updated in place (README "Odoo's Send, and Update in Xero")."""

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user

from ..models.xero_ledger_line import DIFFERENCE_KINDS
from .invoice_common import XeroInvoiceMixin


class TestSendFlow(XeroInvoiceMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner.with_company(cls.company).invoice_sending_method = "xero"
        cls.clerk = new_test_user(
            cls.env, "xero_clerk", groups="base.group_user,account.group_account_readonly", company_id=cls.company.id
        )
        cls.Send = cls.env["account.move.send"]

    def requests(self, method, path="/api.xro/2.0/Invoices"):
        return [r for r in self.sandbox.control.requests(path) if r["method"] == method]

    def stored(self, move):
        return {i["InvoiceID"]: i for i in self.xero_invoices()}.get(move.xero_invoice_id)

    def ledger_differences(self, move):
        Line = self.env["xero.ledger.line"]
        Line.with_user(self.accountant).action_xero_compare()
        line = Line.search([("move_id", "=", move.id)])
        return {kind for kind in DIFFERENCE_KINDS if line[f"{kind}_differs"]}

    def send_batch(self, moves, to_xero=None):
        """Send from the invoice list, as Odoo does it: the wizard queues the invoices (``sending_data``, with
        who sent them), Odoo's scheduled action sends them later."""
        wizard = (
            self.env["account.move.send.batch.wizard"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )
        # the dialog counts what Xero has still to receive
        self.assertEqual((wizard.summary_data or {}).get("xero", {}).get("count"), to_xero)
        wizard.action_send_and_print()
        self.assertTrue(all(moves.mapped("sending_data")))
        self.Send._generate_and_send_invoices(moves, from_cron=True)  # what _cron_account_move_send does

    def test_batch_send_pushes_once_in_one_put(self):
        moves = self.posted_invoice(100.0) | self.posted_invoice(200.0) | self.posted_invoice(300.0)
        self.send_batch(moves, to_xero=3)
        self.assertEqual(len(self.requests("PUT")), 1)
        self.assertTrue(all(moves.mapped("xero_invoice_id")))
        self.assertTrue(all(moves.mapped("is_move_sent")))
        self.assertEqual(sorted(i["Reference"] for i in self.xero_invoices()), sorted(moves.mapped("name")))
        self.assertEqual([self.stored(m)["Total"] for m in moves], moves.mapped("amount_total"))

        self.send_batch(moves)  # sent again: already in Xero, nothing created
        self.assertEqual(len(self.requests("PUT")), 1)
        self.assertEqual(len(self.xero_invoices()), 3)

    def test_send_dialog_of_one_invoice(self):
        move, refused = self.posted_invoice(100.0), self.posted_invoice(50.0, tax_ids=[(6, 0, self.tax.ids)])
        self.tax.xero_tax_type = False  # unmapped: Push to Xero refuses it before calling Xero
        Wizard = self.env["account.move.send.wizard"].with_user(self.accountant)
        wizard = Wizard.with_context(active_model="account.move", active_ids=refused.ids).create({})
        self.assertTrue(wizard.sending_method_checkboxes["xero"]["checked"])  # the client's preference
        with self.assertRaisesRegex(UserError, "Not sent to Xero:\n- .*no Xero tax type"):
            wizard.action_send_and_print()
        self.assertFalse(self.requests("PUT"))
        self.assertFalse(refused.is_move_sent)

        self.tax.xero_tax_type = "OUTPUT2"
        Wizard.with_context(active_model="account.move", active_ids=move.ids).create({}).action_send_and_print()
        self.assertEqual(len(self.requests("PUT")), 1)
        self.assertEqual(self.stored(move)["Reference"], move.name)
        self.assertTrue(move.is_move_sent)

    def test_who_may_not_push_sends_nothing(self):
        moves = self.posted_invoice(100.0) | self.posted_invoice(200.0)
        data = {move: self.Send._get_default_sending_settings(move) for move in moves}
        alerts = self.Send.with_user(self.clerk)._get_alerts(moves.with_user(self.clerk), data)
        with self.assertRaises(UserError):
            self.Send._raise_danger_alerts(alerts)  # the dialog refuses before anything is sent
        self.assertFalse(self.Send.with_user(self.accountant)._get_alerts(moves, data))

        # queued by someone who may not push (e.g. rights taken back before the scheduled action ran)
        moves.sending_data = {"author_user_id": self.clerk.id, "author_partner_id": self.clerk.partner_id.id}
        self.Send._generate_and_send_invoices(moves, from_cron=True)
        self.assertFalse(self.requests("PUT"))
        self.assertFalse(self.xero_invoices())
        self.assertFalse(any(moves.mapped("xero_invoice_id")))
        self.assertFalse(any(moves.mapped("is_move_sent")))
        self.assertIn("Only accountants and administrators", moves[0].message_ids[0].body)

    def pushed_then_edited(self):
        """Pushed as a Xero draft, reset to draft here, changed (a price, a line added), confirmed again."""
        move = self.posted_invoice(100.0)
        move.with_user(self.accountant).action_xero_push()
        self.assertEqual(self.stored(move)["Status"], "DRAFT")
        move.with_user(self.accountant).button_draft()
        self.assertEqual((move.state, move.xero_update_pending), ("draft", True))
        move.write(
            {
                "invoice_line_ids": [
                    (1, move.invoice_line_ids.id, {"price_unit": 150.0}),
                    (0, 0, {"name": "Travel", "quantity": 2, "price_unit": 40.25, "tax_ids": [(6, 0, self.tax.ids)]}),
                ]
            }
        )
        move.action_post()
        return move

    def test_draft_at_xero_is_updated_in_place(self):
        move = self.pushed_then_edited()
        invoice_id = move.xero_invoice_id
        self.assertEqual(self.ledger_differences(move), {"total", "tax", "due"})  # until Xero has the change
        self.sandbox.control.clear_requests()
        self.send_batch(move, to_xero=1)  # Send (or Update in Xero on the form) sends the change
        self.assertFalse(self.requests("PUT"))
        self.assertEqual(len(self.requests("POST", f"/api.xro/2.0/Invoices/{invoice_id}")), 1)
        stored = self.stored(move)
        self.assertEqual(len(self.xero_invoices()), 1)
        self.assertEqual(move.xero_invoice_id, invoice_id)
        self.assertEqual([line["Description"] for line in stored["LineItems"]], ["Consulting", "Travel"])
        self.assertEqual((stored["Total"], stored["TotalTax"]), (move.amount_total, move.amount_tax))
        self.assertEqual((move.xero_total, move.xero_total_tax), (move.amount_total, move.amount_tax))
        self.assertFalse(move.xero_update_pending)
        self.assertFalse(move.xero_push_error)
        line = self.env["xero.ledger.line"].search([("move_id", "=", move.id)])
        self.assertEqual(line.xero_total, move.amount_total)  # the update's answer, before any new compare
        self.assertEqual(self.ledger_differences(move), set())  # Compare with Xero: both ledgers agree

        move.with_user(self.accountant).action_xero_push()  # nothing pending any more: no call changes it
        self.assertEqual(len(self.requests("POST", f"/api.xro/2.0/Invoices/{invoice_id}")), 1)

    def test_not_a_draft_at_xero_is_refused_and_unchanged(self):
        move = self.pushed_then_edited()
        client = self.env["xero.service"]._xero_client(self.connection)
        client.update_invoice_status(move.xero_invoice_id, "AUTHORISED")  # approved in Xero meanwhile
        before = self.stored(move)
        self.sandbox.control.clear_requests()
        move.with_user(self.accountant).action_xero_push()
        self.assertEqual(self.stored(move), before)
        self.assertFalse(self.requests("POST", f"/api.xro/2.0/Invoices/{move.xero_invoice_id}"))
        self.assertTrue(move.xero_update_pending)
        self.assertEqual(move.xero_status, "AUTHORISED")
        self.assertIn("no longer keeps it as a draft", move.xero_push_error)

        with self.assertRaisesRegex(UserError, "no longer keeps it as a draft"):
            move.with_user(self.accountant).button_draft()  # read at Xero first: stays posted here
        self.assertEqual(move.state, "posted")
