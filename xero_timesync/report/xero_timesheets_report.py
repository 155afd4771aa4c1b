"""The values of the invoiced-timesheets report (``xero_timesync.report_xero_timesheets``).

Every employee's name and description is in it: Odoo's report routes (``/report/html|pdf/...``) serve a report
to anyone who can read the record, so this model refuses whoever has no Billing rights (a portal customer reads
the invoice, not the time behind it: Xero shows them the PDF attached online). The push renders it as superuser.
"""

from odoo import api, models


class ReportXeroTimesheets(models.AbstractModel):
    _name = "report.xero_timesync.report_xero_timesheets"
    _description = "Invoiced timesheets report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["account.move"].browse(docids)
        docs._xero_check_billing()
        docs.check_access("read")
        return {"doc_ids": docids, "doc_model": "account.move", "docs": docs}
