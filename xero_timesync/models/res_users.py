from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        self.env["project.project"]._xero_assign_new_users(users)
        return users

    def write(self, vals):
        result = super().write(vals)
        if "active" in vals:
            if vals["active"]:
                self.env["project.project"]._xero_assign_new_users(self)
            else:  # archived users drop out of the Xero projects; their past timesheets stay
                self.env["xero.project.member"].sudo().search([("user_id", "in", self.ids)]).unlink()
        return result
