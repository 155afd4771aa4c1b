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
            # the admin's decisions (role, restriction, removal) outlive archiving: the rows stay, inactive
            # with the user, and only what they carry out (following) goes and comes back
            members = self.env["xero.project.member"].sudo().with_context(active_test=False)
            members = members.search([("user_id", "in", self.ids)])
            if vals["active"]:
                members._apply_followers()
            else:
                members._remove_followers()
        if vals.keys() & {"active", "company_ids", "group_ids"}:
            # restored, given access to a company, or made internal: Regular member where not decided yet
            self.env["project.project"]._xero_assign_new_users(self)
        return result
