"""What a client's queued action already did: an idempotency key per user, remembered for 30 days.

The phone app and the extension queue actions while offline and send each with a key they generated. The
key is stored in the same transaction as the action's effect, so a replay (the answer was lost, the queue
is sent again) finds it and returns the first answer instead of acting twice, and a refused action leaves
no key behind. Two replays racing each other meet on the unique index: the later one waits for the first
to commit, then fails with a serialization error and Odoo retries its request, which finds the key.
"""

import json
import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
KEEP_DAYS = 30


class XeroTimerAction(models.Model):
    _name = "xero.timer.action"
    _description = "Timer action sent by an app (idempotency key)"
    _xero_owned_records = False  # the user's own log, written by the server only (no user has access)
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    key = fields.Char(required=True)
    action = fields.Char(required=True)
    result = fields.Json()
    done_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    _user_key_uniq = models.Constraint("unique (user_id, key)", "An action key is used once per user.")

    @api.model
    def _xero_once(self, key, action, run):
        """``run()``'s answer for this user's ``key``, running it only the first time the key is seen."""
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise UserError(_("This action has no valid key (8 to 64 letters, digits, - or _); it was not applied."))
        # one statement claims the key (the ORM would search, then insert inside a savepoint: 4 more queries
        # on every start and stop)
        self.env.cr.execute(
            SQL(
                """INSERT INTO xero_timer_action (user_id, key, action, done_at)
                   VALUES (%s, %s, %s, %s)
                   ON CONFLICT (user_id, key) DO NOTHING RETURNING id""",
                self.env.uid,
                key,
                action,
                fields.Datetime.now(),
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            done = self.sudo().search([("user_id", "=", self.env.uid), ("key", "=", key)], limit=1)
            return dict(done.result or {}, replayed=True)
        result = run()
        self.env.cr.execute(SQL("UPDATE xero_timer_action SET result = %s WHERE id = %s", json.dumps(result), row[0]))
        return dict(result, replayed=False)

    @api.autovacuum
    def _gc_old_keys(self):
        self.sudo().search([("done_at", "<", fields.Datetime.subtract(fields.Datetime.now(), days=KEEP_DAYS))]).unlink()
