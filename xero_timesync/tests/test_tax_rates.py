"""The organisation's tax rates read from Xero, the tax mapping that offers them, and the rates a push refuses
before calling Xero."""

from lxml import etree

from odoo.tests import TransactionCase, tagged

from .invoice_common import XeroInvoiceMixin


@tagged("post_install", "-at_install")
class TestTaxRates(XeroInvoiceMixin, TransactionCase):
    def rates(self):
        return self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id)])

    def test_service_reads_the_organisations_tax_rates(self):
        rates = {r.tax_type: r for r in self.env["xero.service"]._xero_client(self.connection).tax_rates()}
        self.assertLessEqual({"OUTPUT2", "INPUT2", "NONE"}, set(rates))
        self.assertEqual(rates["OUTPUT2"].rate, 15.0, "the NZ organisation's GST")
        self.assertTrue(rates["OUTPUT2"].can_apply_to_revenue)
        self.assertFalse(rates["INPUT2"].can_apply_to_revenue)

    def test_tax_mapping_offers_the_rates_read_live_with_their_rate(self):
        self.assertFalse(self.rates())
        action = self.env["xero.tax.rate"]._xero_open_mapping(self.company)
        self.assertEqual(action["views"][0][0], self.env.ref("xero_timesync.view_tax_list_xero").id)
        self.assertLessEqual({"OUTPUT2", "INPUT2", "NONE"}, set(self.rates().mapped("tax_type")))
        self.assertEqual(self.tax.xero_tax_rate_id.tax_type, "OUTPUT2", "the stored tax type is shown as the rate")
        self.assertIn("15%", self.tax.xero_tax_rate_id.display_name)
        found = self.env["xero.tax.rate"].name_search("INPUT", domain=[("company_id", "=", self.company.id)])
        self.assertEqual([self.env["xero.tax.rate"].browse(i).tax_type for i, _n in found], ["INPUT2"])
        self.assertFalse(self.tax.xero_tax_warning)
        # choosing a rate in the picker stores its type
        [none] = self.rates().filtered(lambda r: r.tax_type == "NONE")
        self.tax.xero_tax_rate_id = none
        self.assertEqual(self.tax.xero_tax_type, "NONE")
        list_arch = etree.fromstring(
            self.env["account.tax"].get_views([(self.env.ref("xero_timesync.view_tax_list_xero").id, "list")])["views"][
                "list"
            ]["arch"]
        )
        editable = [n.get("name") for n in list_arch.iter("field") if n.get("readonly") not in ("1", "True")]
        self.assertIn("xero_tax_rate_id", editable, "a picker of Xero's rates, not free text")
        self.assertNotIn("xero_tax_type", editable)

    def test_a_purchase_rate_on_the_revenue_account_is_refused_before_pushing_with_the_fix(self):
        self.tax.xero_tax_type = "INPUT2"
        self.env["xero.tax.rate"]._xero_rates(self.connection)  # what opening the mapping reads
        self.tax.invalidate_recordset(["xero_tax_warning"])
        self.assertIn("not a rate for sales", self.tax.xero_tax_warning, "the mapping list warns at once")
        move = self.posted_invoice(tax_ids=[(6, 0, self.tax.ids)])
        move.action_xero_push()
        self.assertFalse(move.xero_invoice_id)
        self.assertFalse(self.puts(), "nothing sent for Xero to refuse")
        self.assertIn("Sales Tax on Expenses", move.xero_push_error)
        self.assertIn(f"revenue account {self.connection.revenue_account_code}", move.xero_push_error)
        self.assertIn("15% Sales Tax on Income", move.xero_push_error, "the rate to choose instead")
        self.assertIn("Settings → Xero → Tax mapping", move.xero_push_error)

    def test_a_tax_type_the_organisation_lacks_is_refused_before_pushing(self):
        self.tax.xero_tax_type = "TAX999"
        move = self.posted_invoice(tax_ids=[(6, 0, self.tax.ids)])
        move.action_xero_push()
        self.assertFalse(self.puts())
        self.assertIn("does not have", move.xero_push_error)
        self.tax.xero_tax_type = "OUTPUT2"
        move.action_xero_push()
        self.assertTrue(move.xero_invoice_id, "a sales rate on the revenue account goes through")
