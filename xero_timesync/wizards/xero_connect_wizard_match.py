from odoo import api, fields, models

from ..models.xero_contact_match import MATCH_KEYS


class XeroConnectWizardMatch(models.TransientModel):
    """One Xero contact on the review screen of Enable integration: matched, new or in conflict, and the
    administrator's decision about it."""

    _name = "xero.connect.wizard.match"
    _description = "Xero contact reviewed before the first import"
    _order = "name, id"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="wizard_id.company_id")
    xero_contact_id = fields.Char("ContactID", readonly=True)
    name = fields.Char("Xero contact", readonly=True)
    state = fields.Selection(
        [("matched", "Matched"), ("conflict", "Conflict"), ("new", "New")], required=True, readonly=True
    )
    match_key = fields.Selection(MATCH_KEYS, "Matched on", readonly=True)
    suggested_partner_id = fields.Many2one("res.partner", readonly=True)
    candidate_ids = fields.Many2many(
        "res.partner", "xero_connect_wizard_match_candidate_rel", "line_id", "partner_id", "Candidates", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Client",
        domain="[('xero_contact_id', '=', False), ('parent_id', '=', False), ('company_id', 'in', [company_id, False])]",
        help="The existing client this Xero contact is linked to.",
    )
    decision = fields.Selection(
        [("link", "Link to the client"), ("new", "Client of its own"), ("later", "Decide later")], required=True
    )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        for line in self:
            line.decision = "link" if line.partner_id else ("later" if line.state == "conflict" else "new")

    def _stored_decision(self):
        """(ContactID, name, state, partner id, key, candidate ids) for ``xero.contact.match``, or None when
        the import's own rules decide the same."""
        self.ensure_one()
        if self.decision == "link" and self.partner_id:
            key = self.match_key if self.partner_id == self.suggested_partner_id else "admin"
            return (self.xero_contact_id, self.name, "link", self.partner_id.id, key, [])
        if self.decision == "new" and self.state != "new":
            return (self.xero_contact_id, self.name, "new", False, False, [])
        if self.decision == "later" and self.state == "conflict":
            return (self.xero_contact_id, self.name, "conflict", False, self.match_key, self.candidate_ids.ids)
        return None
