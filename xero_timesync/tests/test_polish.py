"""Issue 12, the rest of the native polish: sync log titles and list, timer picker and icon, the consent
round trip's landing, tax rates from Xero, the sandbox's consent page."""

from datetime import datetime

from lxml import etree

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .invoice_common import XeroInvoiceMixin
from .timer_common import PASSWORD, TimerFixture


def list_columns(env, xmlid):
    view = env.ref(xmlid)
    arch = etree.fromstring(env[view.model].get_views([(view.id, "list")])["views"]["list"]["arch"])
    return [n for n in arch.iter("field") if n.get("column_invisible") not in ("1", "True")]


@tagged("post_install", "-at_install")
class TestSyncLogPolish(TransactionCase):
    def test_sync_log_title_reads_trigger_and_local_time(self):
        connection = self.env["xero.connection"].create(
            {"company_id": self.env.company.id, "tenant_id": "t-polish", "tenant_name": "Demo"}
        )
        log = self.env["xero.sync.log"].create(
            {"connection_id": connection.id, "trigger": "cron", "started_at": datetime(2026, 12, 6, 13, 3)}
        )
        self.env.user.tz = "Europe/Brussels"
        self.env.user.lang = "en_US"
        log.invalidate_recordset(["display_name"])
        self.assertEqual(log.with_context(tz="Europe/Brussels").display_name, "Hourly sync — 6 Dec 2026 14:03")
        self.assertEqual(
            log.with_context(tz="Pacific/Auckland").display_name,
            "Hourly sync — 7 Dec 2026 02:03",
            "the reader's timezone",
        )
        log.trigger = "manual"
        self.assertTrue(log.with_context(tz="UTC").display_name.startswith("Forced sync — 6 Dec 2026 13:03"))

    def test_sync_log_list_reads_as_one_outcome_not_six_narrow_counts(self):
        shown = [
            n.get("name")
            for n in list_columns(self.env, "xero_timesync.xero_sync_log_view_list")
            if n.get("optional") != "hide"
        ]
        self.assertIn("summary", shown, "one readable outcome column")
        for count in ("created_count", "updated_count", "archived_count", "restored_count", "refused_count"):
            self.assertNotIn(count, shown, f"{count} is available (optional) but not squeezed in by default")


@tagged("post_install", "-at_install")
class TestTimerOffered(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.outsider = new_test_user(
            cls.env, login="outsider", password=PASSWORD, name="Olga Outsider", groups="base.group_user"
        )
        cls.env["xero.project.member"].search([("user_id", "=", cls.outsider.id)]).unlink()
        cls.portal = new_test_user(
            cls.env, login="porter", password=PASSWORD, name="Pat Portal", groups="base.group_portal"
        )

    def session_info(self, login):
        self.authenticate(login, PASSWORD)
        return self.make_jsonrpc_request("/web/session/get_session_info", {})

    def test_timer_is_offered_to_members_only(self):
        self.assertTrue(self.session_info("tim")["xero_timer"], "a member of the Xero project")
        self.assertFalse(self.session_info("outsider")["xero_timer"], "an internal user of no Xero project")
        self.assertFalse(self.env["ir.http"].with_user(self.portal)._xero_timer_available(), "a portal user")

    def test_timer_icon_hidden_for_a_user_who_cannot_use_it(self):
        self.start_tour("/odoo", "xero_timer_not_offered", login="outsider")
        self.start_tour("/odoo", "xero_timer_offered", login="tim")

    def test_timer_picker_has_no_checkboxes(self):
        self.start_tour(
            "/odoo/action-hr_timesheet.act_hr_timesheet_line", "xero_timer_picker_has_no_checkboxes", login="tim"
        )


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
