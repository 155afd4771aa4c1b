import hashlib
import hmac
import json
import logging
import secrets
from contextlib import contextmanager
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from .. import const
from ..services.errors import XeroError
from ..services.oauth import auth_event_id, authorize_url, new_pkce_pair
from ..services.values import XeroTenant

_logger = logging.getLogger(__name__)

DEFAULT_REVENUE_CODES = ("200", "260")
DEFAULT_EXPENSE_CODES = ("400", "429")


def _session_fingerprint():
    sid = request.session.sid if request and request.session else ""
    return hashlib.sha256(sid.encode()).hexdigest()


class XeroConnectWizard(models.TransientModel):
    """Enable integration: app credentials → Connect to Xero → organisation → accounts → Save."""

    _name = "xero.connect.wizard"
    _description = "Enable the Xero integration"

    step = fields.Selection(
        [
            ("credentials", "Xero app"),
            ("connect", "Connect"),
            ("organisation", "Organisation"),
            ("accounts", "Accounts"),
            ("review", "Contacts"),
            ("done", "Done"),
            ("error", "Error"),
        ],
        required=True,
        default="connect",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    connection_id = fields.Many2one("xero.connection", help="Set when changing the accounts of a live connection.")
    client_id = fields.Char("Client id")
    client_secret = fields.Char("Client secret", groups="base.group_system")
    redirect_uri = fields.Char(compute="_compute_redirect_uri")
    # the consent in flight and the grant it brought: read and written by the code only (sudo), never by a user
    oauth_state = fields.Char(copy=False, groups=fields.NO_ACCESS)
    code_verifier = fields.Char(copy=False, groups=fields.NO_ACCESS)
    session_fingerprint = fields.Char(copy=False, groups=fields.NO_ACCESS)
    oauth_started = fields.Datetime(copy=False)
    token_json = fields.Text(copy=False, groups=fields.NO_ACCESS)
    tenant_line_ids = fields.One2many("xero.connect.wizard.tenant", "wizard_id")
    tenant_count = fields.Integer(compute="_compute_tenant_count")
    tenant_line_id = fields.Many2one("xero.connect.wizard.tenant", "Organisation", domain="[('wizard_id', '=', id)]")
    account_line_ids = fields.One2many("xero.connect.wizard.account", "wizard_id")
    revenue_line_id = fields.Many2one(
        "xero.connect.wizard.account",
        "Revenue account",
        domain="[('wizard_id', '=', id), ('account_class', '=', 'REVENUE')]",
    )
    expense_line_id = fields.Many2one(
        "xero.connect.wizard.account",
        "Expense account",
        domain="[('wizard_id', '=', id), ('account_class', '=', 'EXPENSE')]",
    )
    contact_scope = fields.Selection(
        lambda self: self.env["xero.connection"]._fields["contact_scope"].selection,
        "Contacts that become tasks",
        default="all",
        help="Out-of-scope contacts keep their client and an archived task: nothing is deleted, no time is lost.",
    )
    contact_group_ids = fields.Many2many("xero.contact.group", string="Contact groups")
    tenant_id = fields.Char(compute="_compute_tenant_id")
    scope_preview = fields.Char("Preview", compute="_compute_scope_preview")
    match_line_ids = fields.One2many(
        "xero.connect.wizard.match", "wizard_id", "Matched", domain=[("state", "=", "matched")]
    )
    conflict_line_ids = fields.One2many(
        "xero.connect.wizard.match", "wizard_id", "Conflicts", domain=[("state", "=", "conflict")]
    )
    new_line_ids = fields.One2many("xero.connect.wizard.match", "wizard_id", "New", domain=[("state", "=", "new")])
    matched_count = fields.Integer(compute="_compute_review_counts")
    conflict_count = fields.Integer(compute="_compute_review_counts")
    new_count = fields.Integer(compute="_compute_review_counts")
    error_message = fields.Text(readonly=True)
    result_message = fields.Text(readonly=True)
    sync_log_id = fields.Many2one("xero.sync.log", readonly=True)

    @api.constrains("company_id", "connection_id", "tenant_line_id", "revenue_line_id", "expense_line_id")
    def _check_own_choices(self):
        """A wizard changes its own company's connection, with an organisation and accounts Xero listed in it."""
        for wizard in self.sudo():
            if wizard.connection_id and wizard.connection_id.company_id != wizard.company_id:
                raise ValidationError(
                    _("Only the Xero connection of %s can be changed from this wizard.", wizard.company_id.name)
                )
            for line in (wizard.tenant_line_id, wizard.revenue_line_id, wizard.expense_line_id):
                if line and line.wizard_id != wizard:
                    raise ValidationError(_("Choose among the organisations and accounts Xero listed in this wizard."))

    @api.depends("tenant_line_ids")
    def _compute_tenant_count(self):
        for wizard in self:
            wizard.tenant_count = len(wizard.tenant_line_ids)

    @api.depends("match_line_ids", "conflict_line_ids", "new_line_ids")
    def _compute_review_counts(self):
        for wizard in self:
            wizard.matched_count = len(wizard.match_line_ids)
            wizard.conflict_count = len(wizard.conflict_line_ids)
            wizard.new_count = len(wizard.new_line_ids)

    def _compute_redirect_uri(self):
        self.redirect_uri = self.env["xero.service"]._xero_redirect_uri()

    @api.model
    def default_get(self, fields_list):
        self._check_admin()
        values = super().default_get(fields_list)
        client_id, client_secret = self.env["xero.service"]._xero_app_credentials()
        if "step" in fields_list and not values.get("connection_id"):
            values["step"] = "connect" if client_id and client_secret else "credentials"
        if "client_id" in fields_list:
            values["client_id"] = client_id
        return values

    @api.model_create_multi
    def create(self, vals_list):
        self._check_admin()
        return super().create(vals_list)

    def unlink(self):
        """A wizard goes (Odoo vacuums abandoned ones after an hour): the grant it never linked goes back to Xero.

        Odoo's RPC calls this method before any access check, and the revocation at Xero survives the rollback
        of a refused call: rights are checked first (nobody may delete these wizards but the system).
        """
        if not self.env.su:
            self.check_access("unlink")
        self._xero_release_grant()
        return super().unlink()

    def _xero_release_grant(self, spare_others=True):
        """Revoke at Xero the grants these wizards hold and did not link, then forget them with the consent's state.

        Best effort at Xero (one attempt, no wait): the grant is wiped here whatever Xero answers, and a grant
        Xero could not revoke dies unused after 60 days. Tokens are never logged. A grant whose user also
        connected an organisation another company has linked is not revoked (``spare_others``): only the
        organisations of this consent that no company holds are disconnected.
        """
        wizards = self.sudo()
        Service = self.env["xero.service"]
        for wizard in wizards.filtered("token_json"):
            try:
                token = json.loads(wizard.token_json)
                client = Service._xero_new_client(token=token, max_retries=0, max_wait=0)
                if spare_others and Service._xero_grant_serves_others(client, wizard.company_id):
                    wizard._xero_disconnect_unused(client, wizard.tenant_line_ids)
                else:
                    client.revoke()
            except (XeroError, UserError, ValueError) as error:
                _logger.warning(
                    "Xero connect wizard %s: could not revoke the unused grant at Xero (%s); it is forgotten here",
                    wizard.id,
                    getattr(error, "code", type(error).__name__),
                )
        wizards.filtered(lambda w: w.token_json or w.oauth_state or w.code_verifier).write(
            {"token_json": False, "oauth_state": False, "code_verifier": False}
        )

    def _check_admin(self):
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can enable the Xero integration."))
        # the caller's own wizard (creator and company rules): its steps write as the system below; checked
        # without sudo(), on which Odoo's access check does nothing
        self.sudo(False).check_access("write")

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Enable integration"),
        }

    def _fail(self, message):
        """End in a clear message and a way to retry; nothing half-connected is kept."""
        self._xero_release_grant()
        self.sudo().write({"step": "error", "error_message": message})

    # -- step: Xero app credentials --------------------------------------------------------------
    def action_save_credentials(self):
        self.ensure_one()
        self._check_admin()
        client_id = (self.client_id or "").strip()
        client_secret = (self.sudo().client_secret or "").strip()
        if not client_id or not client_secret:
            raise UserError(_("Enter both the client id and the client secret of your Xero app."))
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(const.PARAM_CLIENT_ID, client_id)
        params.set_param(const.PARAM_CLIENT_SECRET, client_secret)
        self.sudo().write({"step": "connect", "client_secret": False})
        return self._reopen()

    # -- step: Connect to Xero -------------------------------------------------------------------
    def action_connect(self):
        """Send the browser to Xero's consent page (authorization code + PKCE S256 + single-use state)."""
        self.ensure_one()
        self._check_admin()
        Service = self.env["xero.service"]
        client_id, client_secret = Service._xero_app_credentials()
        if not client_id or not client_secret:
            self.step = "credentials"
            return self._reopen()
        state = secrets.token_urlsafe(32)
        verifier, challenge = new_pkce_pair()
        self.sudo().write(
            {
                "oauth_state": state,
                "code_verifier": verifier,
                "session_fingerprint": _session_fingerprint(),
                "oauth_started": fields.Datetime.now(),
                "error_message": False,
            }
        )
        url = authorize_url(
            Service._xero_endpoints(),
            client_id,
            Service._xero_redirect_uri(),
            self.company_id._xero_scopes(),
            state,
            challenge,
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_retry(self):
        """Connect to Xero again (after an error, or to authorise other organisations): the earlier consent goes."""
        self.ensure_one()
        self._check_admin()
        self._xero_release_grant()
        self.sudo().write({"step": "connect", "error_message": False, "tenant_line_id": False})
        self.sudo().tenant_line_ids.unlink()
        return self._reopen()

    # -- the OAuth callback (called by the controller) -------------------------------------------
    @api.model
    def _from_oauth_state(self, state):
        """The current user's wizard waiting for this state, if the state is genuine, fresh and unused."""
        if not state or not isinstance(state, str) or not state.isascii():  # compare_digest wants ASCII text
            return self.browse()
        candidates = self.sudo().search(
            [("create_uid", "=", self.env.uid), ("oauth_state", "!=", False)], order="id desc", limit=20
        )
        wizard = next((w for w in candidates if hmac.compare_digest(w.oauth_state, state)), None)
        if not wizard:
            return self.browse()
        if not hmac.compare_digest(wizard.session_fingerprint or "", _session_fingerprint()):
            return self.browse()
        return wizard.with_env(self.env)

    def _complete_oauth(self, code=None, error=None):
        """Swap the code for tokens and read the authorised organisations; decides the next step."""
        self.ensure_one()
        wizard = self.sudo()
        verifier = wizard.code_verifier
        started = wizard.oauth_started
        wizard.write({"oauth_state": False, "code_verifier": False})  # single use, whatever happens next
        if error:
            if error == "access_denied":
                return self._fail(_("Access to Xero was not allowed. Click Retry and choose Allow access."))
            return self._fail(_("Xero refused the connection (%s). Check the Xero app's settings and retry.", error))
        if not started or fields.Datetime.now() - started > timedelta(seconds=const.OAUTH_STATE_TTL_SECONDS):
            return self._fail(_("The connection attempt expired. Click Retry to start again."))
        if not code:
            return self._fail(_("Xero did not send an authorisation code. Click Retry to start again."))
        Service = self.env["xero.service"]
        try:
            client = Service._xero_new_client()
            token = client.exchange_code(code, verifier, Service._xero_redirect_uri())
            # only the organisations authorised in this consent, not every earlier connection of the user
            tenants = [t for t in client.connections(auth_event_id(token)) if t.tenant_type == "ORGANISATION"]
        except XeroError as err:
            return self._fail(_("Xero did not complete the connection: %s Click Retry to start again.", err))
        if not tenants:
            return self._fail(_("No Xero organisation was authorised. Click Retry and pick one on Xero's page."))
        wizard.write(
            {
                "token_json": json.dumps(token),
                "tenant_line_ids": [
                    (0, 0, {"name": t.name, "tenant_id": t.tenant_id, "xero_connection_uuid": t.connection_id})
                    for t in tenants
                ],
            }
        )
        if len(tenants) > 1 or wizard.tenant_line_ids.used_by_company_id:  # one organisation, another company's
            wizard.step = "organisation"
            return None
        wizard.tenant_line_id = wizard.tenant_line_ids[:1]
        return self._load_accounts()

    # -- step: organisation ----------------------------------------------------------------------
    def action_select_organisation(self):
        self.ensure_one()
        self._check_admin()
        if not self.tenant_line_id:
            raise UserError(_("Choose the Xero organisation to connect to this company."))
        self._check_organisation_free()
        self._load_accounts()
        return self._reopen()

    def _check_organisation_free(self):
        """One company per organisation: the chosen one must not be linked to another company (checked before
        any call to Xero, and again when the connection is written)."""
        chosen = self.tenant_line_id
        holder = self.env["xero.connection"]._xero_organisation_holders([chosen.tenant_id], self.company_id)
        if holder:
            raise UserError(holder[chosen.tenant_id]._xero_organisation_taken_message(chosen.name))

    # -- step: accounts --------------------------------------------------------------------------
    @contextmanager
    def _xero_calls(self):
        """``with wizard._xero_calls() as client:``: the connection being changed, through the service (which
        handles a grant Xero refuses), else the grant of this consent."""
        if self.connection_id:
            with self.env["xero.service"]._xero_calls(self.connection_id.sudo()) as client:
                yield client
            return
        token = json.loads(self.sudo().token_json or "null")
        if not token:
            raise UserError(_("The connection to Xero was lost. Click Retry to start again."))
        yield self.env["xero.service"]._xero_new_client(token=token, tenant_id=self.tenant_line_id.tenant_id)

    @api.depends("connection_id", "tenant_line_id")
    def _compute_tenant_id(self):
        for wizard in self:
            wizard.tenant_id = wizard.connection_id.tenant_id or wizard.tenant_line_id.tenant_id

    @api.depends("contact_scope", "contact_group_ids", "step")
    def _compute_scope_preview(self):
        for wizard in self:
            wizard.scope_preview = wizard._scope_preview() if wizard.step == "accounts" else False

    def _scope_preview(self):
        """ "N contacts → N tasks": from what was imported when there is something, else read live."""
        if self.contact_scope == "groups" and not self.contact_group_ids:
            return _("Choose at least one contact group.")
        try:
            previous = self._previous_connection()
            if previous.contacts_watermark:
                contacts, tasks = previous.env["xero.contact.scope"]._xero_scope_preview(
                    previous, self.contact_scope, self.contact_group_ids
                )
            else:
                with self._xero_calls() as client:
                    contacts, tasks = self.env["xero.contact.scope"]._xero_live_scope_preview(
                        client, self.contact_scope, self.contact_group_ids
                    )
        except (XeroError, UserError) as err:
            return _("Could not be counted: %s", err)
        return _("%(contacts)s active contacts → %(tasks)s tasks", contacts=contacts, tasks=tasks)

    def _load_accounts(self):
        try:
            with self._xero_calls() as client:
                revenue = client.accounts("REVENUE")
                expense = client.accounts("EXPENSE")
                groups = client.contact_groups()
        except XeroError as err:
            return self._fail(_("Xero's chart of accounts could not be read: %s", err))
        tenant_id = self.connection_id.tenant_id or self.tenant_line_id.tenant_id
        self.env["xero.contact.group"].sudo()._refresh(tenant_id, groups)
        self.account_line_ids.unlink()
        self.write(
            {
                "step": "accounts",
                "account_line_ids": [
                    (0, 0, {"account_class": klass, "code": a.code, "name": a.name, "account_type": a.type})
                    for klass, accounts in (("REVENUE", revenue), ("EXPENSE", expense))
                    for a in accounts
                    if a.code  # invoices reference accounts by code
                ],
            }
        )
        current = self._previous_connection()
        if current:
            self.write({"contact_scope": current.contact_scope, "contact_group_ids": current.contact_group_ids.ids})
        self.revenue_line_id = self._default_account("REVENUE", current.revenue_account_code, DEFAULT_REVENUE_CODES)
        self.expense_line_id = self._default_account("EXPENSE", current.expense_account_code, DEFAULT_EXPENSE_CODES)
        return None

    def _previous_connection(self):
        """The connection whose accounts to preselect: the one being changed, else this company's earlier
        link to the same organisation (enabled again after Unlink integration)."""
        if self.connection_id:
            return self.connection_id
        previous = self.env["xero.connection"].sudo()._xero_for_company(self.company_id)
        if previous.tenant_id and previous.tenant_id == self.tenant_line_id.tenant_id:
            return previous
        return self.env["xero.connection"]

    def _default_account(self, account_class, current_code, preferred_codes):
        lines = self.account_line_ids.filtered(lambda line: line.account_class == account_class)
        for code in (current_code, *preferred_codes):
            match = lines.filtered(lambda line, code=code: code and line.code == code)
            if match:
                return match[:1]
        return lines[:1]

    def _check_choices(self):
        if not self.revenue_line_id or not self.expense_line_id:
            raise UserError(_("Choose a Revenue account and an Expense account."))
        if self.contact_scope == "groups" and not self.contact_group_ids:
            raise UserError(_("Choose the contact groups whose contacts become tasks, or another scope."))

    # -- step: review the contacts -------------------------------------------------------------------
    def action_review(self):
        """Before the first import: which Xero contacts are clients Odoo already has (and on which key),
        which are new, which are in conflict."""
        self.ensure_one()
        self._check_admin()
        self._check_choices()
        try:
            with self._xero_calls() as client:
                contacts = [c for _page, page, _count in client.iter_contact_pages() for c in page]
        except XeroError as err:
            self._fail(_("Xero's contacts could not be read: %s", err))
            return self._reopen()
        linked = set(
            self.env["res.partner"]
            .sudo()
            .search([("xero_contact_id", "in", [c.contact_id for c in contacts])])
            .mapped("xero_contact_id")
        )
        contacts = [c for c in contacts if c.contact_id not in linked]  # relinked by their ContactID
        plan = self.env["xero.contact.match"]._xero_plan(self._previous_connection(), self.company_id, contacts)
        defaults = {"matched": "link", "conflict": "later", "new": "new"}
        self.env["xero.connect.wizard.match"].search([("wizard_id", "=", self.id)]).unlink()
        # the integration writes what Xero said (the ContactIDs); the administrator then edits the decisions
        self.env["xero.connect.wizard.match"].sudo().create(
            [
                {
                    "wizard_id": self.id,
                    "xero_contact_id": contact.contact_id,
                    "name": contact.name,
                    "state": plan[contact.contact_id].state,
                    "match_key": plan[contact.contact_id].key or False,
                    "suggested_partner_id": plan[contact.contact_id].partner_id or False,
                    "partner_id": plan[contact.contact_id].partner_id or False,
                    "candidate_ids": [fields.Command.set(plan[contact.contact_id].candidate_ids)],
                    "decision": defaults[plan[contact.contact_id].state],
                }
                for contact in contacts
            ]
        )
        self.step = "review"
        return self._reopen()

    def _review_decisions(self):
        lines = self.match_line_ids | self.conflict_line_ids | self.new_line_ids
        return [decision for decision in (line._stored_decision() for line in lines) if decision]

    def action_save(self):
        """Store the choice, link the connection, create the Xero project and run the first import (with the
        decisions of the review screen)."""
        self.ensure_one()
        self._check_admin()
        self._check_choices()
        accounts = {
            "revenue_account_code": self.revenue_line_id.code,
            "revenue_account_name": self.revenue_line_id.name,
            "expense_account_code": self.expense_line_id.code,
            "expense_account_name": self.expense_line_id.name,
        }
        scope = {"contact_scope": self.contact_scope, "contact_group_ids": [(6, 0, self.contact_group_ids.ids)]}
        if self.connection_id:  # accounts and scope change
            connection = self.connection_id.sudo()
            changed = (connection.contact_scope, connection.contact_group_ids) != (
                self.contact_scope,
                self.contact_group_ids,
            )
            connection.write({**accounts, **scope})
            self.env["xero.account.mapping"]._xero_map_defaults(connection)
            if not changed:
                return {"type": "ir.actions.act_window_close", "infos": {"done": True}}
            counts = connection.env["xero.contact.scope"]._xero_apply_scope(connection)
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": _(
                        "Contact scope changed: %(archived)s tasks archived, %(restored)s restored. Nothing is deleted;"
                        " the next synchronization reads every contact again.",
                        **counts,
                    ),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        decisions = self._review_decisions() if self.step == "review" else []
        connection = self._link_connection()
        connection.write({**accounts, **scope})
        self.env["xero.account.mapping"]._xero_map_defaults(connection)
        self.env["xero.contact.match"]._xero_remember(connection, decisions)
        # Save's request, whatever its caller puts in the context: never a cron run that commits its pages
        Sync = connection.env["xero.contact.sync"].with_context(ir_cron_progress_id=False)
        log = Sync._xero_sync(connection, "wizard", time_budget=const.INTERACTIVE_SYNC_BUDGET_SECONDS)
        self.write({"step": "done", "sync_log_id": log.id, "result_message": log.summary})
        return self._reopen()

    def _link_connection(self):
        wizard = self.sudo()
        token = json.loads(wizard.token_json or "null")
        if not token:
            raise UserError(_("The connection to Xero was lost. Click Retry to start again."))
        self._check_organisation_free()
        chosen = wizard.tenant_line_id
        client = self.env["xero.service"]._xero_new_client(token=token, tenant_id=chosen.tenant_id)
        try:
            org = client.organisation()
        except XeroError as err:
            raise UserError(_("Xero could not be reached: %s", err)) from None
        tenant = XeroTenant(chosen.xero_connection_uuid, chosen.tenant_id, chosen.name, "ORGANISATION")
        connection = self.env["xero.connection"]._xero_link(self.company_id, tenant, token, self.env.user, org)
        # organisations authorised but not chosen stay unconnected (least privilege)
        wizard._xero_disconnect_unused(client, wizard.tenant_line_ids - chosen)
        wizard.token_json = False
        # a grant another wizard of this company still holds is superseded: Save there would undo this link
        self.sudo().search(
            [("company_id", "=", self.company_id.id), ("id", "!=", self.id), ("token_json", "!=", False)]
        )._xero_release_grant()
        return connection

    def _xero_disconnect_unused(self, client, lines):
        """Disconnect at Xero the organisations of ``lines`` that no other company has linked: Xero has one
        connection per user and organisation, and another company's may be the one this consent authorised."""
        held = self.env["xero.connection"]._xero_organisation_holders(lines.mapped("tenant_id"), self.company_id)
        for line in lines.filtered(lambda line: line.tenant_id not in held):
            try:
                client.delete_connection(line.xero_connection_uuid)
            except XeroError:
                _logger.info("Could not remove the unused Xero connection %s", line.xero_connection_uuid)

    def action_open_project(self):
        self.ensure_one()
        return self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_client_tasks_action")
