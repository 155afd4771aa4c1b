"""Odoo employees matched to Xero Payroll employees (issue 26).

One row per employee of the organisation's Xero Payroll, as last read (Refresh from Xero). The refresh proposes
the Odoo employee with the same work e-mail, else the only one with the same name; the administrator confirms
the proposal or chooses another. Only confirmed rows send hours: an Odoo employee without one is listed
(Employees not matched) and their hours are held, never guessed.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..ownership import owned_writes
from ..services.errors import XeroError
from ..services.payroll import PayrollCalendar


class XeroPayrollEmployee(models.Model):
    _name = "xero.payroll.employee"
    _description = "Xero Payroll employee"
    _order = "confirmed, name, id"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", readonly=True, index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    xero_employee_id = fields.Char("EmployeeID", required=True, readonly=True)
    name = fields.Char("Xero Payroll employee", required=True, readonly=True)
    email = fields.Char(readonly=True)
    xero_calendar_id = fields.Char("PayrollCalendarID", readonly=True)
    calendar_name = fields.Char("Payroll calendar", readonly=True)
    xero_calendar_type = fields.Char("Calendar type", readonly=True)
    xero_calendar_start = fields.Date("Calendar period start", readonly=True)
    xero_calendar_end = fields.Date("Calendar period end", readonly=True)
    calendar_problem = fields.Char("Hours not sent", compute="_compute_calendar_problem")
    active = fields.Boolean(default=True, readonly=True)
    employee_id = fields.Many2one(
        "hr.employee", "Odoo employee", ondelete="set null", domain="[('company_id', 'in', [company_id, False])]"
    )
    proposed_by = fields.Selection([("email", "Same e-mail"), ("name", "Same name")], readonly=True)
    confirmed = fields.Boolean(help="Only confirmed matches send hours to Xero Payroll.")

    _employee_uniq = models.Constraint("unique (connection_id, xero_employee_id)", "A Xero employee is listed once.")
    _odoo_employee_uniq = models.UniqueIndex(
        "(connection_id, employee_id) WHERE employee_id IS NOT NULL AND active",
        "This Odoo employee is already matched to another Xero Payroll employee.",
    )

    @api.depends("xero_calendar_id", "xero_calendar_type", "xero_calendar_start")
    def _compute_calendar_problem(self):
        for row in self:
            calendar = row._xero_calendar()
            if calendar is not None and calendar.computable:
                row.calendar_problem = False
            elif not row.xero_calendar_id:
                row.calendar_problem = _("The employee has no payroll calendar in Xero Payroll.")
            elif not row.xero_calendar_type:
                row.calendar_problem = _("Xero Payroll did not list the employee's payroll calendar at the last read.")
            else:
                row.calendar_problem = _(
                    "Odoo cannot compute the pay periods of a “%s” payroll calendar: enter these hours in Xero Payroll.",
                    row.xero_calendar_type,
                )

    def _xero_calendar(self):
        """The employee's payroll calendar as last read from Xero (None when unknown)."""
        self.ensure_one()
        if not self.xero_calendar_type:
            return None
        return PayrollCalendar(
            self.xero_calendar_id,
            self.calendar_name or "",
            self.xero_calendar_type,
            self.xero_calendar_start,
            self.xero_calendar_end or None,
        )

    def _xero_note_calendars(self, calendars):
        """Keep each row's calendar (name, type, a period) as Xero lists it now: what the health panel and the
        matching screen show, and what the push computes pay periods with."""
        by_id = {calendar.calendar_id: calendar for calendar in calendars}
        with owned_writes():
            for calendar_id, rows in self.grouped("xero_calendar_id").items():
                calendar = by_id.get(calendar_id)
                vals = {
                    "calendar_name": calendar.name if calendar else rows[:1].calendar_name,
                    "xero_calendar_type": calendar.calendar_type if calendar else False,
                    "xero_calendar_start": calendar.period_start if calendar else False,
                    "xero_calendar_end": (calendar.period_end or False) if calendar else False,
                }
                changed = rows.filtered(lambda row, vals=vals: any(row[name] != value for name, value in vals.items()))
                changed.sudo().write(vals)

    def write(self, vals):
        if vals.keys() & {"employee_id", "confirmed"}:
            self._check_xero_payroll_admin()
            if "employee_id" in vals and "confirmed" not in vals:
                vals = dict(vals, confirmed=bool(vals["employee_id"]))  # the admin's own choice
        return super().write(vals)

    def _check_xero_payroll_admin(self):
        if not self.env.is_system():
            raise AccessError(_("Only administrators match employees to Xero Payroll."))

    def action_confirm(self):
        self._check_xero_payroll_admin()
        unmatched = self.filtered(lambda row: not row.employee_id)
        if unmatched:
            raise UserError(_("Choose the Odoo employee of %s before confirming.", unmatched[0].name))
        self.write({"confirmed": True})

    def action_unconfirm(self):
        self._check_xero_payroll_admin()
        self.write({"confirmed": False})

    def action_xero_payroll_refresh(self):  # a list header button: the selection, if any, is not used
        """Read the organisation's Xero Payroll employees and earnings rates again; propose matches."""
        self._check_xero_payroll_admin()
        connection = self.env["xero.connection"]._xero_for_company(self.env.company)
        if not connection or not self.env.company.sudo().xero_payroll_enabled:
            raise UserError(_("Switch on “Send approved hours to Xero Payroll” in Settings → Xero first."))
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                payroll = client.payroll()
                employees, calendars = payroll.employees(), payroll.calendars()
                rates = payroll.earnings_rates()
        except XeroError as error:
            raise UserError(_("Xero Payroll could not be read: %s", error)) from error
        self._xero_store(connection, employees, {c.calendar_id: c.name for c in calendars})
        self.sudo().search([("connection_id", "=", connection.id)])._xero_note_calendars(calendars)
        self.env["xero.payroll.rate"].sudo()._xero_store(connection, rates)
        self.env["xero.job"]._xero_ensure_cron(connection, "payroll")  # daily from now on
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _xero_store(self, connection, employees, calendar_names):
        Row = self.sudo().with_context(active_test=False)
        rows = {r.xero_employee_id: r for r in Row.search([("connection_id", "=", connection.id)])}
        odoo = self.env["hr.employee"].sudo().search([("company_id", "in", [connection.company_id.id, False])])
        taken = {r.employee_id.id for r in rows.values() if r.employee_id and r.active}
        with owned_writes():
            for found in employees:
                vals = {
                    "name": found.name,
                    "email": found.email,
                    "xero_calendar_id": found.calendar_id,
                    "calendar_name": calendar_names.get(found.calendar_id, ""),
                    "active": True,
                }
                row = rows.pop(found.employee_id, None)
                if row is None:
                    row = Row.create({"connection_id": connection.id, "xero_employee_id": found.employee_id, **vals})
                else:
                    row.write(vals)
                if not row.employee_id:
                    employee, how = _proposal(odoo, found, taken)
                    if employee:
                        taken.add(employee.id)
                        row.write({"employee_id": employee.id, "proposed_by": how, "confirmed": False})
            Row.browse([r.id for r in rows.values()]).write({"active": False})  # left Xero Payroll

    @api.model
    def _xero_matching_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_timesync.xero_payroll_employee_action")
        action["domain"] = [("company_id", "=", self.env.company.id)]
        return action

    def action_xero_payroll_unmatched(self):  # a list header button: the selection, if any, is not used
        """The company's Odoo employees with time but no confirmed Xero Payroll employee."""
        self._check_xero_payroll_admin()
        company = self.env.company
        matched = self.sudo().search([("company_id", "=", company.id), ("confirmed", "=", True)]).employee_id
        with_time = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("company_id", "=", company.id), ("project_id", "!=", False), ("employee_id", "!=", False)],
                ["employee_id"],
            )
        )
        unmatched = [employee.id for (employee,) in with_time if employee not in matched]
        return {
            "type": "ir.actions.act_window",
            "name": _("Employees not matched to Xero Payroll"),
            "res_model": "hr.employee",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", unmatched)],
        }


def _proposal(odoo_employees, found, taken):
    """The Odoo employee with the same work e-mail, else the only one with the same name (never a guess)."""
    free = odoo_employees.filtered(lambda e: e.id not in taken)
    email = (found.email or "").strip().lower()
    if email:
        same = free.filtered(lambda e: (e.work_email or "").strip().lower() == email)
        if len(same) == 1:
            return same, "email"
    name = " ".join(found.name.lower().split())
    same = free.filtered(lambda e: " ".join((e.name or "").lower().split()) == name)
    return (same, "name") if len(same) == 1 else (None, None)
