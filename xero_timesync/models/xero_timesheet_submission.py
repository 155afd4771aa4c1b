"""Time submitted for approval: one employee's time on one project for one period (a week or a month).

The employee submits (``account.analytic.line.action_xero_submit_time``), the Xero project's managers,
Timesheets approvers and administrators approve or send back, administrators unlock approved time. Each step
moves the lines' ``xero_approval_state`` in one write and leaves a note in the submission's chatter. Every
decision is checked here, in Python, against the user: never the context.
"""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import date_utils, format_date

from ..ownership import owned_writes

APPROVER_GROUP = "hr_timesheet.group_hr_timesheet_approver"


class XeroTimesheetSubmission(models.Model):
    _name = "xero.timesheet.submission"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Time submitted for approval"
    _order = "date_from desc, employee_id, id"
    _rec_names_search = ["employee_id", "project_id"]
    _mail_post_access = "read"  # its employee answers and marks the "sent back" to-do done; deciding is the buttons'

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    employee_id = fields.Many2one("hr.employee", required=True, readonly=True, index=True, ondelete="cascade")
    project_id = fields.Many2one("project.project", required=True, readonly=True, index=True, ondelete="cascade")
    date_from = fields.Date("From", required=True, readonly=True)
    date_to = fields.Date("To", required=True, readonly=True)
    state = fields.Selection(
        [("submitted", "To approve"), ("approved", "Approved"), ("sent_back", "Sent back"), ("unlocked", "Unlocked")],
        required=True,
        readonly=True,
        default="submitted",
    )
    reason = fields.Text("Reason sent back", readonly=True)
    submitted_by_id = fields.Many2one("res.users", "Submitted by", readonly=True)
    submit_date = fields.Datetime("Submitted on", readonly=True)
    reviewer_id = fields.Many2one("res.users", "Decided by", readonly=True)
    review_date = fields.Datetime("Decided on", readonly=True)
    hours = fields.Float("Hours", compute="_compute_lines", digits="Product Unit")
    line_ids = fields.Many2many("account.analytic.line", string="Time", compute="_compute_lines")

    _period_uniq = models.Constraint(
        "unique (employee_id, project_id, date_from, date_to)",
        "An employee's time on a project is submitted once per period.",
    )

    @api.depends("employee_id", "project_id", "date_from", "date_to")
    def _compute_display_name(self):
        for submission in self:
            submission.display_name = _(
                "%(employee)s, %(period)s",
                employee=submission.employee_id.sudo().name or "",
                period=submission._xero_period_label(),
            )

    def _compute_lines(self):
        """The time of the period (every state), as the user may read it; the hours submitted or approved."""
        Line = self.env["account.analytic.line"]
        domain = Domain.OR(submission._xero_scope() for submission in self) if self else Domain.FALSE
        lines = Line.search(domain, order="date, id")
        hours = defaultdict(float)
        for line in Line.sudo().search_fetch(
            domain & Domain("xero_approval_state", "!=", "draft"),
            ["employee_id", "project_id", "date", "unit_amount"],
        ):
            for submission in self:
                if submission._xero_covers(line):
                    hours[submission.id] += line.unit_amount
        for submission in self:
            submission.line_ids = lines.filtered(submission._xero_covers)
            submission.hours = hours[submission.id]

    # -- buttons -------------------------------------------------------------------------------------
    def action_xero_approve(self):
        """Approve the submitted time: it is invoiceable, and locked for everyone but administrators."""
        self._xero_check_state("submitted")
        self._xero_check_reviewer()
        self._xero_decide("submitted", "approved", {"reason": False})
        for submission in self.sudo():
            submission.message_post(
                body=_("Approved by %s.", self.env.user.name),
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_xero_open_send_back(self):
        """Send back: a dialog asks the reason (``xero.timesheet.send.back``)."""
        self._xero_check_state("submitted")
        self._xero_check_reviewer()
        return {
            "type": "ir.actions.act_window",
            "res_model": "xero.timesheet.send.back",
            "view_mode": "form",
            "target": "new",
            "name": _("Send back"),
            "context": {"default_submission_ids": [(6, 0, self.ids)]},
        }

    def action_xero_unlock(self):
        """Administrators: approved time becomes editable again (to be submitted again); the chatter says who
        and when."""
        if not self.env.is_system():
            raise AccessError(_("Only administrators can unlock approved time."))
        self.check_access("read")
        self._xero_check_state("approved")
        self._xero_decide("approved", "draft", {}, state="unlocked")
        for submission in self.sudo():
            submission.message_post(
                body=_("Unlocked by %s: the time can be edited again and must be submitted again.", self.env.user.name),
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        return True

    # -- what the buttons do ---------------------------------------------------------------------------
    def _xero_send_back(self, reason):
        """The submitted time returns to its employee (editable again), with ``reason``; they get an activity."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Say why the time is sent back: the employee reads it."))
        self._xero_check_state("submitted")
        self._xero_check_reviewer()
        self._xero_decide("submitted", "draft", {"reason": reason}, state="sent_back")
        for submission in self.sudo():
            submission.message_post(
                body=_("Sent back by %(user)s: %(reason)s", user=self.env.user.name, reason=reason),
                author_id=self.env.user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
            user = submission.employee_id.user_id
            if user:
                submission.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Time sent back: correct it and submit it again"),
                    note=reason,
                    user_id=user.id,
                )
        return True

    def _xero_decide(self, from_state, to_state, values, state=None):
        """Lines of these submissions in ``from_state`` → ``to_state`` (one write), and the submissions."""
        lines = self.env["account.analytic.line"].sudo().search(self._xero_lines_domain(from_state))
        with owned_writes():
            lines.write({"xero_approval_state": to_state})
            self.sudo().write(
                {
                    "state": state or to_state,
                    "reviewer_id": self.env.uid,
                    "review_date": fields.Datetime.now(),
                    **values,
                }
            )

    @api.model
    def _xero_submit(self, lines):
        """Submit ``lines`` (draft time, already authorised) by employee, project and period: the submissions
        are created or submitted again, the lines are submitted (one write each)."""
        lines = lines.sudo()
        by_key = defaultdict(lambda: lines.browse())
        for line in lines:
            start, end = self._xero_period(line.company_id, line.date)
            by_key[line.employee_id.id, line.project_id.id, start, end] |= line
        existing = self.sudo().search(
            Domain.OR(
                Domain([("employee_id", "=", e), ("project_id", "=", p), ("date_from", "=", s), ("date_to", "=", t)])
                for e, p, s, t in by_key
            )
        )
        known = {(s.employee_id.id, s.project_id.id, s.date_from, s.date_to): s for s in existing}
        values = {"state": "submitted", "submitted_by_id": self.env.uid, "submit_date": fields.Datetime.now()}
        with owned_writes():
            lines.write({"xero_approval_state": "submitted"})
            existing.write({**values, "reason": False})
            created = self.sudo().create(
                [
                    {
                        **values,
                        "company_id": by_key[key].company_id.id,
                        "employee_id": key[0],
                        "project_id": key[1],
                        "date_from": key[2],
                        "date_to": key[3],
                    }
                    for key in by_key
                    if key not in known
                ]
            )
        submissions = existing | created
        existing.sudo().activity_unlink(["mail.mail_activity_data_todo"])  # the employee's "sent back" to-do is done
        return submissions

    # -- who may -------------------------------------------------------------------------------------
    def _xero_check_reviewer(self):
        """Managers of the submission's Xero project, Timesheets approvers and administrators decide; nobody else,
        whatever ids or context a client sends."""
        self.check_access("read")
        refused = self - self._xero_reviewable()
        if refused:
            raise AccessError(
                _(
                    "Only a manager of %(project)s, a Timesheets approver or an administrator can approve or send back"
                    " %(submission)s.",
                    project=refused[0].project_id.sudo().display_name,
                    submission=refused[0].display_name,
                )
            )

    def _xero_reviewable(self):
        """The submissions among these the user may approve or send back."""
        user = self.env.user
        if self.env.is_system() or user.has_group(APPROVER_GROUP):
            return self
        managed = (
            self.env["xero.project.member"]
            .sudo()
            .search([("user_id", "=", user.id), ("role", "=", "manager"), ("project_id", "in", self.project_id.ids)])
            .project_id
        )
        return self.filtered(lambda submission: submission.project_id in managed)

    def _xero_check_state(self, state):
        wrong = self.filtered(lambda submission: submission.state != state)
        if wrong:
            label = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "%(submission)s is %(state)s: only time %(expected)s can be decided on here.",
                    submission=wrong[0].display_name,
                    state=label[wrong[0].state].lower(),
                    expected=label[state].lower(),
                )
            )

    # -- periods -------------------------------------------------------------------------------------
    @api.model
    def _xero_period(self, company, day):
        """The period containing ``day`` for ``company``: its ISO week (Monday to Sunday) or its month."""
        granularity = "month" if company.sudo().xero_timesheet_period == "month" else "week"
        return date_utils.start_of(day, granularity), date_utils.end_of(day, granularity)

    def _xero_period_label(self):
        if not self.date_from:
            return ""
        return _(
            "%(start)s – %(end)s", start=format_date(self.env, self.date_from), end=format_date(self.env, self.date_to)
        )

    def _xero_scope(self):
        """The lines this submission covers: its employee's time on its project in its period."""
        self.ensure_one()
        return Domain(
            [
                ("employee_id", "=", self.employee_id.id),
                ("project_id", "=", self.project_id.id),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ]
        )

    def _xero_covers(self, line):
        return (
            line.employee_id == self.employee_id
            and line.project_id == self.project_id
            and self.date_from <= line.date <= self.date_to
        )

    def _xero_lines_domain(self, state):
        return Domain.OR(submission._xero_scope() for submission in self) & Domain("xero_approval_state", "=", state)
