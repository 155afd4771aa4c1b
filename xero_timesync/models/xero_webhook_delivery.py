import hashlib
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .. import const


class XeroWebhookDelivery(models.Model):
    """A verified Xero webhook delivery, kept to refuse replays and to wake one organisation's sync."""

    _name = "xero.webhook.delivery"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero webhook delivery"
    _order = "id desc"
    _rec_name = "digest"

    digest = fields.Char(required=True, readonly=True, help="SHA-256 of the signed body: the same body is a replay.")
    tenant_ids = fields.Char("Organisations", readonly=True, help="Xero tenant ids with contact events.")
    event_count = fields.Integer(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    pending = fields.Boolean(readonly=True, index=True, help="Its organisations' contacts are not synchronized yet.")

    _digest_uniq = models.Constraint("unique (digest)", "A webhook delivery is processed once.")

    # -- xero.tenant.owned: a delivery belongs to the organisations it announces changes of
    def _xero_record_tenants(self):
        self.ensure_one()
        return set((self.tenant_ids or "").split())

    @api.model
    def _xero_tenants_domain(self, tenant_ids):
        return Domain.OR(Domain("tenant_ids", "like", tenant) for tenant in tenant_ids)

    @api.model
    def _receive(self, body, events):
        """Record a verified delivery; returns the tenant ids to wake, or None for a replay."""
        digest = hashlib.sha256(body).hexdigest()
        tenants = sorted(
            {e.get("tenantId") for e in events if e.get("eventCategory") == "CONTACT" and e.get("tenantId")}
        )
        # ON CONFLICT: two workers receiving the same replay at once must not both accept it
        self.env.cr.execute(
            """
            INSERT INTO xero_webhook_delivery (digest, tenant_ids, event_count, received_at, pending,
                                               create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, now() at time zone 'UTC', %s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
            ON CONFLICT (digest) DO NOTHING RETURNING id
            """,
            [digest, " ".join(tenants), len(events), bool(tenants), self.env.uid, self.env.uid],
        )
        return tenants if self.env.cr.fetchone() else None

    @api.model
    def _pending_tenants(self):
        deliveries = self.search_fetch([("pending", "=", True)], ["tenant_ids"])
        return {tenant for delivery in deliveries for tenant in (delivery.tenant_ids or "").split()}

    # the tenants of a delivery, space-separated: does it announce changes of this organisation?
    _OF_TENANT = "pending AND %s = ANY(string_to_array(tenant_ids, ' '))"

    @api.model
    def _last_pending(self, tenant_id):
        """When the newest delivery announcing changes of this organisation arrived, or None."""
        self.env.cr.execute(f"SELECT max(received_at) FROM xero_webhook_delivery WHERE {self._OF_TENANT}", [tenant_id])
        return self.env.cr.fetchone()[0]

    @api.model
    def _consume(self, tenant_id):
        """A run of this organisation starts: its pending deliveries are covered by it."""
        self.env.cr.execute(f"UPDATE xero_webhook_delivery SET pending = FALSE WHERE {self._OF_TENANT}", [tenant_id])

    @api.autovacuum
    def _gc_old_deliveries(self):
        cutoff = fields.Datetime.now() - timedelta(days=const.WEBHOOK_DELIVERY_RETENTION_DAYS)
        self.search([("received_at", "<", cutoff), ("pending", "=", False)]).unlink()
