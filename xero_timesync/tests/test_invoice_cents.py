"""Issue 22: both ledgers agree to the cent (items 3, 4 and 9)."""

import random
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.totals import exact_line, exact_unit_price

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin


@tagged("post_install", "-at_install")
class TestTotalsToTheCent(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax = cls.env["account.tax"]

        def tax(name, amount, xero_type, included=False):
            return Tax.create(
                {
                    "name": name,
                    "amount": amount,
                    "type_tax_use": "sale",
                    "company_id": cls.company.id,
                    "xero_tax_type": xero_type,
                    "price_include_override": "tax_included" if included else "tax_excluded",
                }
            )

        cls.taxes = [
            tax("GST 15%", 15, "OUTPUT2"),
            tax("Rate 12.5%", 12.5, "OUTPUT125"),
            tax("VAT 20%", 20, "OUTPUT20"),
            tax("Zero 0%", 0, "NONE"),
            tax("GST 15% incl.", 15, "OUTPUT2", included=True),
            tax("VAT 20% incl.", 20, "OUTPUT20", included=True),
        ]
        cls.task2.partner_id = cls.partner

    def setUp(self):
        super().setUp()
        for tax_type, rate in (("OUTPUT125", 12.5), ("OUTPUT20", 20)):
            self.sandbox.control.add_tax_rate(self.tenant_id, tax_type, rate)

    def test_connecting_rounds_tax_per_line_as_xero_does(self):
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_per_line")

    def test_thirty_invoices_reach_xero_with_odoos_totals(self):
        """Item 4: mixed rates, price-included and excluded, 6-/15-minute and no rounding, one batch push.

        The same 30 invoices on a company rounding tax globally (Odoo's default) are 7 a cent off Xero's."""
        rng = random.Random(22)
        self.task.xero_hourly_rate = 133.33
        self.task2.xero_hourly_rate = 97.5
        moves = self.env["account.move"]
        # 30 wizards read Xero's accounts: 60 calls in seconds, which the budget would spread over minutes
        self.sandbox.control.set_rate_limits(minute=500)
        with patch.object(const, "MINUTE_LIMIT", 500):
            for n in range(30):
                self.company.xero_invoice_rounding = ("0", "6", "15")[n % 3]
                for task in (self.task, self.task2):
                    for _i in range(rng.randint(1, 3)):
                        self.timesheet(rng.randint(1, 200) / 60, day=date(2026, 3, 1 + n % 28), task=task)
                taxes = (*self.taxes, self.env["account.tax"])[n % (len(self.taxes) + 1)]  # and one without tax
                move = self.invoice_time(tax_ids=[Command.set(taxes.ids)])
                moves |= move
            moves.action_post()
            Sync = type(self.env["xero.invoice.sync"])
            with patch.object(Sync, "_xero_attach_timesheets", lambda *args, **kwargs: None):  # not what is tested
                moves.action_xero_push()
        self.assertFalse(moves.filtered("xero_push_error"), moves.mapped("xero_push_error"))
        [batch] = [r for r in self.puts() if r["path"] == "/api.xro/2.0/Invoices"]
        self.assertEqual(batch["args"].get("unitdp"), "4")
        at_xero = {invoice["Reference"]: invoice for invoice in self.xero_invoices()}
        for move in moves:
            invoice = at_xero[move.name]
            self.assertEqual((invoice["Total"], invoice["TotalTax"]), (move.amount_total, move.amount_tax), move.name)
            self.assertEqual((move.xero_total, move.xero_total_tax), (move.amount_total, move.amount_tax))
        self.assertEqual(
            {invoice["LineAmountTypes"] for invoice in at_xero.values()}, {"Exclusive", "Inclusive", "NoTax"}
        )
        self.assertFalse(moves.activity_ids, "no difference, nobody bothered")

    def test_totals_xero_would_compute_otherwise_are_refused_before_pushing(self):
        """A company back on "Round per Tax": three lines of 1.05 at 15% are 0.47 of tax in Odoo, 0.48 at Xero."""
        self.company.tax_calculation_rounding_method = "round_globally"
        line = {"name": "Item", "quantity": 1, "price_unit": 1.05, "tax_ids": [Command.set(self.taxes[0].ids)]}
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "invoice_line_ids": [Command.create(line) for _i in range(3)],
            }
        )
        move.action_post()
        self.assertEqual(move.amount_tax, 0.47)
        move.action_xero_push()
        self.assertFalse(move.xero_invoice_id)
        self.assertFalse(self.xero_invoices(), "nothing reached Xero")
        self.assertIn(move.name, move.xero_push_error)
        self.assertIn("3.62", move.xero_push_error)  # Odoo's total
        self.assertIn("3.63", move.xero_push_error)  # Xero's
        self.assertIn("Round per Line", move.xero_push_error)

    def test_a_total_xero_answers_otherwise_is_stored_with_one_activity(self):
        """The rate of a TaxType changed at Xero after Odoo read it: Xero's totals are compared after the push."""
        self.posted_invoice(10, tax_ids=[Command.set(self.taxes[1].ids)]).action_xero_push()  # reads the rates
        rates = self.env["xero.tax.rate"]._xero_rates(self.connection)
        rates["OUTPUT125"].sudo().rate = 15  # what Odoo believes; Xero applies 12.5%
        self.taxes[1].amount = 15
        move = self.posted_invoice(100, tax_ids=[Command.set(self.taxes[1].ids)])
        move.action_xero_push()
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        self.assertEqual((move.amount_total, move.xero_total, move.xero_total_tax), (115.0, 112.5, 12.5))
        [activity] = move.activity_ids
        self.assertIn("112.50", str(activity.note))
        self.env["xero.invoice.sync"]._xero_store_totals({move: self.xero_invoice_of(move)})
        self.assertEqual(len(move.activity_ids), 1, "one activity per difference, not one per look")

    def xero_invoice_of(self, move):
        client = self.env["xero.service"]._xero_client(self.connection)
        [invoice] = client.get_full_invoices([move.xero_invoice_id])
        return invoice

    def test_no_rounding_bills_the_exact_time_at_xero(self):
        """Item 9: 1:32 at 150/h is 230.00 in Odoo and at Xero, the line still in hours."""
        self.task.xero_hourly_rate = 150
        self.timesheet(1 + 32 / 60)
        move = self.invoice_time(tax_ids=[Command.set(self.taxes[0].ids)])
        line = move.invoice_line_ids
        self.assertEqual((line.quantity, line.price_subtotal), (1.53, 230.0))
        self.assertIn("1:32", line.name)
        move.action_post()
        move.action_xero_push()
        [invoice] = self.xero_invoices()
        self.assertEqual((invoice["SubTotal"], invoice["Total"]), (230.0, 264.5))
        self.assertEqual(invoice["LineItems"][0]["Quantity"], 1.53)

    def test_every_line_up_to_100_hours_has_an_exact_price_and_longer_ones_move_a_hundredth(self):
        for minutes in range(1, 6001):
            amount = round(minutes * 150 / 60 + 1e-9, 2)
            self.assertIsNotNone(exact_unit_price(round(minutes / 60, 2), amount, 150), minutes)
        # 160:01 at 99.99/h = 16,000.07: no 4-decimal price bills it on 160.02 h, one does on 160.01 h
        self.assertIsNone(exact_unit_price(160.02, 16000.07, 99.99))
        self.assertEqual(exact_line(160.02, 16000.07, 99.99, 0.01), (160.01, 99.9942))

    def test_another_currency_sends_odoos_rate(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "name": date(2026, 3, 1), "company_rate": 0.8125, "company_id": self.company.id}
        )
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "currency_id": eur.id,
                "invoice_date": date(2026, 3, 2),
                "invoice_line_ids": [Command.create({"name": "Work", "quantity": 1, "price_unit": 100})],
            }
        )
        move.action_post()
        self.assertAlmostEqual(move.invoice_currency_rate, 0.8125)
        move.action_xero_push_other_currency()
        [invoice] = self.xero_invoices()
        self.assertEqual((invoice["CurrencyCode"], invoice["CurrencyRate"]), ("EUR", 0.8125))
        base = self.posted_invoice(10)  # in the organisation's currency: Xero needs no rate
        base.action_xero_push()
        sent = [i for i in self.xero_invoices() if i["Reference"] == base.name]
        self.assertEqual(sent[0]["CurrencyRate"], 1.0)

    def test_the_fiscal_position_maps_taxes_and_account(self):
        """Item 3: an export client is billed the export tax, on the export revenue account."""
        export_tax = self.taxes[3]
        income = self.env["account.account"].search(
            [("xero_account_code", "=", self.connection.revenue_account_code)], limit=1
        ) or self.env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", self.company.ids)], limit=1
        )
        export_income = income.copy({"code": "EXP400", "name": "Export sales"})
        mapping = {"account_src_id": income.id, "account_dest_id": export_income.id}
        position = self.env["account.fiscal.position"].create(
            {"name": "Export", "company_id": self.company.id, "account_ids": [Command.create(mapping)]}
        )
        export_tax.original_tax_ids = self.taxes[0]
        position.tax_ids = export_tax
        self.partner.with_company(self.company).property_account_position_id = position
        self.task.xero_hourly_rate = 100
        self.timesheet(2)
        move = self.invoice_time(tax_ids=[Command.set(self.taxes[0].ids)], income_account_id=income.id)
        self.assertEqual(move.fiscal_position_id, position)
        self.assertEqual(move.invoice_line_ids.tax_ids, export_tax)
        self.assertEqual(move.invoice_line_ids.account_id, export_income)
        self.assertEqual(move.amount_total, 200.0)
