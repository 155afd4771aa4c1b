import math
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.models.account_analytic_line import rounded_hours

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin


@tagged("post_install", "-at_install")
class TestRounding(TransactionCase):
    def test_hours_round_up_to_the_company_increment(self):
        self.assertEqual(rounded_hours(0.1, "6"), 0.1, "exactly 6 minutes stays 6 minutes despite float noise")
        self.assertEqual(rounded_hours(0.11, "6"), 0.2)
        self.assertEqual(rounded_hours(7 / 60, "15"), 0.25)
        self.assertEqual(rounded_hours(1.0, "15"), 1.0)
        self.assertEqual(rounded_hours(20 / 60, "0"), 20 / 60, "without rounding: the exact time")
        self.assertEqual(rounded_hours(0, "15"), 0.0)


@tagged("post_install", "-at_install")
class TestInvoiceTime(XeroInvoiceMixin, XeroSandboxCase):
    def test_rate_precedence_task_then_parent_then_project_then_employee_then_company(self):
        self.company.xero_default_hourly_rate = 50
        subtask = self.env["project.task"].create(
            {"name": "Sub", "project_id": self.project.id, "parent_id": self.task.id}
        )
        lines = self.timesheet(1, employee=self.ana) | self.timesheet(1, task=subtask, employee=self.ben)
        wizard = self.wizard()
        rates = lambda: list(wizard._xero_rates(lines).values())  # noqa: E731
        self.assertEqual(rates(), [50, 50], "company default")
        self.ben.xero_hourly_rate = 90
        self.assertEqual(rates(), [50, 90], "employee over company")
        self.project.xero_hourly_rate = 120
        self.assertEqual(rates(), [120, 120], "project over employee")
        self.task.xero_hourly_rate = 150
        self.assertEqual(rates(), [150, 150], "task over project; a subtask uses its parent's")
        subtask.xero_hourly_rate = 160
        self.assertEqual(rates(), [150, 160])

    def test_grouping_and_rounded_totals_equal_the_timesheets_to_the_cent(self):
        self.company.xero_invoice_rounding = "15"
        self.project.xero_hourly_rate = 133.33
        self.task2.partner_id = self.partner  # a second task of the same client
        lines = (
            self.timesheet(7 / 60, day=date(2026, 3, 2))
            + self.timesheet(1.05, day=date(2026, 3, 2), employee=self.ben)
            + self.timesheet(0.5, day=date(2026, 3, 3), task=self.task2)
        )
        expected_hours = {"task": [1.5, 0.5], "employee": [0.75, 1.25], "day": [1.5, 0.5], "one": [2.0]}
        for grouping, hours in expected_hours.items():
            with self.subTest(grouping=grouping):
                groups = self.wizard(grouping=grouping)._xero_groups(lines)
                self.assertEqual(sorted(g["hours"] for g in groups), sorted(hours))
        move = self.invoice_time(grouping="task")
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.partner_id, self.partner)
        self.assertEqual(
            move.currency_id, self.partner.property_product_pricelist.currency_id or self.company.currency_id
        )
        self.assertEqual(len(move.invoice_line_ids), 2)
        self.assertEqual(lines.xero_billed_move_id, move)
        self.assertEqual(lines.mapped("xero_billed_hours"), [0.25, 1.25, 0.5])
        # each line rounded to the cent, as Xero does (issue 22): 1.5 h = 200.00 (199.995), 0.5 h = 66.67 (66.665)
        billed = sum(round(line.quantity * 133.33 + 1e-9, 2) for line in move.invoice_line_ids)
        self.assertAlmostEqual(move.amount_untaxed, billed, places=2)
        self.assertAlmostEqual(move.amount_untaxed, 266.67, places=2)
        revenue = self.connection.revenue_account_code
        self.assertEqual(move.invoice_line_ids.account_id.xero_account_code, revenue, "mapped Odoo income account")
        self.assertEqual(move.xero_revenue_account_code, revenue)
        self.assertEqual(move.invoice_line_ids.tax_ids, self.tax)

    def test_no_rounding_bills_the_exact_time_once_per_line(self):
        """Issue 12, defect 4: 46 two-minute timer lines are 92 minutes, not 46 x 0.03 h."""
        self.project.xero_hourly_rate = 150
        lines = self.env["account.analytic.line"]
        for _i in range(46):
            lines += self.timesheet(2 / 60)
        wizard = self.wizard()
        self.assertEqual(wizard.timesheet_ids, lines)
        self.assertEqual(wizard.hours_total, 1.53, "92 minutes, shown at the quantity's 0.01 h")
        self.assertEqual(wizard.amount_total, 230.00, "issue 22, item 9: billed exactly, not 1.53 h x 150")
        move = self.invoice_time()
        self.assertEqual(move.invoice_line_ids.quantity, wizard.hours_total)
        self.assertEqual(move.invoice_line_ids.price_unit, 150.33, "the price that bills 1.53 h at exactly 230.00")
        self.assertIn("1:32 h at", move.invoice_line_ids.name)
        self.assertEqual(move.amount_untaxed, wizard.amount_total, "the wizard's total is the invoice's")
        self.assertAlmostEqual(sum(lines.mapped("xero_billed_hours")), 92 / 60, places=6)

        # with a finer quantity precision the exact time is billed to the cent: 92 min at $150/h = $230.00
        move.button_cancel()
        self.env.ref("uom.decimal_product_uom").digits = 4
        wizard = self.wizard()
        self.assertEqual(wizard.hours_total, 1.5333)
        self.assertEqual(wizard.amount_total, 230.00)
        self.assertEqual(self.invoice_time().amount_untaxed, 230.00)

    def test_a_rounding_step_rounds_each_timesheet_up(self):
        self.company.xero_invoice_rounding = "6"
        self.project.xero_hourly_rate = 150
        lines = self.timesheet(2 / 60) + self.timesheet(2 / 60)
        wizard = self.wizard()
        self.assertEqual(wizard.hours_total, 0.2, "each 2-minute line bills 6 minutes")
        self.assertEqual(wizard.amount_total, 30.0)
        self.assertEqual(self.invoice_time().amount_untaxed, 30.0)
        self.assertEqual(lines.mapped("xero_billed_hours"), [0.1, 0.1])

    def test_time_is_invoiced_once_locked_and_released_by_cancel(self):
        self.task.xero_hourly_rate = 100
        line = self.timesheet(2)
        move = self.invoice_time()
        self.assertEqual(line.xero_billed_move_id, move)
        self.assertFalse(self.wizard().timesheet_ids, "invoiced time is not offered again")
        wizard = self.wizard(timesheet_ids=[(6, 0, line.ids)])
        with self.assertRaisesRegex(UserError, "invoiced meanwhile"):
            wizard.action_create_invoice()
        admin = new_test_user(
            self.env, "timesheet_admin", groups="base.group_user,base.group_system,hr_timesheet.group_timesheet_manager"
        )
        for vals in ({"unit_amount": 3}, {"task_id": self.task2.id}, {"name": "On the customer's PDF"}):
            with self.assertRaisesRegex(UserError, "is invoiced on"):
                line.with_user(admin).write(vals)
        with self.assertRaisesRegex(UserError, "is invoiced on"):
            line.with_user(admin).unlink()
        self.assertEqual((line.unit_amount, line.task_id, line.name), (2, self.task, "Work"))
        move.button_cancel()
        self.assertFalse(line.xero_billed_move_id)
        line.unit_amount = 3
        self.assertEqual(self.wizard().timesheet_ids, line)
        move2 = self.invoice_time()
        move2.unlink()
        self.assertFalse(line.xero_billed_move_id, "deleting the invoice releases its time")

    def test_other_clients_time_is_refused_and_bad_input_is_explained(self):
        other = self.timesheet(1, task=self.task2)
        wizard = self.wizard(self.env["account.analytic.line"].browse(other.ids) | self.timesheet(1))
        self.assertFalse(wizard.partner_id, "two clients selected: the accountant chooses")
        wizard.partner_id = self.partner
        wizard.timesheet_ids = [(4, other.id)]
        with self.assertRaisesRegex(UserError, "belong to another client"):
            wizard.action_create_invoice()
        empty = self.wizard(date_from=date(2020, 1, 1), date_to=date(2020, 1, 2))
        with self.assertRaisesRegex(UserError, "no time to invoice"):
            empty.action_create_invoice()
        self.assertTrue(other.exists() and not other.xero_billed_move_id, "nothing lost")

    def test_time_without_an_hourly_rate_is_refused_not_invoiced_at_zero(self):
        """Issue 12, defect 5: the warning is not enough; a $0 line is never created."""
        line = self.timesheet(2)
        wizard = self.wizard()
        self.assertIn("no hourly rate", wizard.warning)
        with self.assertRaisesRegex(UserError, "no hourly rate"):
            wizard.action_create_invoice()
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.partner.id)]))
        self.assertFalse(line.xero_billed_move_id)
        self.task.xero_hourly_rate = 80
        self.assertEqual(self.invoice_time().amount_untaxed, 160.0)


@tagged("post_install", "-at_install")
class TestInvoiceWizardInputs(XeroInvoiceMixin, XeroSandboxCase):
    """The wizard writes as the system what the accountant chose: each choice is checked against what the wizard
    itself offered (issue 21, review item 7). Billing users read the chart of accounts; they do not edit it."""

    def setUp(self):
        super().setUp()
        self.task.xero_hourly_rate = 100
        self.company.xero_default_hourly_rate = 100  # time out of the selection is priced too: nothing else stops it
        self.line = self.timesheet(2)
        self.Account = self.env["account.account"].with_context(active_test=False)

    def accounts_snapshot(self):
        self.env.invalidate_all()
        accounts = self.Account.search([])
        return {account.id: (account.code, account.name, account.xero_account_code) for account in accounts}

    def as_accountant(self, records=None):
        Wizard = self.env["xero.invoice.wizard"].with_user(self.accountant)
        action = Wizard._action_open(records if records is not None else self.partner.with_user(self.accountant))
        return Wizard.browse(action["res_id"])

    def assertNothingInvoiced(self, accounts_before, timesheets=None):
        self.env.invalidate_all()
        self.assertEqual(self.accounts_snapshot(), accounts_before, "no account created or changed")
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.partner.id)]), "no invoice")
        stamped = (self.line | (timesheets or self.line)).filtered("xero_billed_move_line_id")
        self.assertFalse(stamped, "no timesheet stamped as invoiced")

    def test_forged_xero_accounts_are_refused(self):
        before = self.accounts_snapshot()
        forged = {"account_class": "REVENUE", "code": "666", "name": "Forged revenue"}
        other = self.as_accountant()  # another wizard of the same accountant: its lines are not this one's

        def create_line(wizard):
            line = (
                self.env["xero.invoice.wizard.account"]
                .with_user(self.accountant)
                .create({**forged, "wizard_id": wizard.id})
            )
            wizard.write({"revenue_line_id": line.id, "income_account_id": False})

        def add_line(wizard):
            wizard.write({"account_line_ids": [(0, 0, forged)]})
            line = wizard.account_line_ids.filtered(lambda a: a.code == "666")
            wizard.write({"revenue_line_id": line.id, "income_account_id": False})

        def edit_line(wizard):
            wizard.revenue_line_id.write({"code": "666", "name": "Forged revenue"})
            wizard.write({"income_account_id": False})

        def other_wizards_line(wizard):
            wizard.write({"revenue_line_id": other.revenue_line_id.id, "income_account_id": False})

        for attempt in (create_line, add_line, edit_line, other_wizards_line):
            with self.subTest(attempt=attempt.__name__):
                wizard = self.as_accountant()
                self.assertEqual(wizard.timesheet_ids, self.line)
                with self.assertRaises(UserError), self.env.cr.savepoint():
                    attempt(wizard)
                    wizard.action_create_invoice()
                self.assertNothingInvoiced(before)
                self.assertEqual(
                    set(wizard.sudo().account_line_ids.mapped("code")) & {"666"}, set(), "the lines are Xero's"
                )

    def test_the_income_account_is_an_income_account_of_the_company_the_accountant_reads(self):
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        candidates = {
            "receivable": self.Account.search(
                [("account_type", "=", "asset_receivable"), ("company_ids", "in", self.company.ids)], limit=1
            ),
            "expense": self.Account.search(
                [("account_type", "=", "expense"), ("company_ids", "in", self.company.ids)], limit=1
            ),
            "another company's income": self.Account.create(
                {"name": "Their income", "code": "X777", "account_type": "income", "company_ids": other_company.ids}
            ),
        }
        for name, account in candidates.items():
            with self.subTest(account=name):
                self.assertTrue(account)
                account.xero_account_code = False
                before = self.accounts_snapshot()
                wizard = self.as_accountant()
                with self.assertRaises(UserError), self.env.cr.savepoint():
                    wizard.write({"income_account_id": account.id})
                    wizard.action_create_invoice()
                self.assertNothingInvoiced(before)
                self.assertFalse(account.xero_account_code)
        # the one the wizard picked, or another income account of the company, is fine
        wizard = self.as_accountant()
        income = self.Account.create({"name": "Consulting income", "code": "X4001", "account_type": "income"})
        wizard.write({"income_account_id": income.id})
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.invoice_line_ids.account_id, income)
        self.assertFalse(income.xero_account_code, "invoicing maps no account (the adviser does)")

    def test_time_outside_the_wizards_selection_is_refused(self):
        other_project = self.env["project.project"].create(
            {"name": "Other project", "partner_id": self.partner.id, "company_id": self.company.id}
        )
        other_task = self.env["project.task"].create(
            {"name": "Elsewhere", "project_id": other_project.id, "partner_id": self.partner.id}
        )
        analytic = self.env["account.analytic.line"].create(
            {
                "name": "Not time",
                "account_id": self.project.account_id.id,
                "partner_id": self.partner.id,
                "unit_amount": 3,
                "date": date(2026, 3, 2),
            }
        )
        outside = {
            "zero hours": self.timesheet(0),
            "no project": analytic,
            "another project": self.timesheet(1, task=other_task),
            "before the period": self.timesheet(1, day=date(2026, 2, 1)),
        }
        for name, timesheet in outside.items():
            with self.subTest(outside=name):
                self.assertEqual(timesheet.partner_id.commercial_partner_id, self.partner.commercial_partner_id)
                before = self.accounts_snapshot()
                wizard = self.as_accountant()
                wizard.write({"project_id": self.project.id, "date_from": date(2026, 3, 1)})
                self.assertEqual(wizard.timesheet_ids, self.line)
                with self.assertRaises(UserError), self.env.cr.savepoint():
                    wizard.write({"timesheet_ids": [(4, timesheet.id)]})
                    wizard.action_create_invoice()
                self.assertNothingInvoiced(before, timesheet)
        # what the wizard selected itself is invoiced
        wizard = self.as_accountant()
        wizard.write({"project_id": self.project.id, "date_from": date(2026, 3, 1)})
        wizard.action_create_invoice()
        self.assertTrue(self.line.xero_billed_move_line_id)
        self.assertFalse(any(timesheet.xero_billed_move_line_id for timesheet in outside.values()))


@tagged("post_install", "-at_install")
class TestPushToXero(XeroInvoiceMixin, XeroSandboxCase):
    def test_an_invoice_in_another_currency_than_the_organisation_asks_first(self):
        """Issue 12, defect 5: a USD invoice is not pushed to an NZD organisation without a word."""
        self.connection.base_currency = "NZD"
        self.assertNotEqual(self.company.currency_id.name, "NZD")
        move = self.posted_invoice(120)
        self.assertIn("NZD", move.xero_currency_warning)
        action = move.action_xero_push()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("keeps its books in NZD", move.xero_push_error)
        self.assertFalse(self.xero_invoices(), "nothing was sent")
        move.action_xero_push_other_currency()  # the accountant confirmed
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["CurrencyCode"], move.currency_id.name)
        self.assertFalse(move.xero_push_error)
        self.connection.base_currency = move.currency_id.name
        self.assertFalse(self.posted_invoice(10).xero_currency_warning)

    def test_full_path_timesheets_invoice_push_status_back(self):
        self.task.xero_hourly_rate = 100
        self.timesheet(1.5) + self.timesheet(2, day=date(2026, 3, 3), employee=self.ben)
        move = self.invoice_time(grouping="employee")
        move.action_post()
        action = move.with_user(self.accountant).action_xero_push()
        self.assertEqual(action["params"]["type"], "success")
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["Reference"], move.name)
        self.assertEqual(invoice["Contact"]["ContactID"], self.partner.xero_contact_id)
        self.assertEqual(invoice["Status"], "DRAFT")
        self.assertEqual(invoice["CurrencyCode"], move.currency_id.name)
        self.assertEqual({line["AccountCode"] for line in invoice["LineItems"]}, {self.connection.revenue_account_code})
        self.assertEqual({line["TaxType"] for line in invoice["LineItems"]}, {"OUTPUT2"})
        self.assertEqual(sorted(line["Quantity"] for line in invoice["LineItems"]), [1.5, 2.0])
        self.assertAlmostEqual(invoice["SubTotal"], move.amount_untaxed, places=2)
        self.assertAlmostEqual(invoice["Total"], move.amount_total, places=2)
        self.assertEqual(move.xero_invoice_id, invoice["InvoiceID"])
        self.assertEqual(move.xero_invoice_number, invoice["InvoiceNumber"])
        self.assertEqual(move.xero_status, "DRAFT")
        self.assertIn(invoice["InvoiceID"], move.xero_url)
        self.assertIn(invoice["InvoiceNumber"], move.message_ids[0].body)
        self.assertFalse(move.xero_push_error)
        # pushing again never creates a second invoice
        move.action_xero_push()
        self.assertEqual(len(self.xero_invoices()), 1)
        # the accountant authorises it in Xero; the hourly cron brings the status back in one paged call
        self.env["xero.service"]._xero_client(self.connection).update_invoice_status(move.xero_invoice_id, "AUTHORISED")
        self.sandbox.control.clear_requests()
        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()
        self.assertEqual(move.xero_status, "AUTHORISED")
        [pull] = self.sandbox.control.requests("/api.xro/2.0/Invoices")
        self.assertEqual(pull["method"], "GET")
        self.assertIn("If-Modified-Since", pull["headers"])
        # edits after push are blocked
        with self.assertRaisesRegex(UserError, "can no longer change here"):
            move.button_draft()
        # cancelling voids it in Xero and releases the time
        move.button_cancel()
        self.assertEqual(move.state, "cancel")
        self.assertEqual(move.xero_status, "VOIDED")
        self.assertEqual(self.xero_invoices()[0]["Status"], "VOIDED")
        self.assertFalse(self.env["account.analytic.line"].search([("xero_billed_move_id", "=", move.id)]))

    def test_cancelling_a_pushed_draft_deletes_it_in_xero(self):
        move = self.posted_invoice()
        move.action_xero_push()
        move.button_cancel()
        self.assertEqual(self.xero_invoices()[0]["Status"], "DELETED")
        self.assertEqual(move.xero_status, "DELETED")

    def test_company_setting_pushes_authorised(self):
        self.company.xero_push_status = "AUTHORISED"
        move = self.posted_invoice()
        move.action_xero_push()
        self.assertEqual(self.xero_invoices()[0]["Status"], "AUTHORISED")
        self.assertEqual(move.xero_status, "AUTHORISED")

    def test_non_time_lines_use_the_expense_account_unless_mapped(self):
        self.task.xero_hourly_rate = 80
        self.timesheet(1)
        move = self.invoice_time()
        own = self.env["account.account"].create(
            {"name": "Travel recharged", "code": "X493", "account_type": "income", "xero_account_code": "493"}
        )
        recharges = self.env["account.account"].create(
            {
                "name": "Costs re-billed",
                "code": "X6001",
                "account_type": "expense",
                "xero_account_code": self.connection.expense_account_code,
            }
        )
        move.write(
            {
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {"name": "Disbursement", "quantity": 1, "price_unit": 40, "tax_ids": [(6, 0, self.tax.ids)]},
                    ),
                    (0, 0, {"name": "Travel", "quantity": 1, "price_unit": 60, "account_id": own.id, "tax_ids": []}),
                ]
            }
        )
        move.action_post()
        move.action_xero_push()
        codes = {
            line["Description"]: (line["AccountCode"], line["TaxType"]) for line in self.xero_invoices()[0]["LineItems"]
        }
        self.assertEqual(codes["Disbursement"], (self.connection.expense_account_code, "OUTPUT2"))
        self.assertEqual(move.invoice_line_ids.filtered(lambda line: line.name == "Disbursement").account_id, recharges)
        self.assertEqual(codes["Travel"], ("493", "NONE"))
        time_line = move.invoice_line_ids.filtered("xero_timesheet_ids")
        self.assertEqual(codes[time_line.name][0], self.connection.revenue_account_code)

    def test_client_unknown_to_xero_is_created_first(self):
        client = self.env["res.partner"].create({"name": "Brand New Client Ltd", "email": "ap@brandnew.example"})
        move = self.posted_invoice(partner=client)
        move.action_xero_push()
        self.assertTrue(client.xero_contact_id)
        contact = [c for c in self.sandbox.control.contacts(self.tenant["tenant_id"]) if c["Name"] == client.name]
        self.assertEqual([c["ContactID"] for c in contact], [client.xero_contact_id])
        self.assertEqual(self.xero_invoices()[0]["Contact"]["ContactID"], client.xero_contact_id)

    def test_unmapped_tax_is_refused_before_calling_xero(self):
        self.tax.xero_tax_type = False
        move = self.posted_invoice(tax_ids=[(6, 0, self.tax.ids)])
        action = move.action_xero_push()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("has no Xero tax type", move.xero_push_error)
        self.assertFalse(move.xero_invoice_id)
        self.assertFalse(self.puts())

    def test_a_failed_push_is_noted_in_the_invoice_chatter_once(self):
        """Issue 12: a failure lives where the accountant looks later, not only in a toast."""
        self.tax.xero_tax_type = False
        move = self.posted_invoice(tax_ids=[(6, 0, self.tax.ids)])
        before = move.message_ids
        move.action_xero_push()
        move.action_xero_push()  # the same failure again: one note, not two
        notes = move.message_ids - before
        self.assertEqual(len(notes), 1)
        self.assertIn("Not pushed to Xero", notes.body)
        self.assertIn("has no Xero tax type", notes.body)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))

    def test_xero_validation_error_is_shown_per_invoice_and_nothing_is_marked(self):
        good = self.posted_invoice(amount=10)
        archived = self.env["account.account"].create(
            {"name": "Legacy", "code": "X250", "account_type": "income", "xero_account_code": "250"}
        )
        bad = self.posted_invoice(amount=20, account_id=archived.id)
        action = (good | bad).action_xero_push()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(bad.name, action["params"]["message"])
        self.assertIn("archived", bad.xero_push_error)
        self.assertFalse(bad.xero_invoice_id or bad.xero_status)
        self.assertTrue(good.xero_invoice_id)
        self.assertEqual([i["Reference"] for i in self.xero_invoices()], [good.name])
        # fixed, pushed again: a new attempt (new Idempotency-Key), created once
        bad.invoice_line_ids.account_id.xero_account_code = "200"
        bad.action_xero_push()
        self.assertTrue(bad.xero_invoice_id)
        keys = [r["headers"].get("Idempotency-Key") for r in self.puts()]
        self.assertEqual(len(set(keys)), 2)

    def test_retry_after_a_dropped_response_replays_and_leaves_one_invoice(self):
        move = self.posted_invoice()
        self.sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop", count=1)
        with self.clients_sleep():
            move.action_xero_push()
        self.assertEqual(len(self.xero_invoices()), 1)
        self.assertEqual(move.xero_invoice_id, self.xero_invoices()[0]["InvoiceID"])
        puts = self.puts()
        self.assertEqual(len(puts), 2, "the SDK call was retried once")
        self.assertEqual(len({p["headers"]["Idempotency-Key"] for p in puts}), 1, "with the same key")

    def test_response_lost_for_good_then_next_push_finds_the_invoice(self):
        move = self.posted_invoice()
        self.sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop", count=10)
        with self.clients_sleep():
            action = move.action_xero_push()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertFalse(move.xero_invoice_id, "not marked as pushed")
        self.assertIn("looks for it", move.xero_push_error)
        self.assertEqual(len(self.xero_invoices()), 1, "Xero did create it")
        self.sandbox.control.clear_faults()
        self.sandbox.control.clear_requests()
        move.action_xero_push()
        self.assertEqual(move.xero_invoice_id, self.xero_invoices()[0]["InvoiceID"])
        self.assertEqual(len(self.xero_invoices()), 1, "found, not created again")
        self.assertFalse(self.puts())

    def test_120_invoices_from_the_list_go_in_batches(self):
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner.id,
                    "invoice_line_ids": [(0, 0, {"name": f"Work {n}", "quantity": 1, "price_unit": 10 + n})],
                }
                for n in range(120)
            ]
        )
        moves.action_post()
        self.env.ref("xero_timesync.action_server_xero_push").with_context(
            active_model="account.move", active_ids=moves.ids
        ).run()
        self.assertEqual(len(self.puts()), math.ceil(120 / const.INVOICES_BATCH_SIZE))
        self.assertEqual(len(self.xero_invoices()), 120)
        self.assertTrue(all(moves.mapped("xero_invoice_id")))
        self.assertEqual(len(set(moves.mapped("xero_invoice_id"))), 120)

    def test_only_accountants_and_admins_push(self):
        move = self.posted_invoice()
        employee = new_test_user(self.env, "xero_employee", groups="base.group_user")
        auditor = new_test_user(self.env, "xero_auditor", groups="base.group_user,account.group_account_readonly")
        for user in (employee, auditor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                move.with_user(user).action_xero_push()
        with self.assertRaises(AccessError):
            self.env["xero.invoice.wizard"].with_user(employee)._action_open(self.partner)
        self.assertFalse(self.puts())
        move.with_user(self.accountant).action_xero_push()
        self.assertTrue(move.xero_invoice_id)
