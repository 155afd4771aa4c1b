from odoo import api, fields, models

from .. import const
from ..batching import check_company_batched, memoized_default_get
from ..ownership import integration_writes


class ResPartner(models.Model):
    _inherit = "res.partner"

    xero_contact_id = fields.Char("Xero ContactID", copy=False, index="btree_not_null", readonly=True)
    # the timer's client search matches name, e-mail or number anywhere in them (ILIKE '%…%'): trigram indexes
    # keep it at milliseconds with 100,000 clients (bench/timer.py)
    xero_contact_number = fields.Char("Xero contact number", copy=False, readonly=True, index="trigram")
    xero_is_customer = fields.Boolean("Xero customer", readonly=True, copy=False)
    xero_is_supplier = fields.Boolean("Xero supplier", readonly=True, copy=False)
    xero_merged_into_id = fields.Many2one(
        "res.partner", "Merged into", copy=False, readonly=True, help="Xero merged this client's contact into that one."
    )

    # (as index="trigram" does: none where PostgreSQL lacks pg_trgm)
    _xero_name_trgm = models.Index(lambda registry: registry.has_trigram and "USING gin (name gin_trgm_ops)")
    _xero_email_trgm = models.Index(lambda registry: registry.has_trigram and "USING gin (email gin_trgm_ops)")
    _xero_contact_uniq = models.UniqueIndex(
        "(company_id, xero_contact_id) WHERE xero_contact_id IS NOT NULL",
        "A Xero contact is linked to one client per company.",
    )

    @api.model
    def default_get(self, fields):
        return memoized_default_get(self, fields, super().default_get)

    def _check_company(self, fnames=None):
        if len(self) > 1 and self.env.context.get(const.CONTEXT_FROM_XERO) and integration_writes(self.env):
            return check_company_batched(self, fnames, super()._check_company)
        return super()._check_company(fnames)

    def _xero_contact_payload(self):
        """A Xero contact for a client invoiced from Odoo that Xero does not know yet."""
        self.ensure_one()
        payload = {"Name": (self.name or "").strip()[:255]}
        if self.email:
            payload["EmailAddress"] = self.email
        if self.vat:
            payload["TaxNumber"] = self.vat
        if self.street or self.city or self.zip or self.country_id:
            payload["Addresses"] = [
                {
                    "AddressType": "STREET",
                    "AddressLine1": self.street or "",
                    "AddressLine2": self.street2 or "",
                    "City": self.city or "",
                    "PostalCode": self.zip or "",
                    "Country": self.country_id.name or "",
                }
            ]
        return payload
