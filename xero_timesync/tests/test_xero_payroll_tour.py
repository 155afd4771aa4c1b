from odoo.tests import HttpCase, tagged

from .common import XeroSandboxMixin


@tagged("post_install", "-at_install")
class TestPayrollTour(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 0, "seed": 7, "orgs": 1}

    def test_matching_and_mapping_screens(self):
        company = self.env.company
        company.xero_payroll_enabled = True
        self.connect()
        Employee = self.env["hr.employee"]
        bridget = Employee.create({"name": "Bridget Lowe", "company_id": company.id})
        chuck = Employee.create({"name": "Chuck Okafor", "company_id": company.id})
        self.start_tour(
            "/odoo/action-xero_timesync.xero_payroll_employee_action", "xero_payroll_matching", login="admin"
        )
        rows = self.env["xero.payroll.employee"].search([("confirmed", "=", True)])
        self.assertEqual(rows.employee_id, bridget | chuck)
        site = self.env["project.project"].create({"name": "Site Works", "company_id": company.id})
        self.start_tour("/odoo/action-xero_timesync.xero_settings_action", "xero_payroll_mapping", login="admin")
        self.assertEqual(company.xero_payroll_ordinary_rate_id.name, "Ordinary Hours")
        mapping = self.env["xero.payroll.rate.map"].search([("company_id", "=", company.id)])
        self.assertEqual(
            (mapping.project_id, mapping.task_id, mapping.rate_id.name),
            (site, mapping.task_id.browse(), "Overtime Hours"),
        )
