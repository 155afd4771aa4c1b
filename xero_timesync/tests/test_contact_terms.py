"""The Xero contact's own terms (issue 25): imported with the contact, the defaults of its invoices from time,
changed per invoice, and what Xero stores of the pushed invoice."""

from datetime import date, timedelta
from unittest import TestCase

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.xero_timesync.terms import due_date

from .common import XeroSandboxCase, load_migration
from .invoice_common import XeroInvoiceMixin


class TestDueDates(TestCase):
    """The due date Xero gives an invoice, for each type of payment terms."""

    def test_days_after_the_invoice_date(self):
        self.assertEqual(due_date(date(2026, 1, 25), 14, "DAYSAFTERBILLDATE"), date(2026, 2, 8))
        self.assertEqual(due_date(date(2026, 1, 25), 0, "DAYSAFTERBILLDATE"), date(2026, 1, 25))

    def test_days_after_the_end_of_the_invoice_month(self):
        self.assertEqual(due_date(date(2026, 1, 25), 7, "DAYSAFTERBILLMONTH"), date(2026, 2, 7))
        self.assertEqual(due_date(date(2028, 2, 3), 1, "DAYSAFTERBILLMONTH"), date(2028, 3, 1))  # 29 days in 2028

    def test_of_the_current_month(self):
        self.assertEqual(due_date(date(2026, 2, 3), 20, "OFCURRENTMONTH"), date(2026, 2, 20))
        self.assertEqual(due_date(date(2026, 2, 3), 31, "OFCURRENTMONTH"), date(2026, 2, 28))
        self.assertEqual(due_date(date(2026, 2, 25), 20, "OFCURRENTMONTH"), date(2026, 2, 20), "as Xero: overdue")

    def test_of_the_following_month(self):
        self.assertEqual(due_date(date(2026, 1, 31), 20, "OFFOLLOWINGMONTH"), date(2026, 2, 20))
        self.assertEqual(due_date(date(2026, 12, 5), 31, "OFFOLLOWINGMONTH"), date(2027, 1, 31))
        self.assertEqual(due_date(date(2026, 1, 5), 30, "OFFOLLOWINGMONTH"), date(2026, 2, 28))

    def test_no_terms(self):
        self.assertIsNone(due_date(date(2026, 1, 5), 30, False))


@tagged("post_install", "-at_install")
class TestContactTerms(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        control, tenant = cls.sandbox.control, cls.tenant_id
        cls.theme = control.branding_themes(tenant)[1]  # "Special Projects"
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].create({"currency_id": cls.eur.id, "name": "2026-01-01", "rate": 0.9})
        cls.exempt = cls.env["account.tax"].create(
            {"name": "Exempt", "amount": 0, "type_tax_use": "sale", "xero_tax_type": "EXEMPTOUTPUT"}
        )
        cls.other_revenue = cls.env["account.account"].create(
            {"name": "Other revenue", "code": "400260", "account_type": "income", "xero_account_code": "260"}
        )
        control.update_contact(
            tenant,
            cls.partner.xero_contact_id,
            fields={
                "PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
                "DefaultCurrency": "EUR",
                "AccountsReceivableTaxType": "EXEMPTOUTPUT",
                "SalesDefaultAccountCode": "260",
                "SalesTrackingCategories": [{"TrackingCategoryName": "Region", "TrackingOptionName": "North"}],
                "BrandingTheme": {"BrandingThemeID": cls.theme["BrandingThemeID"]},
                "Discount": 10.0,
            },
        )
        cls.import_log = cls.env["xero.contact.sync"]._xero_sync(cls.connection, "manual")
        cls.task.xero_hourly_rate = 100

    def test_terms_come_with_the_contact(self):
        self.assertEqual(self.import_log.state, "done", self.import_log.message)
        self.assertEqual(self.import_log.api_calls, 1, "the terms come in the contacts' page: no call of their own")
        partner = self.partner
        self.assertEqual((partner.xero_payment_terms_day, partner.xero_payment_terms_type), (20, "OFFOLLOWINGMONTH"))
        self.assertEqual(partner.xero_terms_summary, "20 of the following month")
        self.assertEqual(
            (partner.xero_default_currency, partner.xero_sales_tax_type, partner.xero_sales_account_code),
            ("EUR", "EXEMPTOUTPUT", "260"),
        )
        self.assertEqual(partner.xero_sales_tracking, [["Region", "North"]])
        self.assertEqual(partner.xero_branding_theme_uuid, self.theme["BrandingThemeID"])
        self.assertEqual(partner.xero_branding_theme_name, "Special Projects")
        self.assertEqual(partner.xero_discount, 10.0)
        other = self.task2.partner_id
        self.assertFalse(other.xero_payment_terms_type or other.xero_branding_theme_uuid or other.xero_discount)

    def test_the_invoice_has_the_clients_terms_and_xero_stores_them(self):
        self.timesheet(2)
        wizard = self.wizard()
        self.assertEqual(wizard.amount_total, 162.0, "2 h at 100 USD (90 EUR), less 10%")
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        today = fields.Date.context_today(move)
        self.assertEqual(move.invoice_date_due, due_date(today, 20, "OFFOLLOWINGMONTH"))
        self.assertFalse(move.invoice_payment_term_id)
        self.assertEqual(move.currency_id, self.eur)
        [line] = move.invoice_line_ids
        self.assertEqual(line.tax_ids, self.exempt)
        self.assertEqual(line.account_id, self.other_revenue)
        self.assertEqual(line.discount, 10.0)
        self.assertEqual(move.xero_revenue_account_code, "260")
        self.assertEqual(move.xero_branding_theme_id.name, "Special Projects")
        self.assertEqual([(o.category_id.name, o.name) for o in move.xero_tracking_option_ids], [("Region", "North")])
        move.action_post()
        move.action_xero_push_other_currency()  # the organisation keeps its books in the company's currency
        self.assertFalse(move.xero_push_error)
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["BrandingThemeID"], self.theme["BrandingThemeID"])
        self.assertEqual(invoice["DueDateString"][:10], fields.Date.to_string(move.invoice_date_due))
        self.assertEqual(invoice["CurrencyCode"], "EUR")
        [item] = invoice["LineItems"]
        self.assertEqual((item["AccountCode"], item["TaxType"], item["DiscountRate"]), ("260", "EXEMPTOUTPUT", 10.0))
        self.assertEqual([(t["Name"], t["Option"]) for t in item["Tracking"]], [("Region", "North")])
        self.assertEqual(move.amount_total, wizard.amount_total)
        self.assertEqual(invoice["Total"], move.amount_total)

    def test_every_term_can_be_changed_for_one_invoice(self):
        self.timesheet(1)
        wizard = self.wizard()
        default_revenue = wizard.account_line_ids.filtered(lambda a: a.code == self.connection.revenue_account_code)
        wizard.write(
            {
                "invoice_date_due": date(2026, 6, 30),
                "currency_id": self.company.currency_id.id,
                "tax_ids": [(6, 0, self.tax.ids)],
                "revenue_line_id": default_revenue.id,
                "discount": 0.0,
                "xero_branding_theme_id": False,
                "xero_tracking_option_ids": [(5, 0, 0)],
            }
        )
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.invoice_date_due, date(2026, 6, 30))
        self.assertEqual(move.currency_id, self.company.currency_id)
        [line] = move.invoice_line_ids
        self.assertEqual((line.tax_ids, line.discount), (self.tax, 0.0))
        self.assertEqual(move.xero_revenue_account_code, self.connection.revenue_account_code)
        self.assertFalse(move.xero_branding_theme_id or move.xero_tracking_option_ids)
        # the draft keeps them editable: another theme chosen on the invoice reaches Xero; another organisation's
        # theme is refused
        foreign = (
            self.env["xero.branding.theme"]
            .sudo()
            .create({"tenant_id": "another-organisation", "xero_theme_id": "theme-elsewhere", "name": "Elsewhere"})
        )
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            move.xero_branding_theme_id = foreign
            move.flush_recordset()
        other = self.env["xero.branding.theme"].search([("name", "=", "Standard")])
        move.xero_branding_theme_id = other
        move.action_post()
        move.action_xero_push()
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["BrandingThemeID"], other.xero_theme_id)
        self.assertEqual(invoice["DueDateString"][:10], "2026-06-30")
        self.assertFalse(invoice["LineItems"][0].get("Tracking"))

    def test_a_currency_not_active_in_odoo_is_noted_and_the_company_currency_used(self):
        self.eur.active = False
        self.timesheet(1)
        wizard = self.wizard()
        self.assertEqual(wizard.currency_id, self.company.currency_id)
        self.assertIn("EUR", wizard.terms_note)
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.currency_id, self.company.currency_id)
        self.assertEqual(move.invoice_line_ids.discount, 10.0, "the other terms still apply")

    def test_after_the_update_the_next_run_reads_every_contact_for_their_terms(self):
        self.sandbox.control.update_contact(
            self.tenant_id,
            self.task2.partner_id.xero_contact_id,
            fields={"PaymentTerms": {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}}},
        )
        # as a client imported before the update: its contact unchanged since the watermark
        self.connection.contacts_watermark = fields.Datetime.now() + timedelta(hours=1)
        self.env.flush_all()
        load_migration("19.0.1.9.0", "post-terms").migrate(self.env.cr, "19.0.1.8.0")
        self.connection.invalidate_recordset()
        self.assertFalse(self.connection.contacts_watermark)
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.contacts_received, len(self.sandbox.control.contacts(self.tenant_id)))
        self.assertEqual(self.task2.partner_id.xero_payment_terms_type, "DAYSAFTERBILLDATE")
