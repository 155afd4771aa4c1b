from odoo import api, fields, models
from odoo.fields import Domain


class ProjectTask(models.Model):
    _inherit = "project.task"

    xero_timer_running = fields.Boolean("My timer runs here", compute="_compute_xero_timer_running")
    xero_client = fields.Char(
        "Client",
        compute="_compute_xero_client",
        search="_search_xero_client",
        help="Searches the client's name, email and Xero contact number.",
    )

    @api.depends_context("uid")
    def _compute_xero_timer_running(self):
        running = self.env["xero.timer"].sudo().search([("user_id", "=", self.env.uid)], limit=1).task_id
        for task in self:
            task.xero_timer_running = task == running

    @api.depends("partner_id")
    def _compute_xero_client(self):
        for task in self:
            task.xero_client = task.partner_id.display_name

    def _search_xero_client(self, operator, value):
        if operator not in ("ilike", "=ilike", "like", "=like", "="):
            return NotImplemented
        fields_domain = Domain.OR(Domain(name, operator, value) for name in ("name", "email", "xero_contact_number"))
        # archived clients too: whether archived tasks show is the task search's own active_test
        partners = self.env["res.partner"].with_context(active_test=False)._search(fields_domain)
        return Domain("partner_id", "in", partners)

    @api.model
    def _xero_timer_picker_domain(self):
        """Xero tasks where time can be logged; record rules narrow it to the user's tasks."""
        return Domain("is_xero_task", "=", True) & Domain("allow_timesheets", "=", True)

    def _xero_timer_company(self):
        """The company whose timer settings and employee apply (as hr_timesheet picks the line's company)."""
        self.ensure_one()
        task = self.sudo()
        return task.company_id or task.project_id.company_id or self.env.company

    def action_xero_timer_start(self):
        self.ensure_one()
        Timer = self.env["xero.timer"]
        return Timer._xero_client_action(Timer.xero_start(self.id))

    def action_xero_timer_stop(self):
        Timer = self.env["xero.timer"]
        return Timer._xero_client_action(Timer.xero_stop())
