import logging
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from .. import const
from ..services.errors import XeroAuthError
from ..services.values import XeroEndpoints
from ..services.xero_client import XeroClient

_logger = logging.getLogger(__name__)

REAUTHORISE = "reauthorise"  # the code of an auth failure _xero_calls handled


class XeroService(models.AbstractModel):
    """The door to Xero for every model: the app, its clients, and what a connection's calls tell the admins
    (a dead grant, the rate limits left, contacts refused)."""

    _name = "xero.service"
    _description = "Xero service"

    # -- the app ---------------------------------------------------------------------------------
    @api.model
    def _xero_endpoints(self):
        params = self.env["ir.config_parameter"].sudo()
        return XeroEndpoints(
            login_url=params.get_param(const.PARAM_LOGIN_URL, const.DEFAULT_LOGIN_URL).rstrip("/"),
            identity_url=params.get_param(const.PARAM_IDENTITY_URL, const.DEFAULT_IDENTITY_URL).rstrip("/"),
            api_url=params.get_param(const.PARAM_API_URL, const.DEFAULT_API_URL).rstrip("/"),
        )

    @api.model
    def _xero_app_credentials(self):
        """Client id and secret of the Xero app, from settings or odoo.cfg (xero_client_id / xero_client_secret)."""
        params = self.env["ir.config_parameter"].sudo()
        client_id = params.get_param(const.PARAM_CLIENT_ID) or config.get("xero_client_id")
        client_secret = params.get_param(const.PARAM_CLIENT_SECRET) or config.get("xero_client_secret")
        return client_id or False, client_secret or False

    @api.model
    def _xero_redirect_uri(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        return base_url + const.OAUTH_CALLBACK_PATH

    # -- clients ---------------------------------------------------------------------------------
    @api.model
    def _xero_new_client(self, token=None, tenant_id=None, token_rotator=None, **options):
        client_id, client_secret = self._xero_app_credentials()
        if not client_id or not client_secret:
            raise UserError(_("The Xero app's client id and secret are not configured yet."))
        return XeroClient(
            self._xero_endpoints(),
            client_id,
            client_secret,
            token=token,
            tenant_id=tenant_id,
            token_rotator=token_rotator,
            **options,
        )

    @api.model
    def _xero_client(self, connection, **options):
        """A client for ``connection``, refreshing (and persisting) tokens as needed."""
        connection.ensure_one()
        if connection.state == "unlinked":
            raise UserError(_("The Xero integration of %s is unlinked; enable it again.", connection.company_id.name))
        token = connection.sudo().token_id
        if not token or not token.sudo().refresh_token:
            raise XeroAuthError(_("The Xero connection of %s needs to be re-authorised.", connection.company_id.name))
        budget, tenant_id = self.env["xero.rate.budget"].sudo(), connection.tenant_id
        daily_limit = budget._daily_limit()
        options.setdefault("deadline", self.env["ir.cron"]._xero_deadline())  # a scheduled run ends in time
        return self._xero_new_client(
            token=token._as_dict(),
            tenant_id=tenant_id,
            token_rotator=token._rotate,
            throttle=lambda: budget._spend(tenant_id, daily_limit),
            **options,
        )

    @api.model
    @contextmanager
    def _xero_calls(self, connection, client=None, **options):
        """``with Service._xero_calls(connection) as client:``, the way models call Xero (``client``: one the
        caller already holds for this connection). A grant Xero no longer accepts is handled here once: the
        connection needs re-authorisation (``_xero_handle_auth_error``), and a ``XeroAuthError`` saying so goes
        on to the caller, which reports it as it reports any ``XeroError``."""
        try:
            yield client or self._xero_client(connection, **options)
        except XeroAuthError as error:
            if error.code == REAUTHORISE:  # an enclosing call already handled it
                raise
            self._xero_handle_auth_error(connection, error)
            raise XeroAuthError(
                _(
                    "Xero refused the connection of %(company)s (%(reason)s): an administrator must enable the"
                    " integration again (Settings → Xero → Enable integration).",
                    company=connection.company_id.name,
                    reason=error,
                ),
                REAUTHORISE,
            ) from error

    @api.model
    def _xero_revoke(self, connection, spare_others=True, **options):
        """Give the grant back to Xero: the organisation's connection, then the refresh token, unless
        (``spare_others``) the token's user also connected an organisation another company has linked."""
        client = self._xero_client(connection, **options)
        if connection.xero_connection_uuid:
            client.delete_connection(connection.xero_connection_uuid)
        if spare_others and self._xero_grant_serves_others(client, connection.company_id):
            _logger.info(
                "Xero connection of company %s removed; its grant is kept: it also serves another company",
                connection.company_id.id,
            )
            return
        client.revoke()

    @api.model
    def _xero_grant_serves_others(self, client, company):
        """Whether revoking ``client``'s refresh token could cut an organisation another company has linked.

        A Xero grant is per user and app, and revoking it removes every connection of that user to the app, not
        only those of this company (xero-python: "remove all a user's connections"): it is kept while the user's
        connections include another company's organisation. One call, only when another company is linked.
        """
        others = (
            self.env["xero.connection"]
            .sudo()
            .search(
                [("company_id", "!=", company.id), ("state", "in", const.LINKED_STATES), ("tenant_id", "!=", False)]
            )
        )
        if not others:
            return False
        return bool({tenant.tenant_id for tenant in client.connections()} & set(others.mapped("tenant_id")))

    # -- what the calls tell the admins ------------------------------------------------------------
    @api.model
    def _xero_handle_auth_error(self, connection, error):
        """The grant is gone: visible state, admins notified and given an activity, no retries until re-authorised."""
        connection.ensure_one()
        if connection.state == "needs_reauth":
            return
        connection.sudo().write({"state": "needs_reauth"})
        connection.sudo().token_id._wipe()
        company = connection.company_id
        _logger.warning("Xero connection of company %s needs re-authorisation: %s", company.id, error)
        message = _(
            "Xero no longer accepts the connection of %(company)s (%(reason)s). An administrator must enable"
            " the integration again (Settings → Xero → Enable integration).",
            company=company.name,
            reason=error,
        )
        self._xero_notify_admins(connection, _("Xero needs re-authorisation"), message)
        self._xero_schedule_admin_activity(
            connection,
            "xero_timesync.mail_activity_type_xero_reauth",
            _("Re-authorise Xero for %s", company.name),
            message,
        )

    @api.model
    def _xero_record_health(self, connection, client):
        """After a run: the rate limits Xero announced, and the activities the admins need (once)."""
        limits = client.stats.rate_limit_remaining if client else {}
        vals = {}
        if "X-DayLimit-Remaining" in limits:
            vals["quota_day_remaining"] = int(limits["X-DayLimit-Remaining"])
        if "X-MinLimit-Remaining" in limits:
            vals["quota_minute_remaining"] = int(limits["X-MinLimit-Remaining"])
        if vals:
            connection.write(dict(vals, quota_checked_at=fields.Datetime.now()))
        refused = connection.refused_count
        if refused:
            self._xero_schedule_admin_activity(
                connection,
                "xero_timesync.mail_activity_type_xero_refused",
                _("%s Xero contacts could not be imported", refused),
                _(
                    "Odoo refused some Xero contacts of %(company)s (Settings → Xero → Refused contacts lists them and"
                    " why). Correct them in Xero: every synchronization retries them.",
                    company=connection.company_id.name,
                ),
            )
        else:
            self._xero_close_activities(connection, "xero_timesync.mail_activity_type_xero_refused")
        self._xero_conflicts_activity(connection)

    @api.model
    def _xero_conflicts_activity(self, connection):
        """One activity while Xero contacts wait for an administrator to say which client they are."""
        conflicts = connection.conflict_count
        if not conflicts:
            self._xero_close_activities(connection, "xero_timesync.mail_activity_type_xero_conflict")
            return
        self._xero_schedule_admin_activity(
            connection,
            "xero_timesync.mail_activity_type_xero_conflict",
            _("%s Xero contacts to match", conflicts),
            _(
                "Some Xero contacts of %(company)s match several clients in Odoo (or share a client): nothing was"
                " linked or created for them. Settings → Xero → Contacts to match lists them: choose their client or"
                " give them a client of their own.",
                company=connection.company_id.name,
            ),
        )

    @api.model
    def _xero_quota_exhausted(self, connection, error):
        self._xero_schedule_admin_activity(
            connection,
            "xero_timesync.mail_activity_type_xero_quota",
            _("Xero's daily API limit is reached"),
            _(
                "Xero refuses more calls today for %(company)s (%(error)s). Synchronization resumes by itself"
                " tomorrow; if this happens often, check Xero's plan of your app.",
                company=connection.company_id.name,
                error=error,
            ),
        )

    @api.model
    def _xero_company_admins(self, connection):
        return (
            self.env.ref("base.group_system")
            .sudo()
            .all_user_ids.filtered(lambda u: u.active and not u.share and connection.company_id in u.company_ids)
        )

    @api.model
    def _xero_schedule_admin_activity(self, connection, activity_type_xmlid, summary, note):
        """One open activity of this kind for an administrator (who connected, if still one), not one per run."""
        connection = connection.sudo()
        activity_type = self.env.ref(activity_type_xmlid)
        if connection.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type):
            return
        admins = self._xero_company_admins(connection)
        assignee = connection.owner_id if connection.owner_id in admins else admins[:1]
        if assignee:
            connection.activity_schedule(activity_type_xmlid, summary=summary, note=note, user_id=assignee.id)

    @api.model
    def _xero_close_activities(self, connection, activity_type_xmlid):
        activity_type = self.env.ref(activity_type_xmlid)
        done = connection.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)
        if done:
            done.action_done()

    @api.model
    def _xero_notify_admins(self, connection, title, message):
        for partner in self._xero_company_admins(connection).partner_id:
            partner._bus_send("simple_notification", {"title": title, "message": message, "sticky": True})
