"""Approved time of the clients billed by Xero Projects, pushed there as time entries exactly once (issue 26).

The organisation's ``projects`` job (``xero.job``) runs it: first the entries Odoo changed or deleted are
followed at Xero (while Xero allows it), then the calls whose answer was lost are replayed with their
Idempotency-Key, then the new lines are pushed, a batch at a time, each entry written (with its nonce) before
its call. A client gets one Xero project (its ContactID), an Odoo task one Xero task in it; people are matched
to Xero's projects users by e-mail, never guessed: the time of the others is held and listed.
"""

import contextlib
import json
import math
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.fields import Domain
from odoo.tools import SQL

from .. import const
from ..services.errors import (
    XeroAuthError,
    XeroError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroTimeUp,
    XeroValidationError,
)
from .xero_projects_entry import LIVE_STATES

MAX_MINUTES = 59940  # Xero's longest time entry


class XeroProjects(models.AbstractModel):
    _name = "xero.projects"
    _description = "Xero Projects time push"

    # -- what goes there ---------------------------------------------------------------------------
    @api.model
    def _xero_enabled(self, connection):
        """The company switched Xero Projects on and Xero granted it (the connection's grant has its scope)."""
        scopes = set((connection.sudo().token_id.scope or "").split())
        return bool(connection.company_id.xero_projects and set(const.PROJECTS_SCOPES) <= scopes)

    @api.model
    def _xero_approved_domain(self, company):
        """Approved time when ``company`` approves time (Enterprise's validation when installed), all otherwise."""
        if "validated" in self.env["account.analytic.line"]._fields:
            return Domain("validated", "=", True)
        if company.xero_timesheet_approval:
            return Domain("xero_approval_state", "=", "approved")
        return Domain.TRUE

    @api.model
    def _xero_push_domain(self, company):
        """The time that goes to Xero Projects: ``company``'s approved time of the clients billed by Xero
        Projects that Xero knows, never time invoiced in Odoo."""
        return (
            Domain("company_id", "=", company.id)
            & Domain("project_id", "!=", False)
            & Domain("unit_amount", ">", 0)
            & Domain(
                "partner_id",
                "any",
                [
                    ("commercial_partner_id.xero_billed_by", "=", "xero_projects"),
                    ("commercial_partner_id.xero_contact_id", "!=", False),
                ],
            )
            & Domain("xero_billed_move_line_id", "=", False)
            & self._xero_approved_domain(company)
        )

    @api.model
    def _xero_live_lines_sql(self):
        """The lines whose time lives in Xero Projects (for ``any!``: never billed in Odoo too)."""
        return SQL("SELECT line_id FROM xero_projects_entry WHERE line_id IS NOT NULL AND state IN %s", LIVE_STATES)

    @api.model
    def _xero_not_billed_there_domain(self):
        """One place bills: time of clients billed by Xero Projects, and time living there, is never invoiced
        in Odoo (a client switched back to Odoo gets its time back once Xero deleted it)."""
        billed_there = [("commercial_partner_id.xero_billed_by", "=", "xero_projects")]
        return Domain("partner_id", "not any", billed_there) & Domain("id", "not any!", self._xero_live_lines_sql())

    @api.model
    def _xero_new_domain(self, company):
        """The time to push whose line has no entry living at Xero (new, or held)."""
        return self._xero_push_domain(company) & Domain("id", "not any!", self._xero_live_lines_sql())

    @api.model
    def _xero_new_lines(self, company, limit=None):
        Line = self.env["account.analytic.line"].sudo()
        # a client's lines together: a batch then spans few client projects (one read of each before it sends)
        return Line.search(self._xero_new_domain(company), order="partner_id, date, id", limit=limit)

    @api.model
    def _xero_nothing_to_do(self, connection):
        """No new line, no lost answer to replay, no change to follow: a run costs no call."""
        pending = (
            self.env["xero.projects.entry"]
            .sudo()
            .search_count([("connection_id", "=", connection.id), ("state", "=", "pending")], limit=1)
        )
        return not (pending or self._xero_new_lines(connection.company_id, limit=1)) and not (
            self._xero_changed_entries(connection)
        )

    @api.model
    def _xero_changed_entries(self, connection, overlap=0):
        """Pushed entries whose line was edited, deleted or no longer goes to Xero Projects (and refused ones
        edited again). ``overlap``: seconds of ``_xero_synced_at``'s overlap to leave out (lines edited only
        before the last comparison: what the health panel counts)."""
        Entry = self.env["xero.projects.entry"].sudo()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT e.id FROM xero_projects_entry e LEFT JOIN account_analytic_line l ON l.id = e.line_id
                    WHERE e.connection_id = %s
                      AND ((e.state = 'pushed' AND l.id IS NULL)
                           OR (e.state IN ('pushed', 'refused')
                               AND l.write_date >= e.synced_at + make_interval(secs => %s)))""",
                connection.id,
                overlap,
            )
        )
        changed = Entry.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        left = Entry.search(
            [
                ("connection_id", "=", connection.id),
                ("state", "=", "pushed"),
                ("line_id", "not any", self._xero_push_domain(connection.company_id)),
            ]
        )
        return changed | left

    @api.model
    def _xero_synced_at(self):
        """When an entry was last compared with its line, for the next run's ``write_date >= synced_at``: this
        transaction's start, less an overlap, so that an edit committed by a transaction older than this one
        (unseen here) is still looked at."""
        return self.env.cr.now() - timedelta(seconds=const.SYNC_OVERLAP_SECONDS)

    # -- one run -------------------------------------------------------------------------------------
    @api.model
    def _xero_push(self, job, client, log):
        """One run of the organisation's projects job; False when it stopped early (the next run resumes).

        A Xero failure ends the run here, not by an exception: the entries written so far (their nonces above
        all) must stay, or a call whose answer was lost would be sent again under a new key."""
        connection = job.connection_id
        if not self._xero_enabled(connection):
            log.message = _("Xero Projects is off, or not granted yet: nothing to push.")
            return True
        if self._xero_nothing_to_do(connection):
            log.message = _("Nothing to push.")
            return True
        counts = dict.fromkeys(("created", "updated", "deleted", "held", "refused", "taken_over"), 0)
        try:
            users = {user["email"]: user["user_id"] for user in client.projects_users() if user["email"]}
            done = self._xero_follow_changes(job, client, log, users, counts) and self._xero_push_new(
                job, client, log, users, counts
            )
        except XeroError as error:
            self._xero_stop(job, log, error)
            done = False
        summary = _(
            "%(created)s time entries pushed, %(updated)s updated, %(deleted)s deleted, %(held)s held,"
            " %(refused)s refused by Xero",
            **counts,
        )
        if counts["taken_over"]:
            summary += _(" (%s of them found at Xero, made by an interrupted run)", counts["taken_over"])
        log.message = f"{summary}. {log.message}" if log.message else summary
        return done

    @api.model
    def _xero_stop(self, job, log, error):
        if isinstance(error, XeroTimeUp):
            log.write({"state": "partial", "message": str(error)})
            job._xero_continue_later()
        elif isinstance(error, XeroRateLimitError) and error.problem == "day":
            job._xero_day_spent(log, error)  # a push longer than a day's calls stops here each day
        elif isinstance(error, XeroAuthError):
            self.env["xero.service"]._xero_handle_auth_error(job.connection_id, error)
            log.write({"state": "failed", "message": str(error)})
        else:
            job._xero_failed(log, error)

    # -- edits and deletions follow ------------------------------------------------------------------
    @api.model
    def _xero_forget_held(self, connection):
        """Held time that no longer goes to Xero Projects (deleted, unapproved, its client back to Odoo)."""
        push = self._xero_push_domain(connection.company_id)
        self.env["xero.projects.entry"].sudo().search(
            Domain("connection_id", "=", connection.id)
            & Domain("state", "=", "held")
            & (Domain("line_id", "=", False) | Domain("line_id", "not any", push))
        ).unlink()

    @api.model
    def _xero_follow_changes(self, job, client, log, users, counts):
        self._xero_forget_held(job.connection_id)
        changed = self._xero_changed_entries(job.connection_id)
        for start in range(0, len(changed), const.PROJECTS_PER_BATCH):
            batch = changed[start : start + const.PROJECTS_PER_BATCH]
            for entry in batch:
                self._xero_follow(entry, client, users, counts)
            if job._xero_must_yield(log, len(batch)):
                return False
        return True

    @api.model
    def _xero_follow(self, entry, client, users, counts):
        line = entry.line_id
        push = line and line.filtered_domain(self._xero_push_domain(entry.connection_id.company_id))
        if not push or line.partner_id.commercial_partner_id.xero_projects_project_id != entry.xero_project_id:
            self._xero_delete(entry, client, counts)  # moved to another client: pushed anew to its project
            return
        values, reason = self._xero_entry_values(line, entry.connection_id, client, users)
        now = self._xero_synced_at()
        if reason:
            entry.write({"synced_at": now, "message": reason})
            return
        payload = json.dumps(values, sort_keys=True)
        if payload == entry.payload:
            entry.write({"state": "pushed", "synced_at": now})
            return
        try:
            client.update_time_entry(entry.xero_project_id, entry.xero_time_entry_id, values, str(uuid.uuid4()))
        except XeroValidationError as error:
            message = _("Xero keeps this time entry as it was (invoiced or locked there?): %s", error)
            entry.write({"state": "refused", "synced_at": now, "message": message})
            counts["refused"] += 1
            return
        except XeroNotFoundError:  # someone deleted it in Xero: told, never made again behind their back
            message = _("The time entry was deleted in Xero Projects: this time is billed nowhere until you decide.")
            entry.write({"state": "refused", "synced_at": now, "message": message})
            counts["refused"] += 1
            return
        entry.write({"state": "pushed", "payload": payload, "synced_at": now, "message": False})
        counts["updated"] += 1

    @api.model
    def _xero_delete(self, entry, client, counts):
        if entry.xero_time_entry_id:
            try:
                client.delete_time_entry(entry.xero_project_id, entry.xero_time_entry_id)
            except XeroValidationError as error:
                message = _("Xero keeps this time entry (invoiced or locked there?): %s", error)
                entry.write({"state": "refused", "synced_at": self._xero_synced_at(), "message": message})
                counts["refused"] += 1
                return
        entry.write({"state": "deleted", "synced_at": self._xero_synced_at(), "message": False})
        counts["deleted"] += 1

    # -- new time --------------------------------------------------------------------------------------
    @api.model
    def _xero_push_new(self, job, client, log, users, counts):
        """Replays of the calls whose answer was lost, then the new lines, a batch at a time: the batch's
        entries (nonce and body) are committed before its calls."""
        connection = job.connection_id
        Entry = self.env["xero.projects.entry"].sudo()
        pending = Entry.search([("connection_id", "=", connection.id), ("state", "=", "pending")], order="id")
        self._xero_send(self._xero_take_over(pending, client, counts), client, counts)
        lines = self._xero_new_lines(connection.company_id)
        for start in range(0, len(lines), const.PROJECTS_PER_BATCH):
            batch = lines[start : start + const.PROJECTS_PER_BATCH]
            ready = self._xero_prepare(batch, connection, client, users, counts)
            if job._xero_must_yield(log):  # commits the nonces (on the scheduler) before any call
                return False
            self._xero_send(self._xero_take_over(ready, client, counts), client, counts)
            if job._xero_must_yield(log, len(batch)):
                return False
        return True

    @api.model
    def _xero_prepare(self, lines, connection, client, users, counts):
        """The entries of ``lines`` ready to send (state pending, nonce and body written); the others held."""
        Entry = self.env["xero.projects.entry"].sudo()
        held = {e.line_id.id: e for e in Entry.search([("line_id", "in", lines.ids), ("state", "=", "held")])}
        missing = lines.filtered(lambda line: line.id not in held)
        for entry in Entry.create(
            [
                {
                    "connection_id": connection.id,
                    "line_id": line.id,
                    "partner_id": line.partner_id.commercial_partner_id.id,
                }
                for line in missing
            ]
        ):
            held[entry.line_id.id] = entry
        ready = Entry
        for line in lines:
            entry = held[line.id]
            values, reason = self._xero_entry_values(line, connection, client, users)
            if reason:
                if entry.message != reason:
                    entry.message = reason
                counts["held"] += 1
                continue
            entry._xero_prepare(line.partner_id.commercial_partner_id.xero_projects_project_id, values)
            ready |= entry
        return ready

    @api.model
    def _xero_take_over(self, entries, client, counts):
        """The entries still to send, once those Xero already holds are taken over. A run whose transaction was
        lost (a server killed after Xero made its entries, or an answer lost longer than Xero keeps an
        Idempotency-Key) left time entries at Xero that no record knows: an unknown entry of the same person,
        task, day, minutes and description is that line's. One read per client project in the batch."""
        Entry = self.env["xero.projects.entry"].sudo()
        left = entries
        for project_id, group in entries.grouped("xero_project_id").items():
            bodies = {entry: entry._xero_body() for entry in group}
            days = sorted(body["dateUtc"] for body in bodies.values())
            at_xero = client.project_time_entries(project_id, days[0], days[-1])
            known = set(
                Entry.search([("xero_time_entry_id", "in", [e["timeEntryId"] for e in at_xero])]).mapped(
                    "xero_time_entry_id"
                )
            )
            unknown = defaultdict(list)
            for found in at_xero:
                if found["timeEntryId"] not in known:
                    unknown[_time_signature(found)].append(found["timeEntryId"])
            for entry, body in bodies.items():
                ids = unknown.get(_time_signature(body))
                if not ids:
                    continue
                entry.write(entry._xero_sent_vals(ids.pop(0)))
                counts["created"] += 1
                counts["taken_over"] += 1
                left -= entry
        return left

    @api.model
    def _xero_send(self, entries, client, counts):
        """Create the entries' time at Xero with the body and key written when they were prepared; their
        ``synced_at`` stays the preparation's, so an edit of the line since then is followed next run."""
        for entry in entries:
            try:
                time_entry_id = client.create_time_entry(entry.xero_project_id, entry._xero_body(), entry.nonce)
            except (XeroValidationError, XeroNotFoundError) as error:  # refused: nothing was made, it waits as held
                entry.write({"state": "held", "nonce": False, "message": _("Xero refused the time entry: %s", error)})
                counts["held"] += 1
                continue
            entry.write(entry._xero_sent_vals(time_entry_id))
            counts["created"] += 1

    @api.model
    def _xero_entry_values(self, line, connection, client, users):
        """``(time entry body, None)``, or ``(None, why it waits)`` for time no one can push yet."""
        line = line.sudo()
        email = (line.employee_id.work_email or line.user_id.email or "").strip().lower()
        user_id = users.get(email)
        if not user_id:
            who = line.employee_id.name or line.user_id.name
            return None, _(
                "%(who)s is not a Xero Projects user (none has the e-mail %(email)s): their time waits until they are"
                " added in Xero Projects.",
                who=who,
                email=email or "-",
            )
        minutes = round(line.unit_amount * 60)
        if not 1 <= minutes <= MAX_MINUTES:
            return None, _("Xero Projects takes time entries of 1 to %s minutes.", MAX_MINUTES)
        if not line.task_id:
            return None, _("Time without a task waits: Xero Projects logs time on a task.")
        project_id = self._xero_project_of(line.partner_id.commercial_partner_id, connection, client)
        return {
            "userId": user_id,
            "taskId": self._xero_task_of(line.task_id, project_id, connection, client),
            "dateUtc": f"{line.date.isoformat()}T00:00:00Z",
            "duration": minutes,
            "description": (line.name or "").strip()[:1000],
        }, None

    @api.model
    def _xero_key(self, *parts):
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return "-".join(["odoo", database[:8], *map(str, parts)])

    @api.model
    def _xero_project_of(self, partner, connection, client):
        """The client's Xero project (its ContactID), created on first use."""
        partner = partner.sudo()
        if not partner.xero_projects_project_id:
            key = self._xero_key("project", connection.id, partner.id)
            partner.xero_projects_project_id = client.create_project(partner.name, partner.xero_contact_id, key)
        return partner.xero_projects_project_id

    @api.model
    def _xero_task_of(self, task, project_id, connection, client):
        """The Xero task of an Odoo task in a client's Xero project, created on first use."""
        Map = self.env["xero.projects.task"].sudo()
        domain = [
            ("connection_id", "=", connection.id),
            ("xero_project_id", "=", project_id),
            ("task_id", "=", task.id),
        ]
        found = Map.search(domain, limit=1)
        if found:
            return found.xero_task_id
        task = task.sudo()
        company = connection.company_id.sudo()
        rate = task.xero_hourly_rate or task.project_id.xero_hourly_rate or company.xero_default_hourly_rate
        currency = connection.base_currency or company.currency_id.name
        key = self._xero_key("task", connection.id, project_id, task.id)
        xero_task_id = client.create_project_task(project_id, task.name, rate, currency, task.xero_billable, key)
        Map.create(
            {
                "connection_id": connection.id,
                "xero_project_id": project_id,
                "task_id": task.id,
                "xero_task_id": xero_task_id,
            }
        )
        return xero_task_id

    # -- the health panel --------------------------------------------------------------------------
    @api.model
    def _xero_queue(self, connection):
        """``{"calls", "held", "refused", "done_by"}``: what is queued for Xero Projects, and when it is done at
        the organisation's tier (the daily limit left today, then whole days, 60 calls a minute)."""
        Entry = self.env["xero.projects.entry"].sudo()
        if not connection or not self._xero_enabled(connection):
            return {"calls": 0, "held": 0, "refused": 0, "done_by": False}
        base = [("connection_id", "=", connection.id)]
        push = self._xero_push_domain(connection.company_id)
        held = Entry.search_count([*base, ("state", "=", "held"), ("line_id", "any", push)])
        Line = self.env["account.analytic.line"].sudo()
        new_domain = self._xero_new_domain(connection.company_id)
        new = Line.search_count(new_domain) - held
        clients = len(Line._read_group(new_domain, ["partner_id"]))
        calls = self._xero_calls_to_send(
            max(new, 0) + Entry.search_count([*base, ("state", "=", "pending")]), clients=clients
        )
        calls += len(self._xero_changed_entries(connection, overlap=const.SYNC_OVERLAP_SECONDS))
        budget = self.env["xero.rate.budget"].sudo()
        spent = budget.search([("tenant_id", "=", connection.tenant_id)], limit=1)
        now = fields.Datetime.now()
        spent_today = spent.day_calls if spent and spent.day == now.date() else 0
        return {
            "calls": calls,
            "held": held,
            "refused": Entry.search_count([*base, ("state", "=", "refused")]),
            "done_by": self._xero_done_by(calls, budget._daily_limit(), spent_today, now),
        }

    @api.model
    def _xero_calls_to_send(self, entries, clients=1):
        """The calls that send ``entries`` new time entries of ``clients`` clients: one each, and a read of what
        Xero holds per client project in each batch (a client's lines go together: a batch spans one client,
        except where one client's lines end and the next's begin)."""
        if not entries:
            return 0
        return entries + math.ceil(entries / const.PROJECTS_PER_BATCH) + max(clients, 1) - 1

    @api.model
    def _xero_done_by(self, calls, daily_limit, spent_today, now):
        """When ``calls`` are made at ``const.MINUTE_LIMIT`` a minute within ``daily_limit`` a day (UTC days)."""
        left_today = max(daily_limit - spent_today, 0)
        if calls <= left_today:
            return now + timedelta(minutes=math.ceil(calls / const.MINUTE_LIMIT))
        later = calls - left_today
        days = math.ceil(later / daily_limit)
        last_day = datetime.combine(now.date() + timedelta(days=days), time.min)
        return last_day + timedelta(minutes=math.ceil((later - (days - 1) * daily_limit) / const.MINUTE_LIMIT))

    # -- the scheduler's safety net ------------------------------------------------------------------
    @api.model
    def _cron_xero_push_projects(self):
        """Hourly: the projects job of every organisation whose company pushes to Xero Projects runs."""
        Job = self.env["xero.job"]
        for connection in self.env["xero.connection"].sudo().search([("state", "=", "connected")]):
            if self._xero_enabled(connection):
                with contextlib.suppress(ConcurrencyError):  # a rival transaction made the job and wakes it
                    Job._xero_wake(connection, "projects")


def _time_signature(entry):
    """What makes two time entries the same work: person, task, day, minutes and description."""
    return (
        (entry.get("userId") or "").lower(),
        (entry.get("taskId") or "").lower(),
        (entry.get("dateUtc") or "")[:10],
        int(entry.get("duration") or 0),
        (entry.get("description") or "").strip(),
    )
