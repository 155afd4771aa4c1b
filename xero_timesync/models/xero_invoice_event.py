import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

CATEGORIES = [("INVOICE", "Invoice"), ("CREDITNOTE", "Credit note")]


class XeroInvoiceEvent(models.Model):
    """An INVOICE or CREDITNOTE webhook event waiting for its targeted fetch.

    The webhook only inserts rows (no Xero call in the request); the fetch cron takes them with
    ``FOR UPDATE SKIP LOCKED`` and deletes exactly the rows it handled, so an event arriving during a
    fetch is fetched by the next run, and two cron workers never fetch the same event.
    """

    _name = "xero.invoice.event"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero invoice event to fetch"
    _order = "id"

    tenant_id = fields.Char(required=True, readonly=True, index=True)
    category = fields.Selection(CATEGORIES, required=True, readonly=True)
    resource_id = fields.Char(required=True, readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)

    @api.model
    def _xero_receive(self, events):
        """Verified webhook events → rows for the connected organisations; wakes the fetch shortly."""
        wanted = {
            (e.get("tenantId"), e.get("eventCategory"), e.get("resourceId"))
            for e in events
            if e.get("eventCategory") in ("INVOICE", "CREDITNOTE") and e.get("tenantId") and e.get("resourceId")
        }
        if not wanted:
            return 0
        connected = set(
            self.env["xero.connection"]
            .sudo()
            .search([("state", "=", "connected"), ("tenant_id", "in", [t for t, _c, _r in wanted])])
            .mapped("tenant_id")
        )
        rows = [{"tenant_id": t, "category": c, "resource_id": r} for t, c, r in sorted(wanted) if t in connected]
        if rows:
            self.sudo().create(rows)
            # now, not later: Odoo wakes its cron workers only for a trigger that is due (else they look a
            # minute later); the events of a burst that arrive meanwhile are fetched by the same run
            Job = self.env["xero.job"]
            for connection in self.env["xero.connection"].sudo().search([("tenant_id", "in", sorted(connected))]):
                Job._xero_wake(connection, "events")
        return len(rows)

    @api.model
    def _cron_xero_fetch_invoice_events(self):
        """Hourly safety net: the events job of every organisation with events waiting is woken (a webhook
        wakes it at once; this catches events left by a failed or yielded run)."""
        self.flush_model()
        self.env.cr.execute("SELECT DISTINCT tenant_id FROM xero_invoice_event")
        tenants = [tenant for (tenant,) in self.env.cr.fetchall()]
        Job = self.env["xero.job"]
        for connection in (
            self.env["xero.connection"].sudo().search([("state", "=", "connected"), ("tenant_id", "in", tenants)])
        ):
            Job._xero_wake(connection, "events")

    @api.model
    def _xero_take(self, tenant_id, limit):
        """Up to ``limit`` events of the organisation no other run holds, locked until this run commits:
        ``(invoice ids, credit note ids, event ids)``, or None when none waits."""
        self.flush_model()
        self.env.cr.execute(
            "SELECT id, category, resource_id, received_at FROM xero_invoice_event WHERE tenant_id = %s"
            " ORDER BY id FOR UPDATE SKIP LOCKED LIMIT %s",
            [tenant_id, limit],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return None
        ids = {"INVOICE": set(), "CREDITNOTE": set()}
        for _id, category, resource, _received in rows:
            ids[category].add(resource)
        oldest = min(filter(None, (received for *_r, received in rows)), default=None)
        if oldest:
            _logger.info(
                "Xero events of %s fetched %.1f s after delivery",
                tenant_id,
                (fields.Datetime.now() - oldest).total_seconds(),
            )
        return ids["INVOICE"], ids["CREDITNOTE"], [row[0] for row in rows]

    @api.model
    def _xero_done(self, event_ids):
        self.env.cr.execute("DELETE FROM xero_invoice_event WHERE id = ANY(%s)", [event_ids])
        self.invalidate_model()
