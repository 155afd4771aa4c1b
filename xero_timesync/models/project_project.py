from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    xero_connection_id = fields.Many2one(
        "xero.connection",
        "Xero connection",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="xero_timesync.group_xero_manager",
    )
