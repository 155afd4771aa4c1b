from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """``xero_timer``: whether the top bar offers the timer (an internal member of a Xero project)."""
        result = super().session_info()
        result["xero_timer"] = self._xero_timer_available()
        return result

    def _xero_timer_available(self):
        user = self.env.user
        if not user._is_internal():
            return False
        if self.env["xero.timer"].sudo().search_count([("user_id", "=", user.id)], limit=1):
            return True  # a running timer can always be stopped
        members = self.env["xero.project.member"].sudo()
        return bool(members.search_count([("user_id", "=", user.id), ("project_id.active", "=", True)], limit=1))
