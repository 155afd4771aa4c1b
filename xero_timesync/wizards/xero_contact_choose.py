from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.xero_contact_lookup import CHOOSE_ACTIVITY
from ..ownership import owned_writes
from ..services.errors import XeroError


class XeroContactChoose(models.TransientModel):
    """Push to Xero found several Xero contacts that may be this client (or one that is already another
    client's): the accountant picks the one that is, and the next push uses it."""

    _name = "xero.contact.choose"
    _description = "Choose the Xero contact of a client"

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", "Client", required=True, readonly=True)
    line_ids = fields.One2many("xero.contact.choose.line", "wizard_id", "Contacts at Xero", readonly=True)
    line_id = fields.Many2one("xero.contact.choose.line", "Xero contact", domain="[('wizard_id', '=', id)]")

    @api.model
    def _xero_check_billing(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only users with Invoicing rights can choose the Xero contact of a client."))

    @api.model
    def _action_open(self, partners):
        """The Action menu of a client: look it up at Xero and offer what matches its reference, e-mail or name."""
        self._xero_check_billing()
        partner = partners.commercial_partner_id
        if len(partner) != 1:
            raise UserError(_("Choose the Xero contact of one client at a time."))
        if partner.xero_contact_id:
            raise UserError(_("%s already has its Xero contact.", partner.display_name))
        connection = self.env["xero.invoice.sync"]._xero_connection(self.env.company)
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                lookup = self.env["xero.contact.lookup"]._xero_lookup(client, partner)
        except XeroError as error:
            raise UserError(_("Xero could not be searched: %s", error)) from None
        candidates = sorted(lookup.candidates[partner], key=lambda c: (c.name.casefold(), c.contact_id))
        if not candidates:
            raise UserError(
                _(
                    "Xero has no contact with the reference, e-mail or name of %s: Push to Xero creates it.",
                    partner.display_name,
                )
            )
        wizard = self.create({"partner_id": partner.id})
        self.env["xero.contact.choose.line"].sudo().create(  # Xero's answer: accountants read it, never write it
            [
                {
                    "wizard_id": wizard.id,
                    "contact_id": c.contact_id,
                    "name": c.name,
                    "contact_number": c.contact_number,
                    "email": c.email,
                }
                for c in candidates
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Choose the Xero contact"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        """Link the chosen contact to the client (Xero owns the field) and close the client's to-do."""
        self.ensure_one()
        self._xero_check_billing()
        line, partner = self.line_id, self.partner_id
        if not line or line.wizard_id != self:
            raise UserError(_("Choose one of the contacts Xero listed."))
        if partner.xero_contact_id:
            raise UserError(_("%s already has its Xero contact.", partner.display_name))
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        if owner := Partner.search([("xero_contact_id", "=", line.contact_id)], limit=1):
            raise UserError(
                _(
                    "%(contact)s is already the Xero contact of %(other)s: merge the two clients, or choose another.",
                    contact=line.name,
                    other=owner.display_name,
                )
            )
        with owned_writes():
            partner.sudo().write({"xero_contact_id": line.contact_id})
        partner.sudo()._message_log(
            body=Markup("%s")
            % _("Linked to the Xero contact %(contact)s (%(id)s).", contact=line.name, id=line.contact_id)
        )
        kind = self.env.ref(CHOOSE_ACTIVITY)
        partner.sudo().activity_ids.filtered(lambda a: a.activity_type_id == kind).action_feedback(
            feedback=_("Linked to %s.", line.name)
        )
        return {"type": "ir.actions.act_window_close"}
