"""Timesheets: Xero project access (restricted members, managers) and invoicing (linked to their invoice
line, invoiced once, locked while invoiced)."""

import math

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import float_round

from ..ownership import checked_tasks, integration_writes

# Where a line's time goes, and who may see it there: checked again after the write.
XERO_TASK_FIELDS = {"task_id", "project_id", "partner_id", "user_id", "employee_id"}


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
        string="Invoice",
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
        "Billable",
        compute="_compute_xero_billable",
        store=True,
        readonly=False,
        help="Non-billable time is tracked and reported, never invoiced. Defaults to its task's.",
    )

    @api.depends("task_id")
    def _compute_xero_billable(self):
        for line in self:
            line.xero_billable = line.task_id.xero_billable if line.task_id else True

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
        return lines

    def write(self, vals):
        self._check_xero_not_invoiced(vals)
        result = super().write(vals)
        if vals.keys() & XERO_TASK_FIELDS:
            self._check_xero_task_visible()
        if vals.keys() & {"partner_id", "task_id", "project_id"}:
            self._check_xero_client()
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
