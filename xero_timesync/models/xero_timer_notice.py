"""Reminders and digests the timer sends, each remembered so that it is sent once (issue 27).

A row is claimed by ``INSERT … ON CONFLICT DO NOTHING`` on a unique index (user, kind, period) in the
transaction that sends the message: of two cron workers running at once, one inserts and sends, the other
waits for it, then inserts nothing (or, its snapshot older than the other's rows, fails on serialization: see
``_xero_claim``).
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .xero_timer import format_duration

_logger = logging.getLogger(__name__)

SHORT_TOLERANCE_HOURS = 1 / 60  # a day short by less than a minute is not short


class XeroTimerNotice(models.Model):
    _name = "xero.timer.notice"
    _description = "Timer reminder or digest sent"
    _order = "period desc, id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    kind = fields.Selection(
        [("reminder", "End-of-day reminder"), ("digest", "Missing time digest")], required=True, readonly=True
    )
    period = fields.Date(required=True, readonly=True, help="The day reminded of, or the Monday of the week digested.")

    _once = models.UniqueIndex("(user_id, kind, period)")

    # -- sending once -----------------------------------------------------------------------------------
    @api.model
    def _xero_claim(self, kind, rows):
        """``rows``: ``(user_id, company_id, period)``. Inserts the rows not sent yet, in one query; returns
        the ids of the users whose row this transaction inserted (they are to be told).

        A row another run inserted after this transaction began fails the insert (serialization): each row is
        then claimed on its own, and those fail quietly (the other run tells them), not the whole job."""
        if not rows:
            return set()
        try:
            with self.env.cr.savepoint(flush=False):
                return self._xero_insert_claims(kind, rows)
        except pg_errors.SerializationFailure:
            pass
        claimed = set()
        for row in rows:
            try:
                with self.env.cr.savepoint(flush=False):
                    claimed |= self._xero_insert_claims(kind, [row])
            except pg_errors.SerializationFailure:
                _logger.info("Timer %s of user %s for %s: sent by another run", kind, row[0], row[2])
        return claimed

    @api.model
    def _xero_insert_claims(self, kind, rows):
        values = SQL(", ").join(SQL("(%s, %s, %s, %s, NOW() AT TIME ZONE 'UTC')", *row, kind) for row in rows)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO xero_timer_notice (user_id, company_id, period, kind, create_date)
                VALUES %s
                ON CONFLICT (user_id, kind, period) DO NOTHING
                RETURNING user_id
                """,
                values,
            ),
            log_exceptions=False,
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _xero_tell(self, user, subject, body, record=None):
        """A notification to ``user`` (their inbox or e-mail, as they chose), from OdooBot, linked to ``record``."""
        thread = record.sudo() if record else self.env["mail.thread"].sudo()
        thread.message_notify(
            partner_ids=user.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
            subject=subject,
            body=body,
        )

    # -- end-of-day reminder ----------------------------------------------------------------------------
    @api.model
    def _cron_xero_timer_reminders(self):
        """Remind whoever still has a timer running at their company's reminder hour (their time zone) that
        was started before it; once a person and day."""
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT timer.id, timer.user_id, company.id, company.xero_timer_reminder_hour, partner.tz, timer.start
                  FROM xero_timer timer
                  JOIN res_users users ON users.id = timer.user_id
                  JOIN res_partner partner ON partner.id = users.partner_id
                  JOIN project_task task ON task.id = timer.task_id
             LEFT JOIN project_project project ON project.id = task.project_id
                  JOIN res_company company ON company.id = COALESCE(task.company_id, project.company_id, %s)
                 WHERE company.xero_timer_reminder_hour > 0
                """,
                self.env.company.id,
            )
        )
        due, timer_of = [], {}
        for timer_id, user_id, company_id, hour, tz, start in self.env.cr.fetchall():
            zone = _zone(tz)
            local_now = pytz.utc.localize(now).astimezone(zone)
            reminder = zone.localize(datetime.combine(local_now.date(), time()) + timedelta(hours=hour))
            if reminder <= local_now and pytz.utc.localize(start) < reminder:
                due.append((user_id, company_id, local_now.date()))
                timer_of[user_id] = timer_id
        for user_id in self._xero_claim("reminder", due):
            self._xero_remind(self.env["xero.timer"].sudo().browse(timer_of[user_id]), now)

    def _xero_remind(self, timer, now):
        owner = timer.user_id
        env = self.with_context(lang=owner.lang).env
        body = env._(
            "Your timer on “%(task)s” is still running (%(elapsed)s). Stop it if your day is over: time you did not"
            " work would be recorded.",
            task=timer.task_id.display_name,
            elapsed=format_duration((now - timer.start).total_seconds()),
        )
        self._xero_tell(owner, env._("Your timer is still running"), body, timer.task_id)

    # -- weekly missing time digest ---------------------------------------------------------------------
    @api.model
    def _cron_xero_missing_time(self):
        """Tell each member of a Xero project who logged less than their working hours last week (their
        employee's working schedule, leaves and public holidays excepted) on which days; once a week."""
        today = fields.Date.context_today(self)
        monday = today - timedelta(days=today.weekday() + 7)
        employees = self._xero_digest_employees()
        if not employees:
            return
        short = self._xero_short_days(employees, monday)
        rows = [(e.user_id.id, e.company_id.id, monday) for e in employees if short.get(e.id)]
        by_user = {e.user_id.id: e for e in employees}
        for user_id in self._xero_claim("digest", rows):
            employee = by_user[user_id]
            self._xero_send_digest(employee, monday, short[employee.id])

    @api.model
    def _xero_digest_employees(self):
        """One employee per active member of an active Xero project: the one of the project's company."""
        members = (
            self.env["xero.project.member"]
            .sudo()
            .search(
                [("active", "=", True), ("project_id.active", "=", True), ("project_id.is_xero_project", "=", True)]
            )
        )
        wanted = {(m.user_id.id, m.project_id.company_id.id) for m in members}
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "in", members.user_id.ids), ("resource_calendar_id", "!=", False)], order="id")
        )
        chosen = {}
        for employee in employees:
            if (employee.user_id.id, employee.company_id.id) in wanted:
                chosen.setdefault(employee.user_id.id, employee)
        return self.env["hr.employee"].sudo().concat(*chosen.values())

    @api.model
    def _xero_short_days(self, employees, monday):
        """``{employee id: [(day, logged hours, expected hours)]}`` for the days of the week starting ``monday``
        on which the employee logged less than their working schedule expects."""
        sunday = monday + timedelta(days=6)
        # a day either side: the schedule's intervals are in each employee's time zone
        expected = employees._list_work_time_per_day(
            datetime.combine(monday - timedelta(days=1), time()), datetime.combine(sunday + timedelta(days=2), time())
        )
        logged = defaultdict(float)
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("employee_id", "in", employees.ids),
                    ("project_id", "!=", False),
                    ("date", ">=", monday),
                    ("date", "<=", sunday),
                ],
                ["employee_id", "date:day"],
                ["unit_amount:sum"],
            )
        )
        for employee, day, hours in groups:
            logged[employee.id, fields.Date.to_date(day)] += hours
        short = {}
        for employee in employees:
            days = [
                (day, logged[employee.id, day], hours)
                for day, hours in expected.get(employee.id, [])
                if monday <= day <= sunday and hours - logged[employee.id, day] > SHORT_TOLERANCE_HOURS
            ]
            if days:
                short[employee.id] = days
        return short

    def _xero_send_digest(self, employee, monday, days):
        user = employee.user_id
        env = self.with_context(lang=user.lang).env
        items = Markup().join(
            Markup("<li>%s</li>")
            % env._(
                "%(day)s: %(logged)s of %(expected)s",
                day=format_date(env, day, date_format="EEE d MMM"),
                logged=format_duration(logged * 3600),
                expected=format_duration(expected * 3600),
            )
            for day, logged, expected in days
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            env._(
                "In the week of %(monday)s you logged less time than your working hours on these days:",
                monday=format_date(env, monday),
            ),
            items,
        )
        self._xero_tell(user, env._("Missing time last week"), body)


def _zone(name):
    try:
        return pytz.timezone(name or "UTC")
    except pytz.UnknownTimeZoneError:
        return pytz.utc
