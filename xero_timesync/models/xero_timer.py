"""The timer: pick a task, start, stop → a timesheet line.

A ``xero.timer`` row exists only while a timer runs; a unique index on ``user_id`` makes "one running
timer per user" a database fact. Stopping deletes the row *first* (two sessions stopping the same timer
collide on that DELETE: PostgreSQL fails the later one with a serialization error and Odoo retries its
request, which then finds no timer) and then creates a **new** timesheet line as the user, so Odoo's
access rules decide where time may be logged. The timer never writes to an existing line.

Timers that do not lie (issue 27): a timer never records more than its company's maximum length (stopped late
by its owner, or by ``_cron_xero_cap_timers``), and clients report activity (``xero_heartbeat``) so that
stopping can offer to leave out the idle time.
"""

import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ConcurrencyError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..ownership import tasks_checked

_logger = logging.getLogger(__name__)

BUS_CHANNEL = "xero_timesync.timer"
TASK_LIMIT = 80
CAP_BATCH = 200  # overdue timers stopped per query (and per commit in the cron)
# what only the server sets on a timer: when it started, and the activity the clients reported
SERVER_SET = ("start", "last_activity", "idle_seconds")
# what starting and stopping read of the task, fetched with the access check (reading it later would check the
# record rules again, one query each time)
TIMER_FIELDS = ["task_id", "start", "description", "last_activity", "idle_seconds"]
TASK_FIELDS = ["name", "project_id", "company_id", "partner_id", "active", "parent_id", "allocated_hours"]
# and what recomputing the task's hours reads, when stopping adds a line to it
STOP_TASK_FIELDS = [*TASK_FIELDS, "subtask_effective_hours"]


def picker_limit(limit):
    """Any client's ``limit`` → 1..TASK_LIMIT (none, or not a number: TASK_LIMIT)."""
    try:
        limit = int(limit)
    except (TypeError, ValueError, OverflowError):  # None, text, a list, infinity, NaN
        return TASK_LIMIT
    return min(max(limit, 1), TASK_LIMIT)


def picker_query(query):
    """Any client's ``query`` → the text to match (a number is read as text; anything else matches all)."""
    if isinstance(query, str):
        return query
    return str(query) if isinstance(query, int | float) and not isinstance(query, bool) else ""


def format_duration(seconds):
    """1 h 05 min → "1:05" (minutes rounded down, as a running clock shows them)."""
    minutes = int(seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


class XeroTimer(models.Model):
    _name = "xero.timer"
    _description = "Running timer"
    _rec_name = "task_id"
    _xero_owned_records = False  # the user's own record, guarded by its create and write below, not Xero's

    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, ondelete="cascade", default=lambda self: self.env.user
    )
    task_id = fields.Many2one("project.task", required=True, readonly=True, ondelete="cascade", index=True)
    start = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    description = fields.Char(help="Becomes the description of the timesheet line.")
    last_activity = fields.Datetime(
        readonly=True, help="The latest activity a client reported (xero_heartbeat), never later than the server's now."
    )
    idle_seconds = fields.Integer(
        readonly=True, help="Idle gaps already seen between reported activities (each longer than the idle time)."
    )

    _user_uniq = models.Constraint("unique (user_id)", "A user runs one timer at a time.")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if vals.keys() & set(SERVER_SET):
                    raise UserError(_("A timer starts now: log earlier work as a timesheet line instead."))
                self._xero_trackable_task(vals.get("task_id"))
                # not defaults a caller could set (context, ir.default)
                vals["start"] = vals["last_activity"] = fields.Datetime.now()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and vals.keys() - {"description"}:
            raise UserError(_("A running timer's task and start time cannot be changed: stop it and edit the line."))
        return super().write(vals)

    # -- the public API (JSON-RPC routes, buttons, /json/2) ---------------------------------------
    @api.model
    def xero_current(self):
        """The user's running timer: ``{"timer": {...} or None}``."""
        return {"timer": self._xero_current()._xero_info()}

    @api.model
    def xero_start(self, task_id, description=None):
        """Start a timer on a task; a timer already running on another task is stopped and recorded first."""
        task = self._xero_trackable_task(task_id)
        current = self._xero_current()
        if current.task_id == task:
            if description is not None:
                current.description = description
            return {
                "timer": current._xero_info(),
                "stopped": None,
                "message": _("The timer already runs on “%s”.", task.display_name),
            }
        stopped = current._xero_stop() if current else None
        try:
            # the checks of create() were just made (_xero_trackable_task); the server sets the rest
            now = fields.Datetime.now()
            timer = self.sudo().create(
                {
                    "task_id": task.id,
                    "user_id": self.env.uid,
                    "description": description or False,
                    "start": now,
                    "last_activity": now,
                }
            )
        except pg_errors.UniqueViolation as error:
            # Another session started a timer after this transaction began: retry the whole request (Odoo
            # rolls it back first), which then sees (and stops) that timer.
            raise ConcurrencyError("concurrent timer start") from error
        timer._xero_notify()
        message = _("Timer started on “%s”.", task.display_name)
        if stopped:
            message = f"{stopped['message']} {message}"
        return {"timer": timer._xero_info(), "stopped": stopped, "message": message}

    @api.model
    def xero_stop(self, description=None, discard_idle=None, check_idle=False):
        """Stop the running timer: a new timesheet line with the rounded time, or nothing under the minimum.

        Never more than the company's maximum length. ``discard_idle=True`` records the time without the idle
        time (see ``xero_heartbeat``). ``check_idle=True``: when there is idle time and ``discard_idle`` is not
        given, the timer is not stopped; the answer offers the choice (``idle_offer``, ``idle_minutes``) and the
        client calls again with ``discard_idle`` true or false.
        """
        current = self._xero_current()
        if not current:
            raise UserError(_("No timer is running."))
        if check_idle is True and discard_idle is None:
            idle = current._xero_idle_seconds()
            if idle:
                if description is not None:
                    current.description = description  # kept while the user decides
                return current._xero_idle_offer(idle)
        result = current._xero_stop(discard_idle=discard_idle is True, description=description)
        self.browse()._xero_notify()
        return result

    @api.model
    def xero_heartbeat(self, last_activity=None):
        """A client saw the user active: now, or ``last_activity`` (UTC ``YYYY-MM-DD HH:MM:SS``) if earlier.

        The time is clamped between the activity already recorded and the server's now, so a client's clock
        moves nothing forward. Without a running timer nothing is recorded. Answers ``{"timer_id", "idle_minutes"}``.
        """
        now = fields.Datetime.now()
        moment = now
        if last_activity is not None:
            try:
                moment = min(fields.Datetime.to_datetime(last_activity), now)
            except (TypeError, ValueError, OverflowError):
                raise UserError(_("The last activity is a UTC date and time (YYYY-MM-DD HH:MM:SS).")) from None
            if moment is None:
                moment = now
        current = self._xero_current()
        if not current:
            return {"timer_id": False, "idle_minutes": 0}
        current._xero_record_activity(moment)
        return {"timer_id": current.id, "idle_minutes": current._xero_idle_seconds(now) // 60}

    @api.model
    def xero_discard(self):
        """Drop the running timer without recording anything."""
        current = self._xero_current()
        if not current:
            raise UserError(_("No timer is running."))
        task_name = current.task_id.sudo().display_name
        current.unlink()
        self.browse()._xero_notify()
        return {"timer": None, "message": _("Timer on “%s” discarded; nothing was recorded.", task_name)}

    @api.model
    def xero_describe(self, description):
        """Set the description of the running timer (typed while it runs)."""
        current = self._xero_current()
        if not current:
            raise UserError(_("No timer is running."))
        current.description = description or False
        current._xero_notify()
        return {"timer": current._xero_info()}

    @api.model
    def xero_tasks(self, query="", include_archived=False, limit=None):
        """Xero tasks the user may log time on, matched on the client's name, email or Xero contact number.

        Whatever JSON a client sends, ``limit`` is clamped to 1..TASK_LIMIT and a ``query`` that is not text or a
        number matches every task.
        """
        Task = self.env["project.task"].with_context(active_test=not include_archived)
        domain = Task._xero_timer_picker_domain()
        if query := picker_query(query):
            domain &= Domain("xero_client", "ilike", query)
        tasks = Task.search_fetch(domain, TASK_FIELDS, limit=picker_limit(limit), order="name, id")
        return [
            {
                "id": task.id,
                "name": task.display_name,
                "client": task.partner_id.display_name or "",
                "email": task.partner_id.email or "",
                "contact_number": task.partner_id.xero_contact_number or "",
                "project": task.project_id.sudo().display_name,
                "active": task.active,
            }
            for task in tasks
        ]

    # -- internals ------------------------------------------------------------------------------
    @api.model
    def _xero_current(self):
        return self.search_fetch([("user_id", "=", self.env.uid)], TIMER_FIELDS, limit=1)

    def _xero_info(self):
        if not self:
            return None
        self.ensure_one()
        task = self.task_id.sudo()  # the timer's owner could read it when starting; keep showing it
        return {
            "id": self.id,
            "task_id": task.id,
            "task_name": task.display_name,
            "client": task.partner_id.display_name or "",
            "project": task.project_id.display_name or "",
            "task_active": task.active,
            "start": fields.Datetime.to_string(self.start),
            "elapsed_seconds": max(0, int((fields.Datetime.now() - self.start).total_seconds())),
            "description": self.description or "",
            "last_activity": fields.Datetime.to_string(self.last_activity or self.start),
        }

    @api.model
    def _xero_trackable_task(self, task_id):
        """The task if the user may log time on it, else a clear error (access rules decide)."""
        if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id <= 0:
            raise UserError(_("Choose a task to start the timer on."))
        task = self._xero_readable_task(task_id)
        self.env["account.analytic.line"].check_access("create")
        if not task.project_id or not task.allow_timesheets:
            raise UserError(_("Time cannot be logged on “%s”: its project does not track time.", task.display_name))
        company = task._xero_timer_company()
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search_count([("user_id", "=", self.env.uid), ("company_id", "=", company.id)], limit=1)
        )
        if not employee:
            raise UserError(
                _(
                    "You have no employee in %s, so your time cannot be recorded; ask your HR officer to link you to one.",
                    company.display_name,
                )
            )
        return task

    @api.model
    def _xero_readable_task(self, task_id):
        """The task if the user may read it, else AccessError (or UserError when it is gone).

        One query: the record rules as SQL (a search), where ``check_access`` evaluates them in Python, reading
        the task's followers, assignees and project."""
        Task = self.env["project.task"].with_context(active_test=False)
        task = Task.search_fetch([("id", "=", task_id)], TASK_FIELDS)
        if not task:
            if not Task.sudo().browse(task_id).exists():
                raise UserError(_("This task no longer exists."))
            Task.browse(task_id).check_access("read")  # raises Odoo's own AccessError
            raise AccessError(_("You may not log time on this task."))  # (unreachable when the rules agree)
        return task

    def _xero_stop(self, discard_idle=False, description=None):
        """Delete this timer and record its time (as the user), at most the company's maximum, without the idle
        time if ``discard_idle``; ``description`` replaces the timer's. Returns what happened, for a notification."""
        self.ensure_one()
        now = fields.Datetime.now()
        seconds = (now - self.start).total_seconds()
        if seconds < 0:
            raise UserError(
                _(
                    "The clock is behind this timer's start (%s UTC): it cannot be stopped yet. Discard it or wait.",
                    fields.Datetime.to_string(self.start),
                )
            )
        task, start = self.task_id, self.start
        description = self.description if description is None else description
        # whether the user may still log time there (one query; reading it later costs none)
        readable = (
            self.env["project.task"]
            .with_context(active_test=False)
            .search_fetch([("id", "=", task.id)], STOP_TASK_FIELDS)
        )
        Line = self.env["account.analytic.line"]
        # what creating the line reads, in one query (and the company's timer settings with it), when Odoo's own
        # create would make exactly that line (see account_analytic_line_timer.py)
        facts = Line._xero_timer_facts(task) if Line._xero_timer_fast_path_usable() else None
        company = task._xero_timer_company()
        task_name = task.sudo().display_name
        idle = self._xero_idle_seconds(now, company)
        if discard_idle and idle:
            seconds = max(0, seconds - idle)
        cap = company.xero_timer_max_hours * 60  # minutes; 0: no maximum
        capped = bool(cap) and seconds > cap * 60
        extra = {"capped": capped, "idle_minutes": idle // 60, "idle_discarded": bool(discard_idle and idle)}
        if seconds < company.xero_timer_minimum * 60:
            self._xero_delete()
            return {
                "timer": None,
                "recorded": False,
                "line_id": False,
                "task_id": task.id,
                "hours": 0.0,
                **extra,
                "message": _(
                    "The timer on “%(task)s” ran %(duration)s, under the %(minimum)s-minute minimum: nothing was recorded.",
                    task=task_name,
                    duration=format_duration(seconds),
                    minimum=company.xero_timer_minimum,
                ),
            }
        if not readable:
            raise AccessError(_("You may no longer log time on “%s”; discard the timer instead.", task_name))
        day = fields.Datetime.context_timestamp(self, start).date()
        self._xero_check_open_day(company, day)
        minutes = company._xero_timer_round_minutes(seconds / 60)
        if cap:
            minutes = min(minutes, cap)  # exactly the maximum, never more
        self._xero_delete()  # first: a concurrent stop of this timer fails here (serialization failure → retry)
        # a refused line fails the request, which rolls the DELETE back with it (the cron stops in a savepoint)
        with tasks_checked(self.env.uid, readable.ids):
            line = Line._xero_timer_create(
                {
                    "task_id": task.id,
                    "project_id": task.project_id.id,
                    "user_id": self.env.uid,
                    "date": day,
                    "unit_amount": minutes / 60,
                    "name": description or "/",
                },
                facts if facts and facts["company"] == company else None,
            )
        return {
            "timer": None,
            "recorded": True,
            "line_id": line.id,
            "task_id": task.id,
            "hours": line.unit_amount,
            **extra,
            "message": self._xero_recorded_message(task_name, minutes, capped, company),
        }

    @api.model
    def _xero_check_open_day(self, company, day):
        """A timer started on a day its company has since locked records nothing: refused before the timer is
        touched, with what to do instead."""
        lock = company.sudo().xero_timesheet_lock_date
        if lock and day <= lock:
            raise UserError(
                _(
                    "This timer started on %(day)s, and time is locked until %(lock)s in %(company)s: its time cannot"
                    " be recorded. Discard the timer, and log the time on an open day if it belongs there.",
                    day=format_date(self.env, day),
                    lock=format_date(self.env, lock),
                    company=company.name,
                )
            )

    def _xero_delete(self):
        """DELETE the user's own timer row: it has no attachments, activities, defaults or external ids for
        ``unlink`` to look up (four queries)."""
        self.flush_recordset()
        # a serialization failure here is expected (a concurrent stop) and retried: not an error to log
        self.env.cr.execute(SQL("DELETE FROM xero_timer WHERE id IN %s", tuple(self.ids)), log_exceptions=False)
        self.invalidate_recordset()

    @api.model
    def _xero_recorded_message(self, task_name, minutes, capped, company):
        duration = format_duration(minutes * 60)
        if capped:
            return self.env._(
                "The timer on “%(task)s” ran past the %(maximum)s h maximum: it was stopped there and %(duration)s"
                " was recorded.",
                task=task_name,
                maximum=format_duration(company.xero_timer_max_hours * 3600),
                duration=duration,
            )
        return self.env._("Recorded %(duration)s on “%(task)s”.", duration=duration, task=task_name)

    # -- idle time ------------------------------------------------------------------------------------
    def _xero_idle_seconds(self, now=None, company=None):
        """Idle time to offer leaving out: the gaps between reported activities longer than the company's idle
        time, and the time since the last activity if that is longer too. 0 when the company sets no idle time."""
        self.ensure_one()
        company = company or self.task_id._xero_timer_company()
        limit = company.xero_timer_idle_minutes * 60
        if not limit:
            return 0
        trailing = ((now or fields.Datetime.now()) - (self.last_activity or self.start)).total_seconds()
        return int(self.idle_seconds + (trailing if trailing > limit else 0))

    def _xero_record_activity(self, moment):
        """Move the last activity forward to ``moment`` (never back); a gap longer than the idle time is idle."""
        self.ensure_one()
        previous = self.last_activity or self.start
        if moment <= previous:
            return
        gap = (moment - previous).total_seconds()
        limit = self.task_id._xero_timer_company().xero_timer_idle_minutes * 60
        values = {"last_activity": moment}
        if limit and gap > limit:
            values["idle_seconds"] = self.idle_seconds + int(gap)
        self.sudo().write(values)  # the caller's own timer (record rule); these fields are the server's

    def _xero_idle_offer(self, idle):
        """The answer of a stop that asks first: the timer still runs; the client offers to discard the idle time."""
        return {
            "timer": self._xero_info(),
            "stopped": False,
            "idle_offer": True,
            "idle_minutes": idle // 60,
            "message": _("You were idle for %s. Discard the idle time or keep it?", format_duration(idle)),
        }

    def _xero_notify(self):
        """Tell the user's other tabs and devices that the timer changed (their systray then asks for it)."""
        self.env["bus.bus"]._sendone(self.env.user.partner_id, BUS_CHANNEL, {"timer_id": self.id})

    @api.model
    def _xero_client_action(self, result, notify=True):
        """What a button returns: the client action updates the systray, shows the message, reloads the view."""
        return {
            "type": "ir.actions.client",
            "tag": "xero_timesync.timer_changed",
            "params": {
                "timer": result.get("timer"),
                "message": result.get("message") if notify else False,
                "warning": result.get("recorded") is False,
            },
        }

    # -- the maximum length (cron) ----------------------------------------------------------------------
    @api.model
    def _cron_xero_cap_timers(self):
        """Stop every timer that ran past its company's maximum, recording exactly the maximum; tell its owner.

        Safe with two workers at once: each batch is one query that locks its timers (``FOR UPDATE SKIP
        LOCKED``), so another run, or the owner stopping it at that moment, never handles the same timer; each
        timer is deleted before its line is created, in the transaction that creates the line, so the line is
        created once. An owner's Stop that waits on a locked timer is retried by Odoo and finds it stopped.
        """
        in_cron = self.env["ir.cron"]._xero_in_job()
        while timers := self._xero_lock_overdue(CAP_BATCH):
            for timer in timers:
                timer._xero_cap()
            if in_cron:
                more = int(len(timers) == CAP_BATCH)
                if self.env["ir.cron"]._commit_progress(len(timers), remaining=more) <= 0:
                    break

    @api.model
    def _xero_lock_overdue(self, limit):
        """Up to ``limit`` timers past their company's maximum that no other transaction holds, locked."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT timer.id
                  FROM xero_timer timer
                  JOIN project_task task ON task.id = timer.task_id
             LEFT JOIN project_project project ON project.id = task.project_id
                  JOIN res_company company ON company.id = COALESCE(task.company_id, project.company_id, %(company)s)
                 WHERE company.xero_timer_max_hours > 0
                   AND timer.start + company.xero_timer_max_hours * INTERVAL '1 hour' <= %(now)s
              ORDER BY timer.id
                 LIMIT %(limit)s
                   FOR UPDATE OF timer SKIP LOCKED
                """,
                company=self.env.company.id,
                now=fields.Datetime.now(),
                limit=limit,
            )
        )
        return self.sudo().browse(row[0] for row in self.env.cr.fetchall())

    def _xero_cap(self):
        """Stop this overdue timer as its owner (their access rules, time zone and language) and tell them."""
        self.ensure_one()
        owner = self.user_id
        timer = self.with_user(owner).with_context(lang=owner.lang, tz=owner.tz)
        task = self.task_id
        try:
            with self.env.cr.savepoint():  # the timer comes back if its line is refused
                result = timer._xero_stop()
        except (AccessError, UserError, ValidationError) as error:
            # the owner could not record it either (access lost, no employee): it must not run on
            _logger.info("Timer %s of user %s past its maximum could not be recorded: %s", self.id, owner.id, error)
            self.unlink()
            result = {
                "message": timer.env._(
                    "Your timer on “%(task)s” ran past its maximum length and was stopped, but its time could not"
                    " be recorded: %(reason)s",
                    task=task.display_name,
                    reason=str(error),
                )
            }
        timer._xero_notify()
        self.env["xero.timer.notice"]._xero_tell(
            owner, timer.env._("Your timer was stopped at its maximum length"), result["message"], task
        )
