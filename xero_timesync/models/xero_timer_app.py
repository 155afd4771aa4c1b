"""The timer's calls for the phone app and the browser extension (on top of ``xero_timer.py``'s API).

``xero_queued`` replays an offline-queued action at most once (see ``xero.timer.action``); ``xero_log_time``
adds a manual entry on one's own timesheet; ``xero_my_time`` totals today and this week;
``xero_suggest`` matches the domain of the site a consultant is on with their clients' website or e-mail.
"""

import datetime
import math
import re
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

QUEUED_ACTIONS = ("start", "stop", "describe", "discard", "log_time")
MAX_QUEUED_HOURS = 12  # an action kept longer on a phone takes effect when it arrives
MAX_HOURS = 24
PAST_DAYS = 366
HOST_PATTERN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
# e-mail domains many unrelated clients share: matching them would suggest a random client
SHARED_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com",
     "me.com", "proton.me", "protonmail.com", "gmx.com", "aol.com", "xtra.co.nz", "bigpond.com"}
)  # fmt: skip
SUGGEST_LIMIT = 5
SUGGEST_SCAN = 40


def queued_delay(value):
    """How long the client kept an action before sending it: 0..12 h (anything else: 0, applied as it arrives)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return min(max(value, 0), MAX_QUEUED_HOURS * 3600)


def site_host(value):
    """A URL or a host name → its lower-case host without ``www.`` and port, or "" if it is not one."""
    if not isinstance(value, str) or len(value) > 2048:
        return ""
    value = value.strip().lower()
    host = urlsplit(value if "//" in value else f"//{value}").hostname or ""
    host = host.removeprefix("www.")
    return host if HOST_PATTERN.fullmatch(host) else ""


def same_site(host, candidate):
    return bool(candidate) and (host == candidate or host.endswith(f".{candidate}"))


def client_matches(partner, host, candidates):
    """The client's website is the site (or a part of it, or it a part of the website), or their e-mail is on it."""
    website = site_host(partner.website or "")
    if website and (same_site(host, website) or same_site(website, host)):
        return True
    mail_domain = (partner.email or "").rpartition("@")[2].strip().lower()
    return mail_domain in candidates and mail_domain not in SHARED_MAIL_DOMAINS


class XeroTimer(models.Model):
    _inherit = "xero.timer"

    @api.model
    def xero_queued(self, key, action, params=None, queued_seconds=0):
        """Apply an action an app queued (``start``, ``stop``, ``describe``, ``discard``, ``log_time``) once per
        ``key``: sent again, it returns the first answer with ``replayed`` true and changes nothing.

        ``queued_seconds`` is how long the app kept the action (offline) before sending it, measured on its own
        clock: a start or stop takes effect that long ago (at most 12 h, never before the running timer's start),
        so time tapped offline is neither lost nor added."""
        if action not in QUEUED_ACTIONS:
            raise UserError(_("Unknown timer action “%s”.", action))
        params = params if isinstance(params, dict) else {}
        delay = queued_delay(queued_seconds)
        Action = self.env["xero.timer.action"]
        return Action._xero_once(key, action, lambda: self._xero_run_queued(action, params, delay))

    def _xero_run_queued(self, action, params, delay=0):
        if action == "start":
            task_id = params.get("task_id")
            current = self._xero_current()
            if delay and current and current.task_id.id != task_id:
                current._xero_stopped_earlier(delay)
            result = self.xero_start(task_id, description=params.get("description"))
            timer = self._xero_current()
            if delay and timer != current:
                timer._xero_started_earlier(delay)
                result["timer"] = timer._xero_info()
            return result
        if action == "stop":
            return self._xero_run_queued_stop(params, delay)
        if action == "describe":
            return self.xero_describe(params.get("description") or "")
        if action == "discard":
            return self.xero_discard()
        return self.xero_log_time(
            params.get("task_id"), params.get("date"), params.get("hours"), params.get("description")
        )

    @api.model
    def _xero_run_queued_stop(self, params, delay):
        """A queued Stop; with ``check_idle`` (and no ``discard_idle`` yet) it first offers to leave out the idle
        time as of the tap, and the app sends the user's choice as another action."""
        description = params.get("description")
        discard_idle = params.get("discard_idle")
        current = self._xero_current()
        if params.get("check_idle") is True and discard_idle is None and current:
            moment = fields.Datetime.now() - datetime.timedelta(seconds=delay)
            if idle := current._xero_idle_seconds(max(moment, current.start)):
                if description is not None:
                    current.description = description  # kept while the user decides
                return current._xero_idle_offer(idle)
        if delay:
            current._xero_stopped_earlier(delay)
        return self.xero_stop(description=description, discard_idle=discard_idle)

    def _xero_stopped_earlier(self, seconds):
        """This timer is about to be stopped for a tap made ``seconds`` ago: it counts as having started that much
        later (never past now), so the time recorded is the time up to the tap; its last activity moves with it, so
        the idle time is the idle time up to the tap."""
        now = fields.Datetime.now()
        for timer in self:
            elapsed = (now - timer.start).total_seconds()
            shift = datetime.timedelta(seconds=min(seconds, max(elapsed, 0)))
            values = {"start": timer.start + shift}
            if timer.last_activity:
                values["last_activity"] = min(timer.last_activity + shift, now)
            timer.sudo().write(values)

    def _xero_started_earlier(self, seconds):
        """A timer started for a tap made ``seconds`` ago."""
        self.ensure_one()
        self.sudo().start = fields.Datetime.now() - datetime.timedelta(seconds=seconds)

    @api.model
    def xero_log_time(self, task_id, date, hours, description=None):
        """A manual entry on the user's own timesheet: ``date`` (YYYY-MM-DD, not in the future), ``hours``
        (more than 0, at most 24, kept to the minute). The task must be one the user may log time on."""
        task = self._xero_trackable_task(task_id)
        day = self._xero_entry_date(date)
        minutes = self._xero_entry_minutes(hours)
        if description is not None and not isinstance(description, str):
            raise UserError(_("The description must be text."))
        line = self.env["account.analytic.line"].create(
            {
                "task_id": task.id,
                "project_id": task.project_id.id,
                "user_id": self.env.uid,
                "date": day,
                "unit_amount": minutes / 60,
                "name": (description or "").strip() or "/",
            }
        )
        self.browse()._xero_notify()
        return {
            "line_id": line.id,
            "task_id": task.id,
            "hours": line.unit_amount,
            "date": fields.Date.to_string(day),
            "message": _(
                "Logged %(hours)s on “%(task)s” for %(date)s.",
                hours=f"{minutes // 60}:{minutes % 60:02d}",
                task=task.sudo().display_name,
                date=fields.Date.to_string(day),
            ),
        }

    @api.model
    def _xero_entry_date(self, date):
        try:
            day = fields.Date.to_date(date) if isinstance(date, str) else None
        except ValueError:
            day = None
        if not day:
            raise UserError(_("Give the entry's date as YYYY-MM-DD."))
        today = self._xero_today()
        if day > today:
            raise UserError(_("%s is in the future: log time once it is done.", fields.Date.to_string(day)))
        if day < today - datetime.timedelta(days=PAST_DAYS):
            raise UserError(_("%s is more than a year ago: ask your manager to log it.", fields.Date.to_string(day)))
        return day

    @api.model
    def _xero_entry_minutes(self, hours):
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
            raise UserError(_("Give the hours as a number, such as 1.5 for an hour and a half."))
        minutes = round(hours * 60)
        if not 0 < minutes <= MAX_HOURS * 60:
            raise UserError(_("An entry is between one minute and %s hours.", MAX_HOURS))
        return minutes

    @api.model
    def _xero_today(self):
        return fields.Date.context_today(self.with_context(tz=self.env.user.tz or "UTC"))

    @api.model
    def xero_my_time(self):
        """The user's time today and this week (all their timesheet lines) and today's lines, with the timer."""
        today = self._xero_today()
        lang = self.env["res.lang"]._get_data(code=self.env.user.lang or "en_US")
        week_start = int(lang.week_start or 1)  # 1 = Monday, as date.isoweekday()
        monday_offset = (today.isoweekday() - week_start) % 7
        first = today - datetime.timedelta(days=monday_offset)
        Line = self.env["account.analytic.line"]
        mine = Domain("user_id", "=", self.env.uid) & Domain("project_id", "!=", False)
        per_day = dict(
            Line._read_group(
                mine & Domain("date", ">=", first) & Domain("date", "<=", today), ["date:day"], ["unit_amount:sum"]
            )
        )
        lines = Line.search(mine & Domain("date", "=", today), order="id desc", limit=20)
        return {
            "user": {"name": self.env.user.name, "login": self.env.user.login},
            "today": fields.Date.to_string(today),
            "today_hours": sum(hours for day, hours in per_day.items() if day == today),
            "week_hours": sum(per_day.values()),
            "lines": [
                {
                    "id": line.id,
                    "task": line.task_id.display_name or line.project_id.display_name,
                    "name": line.name if line.name != "/" else "",
                    "hours": line.unit_amount,
                }
                for line in lines.sudo()  # one's own lines, even on a task one may no longer open
            ],
            "timer": self._xero_current()._xero_info(),
        }

    @api.model
    def xero_suggest(self, site):
        """Xero tasks (at most 5) whose client's website or e-mail domain is the site's (a URL or host name)."""
        host = site_host(site)
        if not host:
            return []
        labels = host.split(".")
        candidates = [".".join(labels[i:]) for i in range(max(0, len(labels) - 5), len(labels) - 1)]
        Task = self.env["project.task"]
        match = Domain.OR(
            [Domain("partner_id.website", "ilike", c) for c in candidates]
            + [Domain("partner_id.email", "=ilike", f"%@{c}") for c in candidates if c not in SHARED_MAIL_DOMAINS]
        )
        tasks = Task.search(Task._xero_timer_picker_domain() & match, limit=SUGGEST_SCAN, order="name, id")
        found = [task for task in tasks if client_matches(task.partner_id, host, candidates)]
        return [
            {"id": task.id, "name": task.display_name, "client": task.partner_id.display_name or ""}
            for task in found[:SUGGEST_LIMIT]
        ]
