"""19.0.1.4.0: membership grants ``group_xero_member`` (time tracking on the Xero project) instead of the Project
app's rights. Members of an earlier version get it here; the Project user and Timesheets rights the old code
gave them stay (nothing tells them apart from rights given by hand), an administrator takes them back."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    members = env["xero.project.member"].with_context(active_test=False).search([("active", "=", True)])
    members._grant_member_groups()
