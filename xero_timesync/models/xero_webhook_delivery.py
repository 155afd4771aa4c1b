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
    tenant_ids = fields.Char(
        "Organisations", readonly=True, help="Xero tenant ids of the connected organisations with contact events."
    )
    event_tenant_ids = fields.Char(
        "Organisations named", readonly=True, help="Xero tenant ids of the connected organisations it has events of."
    )
    event_count = fields.Integer(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    pending = fields.Boolean(readonly=True, index=True, help="Its organisations' contacts are not synchronized yet.")
    unconnected = fields.Boolean(
        readonly=True,
        help="It names no organisation connected here: kept only to recognise its replays, and only the newest"
        " ones (WEBHOOK_UNCONNECTED_DELIVERIES_MAX).",
    )

    _digest_uniq = models.Constraint("unique (digest)", "A webhook delivery is processed once.")
    _unconnected_idx = models.Index("(id) WHERE unconnected")

    # -- xero.tenant.owned: a delivery belongs to the organisations it announces changes of
    def _xero_record_tenants(self):
        self.ensure_one()
        return set((self.tenant_ids or "").split())

    @api.model
    def _xero_tenants_domain(self, tenant_ids):
        return Domain.OR(Domain("tenant_ids", "like", tenant) for tenant in tenant_ids)

    @api.model
    def _receive(self, body, events):
        """Record a verified delivery; returns the connected organisations whose contacts changed (to wake), or None
        for a replay.

        Only connected organisations wait for a run: a delivery naming none of them is marked ``unconnected``, and
        at most ``WEBHOOK_UNCONNECTED_DELIVERIES_MAX`` of those are kept (the oldest dropped), whoever sends them.
        """
        digest = hashlib.sha256(body).hexdigest()
        connected = self._connected_tenants({e.get("tenantId") for e in events} - {None})
        tenants = sorted({e["tenantId"] for e in events if e.get("eventCategory") == "CONTACT"} & connected)
        # ON CONFLICT: two workers receiving the same replay at once must not both accept it
        self.env.cr.execute(
            """
            INSERT INTO xero_webhook_delivery (digest, tenant_ids, event_tenant_ids, event_count, received_at, pending,
                                               unconnected, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, now() at time zone 'UTC', %s, %s, %s, now() at time zone 'UTC', %s,
                    now() at time zone 'UTC')
            ON CONFLICT (digest) DO NOTHING RETURNING id
            """,
            [
                digest,
                " ".join(tenants),
                " ".join(sorted(connected)),
                len(events),
                bool(tenants),
                not connected,
                self.env.uid,
                self.env.uid,
            ],
        )
        if not self.env.cr.fetchone():
            return None
        if not connected:
            self._trim_unconnected()
        return tenants

    @api.model
    def _connected_tenants(self, tenant_ids=None):
        """The tenant ids of the connected organisations (among ``tenant_ids`` if given)."""
        domain = [("state", "=", "connected")]
        if tenant_ids is not None:
            if not tenant_ids:
                return set()
            domain.append(("tenant_id", "in", list(tenant_ids)))
        return set(self.env["xero.connection"].sudo().search_fetch(domain, ["tenant_id"]).mapped("tenant_id"))

    @api.model
    def _trim_unconnected(self):
        """Keep the newest ``WEBHOOK_UNCONNECTED_DELIVERIES_MAX`` deliveries that name no connected organisation."""
        self.env.cr.execute(
            """
            DELETE FROM xero_webhook_delivery WHERE id IN (
                SELECT id FROM xero_webhook_delivery WHERE unconnected ORDER BY id DESC OFFSET %s
            )
            """,
            [const.WEBHOOK_UNCONNECTED_DELIVERIES_MAX],
        )

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
    def _last_received(self, tenant_id):
        """When the newest delivery with events of this organisation arrived, or None."""
        self.flush_model()
        self.env.cr.execute(
            "SELECT max(received_at) FROM xero_webhook_delivery"
            " WHERE %s = ANY(string_to_array(event_tenant_ids, ' '))",
            [tenant_id],
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _consume(self, tenant_id):
        """A run of this organisation starts: its pending deliveries are covered by it."""
        self.env.cr.execute(f"UPDATE xero_webhook_delivery SET pending = FALSE WHERE {self._OF_TENANT}", [tenant_id])

    @api.autovacuum
    def _gc_old_deliveries(self):
        """Forget deliveries past their replay window; nothing waits for an organisation that is not connected
        (any more): those deliveries stop waiting and fall under the cap of unconnected ones."""
        self.flush_model()
        self.env.cr.execute(
            """
            UPDATE xero_webhook_delivery SET pending = FALSE, unconnected = TRUE
             WHERE pending AND NOT string_to_array(COALESCE(tenant_ids, ''), ' ') && %s::text[]
            """,
            [sorted(self._connected_tenants())],
        )
        self.invalidate_model(["pending", "unconnected"])
        cutoff = fields.Datetime.now() - timedelta(days=const.WEBHOOK_DELIVERY_RETENTION_DAYS)
        self.search([("received_at", "<", cutoff), ("pending", "=", False)]).unlink()
        self._trim_unconnected()
