"""Both ledgers side by side (issue 22, "A reconciliation view"): Compare with Xero reads every pushed document
at Xero in pages of 100, stores what Xero said, sorts the differences first, counts them on the health panel and
tells the accountant once per difference; the hourly status pull compares what changed, at no extra call."""

import uuid

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..models.xero_ledger_line import DIFFERENCE_KINDS
from ..ownership import owned_writes
from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin

ACTIVITY = "xero_timesync.mail_activity_type_xero_difference"


class TestLedger(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.xero_push_status = "AUTHORISED"  # Xero voids and takes payments on approved invoices only
        cls.Line = cls.env["xero.ledger.line"]

    def push(self, *amounts):
        taxed = [self.posted_invoice(amount, tax_ids=[(6, 0, self.tax.ids)]) for amount in amounts]
        moves = self.env["account.move"].browse([move.id for move in taxed])
        report = self.env["xero.invoice.sync"]._xero_push(moves)
        self.assertFalse(any(report.values()), report)
        return moves

    def compare(self, user=None):
        return self.Line.with_user(user or self.accountant).action_xero_compare()

    def gets(self, collection):
        return self.sandbox.control.requests(f"/api.xro/2.0/{collection}", method="GET")

    def lines(self, moves):
        return self.Line.search([("move_id", "in", moves.ids)])  # the view's order: differences first

    def differences(self, lines):
        return {line.move_id: {kind for kind in DIFFERENCE_KINDS if line[f"{kind}_differs"]} for line in lines}

    def activities(self, moves):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "in", moves.ids),
                ("activity_type_id", "=", self.env.ref(ACTIVITY).id),
            ]
        )

    def xero_invoice(self, move):
        [invoice] = [i for i in self.xero_invoices() if i["InvoiceID"] == move.xero_invoice_id]
        return invoice

    def edit_at_xero(self, move, unit_amount):
        """Somebody changes the invoice's price in Xero (POST /Invoices/{id}, what Xero's own editor sends)."""
        lines = [
            {key: value for key, value in line.items() if key not in ("LineAmount", "TaxAmount")}
            | {"UnitAmount": unit_amount}
            for line in self.xero_invoice(move)["LineItems"]
        ]
        client = self.env["xero.service"]._xero_client(self.connection)
        client._call(
            lambda: client._accounting.update_invoice(
                client._tenant(),
                move.xero_invoice_id,
                {"Invoices": [{"InvoiceID": move.xero_invoice_id, "LineItems": lines}]},
                _preload_content=False,
            )
        )

    def test_compare_names_each_difference_first_and_tells_the_accountant_once(self):
        agreed, voided, part_paid, paid, edited = self.push(100, 110, 120, 130, 140)
        ghost = self.posted_invoice(150)
        with owned_writes():  # a document Xero does not know
            ghost.write({"xero_invoice_id": str(uuid.uuid4()), "xero_status": "AUTHORISED"})
        moves = agreed | voided | part_paid | paid | edited | ghost
        self.env["xero.service"]._xero_client(self.connection).update_invoice_status(voided.xero_invoice_id, "VOIDED")
        self.sandbox.control.record_payment(self.tenant_id, part_paid.xero_invoice_id, amount=40)
        self.sandbox.control.record_payment(self.tenant_id, paid.xero_invoice_id)
        self.edit_at_xero(edited, 200)
        self.sandbox.control.clear_requests()

        self.compare()

        [get] = self.gets("Invoices")  # 6 documents: one page of ids
        self.assertEqual(set(get["args"]["IDs"].split(",")), set(moves.mapped("xero_invoice_id")))
        lines = self.lines(moves)
        self.assertEqual(
            self.differences(lines),
            {
                agreed: set(),
                voided: {"status"},
                part_paid: {"due"},
                paid: {"status", "due"},
                edited: {"total", "tax", "due"},
                ghost: {"missing"},
            },
        )
        self.assertEqual(lines[-1].move_id, agreed, "the differences come first")
        by_move = {line.move_id: line for line in lines}
        at_xero = self.xero_invoice(edited)
        self.assertEqual(
            (by_move[edited].xero_total, by_move[edited].xero_total_tax, by_move[edited].xero_amount_due),
            (at_xero["Total"], at_xero["TotalTax"], at_xero["AmountDue"]),
        )
        self.assertNotEqual(by_move[edited].xero_total, edited.amount_total)
        self.assertAlmostEqual(by_move[part_paid].xero_amount_due, part_paid.amount_total - 40, places=2)
        self.assertEqual(by_move[voided].xero_status, "VOIDED")
        self.assertEqual(by_move[paid].xero_status, "PAID")
        self.assertEqual(by_move[agreed].xero_total, agreed.amount_total)
        self.assertIn("Amount due", by_move[part_paid].difference_summary)
        self.assertEqual(self.connection.ledger_difference_count, 5)
        # one activity per document that differs, for a billing user
        activities = self.activities(moves)
        self.assertEqual(sorted(activities.mapped("res_id")), sorted((moves - agreed).ids))
        self.assertTrue(all(user.has_group("account.group_account_invoice") for user in activities.user_id))

        self.compare()  # nothing changed: nobody is told twice
        self.assertEqual(self.activities(moves), activities)
        self.assertEqual(len(self.gets("Invoices")), 2)

        # a difference that changes is told again (once); one that is resolved closes its activity
        self.sandbox.control.record_payment(self.tenant_id, part_paid.xero_invoice_id)
        voided.button_cancel()  # Odoo follows Xero's void
        self.compare()
        now = self.activities(moves)
        self.assertEqual(
            now.filtered(lambda a: a.res_id != part_paid.id),
            activities.filtered(lambda a: a.res_id not in (part_paid.id, voided.id)),
        )
        [again] = now.filtered(lambda a: a.res_id == part_paid.id)
        self.assertNotIn(again, activities)
        self.assertEqual(self.differences(self.lines(part_paid))[part_paid], {"status", "due"})
        self.assertEqual(self.differences(self.lines(voided))[voided], set())
        self.connection.invalidate_recordset(["ledger_difference_count"])
        self.assertEqual(self.connection.ledger_difference_count, 4)

    def test_one_call_per_hundred_documents_within_the_budget(self):
        pushed = self.push(100)
        with owned_writes():  # documents once in Xero, deleted there and cancelled here: both ledgers agree
            gone = (
                self.env["account.move"]
                .with_context(tracking_disable=True, mail_create_nolog=True)
                .create(
                    [
                        {
                            "move_type": move_type,
                            "partner_id": self.partner.id,
                            "state": "cancel",
                            "xero_invoice_id": str(uuid.uuid4()),
                            "xero_tenant_id": self.tenant_id,
                            "xero_status": "DELETED",
                        }
                        for move_type in ["out_invoice"] * 100 + ["out_refund"]
                    ]
                )
            )
        budget = self.env["xero.rate.budget"].search([("tenant_id", "=", self.tenant_id)])
        spent = budget.day_calls
        self.sandbox.control.clear_requests()

        self.compare()

        invoices, credit_notes = self.gets("Invoices"), self.gets("CreditNotes")
        self.assertEqual(sorted(len(get["args"]["IDs"].split(",")) for get in invoices), [1, 100])  # 101 invoices
        self.assertEqual(len(credit_notes), 1)
        self.assertEqual(len(self.sandbox.control.requests("/api.xro")), 3)
        budget.invalidate_recordset()
        self.assertEqual(budget.day_calls, spent + 3, "every call is counted against the organisation's budget")
        lines = self.lines(pushed | gone)
        self.assertEqual(len(lines), 102)
        self.assertEqual(sum(lines.mapped("difference_count")), 0)
        self.assertTrue(all(lines.filtered(lambda line: line.move_id in gone).mapped("xero_missing")))
        self.assertFalse(self.activities(pushed | gone))

    def test_a_credit_note_allocated_at_xero_agrees_with_its_reconciled_reversal(self):
        [invoice] = self.push(100)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Wrong client"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.action_post()
        self.assertFalse(any(self.env["xero.invoice.sync"]._xero_push(refund).values()))
        self.sandbox.control.clear_requests()

        self.compare()

        self.assertEqual(len(self.gets("CreditNotes")), 1)
        lines = self.lines(invoice | refund)
        self.assertEqual(self.differences(lines), {invoice: set(), refund: set()})
        self.assertEqual(set(lines.mapped("xero_status")), {"PAID"})  # the invoice credited whole, the note used up
        self.assertEqual(set(lines.mapped("odoo_state")), {"paid"})
        self.assertEqual(lines.filtered(lambda line: line.move_id == refund).xero_total, refund.amount_total)

    def test_the_hourly_pull_compares_what_changed_at_no_extra_call(self):
        agreed, paid = self.push(100, 110)
        self.sandbox.control.record_payment(self.tenant_id, paid.xero_invoice_id)  # no payments journal: it waits
        self.sandbox.control.clear_requests()

        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()

        self.assertFalse([get for get in self.gets("Invoices") if "IDs" in get["args"]], "the pull's own pages")
        self.assertEqual(self.differences(self.lines(agreed | paid)), {agreed: set(), paid: {"status", "due"}})
        [activity] = self.activities(agreed | paid)
        self.assertEqual(activity.res_id, paid.id)
        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()
        self.assertEqual(self.activities(agreed | paid), activity)

    def test_billing_roles_only(self):
        self.push(100)
        self.compare()
        self.sandbox.control.clear_requests()
        employee = new_test_user(self.env, "ledger_employee", groups="base.group_user")
        xero_admin = new_test_user(
            self.env, "ledger_xero_admin", groups="base.group_user,xero_timesync.group_xero_admin"
        )
        for user in (employee, xero_admin):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.compare(user)
                with self.assertRaises(AccessError):
                    self.Line.with_user(user).search([])
        self.assertFalse(self.sandbox.control.requests("/api.xro"), "no call to Xero for them")
        # the Xero administrator reads the count on the health panel, not the invoices
        self.assertEqual(self.connection.with_user(xero_admin).ledger_difference_count, 0)
        [line] = self.Line.with_user(self.accountant).search([])
        with self.assertRaises(AccessError):
            line.write({"xero_total": 1.0})
