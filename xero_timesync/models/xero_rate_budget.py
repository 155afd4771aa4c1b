import json
import random
import time
from datetime import datetime, timezone

import psycopg2.errors

from odoo import api, fields, models

from .. import const

SPEND_ATTEMPTS = 5
MARGIN = 1.0  # seconds: our clock reads a call before it reaches Xero, whose clock counts it (latencies differ)
EPOCH = datetime(1970, 1, 1)


class XeroRateBudget(models.Model):
    """Xero's per-organisation limits (60 calls a minute, the app tier's calls a day), counted across every
    worker and server sharing the database, so that no run learns them from a 429."""

    _name = "xero.rate.budget"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero API calls spent per organisation"
    _rec_name = "tenant_id"

    tenant_id = fields.Char("Xero organisation ID", required=True, readonly=True)
    minute_calls_at = fields.Json(
        "Calls of the last minute",
        readonly=True,
        help="When (seconds since 1970, UTC) each call of Xero's minute went.",
    )
    day = fields.Date("Day (UTC)", readonly=True)
    day_calls = fields.Integer(readonly=True)

    _tenant_uniq = models.Constraint("unique (tenant_id)", "One budget per Xero organisation.")

    @api.model
    def _daily_limit(self):
        return int(self.env["ir.config_parameter"].sudo().get_param(const.PARAM_DAILY_LIMIT) or const.DAILY_LIMIT)

    @api.model
    def _spend(self, tenant_id, daily_limit):
        """Take one call from the organisation's budget: ``(0, False)`` when it may go now (it is counted),
        ``(seconds, False)`` when Xero's minute is full (nothing counted: ask again after that wait),
        ``(0, True)`` when the day's calls are spent.

        Xero's minute is rolling (the calls of the last 60 seconds), so the budget keeps the times of the last
        minute's calls: a clock minute would let 60 calls at 10:00:59 and 60 more at 10:01:00 through, and Xero
        would answer 429. Committed at once in its own transaction (the count must be seen by every worker now,
        and survive a rollback of the run: the call is made). Thread-safe: it touches only the registry.
        """
        attempt = 0
        while True:
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            try:
                with self.env.registry.cursor() as cr:
                    return self._take(cr, tenant_id, daily_limit, now)
            except psycopg2.errors.SerializationFailure:
                # Runs that waited out the same minute wake together and hit this row at once; under Odoo's
                # REPEATABLE READ the losers get a serialization failure: replayed on a fresh clock.
                attempt += 1
                if attempt == SPEND_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)

    @api.model
    def _take(self, cr, tenant_id, daily_limit, now):
        cr.execute(  # the row, locked (made on the organisation's first call)
            """INSERT INTO xero_rate_budget AS b (tenant_id, day, day_calls) VALUES (%s, %s, 0)
               ON CONFLICT (tenant_id) DO UPDATE SET tenant_id = b.tenant_id
               RETURNING day, day_calls, minute_calls_at""",
            [tenant_id, now.date()],
            log_exceptions=False,  # a serialization failure is expected here, and replayed by _spend
        )
        day, day_calls, minute_calls = cr.fetchone()
        day_calls = day_calls if day == now.date() else 0
        if day_calls >= daily_limit:
            return 0, True
        stamp = (now - EPOCH).total_seconds()
        minute_calls = sorted(at for at in minute_calls or [] if at > stamp - 60 - MARGIN)
        if len(minute_calls) >= const.MINUTE_LIMIT:
            return minute_calls[-const.MINUTE_LIMIT] + 60 + MARGIN - stamp, False
        cr.execute(
            "UPDATE xero_rate_budget SET day = %s, day_calls = %s, minute_calls_at = %s WHERE tenant_id = %s",
            [now.date(), day_calls + 1, json.dumps([*minute_calls, stamp]), tenant_id],
            log_exceptions=False,
        )
        return 0, False
