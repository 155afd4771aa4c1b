from odoo import api, fields, models


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    xero_has_time = fields.Boolean(compute="_compute_xero_has_time")
    xero_release_time = fields.Boolean(
        "Invoice the time again",
        help="The timesheets of the reversed invoice become invoiceable again (the credit note gives the money back;"
        " the work is to be billed anew).",
    )

    @api.depends("move_ids")
    def _compute_xero_has_time(self):
        for wizard in self:
            wizard.xero_has_time = bool(wizard.move_ids.filtered("xero_timesheet_count"))

    def reverse_moves(self, is_modify=False):
        action = super().reverse_moves(is_modify=is_modify)
        released = self.filtered("xero_release_time").move_ids
        if released:
            released._xero_release_timesheets()
        return action
