from odoo import fields, models


class XeroInvoiceWizardAccount(models.TransientModel):
    _name = "xero.invoice.wizard.account"
    _inherit = "xero.account.choice"
    _description = "Xero account offered when invoicing time"

    wizard_id = fields.Many2one("xero.invoice.wizard", required=True, ondelete="cascade")
