"""19.0.1.7.0: each flow of each organisation is its own job (``xero.job``, issue 23), and owns its watermark.

The company kept when its invoice statuses and its money were last pulled completely
(``res.company.xero_invoice_status_since``, ``xero_money_since``): the organisation's ``invoices`` and
``money`` jobs start from there, so the first runs after the update read only what changed since. The contact
job adopts the connection's scheduled action (``sync_cron_id``). The old columns (and ``xero_money_error``,
which the money job's sync log replaces) are dropped.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

OLD_COLUMNS = ("xero_invoice_status_since", "xero_money_since", "xero_money_error")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_company' AND column_name = ANY(%s)",
        [list(OLD_COLUMNS)],
    )
    columns = {name for (name,) in cr.fetchall()}
    watermarks = {}
    if {"xero_invoice_status_since", "xero_money_since"} <= columns:
        cr.execute("SELECT id, xero_invoice_status_since, xero_money_since FROM res_company")
        watermarks = {company: {"invoices": statuses, "money": money} for company, statuses, money in cr.fetchall()}
    env = api.Environment(cr, SUPERUSER_ID, {})
    Job = env["xero.job"]
    connections = env["xero.connection"].search([])
    for connection in connections:
        for flow in ("contacts", "invoices", "money", "events"):
            if connection.state == "connected":
                job = Job._xero_ensure_cron(connection, flow)
            else:
                job = Job._xero_job(connection, flow)
            since = watermarks.get(connection.company_id.id, {}).get(flow)
            if since and not job.watermark:
                job.watermark = since
    env.flush_all()
    _logger.info("Xero jobs of %s organisations made, their invoice and money watermarks carried", len(connections))
    for column in columns:
        cr.execute(f'ALTER TABLE res_company DROP COLUMN IF EXISTS "{column}"')  # noqa: S608 (our names)
