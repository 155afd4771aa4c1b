from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const

# Readable by Settings administrators only, whatever the path (default_get, read, onchange, export...).
SECRET_FIELDS = ("xero_client_secret", "xero_webhook_key")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    xero_client_id = fields.Char("Xero client id", config_parameter=const.PARAM_CLIENT_ID)
    xero_client_secret = fields.Char(
        "Xero client secret", config_parameter=const.PARAM_CLIENT_SECRET, groups="base.group_system"
    )
    xero_redirect_uri = fields.Char("Redirect URI", compute="_compute_xero_redirect_uri")
    xero_webhook_key = fields.Char(
        "Xero webhook key", config_parameter=const.PARAM_WEBHOOK_KEY, groups="base.group_system"
    )
    xero_daily_call_limit = fields.Selection(
        [("1000", "Starter (1,000 calls a day)"), ("5000", "Standard and above (5,000 calls a day)")],
        "Xero app tier",
        config_parameter=const.PARAM_DAILY_LIMIT,
        default=str(const.DAILY_LIMIT),
        help="Xero's daily call limit per organisation for your app's tier. Every worker counts its calls"
        " against it (and against the 60 calls a minute) before calling.",
    )
    xero_webhook_url = fields.Char("Webhook URL", compute="_compute_xero_redirect_uri")
    xero_connection_id = fields.Many2one(related="company_id.xero_connection_id")
    xero_state = fields.Selection(related="xero_connection_id.state", string="Xero status")
    xero_tenant_name = fields.Char(related="xero_connection_id.tenant_name")
    xero_owner_id = fields.Many2one(related="xero_connection_id.owner_id")
    xero_owner_warning = fields.Char(related="xero_connection_id.owner_warning")
    xero_connected_since = fields.Datetime(related="xero_connection_id.connected_since")
    xero_last_sync_date = fields.Datetime(related="xero_connection_id.last_sync_date")
    xero_last_sync_state = fields.Selection(related="xero_connection_id.last_sync_state")
    xero_last_sync_summary = fields.Char(related="xero_connection_id.last_sync_summary")
    xero_revenue_account_name = fields.Char(related="xero_connection_id.revenue_account_name")
    xero_revenue_account_code = fields.Char(related="xero_connection_id.revenue_account_code")
    xero_expense_account_name = fields.Char(related="xero_connection_id.expense_account_name")
    xero_expense_account_code = fields.Char(related="xero_connection_id.expense_account_code")
    xero_sync_log_count = fields.Integer(related="xero_connection_id.sync_log_count")
    xero_refused_count = fields.Integer(related="xero_connection_id.refused_count")
    xero_conflict_count = fields.Integer(related="xero_connection_id.conflict_count")
    xero_contact_scope = fields.Selection(related="xero_connection_id.contact_scope")
    xero_last_success_date = fields.Datetime(related="xero_connection_id.last_success_date")
    xero_last_success_summary = fields.Char(related="xero_connection_id.last_success_summary")
    xero_next_sync_date = fields.Datetime(related="xero_connection_id.next_sync_date")
    xero_last_webhook_date = fields.Datetime(related="xero_connection_id.last_webhook_date")
    xero_job_ids = fields.One2many(related="xero_connection_id.job_ids")
    xero_quota_day_remaining = fields.Integer(related="xero_connection_id.quota_day_remaining")
    xero_quota_minute_remaining = fields.Integer(related="xero_connection_id.quota_minute_remaining")
    xero_token_age_days = fields.Integer(related="xero_connection_id.token_age_days")
    xero_token_days_left = fields.Integer(related="xero_connection_id.token_days_left")
    xero_failed_push_count = fields.Integer(related="xero_connection_id.failed_push_count")
    xero_ledger_difference_count = fields.Integer(related="xero_connection_id.ledger_difference_count")

    # Xero Projects (issue 26)
    xero_projects = fields.Boolean(related="company_id.xero_projects", readonly=False)
    xero_projects_granted = fields.Boolean("Xero Projects granted", compute="_compute_xero_projects_queue")
    xero_projects_queued = fields.Integer("Calls queued for Xero Projects", compute="_compute_xero_projects_queue")
    xero_projects_held = fields.Integer("Time held", compute="_compute_xero_projects_queue")
    xero_projects_refused = fields.Integer("Refused by Xero", compute="_compute_xero_projects_queue")
    xero_projects_done_by = fields.Datetime("Done by", compute="_compute_xero_projects_queue")

    @api.depends("company_id")
    def _compute_xero_projects_queue(self):
        Projects = self.env["xero.projects"]
        for settings in self:
            connection = settings.sudo().xero_connection_id
            queue = Projects._xero_queue(connection)
            settings.xero_projects_granted = bool(connection) and Projects._xero_enabled(connection)
            settings.xero_projects_queued = queue["calls"]
            settings.xero_projects_held = queue["held"]
            settings.xero_projects_refused = queue["refused"]
            settings.xero_projects_done_by = queue["done_by"]

    def action_xero_push_projects(self):
        return self.env["res.partner"].action_xero_push_projects()

    @api.model
    def default_get(self, fields):
        # Odoo's default_get reads config_parameter fields with sudo, ignoring the fields' groups
        values = super().default_get(fields)
        if not self.env.is_system():
            for name in SECRET_FIELDS:
                values.pop(name, None)
        return values

    def _compute_xero_redirect_uri(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        self.xero_redirect_uri = self.env["xero.service"]._xero_redirect_uri()
        self.xero_webhook_url = base_url + const.WEBHOOK_PATH

    def action_xero_enable(self):
        self.env["xero.connection"]._check_xero_admin()
        return {
            "type": "ir.actions.act_window",
            "res_model": "xero.connect.wizard",
            "view_mode": "form",
            "target": "new",
            "name": _("Enable integration"),
            "context": {"default_company_id": self.company_id.id},
        }

    def action_xero_change_accounts(self):
        connection = self.xero_connection_id
        connection._check_xero_admin()
        wizard = self.env["xero.connect.wizard"].create(
            {"company_id": self.company_id.id, "connection_id": connection.id, "step": "accounts"}
        )
        wizard._load_accounts()
        return wizard._reopen()

    def action_xero_force_sync(self):
        return self.xero_connection_id.action_xero_force_sync()

    def action_xero_unlink(self):
        return self.xero_connection_id.action_xero_unlink()

    def action_xero_open_logs(self):
        return self.xero_connection_id.action_open_sync_logs()

    def action_xero_retry_refused(self):
        return self.xero_connection_id.action_xero_retry_refused()

    def action_xero_open_runs_graph(self):
        action = self.xero_connection_id.action_open_sync_logs()
        action["view_mode"] = "graph,list,form"
        action["views"] = [(False, "graph"), (False, "list"), (False, "form")]
        return action

    def action_xero_open_failed_pushes(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("xero_push_error", "!=", False),
            ("xero_invoice_id", "=", False),
        ]
        action["context"] = {}
        return action

    def action_xero_open_ledger(self):
        self.env["xero.ledger"]._xero_check_reconciler()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_ledger_line_action")
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    def action_xero_open_refusals(self):
        return self.xero_connection_id.action_open_refusals()

    def action_xero_open_conflicts(self):
        return self.xero_connection_id.action_open_conflicts()

    def action_xero_open_access(self):
        self.env["xero.connection"]._check_xero_admin()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_project_member_action")
        project = self.xero_connection_id.project_id
        action["domain"] = [("project_id", "=", project.id)]
        action["context"] = {"default_project_id": project.id}
        return action

    # -- timer (issue 8) -------------------------------------------------------------------------
    xero_timer_rounding = fields.Selection(related="company_id.xero_timer_rounding", readonly=False)
    xero_timer_rounding_method = fields.Selection(related="company_id.xero_timer_rounding_method", readonly=False)
    xero_timer_minimum = fields.Integer(related="company_id.xero_timer_minimum", readonly=False)
    xero_timer_max_hours = fields.Float(related="company_id.xero_timer_max_hours", readonly=False)
    xero_timer_idle_minutes = fields.Integer(related="company_id.xero_timer_idle_minutes", readonly=False)
    xero_timer_reminder_hour = fields.Float(related="company_id.xero_timer_reminder_hour", readonly=False)
    # -- invoicing time ------------------------------------------------------------------------------
    xero_invoice_rounding = fields.Selection(related="company_id.xero_invoice_rounding", readonly=False)
    xero_default_hourly_rate = fields.Float(related="company_id.xero_default_hourly_rate", readonly=False)
    xero_timesheet_employee_nonbillable = fields.Boolean(
        related="company_id.xero_timesheet_employee_nonbillable", readonly=False
    )
    xero_push_status = fields.Selection(related="company_id.xero_push_status", readonly=False)
    xero_billing_schedule = fields.Selection(related="company_id.xero_billing_schedule", readonly=False)
    xero_billing_schedule_push = fields.Boolean(related="company_id.xero_billing_schedule_push", readonly=False)
    xero_payment_journal_id = fields.Many2one(related="company_id.xero_payment_journal_id", readonly=False)
    xero_void_time = fields.Selection(related="company_id.xero_void_time", readonly=False)
    # -- approval and the lock date (issue 25) ---------------------------------------------------------
    xero_timesheet_approval = fields.Boolean(related="company_id.xero_timesheet_approval", readonly=False)
    xero_timesheet_period = fields.Selection(related="company_id.xero_timesheet_period", readonly=False)
    xero_timesheet_lock_date = fields.Date(related="company_id.xero_timesheet_lock_date", readonly=False)

    def action_xero_open_tax_mapping(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_tax_form")
        action["domain"] = [("company_id", "=", self.company_id.id), ("type_tax_use", "=", "sale")]
        action["views"] = [(self.env.ref("xero_timesync.view_tax_list_xero").id, "list"), (False, "form")]
        return action

    # -- tracking categories (issue 15, part 5) ------------------------------------------------------
    xero_tenant_id = fields.Char(related="xero_connection_id.tenant_id")
    xero_tracking_dimension = fields.Selection(related="company_id.xero_tracking_dimension", readonly=False)
    xero_tracking_category_id = fields.Many2one(
        related="company_id.xero_tracking_category_id",
        readonly=False,
        domain="[('tenant_id', '=', xero_tenant_id)]",
    )
    xero_tracking_summary = fields.Char("Tracking mapped", compute="_compute_xero_tracking_summary")

    @api.depends("xero_tracking_dimension", "xero_tracking_category_id")
    def _compute_xero_tracking_summary(self):
        Mapping = self.env["xero.tracking.mapping"].sudo()
        for settings in self:
            dimension, category = settings.xero_tracking_dimension, settings.xero_tracking_category_id
            if not dimension or dimension == "none" or not category:
                settings.xero_tracking_summary = False
                continue
            domain = [("company_id", "=", settings.company_id.id), ("dimension", "=", dimension)]
            total = Mapping.search_count(domain)
            mapped = Mapping.search_count([*domain, ("option_id.category_id", "=", category.id)])
            settings.xero_tracking_summary = _("%(mapped)s of %(total)s mapped", mapped=mapped, total=total)

    def _xero_tracking_connection(self):
        connection = self.xero_connection_id
        connection._check_xero_admin()
        if not connection or connection.state != "connected":
            raise UserError(_("Enable the Xero integration first."))
        return connection

    def action_xero_tracking_refresh(self):
        """Load the organisation's tracking categories and options from Xero (read live)."""
        connection = self._xero_tracking_connection()
        self.env["xero.tracking.mapping"]._xero_refresh_categories(connection)
        return True

    def action_xero_tracking_match(self):
        """Load the categories from Xero, list every value of the tracked dimension and pre-fill options
        whose name equals the value's name; then open the mapping."""
        connection = self._xero_tracking_connection()
        Mapping = self.env["xero.tracking.mapping"]
        Mapping._xero_refresh_categories(connection)
        Mapping._xero_match_by_name(self.company_id)
        return self.action_xero_tracking_open()

    def action_xero_tracking_open(self):
        self._xero_tracking_connection()
        company, dimension = self.company_id, self.company_id.xero_tracking_dimension
        if not dimension or dimension == "none":
            raise UserError(_("Choose what to track in Xero first (Settings → Xero → Tracking)."))
        label = self.env["xero.tracking.mapping"]._xero_dimension_label(dimension)
        return {
            "type": "ir.actions.act_window",
            "name": _(
                "%(dimension)s → %(category)s", dimension=label, category=company.xero_tracking_category_id.name or ""
            ),
            "res_model": "xero.tracking.mapping",
            "view_mode": "list",
            "views": [(self.env.ref("xero_timesync.xero_tracking_mapping_view_list").id, "list")],
            "domain": [("company_id", "=", company.id), ("dimension", "=", dimension)],
            "context": {"default_company_id": company.id, "default_dimension": dimension, "xero_dimension": dimension},
        }
