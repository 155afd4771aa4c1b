from odoo import fields, models


class TimesheetsAnalysisReport(models.Model):
    """Timesheets → Reporting reads time through hr_timesheet's own search view, which the addon extends with
    Billable: the report carries the field too (non-billable time is reported, never invoiced)."""

    _inherit = "timesheets.analysis.report"

    xero_billable = fields.Boolean("Billable work", readonly=True)

    def _select(self):
        return super()._select() + ",\n            A.xero_billable AS xero_billable"
