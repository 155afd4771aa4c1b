"""Approved hours to Xero Payroll: one Draft timesheet per employee and closed pay period, exactly once (issue 26).

The push (the ``payroll`` job of ``xero.job``, and Send to Xero Payroll now) reads the organisation's payroll
calendars live (kept on the employee rows: any calendar type of the specs; one Odoo cannot compute is named on the
matching screen, the run's log and the health panel, never skipped silently), then for each confirmed employee
match and each closed pay period of the employee's calendar (within the last ``LOOKBACK_DAYS``) sums the hours
per day that count for pay:

* where the company approves time: the approved lines (``xero_approval_state == 'approved'``; Enterprise's
  ``validated`` when installed);
* where it does not: every timesheet line of the period, once the period has closed (the close is the approval).

A line's hours go to its project's or task's earnings rate (``xero.payroll.rate.map``), else ordinary time; a
day's hours beyond "Overtime after" go to the overtime rate.

Exactly once: the record of a period and its first revision (the record's nonce the Idempotency-Key) are written
and committed before Xero is asked, so a lost answer is retried with the same key (replayed by Xero, never
doubled) and a run that died after the call (its record lost with it) finds Xero's refusal of a second timesheet
for the period, and takes that timesheet over when it holds exactly the hours being sent. Corrections later (an
approved line changed by an administrator, hours approved late) are the next revision (``xero.payroll.revision``,
a key of its own per line change), sent as line changes to the same timesheet while Xero's is Draft; one that is
no longer Draft refuses the revision and is never overwritten: the difference per day is on the revision, the
record and the log, and an activity tells the administrator. Sent lines carry their record
(``xero_payroll_timesheet_id``) and are locked for everyone but administrators.
"""

import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

from ..ownership import owned_writes
from ..services.errors import XeroError, XeroValidationError
from .xero_payroll_revision import _per_day

LOOKBACK_DAYS = 62
KEPT_ACTIVITY = "xero_timesync.mail_activity_type_xero_payroll_kept"


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
    xero_revision = fields.Integer("Revision", readonly=True, help="The last revision Xero's timesheet took.")
    revision_ids = fields.One2many("xero.payroll.revision", "timesheet_id", "Revisions", readonly=True)
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
        if not company.xero_payroll_enabled:
            log.write({"state": "done", "message": _("Xero Payroll is switched off for this company.")})
            return True
        if not company.xero_payroll_ordinary_rate_id:
            raise UserError(_("Choose the earnings rate of ordinary time (Settings → Xero → Xero Payroll)."))
        payroll = client.payroll()
        matches = self._xero_matches(connection)
        matches._xero_note_calendars(payroll.calendars())
        plan = self._xero_plan(connection, company, matches, fields.Date.context_today(self))
        counts = defaultdict(int)
        for match, periods in plan["periods"].items():
            for (start, end), period_lines in sorted(periods.items()):
                wanted = self._xero_wanted(company, period_lines, plan["rates"])
                outcome = self._xero_send_period(
                    connection, company, payroll, match, (start, end), period_lines, wanted
                )
                counts[outcome] += 1
            if job._xero_must_yield(log, 1):
                return False
        log.write({"state": "done", "message": self._xero_summary(counts, plan["held"], plan["uncomputable"])})
        return True

    @api.model
    def _xero_matches(self, connection):
        return (
            self.env["xero.payroll.employee"]
            .sudo()
            .search([("connection_id", "=", connection.id), ("confirmed", "=", True), ("employee_id", "!=", False)])
        )

    @api.model
    def _xero_plan(self, connection, company, matches, today):
        """The closed pay periods to look at: ``{"periods": {match: {(start, end): lines}}, "held": Odoo employees
        with hours and no confirmed match, "uncomputable": matches with hours whose calendar Odoo cannot compute,
        "rates": {line id: the earnings rate of its project or task}}``. Periods sent before are looked at again
        even without hours (their hours may have stopped counting)."""
        Line = self.env["account.analytic.line"]
        since = today - timedelta(days=LOOKBACK_DAYS)
        lines = Line.sudo().search(self._xero_hours_domain(company, today))
        by_employee = lines.grouped("employee_id")
        held = [employee for employee in by_employee if employee not in matches.employee_id]
        sent_by_employee = (
            self.sudo()
            .search([("connection_id", "=", connection.id), ("state", "=", "sent"), ("period_start", ">=", since)])
            .grouped("xero_employee_id")
        )
        periods, uncomputable = {}, self.env["xero.payroll.employee"]
        for match in matches:
            calendar = match._xero_calendar()
            employee_lines = by_employee.get(match.employee_id, Line)
            if calendar is None or not calendar.computable:
                if employee_lines:
                    uncomputable |= match
                continue
            found = defaultdict(lambda: Line)
            for line in employee_lines:
                period = calendar.period_of(line.date)
                if period and since <= period[0] and period[1] < today:
                    found[period] |= line
            # a sent period looked at again even without hours (they may have stopped counting), unless a period
            # computed now starts the same day: one record per start, which that period corrects (a second,
            # empty pass would empty Xero's timesheet)
            starts = {start for start, _end in found}
            for sent in sent_by_employee.get(match.xero_employee_id, ()):
                if sent.period_start not in starts:
                    found.setdefault((sent.period_start, sent.period_end), Line)
            if found:
                periods[match] = found
        rates = self.env["xero.payroll.rate.map"]._xero_rates_of(company, lines)
        return {"periods": periods, "held": held, "uncomputable": uncomputable, "rates": rates}

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
    def _xero_wanted(self, company, lines, rate_of):
        """``{"date|EarningsRateID": units}`` of ``lines``: each line's hours at its project's or task's earnings
        rate (else ordinary time); a day's hours beyond "Overtime after" go to overtime, taken from its ordinary
        hours first, then from the other rates' (by name)."""
        ordinary, overtime = company.xero_payroll_ordinary_rate_id, company.xero_payroll_overtime_rate_id
        after = company.xero_payroll_overtime_after if overtime else 0.0
        wanted = {}
        for day, day_lines in lines.grouped("date").items():
            by_rate = defaultdict(float)
            for line in day_lines:
                by_rate[rate_of.get(line.id, ordinary)] += line.unit_amount
            extra = round(max(sum(by_rate.values()) - after, 0.0), 2) if after else 0.0
            _add_units(wanted, day, overtime, extra)
            for rate in sorted(by_rate, key=lambda r: (r != ordinary, r.name or "", r.id)):
                hours = round(by_rate[rate], 2)
                moved = min(hours, extra)
                extra = round(extra - moved, 2)
                _add_units(wanted, day, rate, round(hours - moved, 2))
        return wanted

    @api.model
    def _xero_send_period(self, connection, company, payroll, match, period, lines, wanted):
        """Create, correct or leave the employee's timesheet of ``period`` (start, end) to hold ``wanted``, the
        hours of ``lines``; returns what happened."""
        start, end = period
        record = self.sudo().search(
            [
                ("connection_id", "=", connection.id),
                ("xero_employee_id", "=", match.xero_employee_id),
                ("period_start", "=", start),
            ]
        )
        if record.state == "sent" and record._xero_held() == wanted:
            return "unchanged"
        if not wanted and not record:
            return "unchanged"
        try:
            if not record:
                record = self._xero_new_record(connection, match, period, wanted)
            if record.state == "sending":
                outcome = record._xero_create(payroll, wanted)
            else:
                outcome = record._xero_correct(payroll, wanted)
        except XeroValidationError as error:  # nothing was made: the next attempt gets a key of its own
            revision = record._xero_last_revision()
            if revision.state == "sending":
                revision._xero_answer("refused", message=str(error))
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
    def _xero_new_record(self, connection, match, period, wanted):
        """The period's record with its nonce and its first revision, committed before Xero is asked (in a
        scheduled run) so that a lost answer is replayed with the same key, not created twice."""
        nonce = str(uuid.uuid4())
        first = {"number": 1, "xero_nonce": nonce, "lines": wanted, "hours": round(sum(wanted.values()), 2)}
        with owned_writes():
            record = self.sudo().create(
                {
                    "connection_id": connection.id,
                    "employee_id": match.employee_id.id,
                    "xero_employee_id": match.xero_employee_id,
                    "xero_calendar_id": match.xero_calendar_id,
                    "period_start": period[0],
                    "period_end": period[1],
                    "xero_nonce": nonce,
                    "revision_ids": [Command.create(first)],
                }
            )
        if self.env["ir.cron"]._xero_in_job():
            self.env["ir.cron"]._commit_progress(remaining=1)
        return record

    def _xero_create(self, payroll, wanted):
        """Revision 1 (or the retry of a refused one): create with the record's nonce (a retry is replayed by Xero).
        When Xero already has a timesheet for the period (made by a run whose answer and record were lost), it is
        taken over only if it holds exactly these hours; any other is left alone and reported."""
        revision = self.env["xero.payroll.revision"]._xero_next(self, wanted, nonce=self.xero_nonce)
        lines = [(fields.Date.to_date(key[:10]), key[11:], units) for key, units in sorted(wanted.items())]
        try:
            found = payroll.create_timesheet(
                self.xero_employee_id, self.xero_calendar_id, self.period_start, self.period_end, lines, self.xero_nonce
            )
        except XeroValidationError:
            found = payroll.find_timesheet(self.xero_employee_id, self.xero_calendar_id, self.period_start)
            if found is None:
                raise
            if self._xero_units(found) != wanted:
                message = _("Xero Payroll already has another timesheet for this period: not changed.")
                revision._xero_answer("kept", found.status, message)
                with owned_writes():
                    self.write({"xero_status": found.status, "message": message})
                return "kept"
        self._xero_store(found, revision)
        return "created"

    def _xero_correct(self, payroll, wanted):
        """Revision N+1 goes to Xero's timesheet while it is Draft, line by line (each change with its own key);
        a timesheet in any other status refuses it: the difference per day is reported, Xero's is left alone."""
        current = payroll.timesheet(self.xero_timesheet_id)
        revision = self.env["xero.payroll.revision"]._xero_next(self, wanted)
        if current.status != "Draft":
            message = self._xero_difference(current, wanted)
            revision._xero_answer("kept", current.status, message)
            with owned_writes():
                self.write({"xero_status": current.status, "message": message})
            self._xero_report_kept(message)
            return "kept"
        lines = self._xero_lines_of(current)
        for number, (name, units) in enumerate(sorted(wanted.items())):
            day, rate, key = fields.Date.to_date(name[:10]), name[11:], f"{revision.xero_nonce}-{number}"
            if name not in lines:
                payroll.add_line(self.xero_timesheet_id, day, rate, units, key)
            elif lines[name][1] != units:
                payroll.update_line(self.xero_timesheet_id, lines[name][0], day, rate, units, key)
        for name, (line_id, _units) in lines.items():
            if name not in wanted:
                payroll.delete_line(self.xero_timesheet_id, line_id)
        self._xero_store(payroll.timesheet(self.xero_timesheet_id), revision)
        return "corrected"

    def _xero_difference(self, current, wanted):
        odoo, xero = _per_day(wanted), _per_day(self._xero_units(current))
        days = sorted(day for day in odoo.keys() | xero.keys() if odoo.get(day, 0.0) != xero.get(day, 0.0))
        per_day = "; ".join(
            self.env._(
                "%(day)s: Odoo %(odoo)s h, Xero %(xero)s h",
                day=format_date(self.env, day),
                odoo=odoo.get(day, 0.0),
                xero=xero.get(day, 0.0),
            )
            for day in days
        )
        return _(
            "%(status)s at Xero: not changed. Odoo has %(odoo)s h for this period, Xero %(xero)s h (%(days)s).",
            status=current.status,
            odoo=round(sum(odoo.values()), 2),
            xero=round(sum(xero.values()), 2),
            days=per_day,
        )

    def _xero_report_kept(self, message):
        """One open activity for the payroll administrator while corrections wait on timesheets Xero moved on."""
        self.env["xero.service"]._xero_schedule_admin_activity(
            self.connection_id,
            KEPT_ACTIVITY,
            _("Xero Payroll timesheets no longer Draft"),
            _(
                "Corrections of %(employee)s's hours (%(start)s–%(end)s) were not sent: %(message)s"
                " Timesheets → Xero → Xero Payroll timesheets lists each revision.",
                employee=self.employee_id.name,
                start=format_date(self.env, self.period_start),
                end=format_date(self.env, self.period_end),
                message=message,
            ),
        )

    def _xero_approve(self, payroll):
        try:
            approved = payroll.approve(self.xero_timesheet_id, f"{self.xero_nonce}-approve")
            self._xero_store(approved, self._xero_last_revision())
        except XeroError as error:
            with owned_writes():
                self.write({"message": _("Sent, not approved: %s", error)})

    def _xero_store(self, timesheet, revision=None):
        with owned_writes():
            self.write(
                {
                    "xero_timesheet_id": timesheet.timesheet_id,
                    "xero_status": timesheet.status,
                    "xero_lines": self._xero_lines_of(timesheet),
                    "state": "sent",
                    "message": False,
                    **({"xero_revision": revision.number} if revision else {}),
                }
            )
        if revision:
            revision._xero_answer("sent", timesheet.status, lines=self._xero_units(timesheet))

    def _xero_last_revision(self):
        return self.revision_ids.sorted("number")[-1:]

    def _xero_held(self):
        """What Xero's timesheet holds as last read: ``{"date|EarningsRateID": units}``."""
        return {key: units for key, (_line_id, units) in (self.xero_lines or {}).items()}

    @api.model
    def _xero_lines_of(self, timesheet):
        lines = {}
        for line_id, day, rate, units in timesheet.lines:
            lines[f"{day.isoformat()}|{rate}"] = [line_id, units]
        return lines

    @api.model
    def _xero_units(self, timesheet):
        return {f"{day.isoformat()}|{rate}": units for _line_id, day, rate, units in timesheet.lines}

    @api.model
    def _xero_summary(self, counts, held, uncomputable=()):
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
        for match in uncomputable:
            message += " " + _(
                "Hours of %(employee)s not sent: %(why)s", employee=match.name, why=match.calendar_problem
            )
        return message

    # -- the health panel --------------------------------------------------------------------------
    @api.model
    def _xero_queue(self, connection):
        """``{"timesheets", "calls", "held", "uncomputable", "refused", "done_by"}``: the timesheets waiting for Xero
        Payroll (new periods, corrections), the calls they take, and when they are done at the organisation's
        tier; the employees whose hours are held (no confirmed match) or cannot be sent (their calendar)."""
        company = connection.company_id.sudo()
        queue = {"timesheets": 0, "calls": 0, "held": 0, "uncomputable": 0, "refused": 0, "done_by": False}
        if not connection or not company.xero_payroll_enabled or not company.xero_payroll_ordinary_rate_id:
            return queue
        today = fields.Date.context_today(self)
        plan = self._xero_plan(connection, company, self._xero_matches(connection), today)
        records = self.sudo().search(
            [("connection_id", "=", connection.id), ("period_start", ">=", today - timedelta(days=LOOKBACK_DAYS))]
        )
        known = {(r.xero_employee_id, r.period_start): r for r in records}
        for match, periods in plan["periods"].items():
            for (start, _end), lines in periods.items():
                wanted = self._xero_wanted(company, lines, plan["rates"])
                record = known.get((match.xero_employee_id, start))
                calls = record._xero_calls_for(wanted) if record else int(bool(wanted))
                if calls and not record and company.xero_payroll_approve:
                    calls += 1
                queue["timesheets"] += bool(calls)
                queue["calls"] += calls
        if queue["calls"]:
            queue["calls"] += 2  # each run reads the organisation and its calendars
        queue.update(
            held=len(plan["held"]),
            uncomputable=len(plan["uncomputable"]),
            refused=len(records.filtered("message")),
            done_by=self._xero_done_by(connection, queue["calls"]) if queue["calls"] else False,
        )
        return queue

    def _xero_calls_for(self, wanted):
        """The calls that send ``wanted`` to this period's timesheet: 0 when Xero holds it (or refused it as is)."""
        last = self._xero_last_revision()
        if last.state == "kept" and (last.lines or {}) == wanted and self.state == "sent":
            return 0  # waits on Xero (no longer Draft): reported, not queued
        if self.state == "sending":
            return int(bool(wanted))
        held = self._xero_held()
        if held == wanted:
            return 0
        changed = sum(1 for key in wanted.keys() | held.keys() if wanted.get(key) != held.get(key))
        return changed + 2  # read it first, read it again after the changes

    @api.model
    def _xero_done_by(self, connection, calls):
        budget = self.env["xero.rate.budget"].sudo()
        spent = budget.search([("tenant_id", "=", connection.tenant_id)], limit=1)
        now = fields.Datetime.now()
        spent_today = spent.day_calls if spent and spent.day == now.date() else 0
        return self.env["xero.projects"]._xero_done_by(calls, budget._daily_limit(), spent_today, now)


def _add_units(wanted, day, rate, units):
    if units > 0:
        key = f"{day.isoformat()}|{rate.xero_rate_id}"
        wanted[key] = round(wanted.get(key, 0.0) + units, 2)
