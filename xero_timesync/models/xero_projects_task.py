from odoo import fields, models


class XeroProjectsTask(models.Model):
    """The Xero task an Odoo task's time goes to in a client's Xero project (one per task and Xero project)."""

    _name = "xero.projects.task"
    _description = "Xero Projects task of an Odoo task"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    task_id = fields.Many2one("project.task", required=True, ondelete="cascade", index=True, readonly=True)
    xero_project_id = fields.Char("Xero project", required=True, readonly=True)
    xero_task_id = fields.Char("Xero task", required=True, readonly=True)

    _task_uniq = models.Constraint(
        "unique (connection_id, xero_project_id, task_id)", "An Odoo task has one Xero task per Xero project."
    )
