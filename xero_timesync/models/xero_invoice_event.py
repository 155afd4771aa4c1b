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
            self.env.ref("xero_timesync.ir_cron_xero_fetch_invoice_events").sudo()._trigger()
        return len(rows)

    @api.model
    def _cron_xero_fetch_invoice_events(self):
        """Fetch the invoices and credit notes named by webhook events, per organisation, each isolated."""
        self.env.cr.execute(
            "SELECT id, tenant_id, category, resource_id, received_at FROM xero_invoice_event"
            " ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1000"
        )
        rows = self.env.cr.fetchall()
        by_tenant = {}
        for row_id, tenant, category, resource, received_at in rows:
            ids = by_tenant.setdefault(tenant, {"rows": [], "INVOICE": set(), "CREDITNOTE": set(), "oldest": None})
            ids["rows"].append(row_id)
            ids[category].add(resource)
            ids["oldest"] = min(filter(None, (ids["oldest"], received_at)))
        connections = (
            self.env["xero.connection"]
            .sudo()
            .search([("state", "=", "connected"), ("tenant_id", "in", list(by_tenant))])
        )
        done = []
        for tenant, todo in by_tenant.items():
            connection = connections.filtered(lambda c, t=tenant: c.tenant_id == t)[:1]
            if connection and not self.env["xero.money"]._xero_fetch_events(
                connection, todo["INVOICE"], todo["CREDITNOTE"]
            ):
                continue  # kept for the next run (Xero unreachable, or another worker holds an invoice)
            done += todo["rows"]
            if todo["oldest"]:
                _logger.info(
                    "Xero events of %s visible %.1f s after delivery",
                    tenant,
                    (fields.Datetime.now() - todo["oldest"]).total_seconds(),
                )
        if done:
            self.env.cr.execute("DELETE FROM xero_invoice_event WHERE id = ANY(%s)", [done])
        return len(done)
