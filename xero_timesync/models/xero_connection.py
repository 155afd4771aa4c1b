import logging
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import const
from ..services.errors import XeroAuthError, XeroError

_logger = logging.getLogger(__name__)


def _organisation_taken_message(env, diagnostics):
    """The message of the one-company-per-organisation index: names the company that holds the organisation
    (a second wizard or a client that raced the first; checked again after the rollback)."""
    found = re.search(r"\(tenant_id\)=\((.+)\)", (diagnostics and diagnostics.message_detail) or "")
    holder = found and env["xero.connection"].sudo().search(
        [("tenant_id", "=", found.group(1)), ("state", "in", const.LINKED_STATES)], limit=1
    )
    if not holder:
        return env._(
            "This Xero organisation is already linked to another company: one organisation belongs to one company."
        )
    return holder._xero_organisation_taken_message(holder.tenant_name or holder.tenant_id)


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
    conflict_count = fields.Integer("Contacts to match", compute="_compute_conflict_count")
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
    ledger_difference_count = fields.Integer(
        "Documents differing from Xero",
        compute="_compute_ledger_difference_count",
        help="Pushed invoices and credit notes whose status, total, tax or amount due differed from Xero's at the"
        " last compare (Compare with Xero, or the hourly status pull).",
    )

    _company_uniq = models.Constraint("unique (company_id)", "A company connects to one Xero organisation.")
    # one company per organisation, as one organisation per company: against any client and racing transactions;
    # Odoo's RPC turns the violation into a ValidationError with the message naming the company
    _tenant_linked_uniq = models.UniqueIndex(
        "(tenant_id) WHERE state IN ('connected', 'needs_reauth')", _organisation_taken_message
    )

    @api.constrains("contact_group_ids")
    def _check_contact_groups(self):
        for connection in self.sudo():
            foreign = connection.contact_group_ids.filtered(lambda g, c=connection: g.tenant_id != c.tenant_id)
            if foreign:
                raise ValidationError(
                    _(
                        "The contact group “%(group)s” is not one of %(organisation)s's groups.",
                        group=foreign[0].name,
                        organisation=connection.tenant_name or connection.company_id.name,
                    )
                )

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
        Log, Move = self.env["xero.sync.log"].sudo(), self.env["account.move"].sudo()
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
            failed = [("company_id", "=", connection.company_id.id), ("xero_push_error", "!=", False)]
            connection.failed_push_count = Move.search_count(failed + [("xero_invoice_id", "=", False)])
            connection.last_webhook_date = last_webhook.received_at if connection.tenant_id else False

    def _compute_ledger_difference_count(self):
        counts = {
            (company, tenant): count
            for company, tenant, count in self.env["xero.ledger.line"]
            .sudo()
            ._read_group(
                [("company_id", "in", self.company_id.ids), ("difference_count", ">", 0)],
                ["company_id", "tenant_id"],
                ["__count"],
            )
        }
        for connection in self:
            connection.ledger_difference_count = counts.get((connection.company_id, connection.tenant_id), 0)

    def _compute_refused_count(self):
        counts = dict(
            self.env["xero.contact.refusal"]
            .sudo()
            ._read_group([("connection_id", "in", self.ids)], ["connection_id"], ["__count"])
        )
        for connection in self:
            connection.refused_count = counts.get(connection, 0)

    def _compute_conflict_count(self):
        counts = dict(
            self.env["xero.contact.match"]
            .sudo()
            ._read_group(
                [("connection_id", "in", self.ids), ("state", "=", "conflict")], ["connection_id"], ["__count"]
            )
        )
        for connection in self:
            connection.conflict_count = counts.get(connection, 0)

    def _compute_sync_log_count(self):
        counts = dict(
            self.env["xero.sync.log"]._read_group([("connection_id", "in", self.ids)], ["connection_id"], ["__count"])
        )
        for connection in self:
            connection.sync_log_count = counts.get(connection, 0)

    @api.model
    def _xero_for_company(self, company=None):
        company = company or self.env.company
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    # -- one company per organisation --------------------------------------------------------------
    @api.model
    def _xero_organisation_holders(self, tenant_ids, company):
        """``{tenant_id: connection}``: the linked connections of companies other than ``company`` among
        ``tenant_ids`` (an unlinked connection keeps its organisation to relink, and holds nothing)."""
        holders = self.sudo().search(
            [
                ("tenant_id", "in", list(tenant_ids)),
                ("state", "in", const.LINKED_STATES),
                ("company_id", "!=", company.id),
            ]
        )
        return {holder.tenant_id: holder for holder in holders}

    def _xero_organisation_taken_message(self, organisation):
        """Why ``organisation`` cannot be linked: this connection's company holds it."""
        self.ensure_one()
        return _(
            "The Xero organisation “%(organisation)s” is already linked to %(company)s: one organisation belongs to"
            " one company. Choose another organisation, or unlink it in %(company)s first (Settings → Xero →"
            " Unlink integration).",
            organisation=organisation,
            company=self.sudo().company_id.name,
        )

    # -- linking ---------------------------------------------------------------------------------
    @api.model
    def _xero_link(self, company, tenant, token, owner, org=None):
        """Create or relink the company's connection after consent; returns it.

        Re-enabling the same organisation reuses the connection, so imported records are relinked by
        their Xero ids. A different organisation is refused while the old one's tasks are active, and an
        organisation another company has linked is refused.
        """
        holder = self._xero_organisation_holders([tenant.tenant_id], company).get(tenant.tenant_id)
        if holder:
            raise UserError(holder._xero_organisation_taken_message(tenant.name))
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
            # the new organisation's invoice statuses and money start from its own first push
            company.sudo().write({"xero_invoice_status_since": False, "xero_money_since": False})
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
        # Xero rounds tax per line: only Odoo's "Round per Line" gives the same totals (README "To the cent")
        company.sudo().tax_calculation_rounding_method = "round_per_line"
        self.env["xero.contact.sync"]._xero_ensure_cron(connection)
        self.env["xero.service"]._xero_close_activities(connection, "xero_timesync.mail_activity_type_xero_reauth")
        return connection

    def _xero_store_token(self, token):
        self.ensure_one()
        vals = self.env["xero.token"]._vals_from_dict(token)
        existing = self.sudo().token_id
        if existing:
            existing.sudo().write(vals)
        else:
            self.sudo().token_id = self.env["xero.token"].sudo().create({"connection_id": self.id, **vals})

    # -- actions ---------------------------------------------------------------------------------
    def _check_xero_admin(self):
        """Settings administrators only (a Xero administrator reads), and of these connections' companies:
        the buttons run as the system, so a connection of another company is refused here.

        The user is judged whatever environment the records carry: Odoo's access check does nothing on
        superuser records (``_xero_for_company`` returns those), so it runs without ``sudo()``.
        """
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can manage the Xero integration."))
        self.sudo(False).check_access("write")

    def action_xero_unlink(self):
        """Revoke at Xero, wipe tokens, stop syncing; imported records stay."""
        self._check_xero_admin()
        for connection in self.sudo():
            if connection.state != "unlinked" and connection.token_id.refresh_token:
                try:
                    self.env["xero.service"]._xero_revoke(connection)
                except XeroAuthError:
                    _logger.info("Xero had already revoked the connection of company %s", connection.company_id.id)
                except XeroError as error:
                    raise UserError(_("Xero could not be reached to unlink the integration: %s", error)) from None
            connection.token_id._wipe()
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

    def action_open_conflicts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_contact_match_action")
        action["domain"] = [("connection_id", "=", self.id), ("state", "=", "conflict")]
        return action

    def action_xero_retry_refused(self):
        """Retry: a synchronization starts with the refused contacts, fetched again by id."""
        return self.action_xero_force_sync()

    def action_open_settings(self):
        return {"type": "ir.actions.act_url", "url": "/odoo/settings#xero_timesync", "target": "self"}

    def action_xero_force_sync(self):
        """Synchronize now and report; a long first import continues in the background."""
        return self.env["xero.contact.sync"]._xero_force_sync(self)

    @api.model
    def _xero_action_force_sync_current_company(self):
        """Force synchronization from the Timesheets app or the Xero project: the current company's."""
        return self.env["xero.contact.sync"]._xero_force_sync_current_company()

    def unlink(self):
        crons = self.sudo().sync_cron_id
        result = super().unlink()
        crons.unlink()
        return result
