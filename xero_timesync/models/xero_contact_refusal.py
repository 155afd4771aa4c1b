from odoo import api, fields, models


class XeroContactRefusal(models.Model):
    """A Xero contact that Odoo could not store: listed for the admin, retried by every run until it imports."""

    _name = "xero.contact.refusal"
    _description = "Xero contact refused by Odoo"
    _order = "last_seen desc, id desc"
    _rec_name = "name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_contact_id = fields.Char("ContactID", required=True, readonly=True)
    name = fields.Char("Contact", readonly=True)
    reason = fields.Text(readonly=True)
    attempts = fields.Integer(default=1, readonly=True)
    first_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    log_id = fields.Many2one("xero.sync.log", "Last refused by", ondelete="set null", readonly=True)

    _contact_uniq = models.Constraint(
        "unique (connection_id, xero_contact_id)", "A Xero contact is listed once per connection."
    )

    @api.model
    def _record(self, connection, log, refused):
        """Upsert ``refused`` ({ContactID: (name, reason)}) for ``connection``, one attempt per run."""
        if not refused:
            return
        existing = self.search([("connection_id", "=", connection.id), ("xero_contact_id", "in", list(refused))])
        by_id = {refusal.xero_contact_id: refusal for refusal in existing}
        now = fields.Datetime.now()
        new = []
        for contact_id, (name, reason) in refused.items():
            refusal = by_id.get(contact_id)
            if refusal:
                attempts = refusal.attempts + (refusal.log_id != log)
                refusal.write(
                    {"name": name, "reason": reason, "attempts": attempts, "last_seen": now, "log_id": log.id}
                )
            else:
                new.append(
                    {
                        "connection_id": connection.id,
                        "xero_contact_id": contact_id,
                        "name": name,
                        "reason": reason,
                        "log_id": log.id,
                    }
                )
        self.create(new)

    @api.model
    def _forget(self, connection, contact_ids):
        """These contacts were stored after all."""
        if contact_ids:
            self.search([("connection_id", "=", connection.id), ("xero_contact_id", "in", list(contact_ids))]).unlink()
