from odoo import _, fields, models
from odoo.exceptions import UserError


class XeroTimesheetSendBack(models.TransientModel):
    """Send submitted time back to its employee, saying why."""

    _name = "xero.timesheet.send.back"
    _description = "Send time back"

    submission_ids = fields.Many2many("xero.timesheet.submission", string="Submissions", required=True)
    reason = fields.Text(required=True, help="The employee reads it with the time sent back.")

    def action_send_back(self):
        self.ensure_one()
        if not self.submission_ids:
            raise UserError(_("Choose the submitted time to send back."))
        # as the user: their record rules, then who may decide (xero.timesheet.submission._xero_check_reviewer)
        self.submission_ids._xero_send_back(self.reason)
        return {"type": "ir.actions.act_window_close"}
