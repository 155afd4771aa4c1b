"""Earnings rates per project or task for Xero Payroll (issue 26).

The administrator maps a project, or a task of it (its subtasks with it), to an earnings rate of the organisation;
the hours on it go to that rate instead of ordinary time. The nearest mapping wins: the task's own, then its parent
task's (up the tree), then the project's. Overtime applies to a day's hours as before.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class XeroPayrollRateMap(models.Model):
    _name = "xero.payroll.rate.map"
    _description = "Xero Payroll earnings rate of a project or task"
    _order = "project_id, task_id, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    project_id = fields.Many2one("project.project", required=True, ondelete="cascade", check_company=True)
    task_id = fields.Many2one(
        "project.task",
        "Task (and its subtasks)",
        ondelete="cascade",
        check_company=True,
        domain="[('project_id', '=', project_id)]",
        help="Empty: every task of the project.",
    )
    rate_id = fields.Many2one(
        "xero.payroll.rate",
        "Earnings rate",
        required=True,
        ondelete="cascade",
        domain="[('company_id', '=', company_id)]",
    )

    _target_uniq = models.UniqueIndex(
        "(company_id, project_id, COALESCE(task_id, 0))", "This project or task already has an earnings rate."
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_xero_payroll_admin()
        return super().create(vals_list)

    def write(self, vals):
        self._check_xero_payroll_admin()
        return super().write(vals)

    def unlink(self):
        self._check_xero_payroll_admin()
        return super().unlink()

    def _check_xero_payroll_admin(self):
        if not self.env.is_system():
            raise AccessError(_("Only administrators map projects and tasks to Xero Payroll earnings rates."))

    @api.constrains("project_id", "task_id", "rate_id")
    def _check_same_company(self):
        for mapping in self:
            if mapping.task_id and mapping.task_id.project_id != mapping.project_id:
                raise ValidationError(_("The task %s is not a task of this project.", mapping.task_id.display_name))
            if mapping.rate_id.company_id != mapping.company_id:
                raise ValidationError(_("Choose an earnings rate of this company's Xero Payroll."))

    @api.model
    def _xero_rates_of(self, company, lines):
        """``{line id: xero.payroll.rate}`` for the lines on a mapped project or task (the others: ordinary time)."""
        mappings = self.sudo().search([("company_id", "=", company.id), ("rate_id.active", "=", True)])
        if not mappings:
            return {}
        by_task = {m.task_id: m.rate_id for m in mappings if m.task_id}
        by_project = {m.project_id: m.rate_id for m in mappings if not m.task_id}
        rates = {}
        for line in lines:
            rate = _task_rate(line.task_id, by_task) or by_project.get(line.project_id)
            if rate:
                rates[line.id] = rate
        return rates

    @api.model
    def _xero_mapping_action(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Earnings rates per project or task"),
            "res_model": self._name,
            "views": [(False, "list")],
            "domain": [("company_id", "=", self.env.company.id)],
            "context": {"default_company_id": self.env.company.id},
        }


def _task_rate(task, by_task):
    seen = set()
    while task and task.id not in seen:
        if task in by_task:
            return by_task[task]
        seen.add(task.id)
        task = task.parent_id
    return None
