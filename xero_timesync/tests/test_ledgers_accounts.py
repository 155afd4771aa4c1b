"""Both ledgers agree (issue 22, items 2, 5, 6, 7): cancelling is atomic per invoice, invoicing users never
change the chart of accounts, the Expense account means the same in Odoo and Xero, and the timesheet PDF adds up
to the invoice."""

from datetime import date
from unittest.mock import patch

import lxml.html

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin
from .test_timesheet_pdf import SYNC_LOGGER, pdf_facts


@tagged("post_install", "-at_install")
class TestCancelAtomicPerInvoice(XeroInvoiceMixin, XeroSandboxCase):
    def xero_status(self, move):
        [invoice] = [i for i in self.xero_invoices() if i["InvoiceID"] == move.xero_invoice_id]
        return invoice["Status"]

    def pushed(self, *amounts):
        self.company.xero_push_status = "AUTHORISED"
        moves = self.env["account.move"].browse([self.posted_invoice(amount).id for amount in amounts])
        moves.with_user(self.accountant).action_xero_push()
        return moves

    def test_xero_refusing_the_second_void_cancels_the_first_and_names_the_second(self):
        first, second = self.pushed(100.0, 200.0)
        self.sandbox.control.record_payment(self.tenant["tenant_id"], second.xero_invoice_id, amount=50)
        action = (first | second).with_user(self.accountant).button_cancel()
        (first | second).invalidate_recordset()
        self.assertEqual((first.state, first.xero_status, self.xero_status(first)), ("cancel", "VOIDED", "VOIDED"))
        self.assertEqual(
            (second.state, second.xero_status, self.xero_status(second)), ("posted", "AUTHORISED", "AUTHORISED")
        )
        message = action["params"]["message"]
        self.assertIn(second.name, message)
        self.assertNotIn(first.name, message)
        self.assertIn("Payments must be removed", message)
        self.assertIn(second.name, action["params"]["message"])
        self.assertIn("not cancelled", second.message_ids[0].body)

    def test_an_unexpected_error_on_one_invoice_keeps_the_others_cancelled_in_both_ledgers(self):
        first, second = self.pushed(100.0, 200.0)
        Move = type(self.env["account.move"])
        original = Move._xero_release_timesheets

        def broken(moves):
            if second in moves:
                raise RuntimeError("boom")
            return original(moves)

        with patch.object(Move, "_xero_release_timesheets", broken), mute_logger(SYNC_LOGGER):
            action = (first | second).with_user(self.accountant).button_cancel()
        (first | second).invalidate_recordset()
        self.assertEqual((first.state, self.xero_status(first)), ("cancel", "VOIDED"))
        self.assertEqual((second.state, self.xero_status(second)), ("posted", "AUTHORISED"))
        self.assertIn(second.name, action["params"]["message"])

    def test_one_refused_invoice_is_refused_by_name_and_nothing_changes(self):
        first, second = self.pushed(100.0, 200.0)
        self.sandbox.control.record_payment(self.tenant["tenant_id"], first.xero_invoice_id, amount=50)
        with self.assertRaisesRegex(UserError, first.name.replace("/", ".")):
            first.with_user(self.accountant).button_cancel()
        (first | second).invalidate_recordset()
        self.assertEqual((first.state, self.xero_status(first)), ("posted", "AUTHORISED"))
        self.assertEqual((second.state, self.xero_status(second)), ("posted", "AUTHORISED"))


@tagged("post_install", "-at_install")
class TestNoChartChangesByInvoicingUsers(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.adviser = new_test_user(
            cls.env, "xero_adviser", groups="base.group_user,account.group_account_manager", company_id=cls.company.id
        )
        cls.task.xero_hourly_rate = 100
        cls.Account = cls.env["account.account"].with_context(active_test=False)

    def chart(self):
        self.env.invalidate_all()
        return {a.id: (a.code, a.name, a.xero_account_code) for a in self.Account.search([])}

    def open_mapping(self, user):
        action = self.env["xero.account.mapping"].with_user(user)._xero_open(self.company)
        return self.env["xero.account.mapping"].with_user(user).browse(action["res_id"])

    def test_enable_integration_mapped_the_revenue_account_to_the_default_income_account(self):
        self.assertEqual(self.company.income_account_id.xero_account_code, self.connection.revenue_account_code)

    def test_an_unmapped_revenue_account_is_refused_with_what_to_ask_an_adviser(self):
        self.company.income_account_id.xero_account_code = False
        self.timesheet(2)
        before = self.chart()
        wizard = self.wizard().with_user(self.accountant)
        self.assertFalse(wizard.income_account_id)
        with self.assertRaisesRegex(UserError, f"{self.connection.revenue_account_code} .*Ask an adviser to map"):
            wizard.action_create_invoice()
        self.assertEqual(self.chart(), before, "no account created or mapped")
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.partner.id)]))

    def test_the_accountants_own_income_account_is_not_mapped_by_invoicing(self):
        self.timesheet(2)
        income = self.Account.create({"name": "Consulting income", "code": "X4001", "account_type": "income"})
        move = self.invoice_time(income_account_id=income.id)
        self.assertEqual(move.invoice_line_ids.account_id, income)
        self.assertFalse(income.xero_account_code, "the chart is the adviser's")
        other = self.Account.create(
            {"name": "Other sales", "code": "X4002", "account_type": "income", "xero_account_code": "260"}
        )
        self.timesheet(1)
        with self.assertRaisesRegex(UserError, "mapped to the Xero account 260"):
            self.invoice_time(income_account_id=other.id)

    def test_an_adviser_maps_the_organisations_accounts_an_accountant_cannot(self):
        revenue, expense = self.connection.revenue_account_code, self.connection.expense_account_code
        wizard = self.open_mapping(self.adviser)
        lines = {line.code: line for line in wizard.line_ids}
        self.assertEqual(lines[revenue].account_class, "REVENUE")
        self.assertEqual(lines[expense].account_class, "EXPENSE")
        self.assertTrue(lines[revenue].chosen and lines[expense].chosen)
        self.assertGreater(len(lines), 2, "the organisation's accounts, read from Xero")
        self.assertEqual(lines[revenue].account_id, self.company.income_account_id)
        recharges = self.Account.create({"name": "Recharged costs", "code": "X6001", "account_type": "expense"})
        sales = self.Account.create({"name": "Time sales", "code": "X4003", "account_type": "income"})
        wizard.write(
            {
                "line_ids": [
                    (1, lines[expense].id, {"account_id": recharges.id}),
                    (1, lines[revenue].id, {"account_id": sales.id}),
                ]
            }
        )
        wizard.action_save()
        self.assertEqual(recharges.xero_account_code, expense)
        self.assertEqual(sales.xero_account_code, revenue)
        self.assertFalse(self.company.income_account_id.xero_account_code, "no longer the revenue account")
        # an income account is no Xero expense account; one Odoo account is one Xero account
        for line, account in ((lines[expense], sales), (lines[revenue], recharges)):
            with self.subTest(code=line.code), self.assertRaises(ValidationError), self.env.cr.savepoint():
                line.account_id = account
                wizard.action_save()
        before = self.chart()
        with self.assertRaises(AccessError):
            self.open_mapping(self.accountant)
        with self.assertRaises(AccessError):
            wizard.with_user(self.accountant).action_save()
        self.assertEqual(self.chart(), before)


@tagged("post_install", "-at_install")
class TestTimesheetPdfMatchesTheInvoice(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.xero_invoice_rounding = "15"
        cls.task.xero_hourly_rate = 100
        day = date(2026, 3, 2)
        for employee, minutes, name in ((cls.ana, 20, "Call"), (cls.ana, 40, "Review"), (cls.ben, 60, "Design")):
            cls.env["account.analytic.line"].create(
                {
                    "name": name,
                    "project_id": cls.task.project_id.id,
                    "task_id": cls.task.id,
                    "employee_id": employee.id,
                    "unit_amount": minutes / 60,
                    "date": day,
                }
            )
        wizard = cls.env["xero.invoice.wizard"].browse(
            cls.env["xero.invoice.wizard"]._action_open(cls.partner)["res_id"]
        )
        wizard.grouping = "employee"
        cls.move = cls.env["account.move"].browse(wizard.action_create_invoice()["res_id"])

    def cells(self, html, css_class):
        tree = lxml.html.fromstring(html)
        return [" ".join(cell.text_content().split()) for cell in tree.xpath(f"//*[contains(@class, '{css_class}')]")]

    def test_billed_hours_in_h_mm_per_invoice_line_and_in_total_tracked_only_where_they_differ(self):
        lines = self.move.invoice_line_ids.sorted("sequence")
        self.assertEqual(lines.mapped("quantity"), [1.25, 1.0])  # Ana 0:20 → 0:30 and 0:40 → 0:45; Ben 1:00
        html = self.env["ir.actions.report"]._render_qweb_html(
            "xero_timesync.action_report_xero_timesheets", self.move.ids
        )[0]
        self.assertEqual(self.cells(html, "o_xero_line_hours"), ["1:15", "1:00"], "one group per invoice line")
        self.assertEqual(self.cells(html, "o_xero_line_name"), lines.mapped("name"))
        self.assertEqual(self.cells(html, "o_xero_billed"), ["0:30", "0:45", "1:00"])
        self.assertEqual(self.cells(html, "o_xero_tracked"), ["0:20", "0:40", ""])
        self.assertEqual(self.cells(html, "o_xero_total"), ["2:15"])
        self.assertEqual(sum(lines.mapped("quantity")), 2.25)
        # the plain renderer (no wkhtmltopdf) shows the same figures
        text = pdf_facts(self.env["xero.invoice.sync"]._xero_timesheet_pdf_plain(self.move))[0]
        for figure in ("0:20", "0:30", "0:40", "0:45", "1:00", "1:15", "2:15"):
            self.assertIn(figure, text)

    def test_without_rounding_the_tracked_time_is_the_billed_time(self):
        self.company.xero_invoice_rounding = "0"
        self.timesheet(92 / 60, task=self.task2, name="Exact")
        self.task2.xero_hourly_rate = 150
        move = self.invoice_time(self.task2)
        html = self.env["ir.actions.report"]._render_qweb_html("xero_timesync.action_report_xero_timesheets", move.ids)[
            0
        ]
        self.assertEqual(self.cells(html, "o_xero_billed"), ["1:32"])
        self.assertEqual(self.cells(html, "o_xero_tracked"), [], "no tracked column when nothing differs")
        self.assertEqual(self.cells(html, "o_xero_total"), ["1:32"])


@tagged("post_install", "-at_install")
class TestTheExpenseAccountHasOneMeaning(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task.xero_hourly_rate = 80
        Account = cls.env["account.account"]
        cls.recharges = Account.create(
            {
                "name": "Costs re-billed",
                "code": "X6001",
                "account_type": "expense",
                "xero_account_code": cls.connection.expense_account_code,
            }
        )
        cls.unmapped_expense = Account.create({"name": "Office costs", "code": "X6002", "account_type": "expense"})
        cls.unmapped_income = Account.create({"name": "Other sales", "code": "X4009", "account_type": "income"})

    def invoice_with(self, *lines):
        self.timesheet(1)
        move = self.invoice_time()
        move.write({"invoice_line_ids": [(0, 0, {"quantity": 1, "tax_ids": [], **vals}) for vals in lines]})
        move.action_post()
        return move

    def pushed_lines(self, move):
        [invoice] = [i for i in self.xero_invoices() if i["InvoiceID"] == move.xero_invoice_id]
        return {line["Description"]: line["AccountCode"] for line in invoice["LineItems"]}

    def test_time_on_the_revenue_account_re_billed_costs_on_the_expense_account_in_both_ledgers(self):
        wizard = self.wizard()
        self.assertEqual(wizard.cost_account_id, self.recharges)
        move = self.invoice_with(
            {"name": "Courier", "price_unit": 40},
            {"name": "Licence resold", "price_unit": 60, "account_id": self.unmapped_income.id},
        )
        by_name = {line.name: line.account_id for line in move.invoice_line_ids}
        time_line = move.invoice_line_ids.filtered("xero_timesheet_ids")
        self.assertEqual(by_name["Courier"], self.recharges, "a line added without product is a re-billed cost")
        self.assertEqual(time_line.account_id.xero_account_code, self.connection.revenue_account_code)
        move.action_xero_push()
        codes = self.pushed_lines(move)
        self.assertEqual(codes["Courier"], self.connection.expense_account_code)
        self.assertEqual(codes[time_line.name], self.connection.revenue_account_code)
        self.assertEqual(codes["Licence resold"], self.connection.revenue_account_code, "an income account is revenue")

    def test_a_line_on_an_account_mapped_to_no_xero_account_is_refused_before_calling_xero(self):
        move = self.invoice_with({"name": "Stationery", "price_unit": 15, "account_id": self.unmapped_expense.id})
        self.sandbox.control.clear_requests()
        action = move.action_xero_push()
        self.assertIn("Office costs", action["params"]["message"])
        self.assertFalse(move.xero_invoice_id)
        self.assertEqual(self.puts(), [])
