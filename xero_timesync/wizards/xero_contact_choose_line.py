from odoo import api, fields, models


class XeroContactChooseLine(models.TransientModel):
    """A Xero contact offered in the Choose the Xero contact wizard (read live from Xero)."""

    _name = "xero.contact.choose.line"
    _description = "Xero contact offered for a client"
    _order = "name, id"

    wizard_id = fields.Many2one("xero.contact.choose", required=True, ondelete="cascade", index=True)
    contact_id = fields.Char("ContactID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    contact_number = fields.Char("Contact number", readonly=True)
    email = fields.Char("E-mail", readonly=True)

    @api.depends("name", "contact_number", "email")
    def _compute_display_name(self):
        for line in self:
            keys = ", ".join(filter(None, (line.contact_number, line.email)))
            line.display_name = f"{line.name} ({keys})" if keys else line.name
