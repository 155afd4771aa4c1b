from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

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
