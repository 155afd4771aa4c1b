"""The timer: pick a task, start, stop → a timesheet line.

A ``xero.timer`` row exists only while a timer runs; a unique index on ``user_id`` makes "one running
timer per user" a database fact. Stopping deletes the row *first* (two sessions stopping the same timer
collide on that DELETE: PostgreSQL fails the later one with a serialization error and Odoo retries its
request, which then finds no timer) and then creates a **new** timesheet line as the user, so Odoo's
access rules decide where time may be logged. The timer never writes to an existing line.
"""

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ConcurrencyError, UserError
from odoo.fields import Domain

BUS_CHANNEL = "xero_timesync.timer"
TASK_LIMIT = 80


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

    _user_uniq = models.Constraint("unique (user_id)", "A user runs one timer at a time.")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if "start" in vals:
                    raise UserError(_("A timer starts now: log earlier work as a timesheet line instead."))
                self._xero_trackable_task(vals.get("task_id"))
                vals["start"] = fields.Datetime.now()  # not a default a caller could set (context, ir.default)
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
            with self.env.cr.savepoint():
                timer = self.create({"task_id": task.id, "description": description or False})
        except pg_errors.UniqueViolation as error:
            # Another session started a timer after this transaction began: retry the whole request, which
            # then sees (and stops) that timer.
            raise ConcurrencyError("concurrent timer start") from error
        timer._xero_notify()
        message = _("Timer started on “%s”.", task.display_name)
        if stopped:
            message = f"{stopped['message']} {message}"
        return {"timer": timer._xero_info(), "stopped": stopped, "message": message}

    @api.model
    def xero_stop(self, description=None):
        """Stop the running timer: a new timesheet line with the rounded time, or nothing under the minimum."""
        current = self._xero_current()
        if not current:
            raise UserError(_("No timer is running."))
        if description is not None:
            current.description = description
        result = current._xero_stop()
        self.browse()._xero_notify()
        return result

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
        tasks = Task.search(domain, limit=picker_limit(limit), order="name, id")
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
        return self.search([("user_id", "=", self.env.uid)], limit=1)

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
        }

    @api.model
    def _xero_trackable_task(self, task_id):
        """The task if the user may log time on it, else a clear error (access rules decide)."""
        if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id <= 0:
            raise UserError(_("Choose a task to start the timer on."))
        task = self.env["project.task"].with_context(active_test=False).browse(task_id).exists()
        if not task:
            raise UserError(_("This task no longer exists."))
        task.check_access("read")
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

    def _xero_stop(self):
        """Delete this timer and record its time (as the user). Returns what happened, for a notification."""
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
        task, start, description = self.task_id, self.start, self.description
        company = task._xero_timer_company()
        task_name = task.sudo().display_name
        if seconds < company.xero_timer_minimum * 60:
            self.unlink()
            return {
                "timer": None,
                "recorded": False,
                "line_id": False,
                "task_id": task.id,
                "hours": 0.0,
                "message": _(
                    "The timer on “%(task)s” ran %(duration)s, under the %(minimum)s-minute minimum: nothing was recorded.",
                    task=task_name,
                    duration=format_duration(seconds),
                    minimum=company.xero_timer_minimum,
                ),
            }
        if not task.has_access("read"):
            raise AccessError(_("You may no longer log time on “%s”; discard the timer instead.", task_name))
        minutes = company._xero_timer_round_minutes(seconds / 60)
        with self.env.cr.savepoint():  # the timer comes back if the line is refused
            self.unlink()  # first: a concurrent stop of this timer fails here (serialization failure → retry)
            line = self.env["account.analytic.line"].create(
                {
                    "task_id": task.id,
                    "project_id": task.project_id.id,
                    "user_id": self.env.uid,
                    "date": fields.Datetime.context_timestamp(self, start).date(),
                    "unit_amount": minutes / 60,
                    "name": description or "/",
                }
            )
        return {
            "timer": None,
            "recorded": True,
            "line_id": line.id,
            "task_id": task.id,
            "hours": line.unit_amount,
            "message": _(
                "Recorded %(duration)s on “%(task)s”.", duration=format_duration(minutes * 60), task=task_name
            ),
        }

    def _xero_notify(self):
        """Tell the user's other tabs and devices that the timer changed (their systray then asks for it)."""
        self.env.user._bus_send(BUS_CHANNEL, {"timer_id": self.id})

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
