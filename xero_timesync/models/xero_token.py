import time

from odoo import fields, models

from ..services.errors import XeroAuthError


class XeroToken(models.Model):
    """OAuth2 tokens of a connection, in their own table.

    Rotations lock and commit this row in a separate cursor while a sync keeps writing progress on
    the connection row in the main transaction; separate tables keep the two from deadlocking.
    """

    _name = "xero.token"
    _description = "Xero OAuth2 token"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    # the grant itself: read and written by the code only (sudo), never by a user, administrators included
    access_token = fields.Char(copy=False, groups=fields.NO_ACCESS)
    refresh_token = fields.Char(copy=False, groups=fields.NO_ACCESS)
    expires_at = fields.Float(copy=False, groups="base.group_system")
    scope = fields.Char(copy=False, groups="base.group_system")

    _connection_uniq = models.Constraint("unique (connection_id)", "A Xero connection has one token.")

    def _as_dict(self):
        self.ensure_one()
        token = self.sudo()
        return {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expires_at": token.expires_at,
            "scope": (token.scope or "").split(),
            "token_type": "Bearer",
            "expires_in": max(int(token.expires_at - time.time()), 0) if token.expires_at else None,
        }

    @staticmethod
    def _vals_from_dict(token):
        return {
            "access_token": token.get("access_token"),
            "refresh_token": token.get("refresh_token"),
            "expires_at": token.get("expires_at") or 0.0,
            "scope": " ".join(token.get("scope") or []),
        }

    def _wipe(self):
        """Forget the grant, committed in its own transaction like every other write of this row.

        A rotation may already have written this row in its own transaction during the same run:
        writing it again from the business transaction would fail to serialize.
        """
        if not self:
            return
        with self.env.registry.cursor() as cr:
            cr.execute(
                "UPDATE xero_token SET access_token = NULL, refresh_token = NULL, expires_at = 0,"
                " write_date = now() at time zone 'UTC' WHERE id IN %s",
                [tuple(self.ids)],
            )
        self.invalidate_recordset()

    def _rotate(self, refresh, stale_access_token):
        """Refresh under a row lock, committed in its own transaction.

        Xero rotates the refresh token on every use: the new one must survive a rollback of the
        business transaction, and two workers must not both spend the old one.
        """
        self.ensure_one()
        self.flush_recordset()
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '60s'")
            cr.execute(
                "SELECT access_token, refresh_token, expires_at, scope FROM xero_token WHERE id = %s FOR NO KEY UPDATE",
                [self.id],
            )
            row = cr.fetchone()
            if not row or not row[1]:
                raise XeroAuthError(
                    self.env._("This Xero connection has no refresh token; enable the integration again."),
                    "no_refresh_token",
                )
            current = {
                "access_token": row[0],
                "refresh_token": row[1],
                "expires_at": row[2],
                "scope": (row[3] or "").split(),
            }
            if current["access_token"] != stale_access_token:
                return current  # another worker rotated while we waited for the lock
            try:
                new = refresh(current)
            except XeroAuthError:
                cr.execute(
                    "UPDATE xero_token SET access_token = NULL, refresh_token = NULL, expires_at = 0 WHERE id = %s",
                    [self.id],
                )
                cr.commit()  # pylint: disable=invalid-commit  # forget the dead grant despite the raise below
                raise
            vals = self._vals_from_dict(new)
            cr.execute(
                "UPDATE xero_token SET access_token = %s, refresh_token = %s, expires_at = %s, scope = %s,"
                " write_date = now() at time zone 'UTC' WHERE id = %s",
                [vals["access_token"], vals["refresh_token"], vals["expires_at"], vals["scope"], self.id],
            )
        self.invalidate_recordset()
        return new
