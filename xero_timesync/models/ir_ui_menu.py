from odoo import models

SUBMISSION_MENUS = ("xero_timesync.xero_submission_to_approve_menu", "xero_timesync.xero_submission_mine_menu")


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    def _load_menus_blacklist(self):
        """Odoo Enterprise's timesheet validation, when installed, is the approval: our submissions are not offered."""
        blacklist = super()._load_menus_blacklist()
        if "validated" in self.env["account.analytic.line"]._fields:
            blacklist += [self.env.ref(xmlid).id for xmlid in SUBMISSION_MENUS]
        return blacklist
