"""Shared set-up of the invoice tests: a connected company, mapped tax, employees, Xero clients."""

from datetime import date

from odoo.tests import new_test_user

from .common import XeroSandboxMixin


class XeroInvoiceMixin(XeroSandboxMixin):
    sandbox_options = {"contacts": 8, "seed": 5, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()
        cls.company = cls.env.company
        cls.company.write({"xero_invoice_rounding": "0", "xero_default_hourly_rate": 0.0, "xero_push_status": "DRAFT"})
        # the organisation keeps its books in the company's currency (the sandbox's first one is in NZD)
        cls.connection.base_currency = cls.company.currency_id.name
        cls.tax = cls.company.account_sale_tax_id
        # the sandbox's clients are in New Zealand, the test company in the US: Odoo's "Foreign Trade" position
        # would make every client an export client (Invoice time maps taxes through it, issue 22); the tests
        # bill domestic clients unless they say otherwise
        cls.env["account.fiscal.position"].search([("company_id", "=", cls.company.id)]).auto_apply = False
        cls.tax.xero_tax_type = "OUTPUT2"
        tasks = cls.xero_tasks(cls.connection, active=True)
        cls.task, cls.task2 = tasks[0], tasks[1]
        cls.partner = cls.task.partner_id
        cls.project = cls.connection.project_id
        cls.ana = cls.env["hr.employee"].create({"name": "Ana", "company_id": cls.company.id})
        cls.ben = cls.env["hr.employee"].create({"name": "Ben", "company_id": cls.company.id})
        cls.accountant = new_test_user(
            cls.env,
            "xero_accountant",
            groups="base.group_user,account.group_account_invoice,hr_timesheet.group_hr_timesheet_user",
            company_id=cls.company.id,
        )

    def timesheet(self, hours, day=date(2026, 3, 2), task=None, employee=None, **vals):
        task = task or self.task
        return self.env["account.analytic.line"].create(
            {
                "name": vals.pop("name", "Work"),
                "project_id": task.project_id.id,
                "task_id": task.id,
                "employee_id": (employee or self.ana).id,
                "unit_amount": hours,
                "date": day,
                **vals,
            }
        )

    def wizard(self, records=None, **vals):
        action = self.env["xero.invoice.wizard"]._action_open(records if records is not None else self.partner)
        wizard = self.env["xero.invoice.wizard"].browse(action["res_id"])
        if vals:
            wizard.write(vals)
        return wizard

    def invoice_time(self, records=None, **vals):
        wizard = self.wizard(records, **vals)
        action = wizard.action_create_invoice()
        return self.env["account.move"].browse(action["res_id"])

    def posted_invoice(self, amount=100.0, partner=None, **line_vals):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.partner).id,
                "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": amount, **line_vals})],
            }
        )
        move.action_post()
        return move

    def job(self, flow, connection=None):
        """The organisation's job of ``flow`` (``xero.job``), with its scheduled action."""
        return self.env["xero.job"]._xero_ensure_cron(connection or self.connection, flow)

    def run_job(self, flow, connection=None):
        """One run of the organisation's job, as its scheduled action runs it; returns its sync log."""
        return self.job(flow, connection)._xero_run()

    def pull(self):
        """The hourly pull of the organisation: its money job, then its invoice-status job."""
        self.assertEqual(self.run_job("money").state, "done")
        self.assertEqual(self.run_job("invoices").state, "done")

    def xero_invoices(self):
        return self.sandbox.control.invoices(self.tenant["tenant_id"])

    def puts(self):
        return [r for r in self.sandbox.control.requests("/api.xro/2.0/Invoices") if r["method"] == "PUT"]
