"""Hourly rates used when time is invoiced: task, else project, else employee, else company default."""

from odoo import fields, models

RATE_HELP = "Hourly rate when this %s's time is invoiced (company currency); 0 = not set, see README for precedence."


class ProjectTask(models.Model):
    _inherit = "project.task"

    xero_hourly_rate = fields.Float(
        "Hourly rate", digits="Product Price", help=RATE_HELP % "task" + " Subtasks use their parent's."
    )


class ProjectProject(models.Model):
    _inherit = "project.project"

    xero_hourly_rate = fields.Float("Hourly rate", digits="Product Price", help=RATE_HELP % "project")


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    xero_hourly_rate = fields.Float(
        "Hourly rate", digits="Product Price", groups="hr.group_hr_user", help=RATE_HELP % "employee"
    )
