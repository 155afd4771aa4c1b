"""Timesheets: Xero project access (restricted members, managers) and invoicing (linked to their invoice
line, invoiced once, locked while invoiced)."""

import math

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import float_round, format_date

from ..ownership import checked_tasks, integration_writes, owned_writes
from .xero_timer import format_duration

# Where a line's time goes, and who may see it there: checked again after the write.
XERO_TASK_FIELDS = {"task_id", "project_id", "partner_id", "user_id", "employee_id"}
# What approval and the lock date leave free: whether time is billed is the accountant's call, not the time itself.
XERO_UNLOCKED_FIELDS = {"xero_billable"}
# Where a line's time goes: a submitted or approved line moved elsewhere leaves its submission (back to draft).
XERO_PERIOD_FIELDS = {"date", "employee_id", "project_id"}


def rounded_hours(hours, rounding_minutes, digits=2):
    """Hours as invoiced: rounded up to ``rounding_minutes`` (6, 15), or exact without rounding.

    Without rounding, the exact time is billed: an invoice line rounds the sum of its timesheets once, to
    the quantity's precision (rounding each timesheet would lose up to 18 seconds per timesheet).
    """
    rounding_minutes = int(rounding_minutes or 0)
    if hours <= 0:
        return 0.0
    if rounding_minutes:
        minutes = round(hours * 60, 6)  # 0.1 h * 60 = 6.000000000000001 must stay 6
        return float_round(math.ceil(minutes / rounding_minutes) * rounding_minutes / 60, precision_digits=digits)
    return hours


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    xero_billed_move_line_id = fields.Many2one(
        "account.move.line",
        "Invoice line",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="account.group_account_invoice",
    )
    xero_billed_move_id = fields.Many2one(
        related="xero_billed_move_line_id.move_id",
        string="Billed on invoice",
        store=True,
        index="btree_not_null",
        groups="account.group_account_invoice",
    )
    xero_billed_hours = fields.Float(
        "Invoiced hours",
        compute="_compute_xero_billed_hours",
        groups="account.group_account_invoice",
        help="The hours this timesheet bills, after the company's rounding (exact without rounding).",
    )

    # -- approval and billable time (issue 25; see README "Approve, then bill") -----------------
    xero_approval_state = fields.Selection(
        [("draft", "To submit"), ("submitted", "Submitted"), ("approved", "Approved")],
        "Approval",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="Submitted by its employee, approved by a manager of the Xero project or an admin. When the company"
        " approves time (Settings → Xero), only approved time is invoiced.",
    )
    xero_billable = fields.Boolean(
        "Billable work",
        compute="_compute_xero_billable",
        store=True,
        readonly=False,
        help="Non-billable time is tracked and reported, never invoiced. Defaults to its task's.",
    )

    xero_rate_source = fields.Char(
        "Hourly rate",
        compute="_compute_xero_rate_source",
        groups="account.group_account_invoice",
        help="The rate Invoice time would bill this time at, and where it comes from (task, project, employee or"
        " company default), in the company currency.",
    )

    @api.depends("task_id")
    def _compute_xero_billable(self):
        for line in self:
            line.xero_billable = line._xero_default_billable()

    def _xero_default_billable(self):
        return self.task_id.xero_billable if self.task_id else True

    @api.depends("task_id", "project_id", "employee_id", "company_id")
    def _compute_xero_rate_source(self):
        Wizard = self.env["xero.invoice.wizard"]
        for company, lines in self.grouped("company_id").items():
            company = company or self.env.company
            wizard = Wizard.new({"company_id": company.id, "currency_id": company.currency_id.id})
            rates = wizard._xero_rates_with_source(lines.sudo())
            for line in lines:
                line.xero_rate_source = wizard._xero_rate_label(*rates[line.id])

    def _xero_billable_decided(self, vals):
        """The lines whose Billable ``vals`` decides: changed, and not to the default of the task it moves them to
        (a form sends what that default computed)."""
        billable = bool(vals["xero_billable"])
        lines = self.filtered(lambda line: line.xero_billable != billable)
        if "task_id" in vals:
            task = self.env["project.task"].sudo().browse(vals["task_id"])
            if billable == (task.xero_billable if task else True):
                lines = lines.filtered(lambda line: line.task_id == task)
        return lines

    def _check_xero_billable(self, billable):
        """Whether time is billed is decided by the Xero project's managers and Timesheets administrators; an
        employee may take their own time off the invoice, and put it back when its task is billable, if the
        company lets them (Settings → Xero)."""
        if integration_writes(self.env):
            return
        lines = self.sudo()
        decided = lines.project_id.with_env(self.env)._xero_billing_decided_by_user()  # the user's decision
        for line in lines.filtered(lambda line: line.project_id not in decided):
            own = line.user_id == self.env.user and line.company_id.xero_timesheet_employee_nonbillable
            if own and (not billable or line._xero_default_billable()):
                continue
            raise AccessError(
                _(
                    "Only the managers of the Xero project and Timesheets administrators decide whether the time of"
                    " %(date)s on “%(task)s” is billed.",
                    date=line.date,
                    task=line.task_id.display_name or line.project_id.display_name,
                )
                if not own
                else _(
                    "“%(task)s” is not billable: only the managers of the Xero project and Timesheets administrators"
                    " can bill time logged on it.",
                    task=line.task_id.display_name,
                )
            )

    @api.model
    def _xero_invoiceable_domain(self, company):
        """The time an invoice may bill: billable, and approved when ``company`` approves time (Odoo Enterprise's
        own timesheet validation, when installed, is the approval)."""
        domain = Domain("xero_billable", "=", True) & self.env["xero.projects"]._xero_not_billed_there_domain()
        if "validated" in self._fields:
            return domain & Domain("validated", "=", True)
        if company.xero_timesheet_approval:
            domain &= Domain("xero_approval_state", "=", "approved")
        return domain

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if "validated" in self._fields:  # Odoo Enterprise validates timesheets: its buttons, its state
            for node in arch.xpath("//button[@name='action_xero_submit_time'] | //field[@name='xero_approval_state']"):
                node.getparent().remove(node)
        return arch, view

    def _domain_project_id(self):
        """hr_timesheet offers the projects a user follows; task-restricted Xero members follow only
        their tasks, not the project, so offer them the Xero projects they are members of as well."""
        domain = super()._domain_project_id()
        member_of = Domain(
            [
                ("allow_timesheets", "=", True),
                ("is_template", "=", False),
                ("xero_member_ids.user_id", "in", [self.env.uid]),
            ]
        )
        return domain | member_of

    # the field keeps a reference to hr_timesheet's function: point it at the override above
    project_id = fields.Many2one(domain=lambda self: self._domain_project_id())

    def _check_can_write(self, values):
        """Xero project managers edit everybody's time on their Xero projects (Odoo allows approvers only)."""
        others = self.filtered(lambda line: line.user_id != self.env.user)
        if others and not self.env.su and not self.env.user.has_group("hr_timesheet.group_hr_timesheet_approver"):
            managed = (
                self.env["xero.project.member"]
                .sudo()
                .search(
                    [
                        ("user_id", "=", self.env.user.id),
                        ("role", "=", "manager"),
                        ("project_id", "in", others.project_id.ids),
                    ]
                )
                .project_id
            )
            if all(line.project_id in managed for line in others):
                return super(AccountAnalyticLine, self - others)._check_can_write(values)
        return super()._check_can_write(values)

    @api.depends("unit_amount", "xero_billed_move_id.xero_invoice_rounding")
    def _compute_xero_billed_hours(self):
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        for line in self:
            rounding = line.xero_billed_move_id.xero_invoice_rounding if line.xero_billed_move_id else False
            line.xero_billed_hours = rounded_hours(line.unit_amount, rounding, digits) if rounding is not False else 0.0

    def _check_xero_not_invoiced(self, vals=None):
        """Invoiced time is frozen whole (its description is on the customer's timesheet PDF); only the
        integration writes it (Cancel releases it)."""
        if integration_writes(self.env):
            return
        if vals is not None:
            self.check_access("write")  # Odoo's check first: the refusal names the task and the invoice
        invoiced = self.sudo().filtered("xero_billed_move_line_id")
        if vals is not None:
            invoiced = invoiced.filtered(lambda line: line._xero_changed_fields(vals, vals))
        if invoiced:
            line = invoiced[0]
            raise UserError(
                _(
                    "The time of %(date)s on “%(task)s” is invoiced on %(invoice)s: it can no longer change, its"
                    " description included. Cancel or delete that invoice to release it.",
                    date=line.date,
                    task=line.task_id.display_name or line.project_id.display_name,
                    invoice=line.xero_billed_move_id.display_name,
                )
            )

    def _check_xero_client(self):
        """On a Xero project a line's client is its task's client: the people being billed cannot move their
        time to another client's invoice."""
        if integration_writes(self.env):
            return
        moved = self.sudo().filtered(
            lambda line: line.task_id and line.project_id.is_xero_project and line.partner_id != line.task_id.partner_id
        )
        if moved:
            raise UserError(
                _(
                    "Time on “%(task)s” is billed to its client %(client)s: log it on another client's task instead.",
                    task=moved[0].task_id.display_name,
                    client=moved[0].task_id.partner_id.display_name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_xero_task_visible(after_write=False)
        lines._check_xero_client()  # whatever set it: the values, a default_partner_id, an ir.default
        chosen = lines.browse(
            line.id
            for line, vals in zip(lines, vals_list, strict=True)
            if "xero_billable" in vals and line.xero_billable != line._xero_default_billable()
        )
        for billable, group in chosen.grouped("xero_billable").items():
            group._check_xero_billable(billable)
        lines._check_xero_lock_date()
        return lines

    def write(self, vals):
        self._check_xero_not_invoiced(vals)
        if "xero_billable" in vals:
            self._xero_billable_decided(vals)._check_xero_billable(bool(vals["xero_billable"]))
        changing = self._xero_changing(vals)
        changing._check_xero_lock_date()
        changing._check_xero_approval_lock()
        moved = (
            changing.filtered(lambda line: line.xero_approval_state != "draft")
            if vals.keys() & XERO_PERIOD_FIELDS
            else self.browse()
        )
        result = super().write(vals)
        if vals.keys() & XERO_TASK_FIELDS:
            self._check_xero_task_visible()
        if vals.keys() & {"partner_id", "task_id", "project_id"}:
            self._check_xero_client()
        if vals.keys() & {"date", "company_id", "project_id"}:
            changing._check_xero_lock_date()  # nor moved into a closed period
        if moved:
            with owned_writes():  # left its submission: to be submitted again where it is now
                moved.sudo().write({"xero_approval_state": "draft"})
        return result

    def _check_xero_task_visible(self, after_write=True):
        """Record rules are checked before a write, on the line as it was: time moved onto a task or project
        must still be the user's to write there, and a Xero task must be one they see (hr_timesheet's rule
        also accepts lines whose partner is the user, which a line's writer sets)."""
        if self.env.su:
            return
        if after_write:
            self.check_access("write")
        tasks = self.filtered(lambda line: line.sudo().project_id.is_xero_project).task_id
        # the timer's stop found its task readable with the same rules, as SQL, a moment ago
        tasks = tasks.filtered(lambda task: task.id not in checked_tasks(self.env.uid))
        tasks.check_access("read")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_xero_invoiced(self):
        self._check_xero_not_invoiced()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_xero_locked(self):
        self._check_xero_lock_date()
        self._check_xero_approval_lock()

    # -- approval and the lock date (see README "Approve, then bill") -------------------------------------
    def _xero_changing(self, vals):
        """The lines a write of ``vals`` changes in something approval and the lock date guard (the integration's
        own writes, such as invoicing, change nothing here)."""
        if integration_writes(self.env) or not (vals.keys() - XERO_UNLOCKED_FIELDS):
            return self.browse()
        names = vals.keys() - XERO_UNLOCKED_FIELDS
        return self.filtered(lambda line: line.sudo()._xero_changed_fields(vals, names))

    def _check_xero_lock_date(self):
        """No time on or before its company's lock date is logged, changed or deleted, by anybody: an
        administrator moves the date first (Settings → Xero)."""
        if integration_writes(self.env):
            return
        locked = self.sudo().filtered(
            lambda line: line.project_id
            and line.company_id.xero_timesheet_lock_date
            and line.date <= line.company_id.xero_timesheet_lock_date
        )
        if locked:
            line = locked[0]
            raise UserError(
                _(
                    "Time is locked until %(lock)s in %(company)s (a closed period): the time of %(date)s on"
                    " “%(task)s” cannot be logged, changed or deleted, by administrators neither. An administrator"
                    " can move the lock date in Settings → Xero.",
                    lock=format_date(self.env, line.company_id.xero_timesheet_lock_date),
                    company=line.company_id.name,
                    date=format_date(self.env, line.date),
                    task=line.task_id.display_name or line.project_id.display_name,
                )
            )

    def _check_xero_approval_lock(self):
        """Where the company approves time: approved time changes for administrators only (they unlock it);
        submitted time for those who approve it (its employee asks for it back)."""
        if integration_writes(self.env) or self.env.is_system():
            return
        waiting = self.sudo().filtered(
            lambda line: line.xero_approval_state != "draft" and line.company_id._xero_approves_time()
        )
        if not waiting:
            return
        approved = waiting.filtered(lambda line: line.xero_approval_state == "approved")
        submitted = waiting - approved
        if submitted:
            Submission = self.env["xero.timesheet.submission"]
            scope = Submission.sudo().search(Domain.OR(line._xero_submission_domain() for line in submitted))
            reviewable = scope.with_env(self.env)._xero_reviewable()
            submitted = submitted.filtered(lambda line: not any(s._xero_covers(line) for s in reviewable))
        refused = approved or submitted
        if refused:
            line = refused[0]
            message = (
                _(
                    "The time of %(date)s on “%(task)s” is approved: only an administrator can change or delete it,"
                    " after unlocking its submission.",
                    date=format_date(self.env, line.date),
                    task=line.task_id.display_name or line.project_id.display_name,
                )
                if line.xero_approval_state == "approved"
                else _(
                    "The time of %(date)s on “%(task)s” is submitted for approval: ask its approver to send it back to"
                    " change or delete it.",
                    date=format_date(self.env, line.date),
                    task=line.task_id.display_name or line.project_id.display_name,
                )
            )
            raise UserError(message)

    def _xero_submission_domain(self):
        self.ensure_one()
        return Domain(
            [
                ("employee_id", "=", self.employee_id.id),
                ("project_id", "=", self.project_id.id),
                ("date_from", "<=", self.date),
                ("date_to", ">=", self.date),
            ]
        )

    def action_xero_submit_time(self):
        """Submit time for approval: the periods of the selected lines, or, with none selected, every period of the
        user's own time up to the current one. Each period is submitted whole (its employee's draft time)."""
        Submission = self.env["xero.timesheet.submission"]
        if self:
            self.check_access("read")
            lines = self.sudo().filtered("project_id")
            employees = lines.employee_id
        else:
            employees = self.env.user.sudo().employee_ids.filtered(lambda e: e.company_id == self.env.company)
            lines = self.sudo().browse()
        if not employees:
            raise UserError(
                _("You have no employee in %s: there is no time of yours to submit.", self.env.company.name)
            )
        self._xero_check_submitter(employees)
        off = employees.company_id.filtered(lambda company: not company._xero_approves_time())
        if off:
            raise UserError(_("%s does not approve time: there is nothing to submit.", off[0].name))
        if lines:
            periods = {(line.employee_id, *Submission._xero_period(line.company_id, line.date)) for line in lines}
        else:
            today = fields.Date.context_today(self)
            periods = {
                (employee, False, Submission._xero_period(employee.company_id, today)[1]) for employee in employees
            }
        domain = Domain.OR(
            Domain(
                [("employee_id", "=", employee.id), ("date", "<=", end)] + ([("date", ">=", start)] if start else [])
            )
            for employee, start, end in periods
        )
        todo = self.sudo().search(domain & Domain([("project_id", "!=", False), ("xero_approval_state", "=", "draft")]))
        if not todo:
            raise UserError(_("There is no time to submit: everything in these periods is already submitted."))
        submissions = Submission._xero_submit(todo)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(hours)s h submitted for approval (%(periods)s).",
                    hours=format_duration(sum(todo.mapped("unit_amount")) * 3600),
                    periods=", ".join(submissions.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _xero_check_submitter(self, employees):
        """Employees submit their own time; their manager, a Timesheets approver or an administrator may too."""
        user = self.env.user
        if self.env.is_system() or user.has_group("hr_timesheet.group_hr_timesheet_approver"):
            return
        others = employees.sudo().filtered(lambda e: e.user_id != user and e.parent_id.user_id != user)
        if others:
            raise AccessError(
                _("You may submit only your own time (or your team's, as their manager); not %s's.", others[0].name)
            )
