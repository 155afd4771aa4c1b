import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from .. import const
from ..services.errors import XeroAuthError, XeroError
from ..services.values import XeroEndpoints
from ..services.xero_client import XeroClient
from .xero_contact_importer import IMPORT_CONTEXT

_logger = logging.getLogger(__name__)


class XeroConnection(models.Model):
    """One company's link to one Xero organisation (tenant)."""

    _name = "xero.connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Xero connection"
    _rec_name = "tenant_name"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade", index=True
    )
    state = fields.Selection(
        [
            ("connected", "Connected"),
            ("needs_reauth", "Needs re-authorisation"),
            ("unlinked", "Unlinked"),
        ],
        default="connected",
        required=True,
    )
    tenant_id = fields.Char("Xero organisation ID", readonly=True, index=True)
    tenant_name = fields.Char("Organisation", readonly=True)
    xero_connection_uuid = fields.Char("Xero connection ID", readonly=True, copy=False)
    short_code = fields.Char(readonly=True, help="Xero's short code of the organisation, used in deep links.")
    base_currency = fields.Char(readonly=True)
    owner_id = fields.Many2one("res.users", "Connected by", readonly=True)
    connected_since = fields.Datetime(readonly=True)
    owner_warning = fields.Char(compute="_compute_owner_warning")
    token_id = fields.Many2one("xero.token", readonly=True, copy=False, groups="base.group_system")
    sync_cron_id = fields.Many2one(
        "ir.cron", "Synchronization job", readonly=True, copy=False, ondelete="set null", groups="base.group_system"
    )
    revenue_account_code = fields.Char("Revenue account code")
    revenue_account_name = fields.Char("Revenue account")
    expense_account_code = fields.Char("Expense account code")
    expense_account_name = fields.Char("Expense account")
    project_id = fields.Many2one("project.project", "Xero project", readonly=True)
    contacts_watermark = fields.Datetime(
        readonly=True, help="Start of the last complete contact synchronization (UTC)."
    )
    sync_resume_page = fields.Integer(readonly=True, help="Page to resume an interrupted synchronization from.")
    sync_resume_since = fields.Datetime(readonly=True)
    sync_resume_started = fields.Datetime(readonly=True)
    webhook_pending = fields.Boolean(
        compute="_compute_webhook_pending", help="Xero announced contact changes; the cron syncs them."
    )
    refusal_ids = fields.One2many("xero.contact.refusal", "connection_id", readonly=True)
    refused_count = fields.Integer("Refused contacts", compute="_compute_refused_count")
    sync_log_ids = fields.One2many("xero.sync.log", "connection_id", readonly=True)
    sync_log_count = fields.Integer(compute="_compute_sync_log_count")
    last_sync_log_id = fields.Many2one("xero.sync.log", readonly=True, copy=False)
    last_sync_date = fields.Datetime(related="last_sync_log_id.started_at", string="Last sync")
    last_sync_state = fields.Selection(related="last_sync_log_id.state", string="Last sync result")
    last_sync_summary = fields.Char(related="last_sync_log_id.summary", string="Last sync summary")

    # -- which contacts become work --------------------------------------------------------------
    contact_scope = fields.Selection(
        [
            ("all", "All contacts"),
            ("customers", "Customers only"),
            ("groups", "Chosen contact groups"),
        ],
        "Contacts that become tasks",
        default="all",
        required=True,
        help="Customers only leaves out pure suppliers; a new contact counts as a customer until Xero says"
        " otherwise (Xero marks customers only after their first sales document). Out-of-scope contacts"
        " keep their client and an archived task: nothing is deleted, no time is lost.",
    )
    contact_group_ids = fields.Many2many(
        "xero.contact.group", string="Contact groups", domain="[('tenant_id', '=', tenant_id)]"
    )

    # -- health (Settings → Xero) --------------------------------------------------------------
    quota_day_remaining = fields.Integer("API calls left today", readonly=True, default=-1)
    quota_minute_remaining = fields.Integer("API calls left this minute", readonly=True, default=-1)
    quota_checked_at = fields.Datetime("Quota read at", readonly=True)
    last_success_log_id = fields.Many2one("xero.sync.log", compute="_compute_health")
    last_success_date = fields.Datetime("Last successful sync", compute="_compute_health")
    last_success_summary = fields.Char("Last successful sync result", compute="_compute_health")
    next_sync_date = fields.Datetime("Next scheduled sync", compute="_compute_health")
    token_age_days = fields.Integer("Refresh token age (days)", compute="_compute_health")
    token_days_left = fields.Integer(
        "Days before the grant lapses",
        compute="_compute_health",
        help="Xero forgets a refresh token unused for 60 days; every run renews it.",
    )
    failed_push_count = fields.Integer("Invoices not pushed", compute="_compute_health")
    last_webhook_date = fields.Datetime("Last webhook delivery", compute="_compute_health")

    _company_uniq = models.Constraint("unique (company_id)", "A company connects to one Xero organisation.")

    @api.depends("owner_id.active", "owner_id.group_ids")
    def _compute_owner_warning(self):
        admin_group = self.env.ref("base.group_system")
        for connection in self:
            owner = connection.owner_id.sudo()
            if not owner or connection.state == "unlinked":
                connection.owner_warning = False
            elif not owner.active:
                connection.owner_warning = _(
                    "%s, who enabled the integration, is archived. Synchronization keeps working while the token"
                    " does; we recommend an administrator enables the integration again.",
                    owner.name,
                )
            elif admin_group not in owner.all_group_ids:
                connection.owner_warning = _(
                    "%s, who enabled the integration, is no longer an administrator. We recommend an administrator"
                    " enables the integration again.",
                    owner.name,
                )
            else:
                connection.owner_warning = False

    def _compute_webhook_pending(self):
        pending = self.env["xero.webhook.delivery"].sudo()._pending_tenants()
        for connection in self:
            connection.webhook_pending = connection.tenant_id in pending

    def _compute_health(self):
        Log = self.env["xero.sync.log"].sudo()
        last_webhook = self.env["xero.webhook.delivery"].sudo().search([], limit=1)
        now = fields.Datetime.now()
        for connection in self:
            success = Log.search([("connection_id", "=", connection.id), ("state", "=", "done")], limit=1)
            connection.last_success_log_id = success
            connection.last_success_date = success.started_at
            connection.last_success_summary = success.summary
            cron = connection.sudo().sync_cron_id
            connection.next_sync_date = cron.nextcall if cron.active and connection.state == "connected" else False
            token = connection.sudo().token_id
            if token.refresh_token:
                rotated = token.write_date or token.create_date
                connection.token_age_days = max((now - rotated).days, 0)  # clocks of PostgreSQL and Odoo differ
                connection.token_days_left = max(const.REFRESH_TOKEN_LIFETIME_DAYS - connection.token_age_days, 0)
            else:
                connection.token_age_days = connection.token_days_left = 0
            connection.failed_push_count = (
                self.env["account.move"]
                .sudo()
                .search_count(
                    [
                        ("company_id", "=", connection.company_id.id),
                        ("xero_push_error", "!=", False),
                        ("xero_invoice_id", "=", False),
                    ]
                )
            )
            connection.last_webhook_date = last_webhook.received_at if connection.tenant_id else False

    def _xero_record_health(self, client):
        """After a run: the rate limits Xero announced, and the activities the admins need (once)."""
        limits = client.stats.rate_limit_remaining if client else {}
        vals = {}
        if "X-DayLimit-Remaining" in limits:
            vals["quota_day_remaining"] = int(limits["X-DayLimit-Remaining"])
        if "X-MinLimit-Remaining" in limits:
            vals["quota_minute_remaining"] = int(limits["X-MinLimit-Remaining"])
        if vals:
            self.write(dict(vals, quota_checked_at=fields.Datetime.now()))
        refused = self.refused_count
        if refused:
            self._xero_schedule_admin_activity(
                "xero_timesync.mail_activity_type_xero_refused",
                _("%s Xero contacts could not be imported", refused),
                _(
                    "Odoo refused some Xero contacts of %(company)s (Settings → Xero → Refused contacts lists them and"
                    " why). Correct them in Xero: every synchronization retries them.",
                    company=self.company_id.name,
                ),
            )
        else:
            self._xero_close_activities("xero_timesync.mail_activity_type_xero_refused")

    def _xero_quota_exhausted(self, error):
        self._xero_schedule_admin_activity(
            "xero_timesync.mail_activity_type_xero_quota",
            _("Xero's daily API limit is reached"),
            _(
                "Xero refuses more calls today for %(company)s (%(error)s). Synchronization resumes by itself"
                " tomorrow; if this happens often, check Xero's plan of your app.",
                company=self.company_id.name,
                error=error,
            ),
        )

    def _compute_refused_count(self):
        counts = dict(
            self.env["xero.contact.refusal"]
            .sudo()
            ._read_group([("connection_id", "in", self.ids)], ["connection_id"], ["__count"])
        )
        for connection in self:
            connection.refused_count = counts.get(connection, 0)

    def _compute_sync_log_count(self):
        counts = dict(
            self.env["xero.sync.log"]._read_group([("connection_id", "in", self.ids)], ["connection_id"], ["__count"])
        )
        for connection in self:
            connection.sync_log_count = counts.get(connection, 0)

    # -- configuration ---------------------------------------------------------------------------
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

    def _xero_client(self, **options):
        """A client for this connection, refreshing (and persisting) tokens as needed."""
        self.ensure_one()
        if self.state == "unlinked":
            raise UserError(_("The Xero integration of %s is unlinked; enable it again.", self.company_id.name))
        token = self.sudo().token_id
        if not token or not token.sudo().refresh_token:
            raise XeroAuthError(_("The Xero connection of %s needs to be re-authorised.", self.company_id.name))
        budget, tenant_id = self.env["xero.rate.budget"].sudo(), self.tenant_id
        daily_limit = budget._daily_limit()
        return self._xero_new_client(
            token=token._as_dict(),
            tenant_id=tenant_id,
            token_rotator=token._rotate,
            throttle=lambda: budget._spend(tenant_id, daily_limit),
            **options,
        )

    @api.model
    def _xero_for_company(self, company=None):
        company = company or self.env.company
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    # -- linking ---------------------------------------------------------------------------------
    @api.model
    def _xero_link(self, company, tenant, token, owner, org=None):
        """Create or relink the company's connection after consent; returns it.

        Re-enabling the same organisation reuses the connection, so imported records are relinked by
        their Xero ids. A different organisation is refused while the old one's tasks are active.
        """
        connection = self._xero_for_company(company)
        if connection and connection.tenant_id and connection.tenant_id != tenant.tenant_id:
            active_tasks = (
                self.env["project.task"]
                .sudo()
                .search_count([("xero_connection_id", "=", connection.id), ("xero_contact_id", "!=", False)])
            )
            if active_tasks:
                raise UserError(
                    _(
                        "%(company)s was linked to the Xero organisation “%(old)s”; its %(count)s imported tasks are"
                        " still active. Archive them (Xero project → Tasks → select all → Archive) before connecting"
                        " “%(new)s”, so that the two organisations' clients are never mixed.",
                        company=company.name,
                        old=connection.tenant_name,
                        count=active_tasks,
                        new=tenant.name,
                    )
                )
            connection.sudo().write({"contacts_watermark": False, "sync_resume_page": 0})
        vals = {
            "company_id": company.id,
            "state": "connected",
            "tenant_id": tenant.tenant_id,
            "tenant_name": tenant.name,
            "xero_connection_uuid": tenant.connection_id,
            "owner_id": owner.id,
            "connected_since": fields.Datetime.now(),
        }
        if org:
            vals.update(short_code=org.get("short_code"), base_currency=org.get("base_currency"))
        if connection:
            connection.sudo().write(vals)
        else:
            connection = self.sudo().create(vals)
        connection._xero_store_token(token)
        connection._xero_ensure_cron()
        connection._xero_close_reauth_activities()
        return connection

    def _xero_store_token(self, token):
        self.ensure_one()
        vals = self.env["xero.token"]._vals_from_dict(token)
        existing = self.sudo().token_id
        if existing:
            existing.sudo().write(vals)
        else:
            self.sudo().token_id = self.env["xero.token"].sudo().create({"connection_id": self.id, **vals})

    def _xero_wipe_token(self):
        self.sudo().token_id._wipe()

    def _xero_handle_auth_error(self, error):
        """The grant is gone: visible state, admins notified and given an activity, no retries until re-authorised."""
        self.ensure_one()
        if self.state == "needs_reauth":
            return
        self.sudo().write({"state": "needs_reauth"})
        self._xero_wipe_token()
        _logger.warning("Xero connection of company %s needs re-authorisation: %s", self.company_id.id, error)
        message = _(
            "Xero no longer accepts the connection of %(company)s (%(reason)s). An administrator must enable"
            " the integration again (Settings → Xero → Enable integration).",
            company=self.company_id.name,
            reason=error,
        )
        self._xero_notify_admins(_("Xero needs re-authorisation"), message)
        self._xero_schedule_admin_activity(
            "xero_timesync.mail_activity_type_xero_reauth", _("Re-authorise Xero for %s", self.company_id.name), message
        )

    def _xero_company_admins(self):
        return (
            self.env.ref("base.group_system")
            .sudo()
            .all_user_ids.filtered(lambda u: u.active and not u.share and self.company_id in u.company_ids)
        )

    def _xero_schedule_admin_activity(self, activity_type_xmlid, summary, note):
        """One open activity of this kind for an administrator (who connected, if still one), not one per run."""
        connection = self.sudo()
        activity_type = self.env.ref(activity_type_xmlid)
        if connection.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type):
            return
        admins = self._xero_company_admins()
        assignee = self.owner_id if self.owner_id in admins else admins[:1]
        if assignee:
            connection.activity_schedule(activity_type_xmlid, summary=summary, note=note, user_id=assignee.id)

    def _xero_close_reauth_activities(self):
        self._xero_close_activities("xero_timesync.mail_activity_type_xero_reauth")

    def _xero_close_activities(self, activity_type_xmlid):
        activity_type = self.env.ref(activity_type_xmlid)
        done = self.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)
        if done:
            done.action_done()

    def _xero_notify_admins(self, title, message):
        for partner in self._xero_company_admins().partner_id:
            partner._bus_send("simple_notification", {"title": title, "message": message, "sticky": True})

    # -- actions ---------------------------------------------------------------------------------
    def _check_xero_admin(self):
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can manage the Xero integration."))

    def action_xero_unlink(self):
        """Revoke at Xero, wipe tokens, stop syncing; imported records stay."""
        self._check_xero_admin()
        for connection in self.sudo():
            if connection.state != "unlinked" and connection.token_id.refresh_token:
                client = connection._xero_client()
                try:
                    if connection.xero_connection_uuid:
                        client.delete_connection(connection.xero_connection_uuid)
                    client.revoke()
                except XeroAuthError:
                    _logger.info("Xero had already revoked the connection of company %s", connection.company_id.id)
                except XeroError as error:
                    raise UserError(_("Xero could not be reached to unlink the integration: %s", error)) from None
            connection._xero_wipe_token()
            connection.write({"state": "unlinked", "sync_resume_page": 0})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("The Xero integration is unlinked. Imported projects, tasks and clients are kept."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_sync_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_sync_log_action")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_open_refusals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_contact_refusal_action")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_xero_retry_refused(self):
        """Retry: a synchronization starts with the refused contacts, fetched again by id."""
        return self.action_xero_force_sync()

    def action_open_settings(self):
        return {"type": "ir.actions.act_url", "url": "/odoo/settings#xero_timesync", "target": "self"}

    # -- contact scope -------------------------------------------------------------------------
    def _xero_scope_rule(self, client, scope=None, groups=None):
        """``in_scope(contact_id, is_customer, is_supplier)`` for this connection's (or the given) scope.
        Group scopes read their members from Xero: one call per chosen group."""
        scope = scope or self.contact_scope
        if scope == "customers":
            return lambda contact_id, is_customer, is_supplier: is_customer or not is_supplier
        if scope == "groups":
            group_ids = (groups if groups is not None else self.contact_group_ids).mapped("xero_group_id")
            members = client.contact_group_members(group_ids)
            return lambda contact_id, is_customer, is_supplier: contact_id in members
        return lambda contact_id, is_customer, is_supplier: True

    def _xero_scoped_tasks(self, rule):
        """``[(task, in_scope)]`` for every imported task of this connection, archived ones included."""
        tasks = (
            self.env["project.task"]
            .sudo()
            .with_context(**IMPORT_CONTEXT)
            .search_fetch(
                [("xero_connection_id", "=", self.id), ("xero_contact_id", "!=", False)],
                ["xero_contact_id", "active", "xero_archived", "xero_out_of_scope", "partner_id"],
            )
        )
        return [
            (task, rule(task.xero_contact_id, task.partner_id.xero_is_customer, task.partner_id.xero_is_supplier))
            for task in tasks
        ]

    def _xero_apply_scope(self, rule=None, reread=True):
        """Archive the tasks the scope leaves out and restore those it brings back, from what was imported;
        with ``reread`` the next run reads every contact again so that Xero's latest customer flags decide.
        Returns the counts."""
        self.ensure_one()
        scoped = self._xero_scoped_tasks(rule or self._xero_scope_rule(self._xero_client()))
        Task = self.env["project.task"].sudo().with_context(**IMPORT_CONTEXT)
        flag_changes = {True: [], False: []}
        out, back = [], []
        for task, in_scope in scoped:
            if task.xero_out_of_scope == in_scope:
                flag_changes[not in_scope].append(task.id)
            if task.active and not in_scope:
                out.append(task.id)
            elif not task.active and in_scope and not task.xero_archived:
                back.append(task.id)
        for out_of_scope, ids in flag_changes.items():
            Task.browse(ids).write({"xero_out_of_scope": out_of_scope})
        Task.browse(out).write({"active": False})
        Task.browse(back).write({"active": True})
        if reread:
            self.write({"contacts_watermark": False, "sync_resume_page": 0})
        return {"archived": len(out), "restored": len(back)}

    def _xero_scope_preview(self, scope, groups):
        """``(contacts, tasks)``: active contacts imported, and how many of them the scope makes tasks."""
        self.ensure_one()
        scoped = self._xero_scoped_tasks(self._xero_scope_rule(self._xero_client(), scope, groups))
        current = [in_scope for task, in_scope in scoped if not task.xero_archived]
        return len(current), sum(current)

    @api.model
    def _xero_live_scope_preview(self, client, scope, groups):
        """``(contacts, tasks)`` read from Xero before anything is imported: 1 call for all contacts, a page
        per 1,000 contacts for customers, one call per group for groups."""
        pages = client.iter_active_contact_pages()
        if scope == "all":
            contacts, item_count = next(pages, ([], 0))
            return (item_count if item_count is not None else len(contacts)), (item_count or len(contacts))
        if scope == "groups":
            members = client.contact_group_members(groups.mapped("xero_group_id"))
            contacts, item_count = next(pages, ([], 0))
            return (item_count if item_count is not None else len(contacts)), len(members)
        total = in_scope = 0
        for contacts, _count in pages:
            total += len(contacts)
            in_scope += sum(1 for c in contacts if c.is_customer or not c.is_supplier)
        return total, in_scope

    # -- synchronization -------------------------------------------------------------------------
    @api.model
    def _xero_overlap(self):
        return timedelta(seconds=const.SYNC_OVERLAP_SECONDS)

    def _xero_ensure_project(self):
        """The company's "Xero" project, created on first use and relinked on re-enable."""
        self.ensure_one()
        project = self.project_id
        if not project:
            project = (
                self.env["project.project"]
                .sudo()
                .with_context(active_test=False, mail_create_nosubscribe=True)
                .search([("xero_connection_id", "=", self.id)], limit=1)
            )
        if not project:
            project = (
                self.env["project.project"]
                .sudo()
                .with_context(mail_create_nosubscribe=True)
                .create(
                    {
                        "name": "Xero",
                        "company_id": self.company_id.id,
                        "xero_connection_id": self.id,
                        "is_xero_project": True,
                        "allow_timesheets": True,
                        # "Invited internal users": members follow the project (see xero.project.member)
                        "privacy_visibility": "followers",
                    }
                )
            )
            project._xero_assign_all_internal_users()
        if not project.active:
            project.active = True
        if self.project_id != project:
            self.project_id = project
        return project

    def _xero_sync(self, trigger, time_budget=None, queued_after=0):
        self.ensure_one()
        return self.env["xero.contact.importer"]._run(self, trigger, time_budget=time_budget, queued_after=queued_after)

    def action_xero_force_sync(self):
        """Synchronize now and report; a long first import continues in the background."""
        self._check_xero_admin()
        self.ensure_one()
        if self.state != "connected":
            raise UserError(_("The Xero integration is not connected; enable it first."))
        log = self.sudo()._xero_sync("manual", time_budget=const.INTERACTIVE_SYNC_BUDGET_SECONDS)
        return log._notification_action()

    @api.model
    def _xero_action_force_sync_current_company(self):
        """Force synchronization from the Timesheets app or the Xero project: the current company's."""
        self._check_xero_admin()
        connection = self._xero_for_company()
        if not connection:
            raise UserError(
                _("Xero is not connected for %s yet: Settings → Xero → Enable integration.", self.env.company.name)
            )
        return connection.with_env(self.env).action_xero_force_sync()

    @api.model
    def _xero_contacts_changed_at_xero(self, tenant_ids):
        """A verified webhook (already recorded as pending): wake those organisations' jobs now (Odoo notifies
        its cron workers only for due triggers). No Xero call and no write on the connection here."""
        for connection in self.sudo().search([("state", "=", "connected"), ("tenant_id", "in", list(tenant_ids))]):
            connection._xero_wake()

    # -- each organisation its own job on Odoo's scheduler -----------------------------------------
    # N cron threads on M servers synchronize up to N×M organisations at once; a slow or failing one
    # only holds its own job, and its progress report concerns it alone.
    def _xero_ensure_cron(self):
        """This connection's job, created on first use. It stays active and returns at once while the
        connection is not connected (a job cannot be changed while it runs, e.g. when its grant dies)."""
        self.ensure_one()
        connection = self.sudo()
        if not connection.sync_cron_id:
            connection.sync_cron_id = (
                self.env["ir.cron"]
                .sudo()
                .create(
                    {
                        "name": _(
                            "Xero: synchronize %(organisation)s (%(company)s)",
                            organisation=connection.tenant_name or connection.tenant_id,
                            company=connection.company_id.name,
                        ),
                        "model_id": self.env["ir.model"]._get_id("xero.connection"),
                        "state": "code",
                        "code": f"model._cron_xero_sync_connection({connection.id})",
                        "interval_number": 1,
                        "interval_type": "hours",
                        "nextcall": fields.Datetime.now() + timedelta(hours=1),
                        "user_id": self.env.ref("base.user_root").id,
                    }
                )
            )
        return connection.sync_cron_id

    def unlink(self):
        crons = self.sudo().sync_cron_id
        result = super().unlink()
        crons.unlink()
        return result

    def _xero_wake(self, at=None):
        """Run this organisation's job now (or at ``at``), on whichever cron thread is free."""
        self._xero_ensure_cron()._trigger(at)

    @api.model
    def _cron_xero_sync_connection(self, connection_id):
        """One organisation's job: hourly, on its webhooks, and again at once while an import continues."""
        connection = self.sudo().browse(connection_id).exists()
        if connection.state != "connected":  # it waits, without a call, for Enable integration
            return
        last = connection.last_sync_log_id
        pending = self.env["xero.webhook.delivery"].sudo()._last_pending(connection.tenant_id)
        if (
            not pending
            and last.trigger == "webhook"
            and last.state != "partial"
            and (fields.Datetime.now() - last.started_at).total_seconds() < const.JUST_SYNCED_SECONDS
        ):
            return  # woken again by a burst of deliveries that the last run already covered
        if pending:  # let the rest of a burst arrive: one run covers it (the run starts a fresh snapshot)
            time.sleep(max(const.WEBHOOK_DEBOUNCE_SECONDS - (fields.Datetime.now() - pending).total_seconds(), 0))
        connection._xero_sync("webhook" if pending else "cron")

    @api.model
    def _cron_xero_sync_contacts(self):
        """Hourly safety net: every connected organisation has its active job, and those with work waiting
        (announced changes, an import to continue, no run for an interval) are woken."""
        connections = self.sudo().search([("state", "=", "connected")])
        for connection in connections:
            connection._xero_ensure_cron()
        for connection in self.browse()._xero_due_connections():
            connection._xero_wake()

    def _xero_due_connections(self):
        """Connected organisations (these, or all) with something to do: announced changes, an import to
        continue, or no attempt for ``SYNC_DUE_AFTER_MINUTES`` (so a failed run waits for the next hour)."""
        cutoff = fields.Datetime.now() - timedelta(minutes=const.SYNC_DUE_AFTER_MINUTES)
        pending = self.env["xero.webhook.delivery"].sudo()._pending_tenants()
        connections = (
            self.sudo().filtered(lambda c: c.state == "connected")
            if self
            else self.sudo().search([("state", "=", "connected")])
        )
        due = connections.filtered(
            lambda c: c.tenant_id in pending
            or not c.last_sync_log_id
            or c.last_sync_log_id.state == "partial"
            or c.last_sync_log_id.started_at <= cutoff
        )
        return due.sorted(lambda c: (bool(c.last_sync_log_id), c.last_sync_log_id.started_at or fields.Datetime.now()))
