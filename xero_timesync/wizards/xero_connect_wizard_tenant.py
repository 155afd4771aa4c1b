from odoo import fields, models


class XeroConnectWizardTenant(models.TransientModel):
    _name = "xero.connect.wizard.tenant"
    _description = "Xero organisation authorised in the connect wizard"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade")
    name = fields.Char("Organisation", readonly=True)
    tenant_id = fields.Char(readonly=True)
    xero_connection_uuid = fields.Char(readonly=True)
