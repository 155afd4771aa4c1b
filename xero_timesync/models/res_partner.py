from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    xero_contact_id = fields.Char("Xero ContactID", copy=False, index="btree_not_null", readonly=True)
    xero_contact_number = fields.Char("Xero contact number", copy=False, readonly=True)

    _xero_contact_uniq = models.UniqueIndex(
        "(company_id, xero_contact_id) WHERE xero_contact_id IS NOT NULL",
        "A Xero contact is linked to one client per company.",
    )
