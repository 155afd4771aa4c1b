"""Tracking categories on pushed time (issue 15, part 5): employee, department or project → a Xero
tracking category's option on each invoice line built from time, refused before pushing when unmapped."""

from odoo.exceptions import AccessError

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin


class TestTracking(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.consulting = cls.env["hr.department"].create({"name": "Consulting", "company_id": cls.company.id})
        cls.research = cls.env["hr.department"].create({"name": "Research", "company_id": cls.company.id})
        cls.ana.department_id = cls.consulting
        cls.ben.department_id = cls.research

    def setUp(self):
        super().setUp()
        self.Mapping = self.env["xero.tracking.mapping"]
        self.Mapping._xero_refresh_categories(self.connection)

    def category(self, name):
        return self.env["xero.tracking.category"].search(
            [("tenant_id", "=", self.connection.tenant_id), ("name", "=", name)]
        )

    def option(self, category, name):
        return self.category(category).option_ids.filtered(lambda o: o.name == name)

    def track_by(self, dimension, category):
        self.company.write(
            {"xero_tracking_dimension": dimension, "xero_tracking_category_id": self.category(category).id}
        )

    def map(self, record, category, option):
        field = {"hr.employee": "employee_id", "hr.department": "department_id", "project.project": "project_id"}
        dimension = field[record._name].removesuffix("_id")
        self.Mapping.create(
            {"dimension": dimension, field[record._name]: record.id, "option_id": self.option(category, option).id}
        )

    def invoice_of_two_employees(self, grouping="employee"):
        self.ana.xero_hourly_rate = 100.0
        self.ben.xero_hourly_rate = 100.0
        self.timesheet(2.0, employee=self.ana)
        self.timesheet(1.0, employee=self.ben)
        move = self.invoice_time(grouping=grouping)
        move.action_post()
        return move

    def stored_tracking(self, move):
        [invoice] = [i for i in self.xero_invoices() if i["InvoiceID"] == move.xero_invoice_id]
        return [
            [(t["Name"], t["Option"]) for t in line.get("Tracking") or []]
            for line in invoice["LineItems"]
            if "AccountCode" in line
        ]

    # -- categories read live, options matched by name ---------------------------------------------
    def test_categories_are_read_live_active_only(self):
        names = (
            self.env["xero.tracking.category"].search([("tenant_id", "=", self.connection.tenant_id)]).mapped("name")
        )
        self.assertEqual(sorted(names), ["Department", "Region"])  # "Legacy Cost Centre" is archived at Xero
        self.assertEqual(sorted(self.category("Region").option_ids.mapped("name")), ["East", "North", "South"])

    def test_match_by_name_prefills_equal_names_only(self):
        self.track_by("department", "Department")
        self.Mapping._xero_match_by_name(self.company)
        mappings = self.Mapping.search([("company_id", "=", self.company.id), ("dimension", "=", "department")])
        by_department = {m.department_id: m.option_id for m in mappings}
        self.assertEqual(by_department[self.consulting], self.option("Department", "Consulting"))
        self.assertFalse(by_department[self.research])  # no option called Research: left for the admin
        # running it again keeps what the admin chose
        by_department_mapping = {m.department_id: m for m in mappings}
        by_department_mapping[self.research].option_id = self.option("Department", "Development")
        self.Mapping._xero_match_by_name(self.company)
        self.assertEqual(by_department_mapping[self.research].option_id, self.option("Department", "Development"))
        self.assertEqual(self.Mapping.search_count([("dimension", "=", "department")]), len(mappings))

    # -- push ---------------------------------------------------------------------------------------
    def test_push_with_tracking_stores_it_on_the_xero_lines(self):
        self.track_by("employee", "Region")
        self.map(self.ana, "Region", "North")
        self.map(self.ben, "Region", "South")
        move = self.invoice_of_two_employees()
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        self.assertEqual(sorted(self.stored_tracking(move)), [[("Region", "North")], [("Region", "South")]])
        # the live categories were read once for the push
        self.assertEqual(len(self.sandbox.control.requests("/api.xro/2.0/TrackingCategories")), 2)

    def test_department_tracking_on_lines_per_task(self):
        self.track_by("department", "Department")
        self.map(self.consulting, "Department", "Consulting")
        self.ben.department_id = self.consulting
        move = self.invoice_of_two_employees(grouping="task")
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        self.assertEqual(self.stored_tracking(move), [[("Department", "Consulting")]])

    def test_lines_not_from_time_and_no_tracking_carry_nothing(self):
        move = self.posted_invoice(100.0)
        self.sandbox.control.clear_requests()
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        self.assertEqual(self.stored_tracking(move), [[]])
        self.assertFalse(self.sandbox.control.requests("/api.xro/2.0/TrackingCategories"))

    def test_unmapped_value_is_refused_before_pushing(self):
        self.track_by("employee", "Region")
        self.map(self.ana, "Region", "North")
        move = self.invoice_of_two_employees()
        self.sandbox.control.clear_requests()
        report = self.env["xero.invoice.sync"]._xero_push(move)
        self.assertFalse(move.xero_invoice_id)
        self.assertIn("Ben", report[move])
        self.assertIn("Settings → Xero → Tracking", report[move])
        self.assertFalse(self.puts())

    def test_archived_option_is_refused_before_pushing(self):
        self.track_by("employee", "Region")
        self.map(self.ana, "Region", "North")
        self.map(self.ben, "Region", "South")
        self.sandbox.control.set_tracking_status(self.tenant["tenant_id"], "Region", "South")
        move = self.invoice_of_two_employees()
        self.sandbox.control.clear_requests()
        report = self.env["xero.invoice.sync"]._xero_push(move)
        self.assertFalse(move.xero_invoice_id)
        self.assertIn("South", report[move])
        self.assertIn("archived", report[move])
        self.assertFalse(self.puts())
        self.assertFalse(self.option("Region", "South").active)  # the push refreshed what Odoo offers
        # restored at Xero: the next push goes through
        self.sandbox.control.set_tracking_status(self.tenant["tenant_id"], "Region", "South", "ACTIVE")
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)

    def test_a_line_mixing_options_is_refused_with_the_fix(self):
        self.track_by("employee", "Region")
        self.map(self.ana, "Region", "North")
        self.map(self.ben, "Region", "South")
        move = self.invoice_of_two_employees(grouping="task")
        report = self.env["xero.invoice.sync"]._xero_push(move)
        self.assertFalse(move.xero_invoice_id)
        self.assertIn("per employee", report[move])

    def test_category_gone_at_xero_is_refused(self):
        self.track_by("employee", "Region")
        self.map(self.ana, "Region", "North")
        self.map(self.ben, "Region", "North")
        region = self.category("Region")
        self.sandbox.control.set_tracking_status(self.tenant["tenant_id"], "Region")
        move = self.invoice_of_two_employees()
        report = self.env["xero.invoice.sync"]._xero_push(move)
        self.assertFalse(move.xero_invoice_id)
        self.assertIn("“Region” is archived or deleted in Xero", report[move])
        self.assertFalse(self.puts())
        self.assertFalse(region.active)

    def test_only_administrators_edit_the_mapping(self):
        self.track_by("employee", "Region")
        with self.assertRaises(AccessError):
            self.Mapping.with_user(self.accountant).create(
                {"dimension": "employee", "employee_id": self.ana.id, "option_id": self.option("Region", "North").id}
            )
