"""Approved hours to Xero Payroll: one Draft timesheet per employee and closed pay period, exactly once (issue 26).

The push (the ``payroll`` job of ``xero.job``, and Send to Xero Payroll now) reads the organisation's payroll
calendars live, then for each confirmed employee match and each closed pay period of the employee's calendar
(within the last ``LOOKBACK_DAYS``) sums the hours per day that count for pay:

* where the company approves time: the approved lines (``xero_approval_state == 'approved'``; Enterprise's
  ``validated`` when installed);
* where it does not: every timesheet line of the period, once the period has closed (the close is the approval).

A day's hours go to the ordinary earnings rate, those beyond "Overtime after" to the overtime rate.

Exactly once: the record of a period (its nonce the Idempotency-Key) is written and committed before Xero is
asked, so a lost answer is retried with the same key (replayed by Xero, never doubled) and a run that died
after the call (its record lost with it) finds Xero's refusal of a second timesheet for the period, and takes
that timesheet over when it holds exactly the hours being sent. Corrections later (an
approved line changed by an administrator, hours approved late) are sent as line changes while Xero's timesheet
is Draft; one that is no longer Draft is never overwritten: the difference is reported on the record and the log.
Sent lines carry their record (``xero_payroll_timesheet_id``) and are locked for everyone but administrators.
"""

import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..ownership import owned_writes
from ..services.errors import XeroError, XeroValidationError

LOOKBACK_DAYS = 62


class XeroPayrollTimesheet(models.Model):
    _name = "xero.payroll.timesheet"
    _description = "Timesheet sent to Xero Payroll"
    _order = "period_start desc, id desc"
    _rec_name = "period_start"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", readonly=True, index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    employee_id = fields.Many2one("hr.employee", required=True, readonly=True, ondelete="restrict", index=True)
    xero_employee_id = fields.Char(required=True, readonly=True)
    xero_calendar_id = fields.Char(required=True, readonly=True)
    period_start = fields.Date(required=True, readonly=True)
    period_end = fields.Date(required=True, readonly=True)
    xero_nonce = fields.Char("Idempotency key", required=True, readonly=True, copy=False)
    xero_timesheet_id = fields.Char("TimesheetID", readonly=True, copy=False)
    xero_status = fields.Char("Status at Xero", readonly=True)
    xero_lines = fields.Json(readonly=True, help='{"date|EarningsRateID": [TimesheetLineID, units]} as sent.')
    xero_revision = fields.Integer(readonly=True)
    state = fields.Selection([("sending", "Sending"), ("sent", "Sent")], default="sending", readonly=True)
    message = fields.Char("Difference", readonly=True)
    hours = fields.Float(compute="_compute_hours")
    line_ids = fields.One2many("account.analytic.line", "xero_payroll_timesheet_id", "Timesheet lines", readonly=True)

    _period_uniq = models.Constraint(
        "unique (connection_id, xero_employee_id, period_start)", "One timesheet per employee and pay period."
    )

    @api.depends("xero_lines")
    def _compute_hours(self):
        for record in self:
            record.hours = sum(units for _line_id, units in (record.xero_lines or {}).values())

    # -- the admin's button ------------------------------------------------------------------------------
    def action_xero_payroll_send(self):  # a list header button: the selection, if any, is not used
        """Send to Xero Payroll now (administrators): runs the company's payroll job; returns its log."""
        if not self.env.is_system():
            raise UserError(_("Only administrators send hours to Xero Payroll."))
        connection = self.env["xero.connection"]._xero_for_company(self.env.company)
        if not connection or not self.env.company.sudo().xero_payroll_enabled:
            raise UserError(_("Switch on “Send approved hours to Xero Payroll” in Settings → Xero first."))
        log = self.env["xero.job"]._xero_ensure_cron(connection, "payroll")._xero_run("manual")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Xero Payroll"),
                "message": log.message or _("Done."),
                "type": "success" if log.state == "done" else "warning",
            },
        }

    # -- the push -------------------------------------------------------------------------------------
    @api.model
    def _xero_push(self, job, client, log):
        """One run of the payroll job; returns False when it yielded (the next turn continues)."""
        connection, company = job.connection_id, job.company_id.sudo()
        ordinary = company.xero_payroll_ordinary_rate_id
        if not company.xero_payroll_enabled:
            log.write({"state": "done", "message": _("Xero Payroll is switched off for this company.")})
            return True
        if not ordinary:
            raise UserError(_("Choose the earnings rate of ordinary time (Settings → Xero → Xero Payroll)."))
        payroll = client.payroll()
        calendars = {c.calendar_id: c for c in payroll.calendars()}
        today = fields.Date.context_today(self)
        since = today - timedelta(days=LOOKBACK_DAYS)
        matches = (
            self.env["xero.payroll.employee"]
            .sudo()
            .search([("connection_id", "=", connection.id), ("confirmed", "=", True), ("employee_id", "!=", False)])
        )
        lines = self.env["account.analytic.line"].sudo().search(self._xero_hours_domain(company, today))
        by_employee = lines.grouped("employee_id")
        held = [employee for employee in by_employee if employee not in matches.employee_id]
        sent_by_employee = (
            self.sudo()
            .search([("connection_id", "=", connection.id), ("state", "=", "sent"), ("period_start", ">=", since)])
            .grouped("xero_employee_id")
        )
        counts = defaultdict(int)
        for match in matches:
            calendar = calendars.get(match.xero_calendar_id)
            if calendar is None:
                continue
            periods = defaultdict(lambda: self.env["account.analytic.line"])
            for line in by_employee.get(match.employee_id, ()):
                period = calendar.period_of(line.date)
                if period and since <= period[0] and period[1] < today:
                    periods[period] |= line
            for sent in sent_by_employee.get(match.xero_employee_id, ()):  # all its hours unapproved since
                periods.setdefault((sent.period_start, sent.period_end), self.env["account.analytic.line"])
            for (start, end), period_lines in sorted(periods.items()):
                outcome = self._xero_send_period(connection, company, payroll, match, start, end, period_lines)
                counts[outcome] += 1
            if job._xero_must_yield(log, 1):
                return False
        log.write({"state": "done", "message": self._xero_summary(counts, held)})
        return True

    @api.model
    def _xero_hours_domain(self, company, today):
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("project_id", "!=", False),
                ("employee_id", "!=", False),
                ("date", ">=", today - timedelta(days=LOOKBACK_DAYS)),
                ("date", "<", today),
            ]
        )
        Line = self.env["account.analytic.line"]
        if "validated" in Line._fields:
            return domain & Domain("validated", "=", True)
        if company._xero_approves_time():
            return domain & Domain("xero_approval_state", "=", "approved")
        return domain  # no approval: a closed pay period's hours are final

    @api.model
    def _xero_wanted(self, company, lines):
        """``{"date|EarningsRateID": units}`` of ``lines``: each day's hours, beyond "Overtime after" as overtime."""
        ordinary, overtime = company.xero_payroll_ordinary_rate_id, company.xero_payroll_overtime_rate_id
        after = company.xero_payroll_overtime_after if overtime else 0.0
        wanted = {}
        for day, day_lines in lines.grouped("date").items():
            hours = round(sum(day_lines.mapped("unit_amount")), 2)
            extra = round(max(hours - after, 0.0), 2) if after else 0.0
            for rate, units in ((ordinary, round(hours - extra, 2)), (overtime, extra)):
                if units > 0:
                    wanted[f"{day.isoformat()}|{rate.xero_rate_id}"] = units
        return wanted

    @api.model
    def _xero_send_period(self, connection, company, payroll, match, start, end, lines):
        """Create, correct or leave the employee's timesheet of [start, end]; returns what happened."""
        wanted = self._xero_wanted(company, lines)
        record = self.sudo().search(
            [
                ("connection_id", "=", connection.id),
                ("xero_employee_id", "=", match.xero_employee_id),
                ("period_start", "=", start),
            ]
        )
        if record.state == "sent" and {k: v[1] for k, v in (record.xero_lines or {}).items()} == wanted:
            return "unchanged"
        if not wanted and not record:
            return "unchanged"
        try:
            if not record:
                record = self._xero_new_record(connection, match, start, end)
            if record.state == "sending":
                outcome = record._xero_create(payroll, wanted)
            else:
                outcome = record._xero_correct(payroll, wanted)
        except XeroValidationError as error:  # nothing was made: the next attempt gets a key of its own
            with owned_writes():
                record.write(
                    {"message": str(error), **({"xero_nonce": str(uuid.uuid4())} if record.state == "sending" else {})}
                )
            return "refused"
        if outcome in ("created", "corrected"):
            with owned_writes():
                (record.sudo().line_ids - lines).write({"xero_payroll_timesheet_id": False})  # no longer approved
                lines.sudo().write({"xero_payroll_timesheet_id": record.id})
            if outcome == "created" and company.xero_payroll_approve:
                record._xero_approve(payroll)
        return outcome

    @api.model
    def _xero_new_record(self, connection, match, start, end):
        """The period's record with its nonce, committed before Xero is asked (in a scheduled run) so that a
        lost answer is replayed with the same key, not created twice."""
        with owned_writes():
            record = self.sudo().create(
                {
                    "connection_id": connection.id,
                    "employee_id": match.employee_id.id,
                    "xero_employee_id": match.xero_employee_id,
                    "xero_calendar_id": match.xero_calendar_id,
                    "period_start": start,
                    "period_end": end,
                    "xero_nonce": str(uuid.uuid4()),
                }
            )
        if self.env["ir.cron"]._xero_in_job():
            self.env["ir.cron"]._commit_progress(remaining=1)
        return record

    def _xero_create(self, payroll, wanted):
        """Create with the record's nonce (a retry is replayed by Xero). When Xero already has a timesheet for the
        period (made by a run whose answer and record were lost), it is taken over only if it holds exactly
        these hours; any other is left alone and reported."""
        lines = [(fields.Date.to_date(key[:10]), key[11:], units) for key, units in sorted(wanted.items())]
        try:
            found = payroll.create_timesheet(
                self.xero_employee_id, self.xero_calendar_id, self.period_start, self.period_end, lines, self.xero_nonce
            )
        except XeroValidationError:
            found = payroll.find_timesheet(self.xero_employee_id, self.xero_calendar_id, self.period_start)
            if found is None:
                raise
            if {k: v[1] for k, v in self._xero_lines_of(found).items()} != wanted:
                with owned_writes():
                    self.write(
                        {
                            "xero_status": found.status,
                            "message": _("Xero Payroll already has another timesheet for this period: not changed."),
                        }
                    )
                return "kept"
        self._xero_store(found)
        return "created"

    def _xero_correct(self, payroll, wanted):
        """Xero's Draft timesheet takes the differences line by line; any other status is left as it is."""
        current = payroll.timesheet(self.xero_timesheet_id)
        if current.status != "Draft":
            sent = {k: v[1] for k, v in self._xero_lines_of(current).items()}
            with owned_writes():
                self.write(
                    {
                        "xero_status": current.status,
                        "message": _(
                            "%(status)s at Xero: not changed. Odoo has %(odoo)s h for this period, Xero %(xero)s h.",
                            status=current.status,
                            odoo=round(sum(wanted.values()), 2),
                            xero=round(sum(sent.values()), 2),
                        ),
                    }
                )
            return "kept"
        lines = self._xero_lines_of(current)
        key = f"{self.xero_nonce}-{self.xero_revision + 1}"
        for number, (name, units) in enumerate(sorted(wanted.items())):
            day, rate = fields.Date.to_date(name[:10]), name[11:]
            if name not in lines:
                payroll.add_line(self.xero_timesheet_id, day, rate, units, f"{key}-{number}")
            elif lines[name][1] != units:
                payroll.update_line(self.xero_timesheet_id, lines[name][0], day, rate, units, f"{key}-{number}")
        for name, (line_id, _units) in lines.items():
            if name not in wanted:
                payroll.delete_line(self.xero_timesheet_id, line_id)
        with owned_writes():
            self.write({"xero_revision": self.xero_revision + 1, "message": False})
        self._xero_store(payroll.timesheet(self.xero_timesheet_id))
        return "corrected"

    def _xero_approve(self, payroll):
        try:
            self._xero_store(payroll.approve(self.xero_timesheet_id, f"{self.xero_nonce}-approve"))
        except XeroError as error:
            with owned_writes():
                self.write({"message": _("Sent, not approved: %s", error)})

    def _xero_store(self, timesheet):
        with owned_writes():
            self.write(
                {
                    "xero_timesheet_id": timesheet.timesheet_id,
                    "xero_status": timesheet.status,
                    "xero_lines": self._xero_lines_of(timesheet),
                    "state": "sent",
                }
            )

    @api.model
    def _xero_lines_of(self, timesheet):
        lines = {}
        for line_id, day, rate, units in timesheet.lines:
            lines[f"{day.isoformat()}|{rate}"] = [line_id, units]
        return lines

    @api.model
    def _xero_summary(self, counts, held):
        message = _(
            "%(created)s timesheets sent, %(corrected)s corrected, %(kept)s no longer Draft at Xero (not changed),"
            " %(refused)s refused.",
            created=counts["created"],
            corrected=counts["corrected"],
            kept=counts["kept"],
            refused=counts["refused"],
        )
        if held:
            names = ", ".join(sorted(employee.name for employee in held))
            message += " " + _("Hours held (no confirmed Xero Payroll employee): %s.", names)
        return message
