import random
import time
from datetime import datetime, timezone

import psycopg2.errors

from odoo import api, fields, models

from .. import const

SPEND_ATTEMPTS = 5


class XeroRateBudget(models.Model):
    """Xero's per-organisation limits (60 calls a minute, the app tier's calls a day), counted across every
    worker and server sharing the database, so that no run learns them from a 429."""

    _name = "xero.rate.budget"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero API calls spent per organisation"
    _rec_name = "tenant_id"

    tenant_id = fields.Char("Xero organisation ID", required=True, readonly=True)
    minute_start = fields.Datetime(readonly=True)
    minute_calls = fields.Integer(readonly=True)
    day = fields.Date("Day (UTC)", readonly=True)
    day_calls = fields.Integer(readonly=True)

    _tenant_uniq = models.Constraint("unique (tenant_id)", "One budget per Xero organisation.")

    @api.model
    def _daily_limit(self):
        return int(self.env["ir.config_parameter"].sudo().get_param(const.PARAM_DAILY_LIMIT) or const.DAILY_LIMIT)

    @api.model
    def _spend(self, tenant_id, daily_limit):
        """Count one call; returns ``(seconds to wait before it, day exhausted)``.

        Committed at once in its own transaction (the count must be seen by every worker now, and survive
        a rollback of the run: the call was made). Thread-safe: it touches only the registry.
        """
        minute_calls, day_calls, now = self._count_call(tenant_id)
        if day_calls > daily_limit:
            return 0, True
        if minute_calls > const.MINUTE_LIMIT:
            return 60 - now.second - now.microsecond / 1e6 + 0.1, False
        return 0, False

    @api.model
    def _count_call(self, tenant_id):
        """Upsert the counters in a transaction of their own. Runs that waited out the same spent minute all
        wake at :00 and hit this row at once; under Odoo's REPEATABLE READ the losers get a serialization
        failure, and the single statement is safe to replay (on a fresh clock: a stale minute would reset a
        newer minute's count)."""
        attempt = 0
        while True:
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute(
                        """
                        INSERT INTO xero_rate_budget AS b (tenant_id, minute_start, minute_calls, day, day_calls)
                        VALUES (%(tenant)s, %(minute)s, 1, %(day)s, 1)
                        ON CONFLICT (tenant_id) DO UPDATE SET
                            minute_calls = CASE WHEN b.minute_start = EXCLUDED.minute_start
                                                THEN b.minute_calls + 1 ELSE 1 END,
                            minute_start = EXCLUDED.minute_start,
                            day_calls = CASE WHEN b.day = EXCLUDED.day THEN b.day_calls + 1 ELSE 1 END,
                            day = EXCLUDED.day
                        RETURNING minute_calls, day_calls
                        """,
                        {"tenant": tenant_id, "minute": now.replace(second=0, microsecond=0), "day": now.date()},
                        log_exceptions=False,  # a serialization failure is expected here, and replayed below
                    )
                    return (*cr.fetchone(), now)
            except psycopg2.errors.SerializationFailure:
                attempt += 1
                if attempt == SPEND_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)
