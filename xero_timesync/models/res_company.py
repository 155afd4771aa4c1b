import math

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .. import const
from ..const import BILLING_GROUPS

# How time is approved and locked: Settings administrators only, whatever rights on companies a user holds.
XERO_TIME_SETTINGS = {"xero_timesheet_approval", "xero_timesheet_period", "xero_timesheet_lock_date"}


class ResCompany(models.Model):
    _inherit = "res.company"

    xero_connection_id = fields.Many2one(
        "xero.connection", compute="_compute_xero_connection_id", groups=BILLING_GROUPS
    )

    @api.depends_context("uid")
    def _compute_xero_connection_id(self):
        """The company's connection, for the users of the company only: a Settings administrator reads every
        company (Odoo's rule), and Settings shows a company's connection through this field, as the system."""
        user = self.env.user
        mine = self if user._is_superuser() else self & user.company_ids
        connections = self.env["xero.connection"].sudo().search([("company_id", "in", mine.ids)])
        by_company = {c.company_id.id: c for c in connections}
        for company in self:
            company.xero_connection_id = by_company.get(company.id, False)

    # -- timer (issue 8) -------------------------------------------------------------------------
    xero_timer_rounding = fields.Selection(
        [("0", "None"), ("1", "1 minute"), ("6", "6 minutes"), ("15", "15 minutes")],
        "Timer rounding",
        default="1",
        required=True,
        groups="base.group_user",
        help="Stopped timers record their time rounded to this step.",
    )
    xero_timer_rounding_method = fields.Selection(
        [("up", "Round up"), ("nearest", "Round to nearest")],
        "Timer rounding method",
        default="up",
        required=True,
        groups="base.group_user",
    )
    xero_timer_minimum = fields.Integer(
        "Minimum timer (minutes)",
        default=1,
        groups="base.group_user",
        help="Shorter timers are discarded with a notice instead of recorded.",
    )

    # -- timers that do not lie (issue 27) -----------------------------------------------------------
    xero_timer_max_hours = fields.Float(
        "Maximum timer (hours)",
        default=10.0,
        groups="base.group_user",
        help="A timer running longer is stopped at this length and its owner told; 0: no maximum.",
    )
    xero_timer_idle_minutes = fields.Integer(
        "Idle after (minutes)",
        default=15,
        groups="base.group_user",
        help="Stopping a timer after this long without activity in the web client, app or extension offers to"
        " discard the idle time; 0: never.",
    )
    xero_timer_reminder_hour = fields.Float(
        "End-of-day reminder",
        default=18.0,
        groups="base.group_user",
        help="People whose timer still runs at this hour (their own time zone) are reminded once a day; 0: never.",
    )

    _xero_timer_max_hours_positive = models.Constraint(
        "CHECK (xero_timer_max_hours >= 0)", "The maximum timer length cannot be negative (0 means no maximum)."
    )
    _xero_timer_idle_minutes_positive = models.Constraint(
        "CHECK (xero_timer_idle_minutes >= 0)", "The idle time cannot be negative (0 means never idle)."
    )
    _xero_timer_reminder_hour_range = models.Constraint(
        "CHECK (xero_timer_reminder_hour >= 0 AND xero_timer_reminder_hour < 24)",
        "The reminder hour is a time of day (0: no reminder).",
    )

    _xero_timer_minimum_positive = models.Constraint(
        "CHECK (xero_timer_minimum >= 0)", "The minimum timer duration cannot be negative."
    )
    _xero_default_hourly_rate_positive = models.Constraint(
        "CHECK (xero_default_hourly_rate >= 0)", "An hourly rate cannot be negative (0 means not set)."
    )

    def write(self, vals):
        if vals.keys() & XERO_TIME_SETTINGS and not self.env.is_system():
            raise AccessError(_("Only administrators change how time is approved and locked (Settings → Xero)."))
        return super().write(vals)

    def _xero_approves_time(self):
        """Whether employees submit their time here (Odoo Enterprise's timesheet validation, when installed, is
        the approval instead: its state is used, ours is not offered)."""
        self.ensure_one()
        return self.sudo().xero_timesheet_approval and "validated" not in self.env["account.analytic.line"]._fields

    def _xero_scopes(self):
        """The scopes Enable integration asks Xero for: Xero Projects' only when the company switched it on."""
        self.ensure_one()
        return const.SCOPES + (const.PROJECTS_SCOPES if self.xero_projects else [])

    def _xero_timer_round_minutes(self, minutes):
        """Elapsed minutes → recorded minutes. "Nearest" never rounds a recorded timer down to zero."""
        self.ensure_one()
        step = int(self.xero_timer_rounding or 0)
        if not step:
            return minutes
        steps = minutes / step
        if self.xero_timer_rounding_method == "up":
            steps = math.ceil(round(steps, 9))  # 6.000000001 min (float noise) is still one 6-minute step
        else:
            steps = math.floor(steps + 0.5)
        return max(steps, 1) * step

    # -- invoicing time (see README "Invoicing time and pushing to Xero") -------------------------
    xero_invoice_rounding = fields.Selection(
        [("0", "No rounding"), ("6", "Up to 6 minutes"), ("15", "Up to 15 minutes")],
        "Invoice time rounding",
        default="0",
        required=True,
        help="Each timesheet's hours are rounded up to this increment when invoiced.",
        groups=BILLING_GROUPS,
    )
    xero_timesheet_approval = fields.Boolean(
        "Approve time before invoicing",
        help="Employees submit their time, managers of the Xero project approve it; only approved time is invoiced.",
    )
    xero_timesheet_employee_nonbillable = fields.Boolean(
        "Employees mark their time non-billable",
        help="Employees may take their own time off the invoice (and put it back when its task is billable). Managers"
        " of the Xero project and Timesheets administrators always decide.",
    )
    xero_projects = fields.Boolean(
        help="Time of the clients billed by Xero Projects is pushed there as time entries. Switching it on asks Xero"
        " for the projects scope: enable the integration again to grant it.",
    )
    xero_timesheet_lock_date = fields.Date(
        "Time locked until",
        help="No time can be logged, edited or deleted on or before this date (a closed period).",
    )
    xero_timesheet_period = fields.Selection(
        [("week", "Week"), ("month", "Month")],
        "Time submitted per",
        default="week",
        required=True,
        help="Employees submit their time for approval a week (Monday to Sunday) or a month at a time.",
    )
    xero_default_hourly_rate = fields.Float(
        "Default hourly rate",
        digits="Product Price",
        groups="account.group_account_invoice,base.group_system",
        help="Used when neither the task, its project nor the employee has an hourly rate (company currency).",
    )
    xero_push_status = fields.Selection(
        [("DRAFT", "Draft"), ("AUTHORISED", "Authorised")],
        "Status of pushed invoices in Xero",
        default="DRAFT",
        required=True,
        groups=BILLING_GROUPS,
    )

    xero_billing_schedule = fields.Selection(
        [("none", "Not scheduled"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        "Scheduled billing run",
        default="none",
        required=True,
        groups=BILLING_GROUPS,
        help="A billing run of the previous week (Monday to Sunday) or month is made by itself, for every client.",
    )
    xero_billing_schedule_push = fields.Boolean(
        "Push scheduled runs to Xero",
        groups=BILLING_GROUPS,
        help="Off: a scheduled run leaves draft invoices for review. On: it posts them and pushes them to Xero.",
    )

    # -- the money comes back (issue 15) ----------------------------------------------------------
    xero_payment_journal_id = fields.Many2one(
        "account.journal",
        "Xero payments journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="Payments recorded in Xero on pushed invoices are registered in this journal.",
        groups=BILLING_GROUPS,
    )
    xero_void_time = fields.Selection(
        [("release", "Release it, to be invoiced again"), ("keep", "Keep it invoiced")],
        "Time of invoices voided in Xero",
        default="release",
        required=True,
        help="When an invoice made from time is voided or deleted in Xero, Odoo cancels it here and releases its"
        " time to be invoiced again, or keeps the time on the cancelled invoice.",
        groups=BILLING_GROUPS,
    )

    # -- tracking categories (issue 15, part 5; mapping in xero.tracking.mapping) ------------------
    xero_tracking_dimension = fields.Selection(
        [("none", "Nothing"), ("employee", "Employee"), ("department", "Department"), ("project", "Project")],
        "Track in Xero",
        default="none",
        required=True,
        help="Which Odoo value of the time is written on pushed invoice lines as a Xero tracking option.",
        groups=BILLING_GROUPS,
    )
    xero_tracking_category_id = fields.Many2one(
        "xero.tracking.category",
        "Xero tracking category",
        ondelete="set null",
        help="The organisation's tracking category whose options stand for the tracked employees, departments"
        " or projects.",
        groups=BILLING_GROUPS,
    )
