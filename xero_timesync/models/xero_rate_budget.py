from datetime import datetime, timezone

from odoo import api, fields, models

from .. import const


class XeroRateBudget(models.Model):
    """Xero's per-organisation limits (60 calls a minute, the app tier's calls a day), counted across every
    worker and server sharing the database, so that no run learns them from a 429."""

    _name = "xero.rate.budget"
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
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        minute = now.replace(second=0, microsecond=0)
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                INSERT INTO xero_rate_budget AS b (tenant_id, minute_start, minute_calls, day, day_calls)
                VALUES (%(tenant)s, %(minute)s, 1, %(day)s, 1)
                ON CONFLICT (tenant_id) DO UPDATE SET
                    minute_calls = CASE WHEN b.minute_start = EXCLUDED.minute_start THEN b.minute_calls + 1 ELSE 1 END,
                    minute_start = EXCLUDED.minute_start,
                    day_calls = CASE WHEN b.day = EXCLUDED.day THEN b.day_calls + 1 ELSE 1 END,
                    day = EXCLUDED.day
                RETURNING minute_calls, day_calls
                """,
                {"tenant": tenant_id, "minute": minute, "day": now.date()},
            )
            minute_calls, day_calls = cr.fetchone()
        if day_calls > daily_limit:
            return 0, True
        if minute_calls > const.MINUTE_LIMIT:
            return 60 - now.second - now.microsecond / 1e6 + 0.1, False
        return 0, False
