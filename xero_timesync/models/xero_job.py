"""Each flow of each organisation is its own job on Odoo's scheduler (issue 23).

A job (``xero.job``) is one organisation's flow: the invoice statuses (``invoices``), the payments and credit
notes (``money``), the invoices and credit notes named by webhooks (``events``). Everything a run needs
around its flow is written here once: its ``ir.cron`` (created on first use, woken by webhooks and by the
hourly safety nets), one run at a time on every server, a sync log per run, the health of the organisation,
the admins' activity, and yielding before Odoo's worker limits. The flows themselves live in their models
(``xero.invoice.sync``, ``xero.money``, ``xero.invoice.void``, ``xero.ledger``) and never call one another:
the steps below are the only place that sequences them. The contact flow's job is one of them too (its cron,
last run and failures), but its runs, lock and resume are ``xero.contact.sync``'s.
"""

import logging
import time
from contextlib import contextmanager, nullcontext, suppress
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import SQL

from .. import const
from ..locks import advisory_lock, is_concurrency_error
from ..services.errors import XeroAuthError, XeroError, XeroRateLimitError, XeroTimeUp

_logger = logging.getLogger(__name__)

FLOWS = [
    ("contacts", "Contacts"),
    ("invoices", "Invoice statuses"),
    ("money", "Payments and credit notes"),
    ("events", "Webhook events"),
    ("projects", "Xero Projects"),
    ("payroll", "Xero Payroll timesheets"),
]
FAILING_ACTIVITY = "xero_timesync.mail_activity_type_xero_failing"
# the jobs this model runs (the contact job runs xero.contact.sync's code: its runs, lock and resume are its own)
JOB_FLOWS = ("invoices", "money", "events")
# how often each job runs by itself; an events job runs when a webhook wakes it (the safety net is hourly)
INTERVALS = {
    "contacts": (1, "hours"),
    "invoices": (1, "hours"),
    "money": (1, "hours"),
    "events": (1, "days"),
    "projects": (1, "hours"),
    "payroll": (1, "days"),
}


class XeroJob(models.Model):
    _name = "xero.job"
    _description = "Xero job of an organisation"
    _order = "connection_id, flow"
    _rec_name = "flow"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    flow = fields.Selection(FLOWS, required=True, readonly=True)
    cron_id = fields.Many2one(
        "ir.cron", "Scheduled action", readonly=True, copy=False, ondelete="set null", groups="base.group_system"
    )
    watermark = fields.Datetime(readonly=True, help="Start of the last complete pull (UTC): the next asks from there.")
    # where a run that yielded continues
    resume_since = fields.Datetime(readonly=True)
    resume_started = fields.Datetime(readonly=True)
    resume_step = fields.Char(readonly=True)
    resume_page = fields.Integer(readonly=True)
    resume_offset = fields.Integer(readonly=True)
    resume_incomplete = fields.Boolean(readonly=True)
    last_log_id = fields.Many2one("xero.sync.log", "Last run", readonly=True)
    last_run_date = fields.Datetime(related="last_log_id.started_at", string="Last run at")
    last_state = fields.Selection(related="last_log_id.state", string="Result")
    last_summary = fields.Char(related="last_log_id.summary", string="Summary")
    failures = fields.Integer(readonly=True, help="Runs failed in a row.")
    next_run_date = fields.Datetime(related="cron_id.nextcall", string="Next run", groups="base.group_system")

    _flow_uniq = models.Constraint("unique (connection_id, flow)", "An organisation has one job per flow.")

    # -- the job of a flow -------------------------------------------------------------------------
    @api.model
    def _xero_job(self, connection, flow):
        """The organisation's job of ``flow``, created on first use."""
        connection.ensure_one()
        Job = self.sudo()
        job = Job.search([("connection_id", "=", connection.id), ("flow", "=", flow)])
        if job:
            return job
        # a rival transaction may make it at the same moment: when the rival commits first (unseen by this
        # snapshot), the INSERT fails with a serialization failure; a request is then retried whole by Odoo, and
        # the safety nets leave that organisation to the rival
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "INSERT INTO xero_job (connection_id, company_id, flow, create_uid, create_date, write_uid,"
                        " write_date) VALUES (%s, %s, %s, %s, NOW() AT TIME ZONE 'UTC', %s, NOW() AT TIME ZONE 'UTC')"
                        " ON CONFLICT (connection_id, flow) DO NOTHING RETURNING id",
                        connection.id, connection.sudo().company_id.id, flow, self.env.uid, self.env.uid,
                    ),
                    log_exceptions=False,
                )  # fmt: skip
                row = self.env.cr.fetchone()
        except psycopg2.errors.SerializationFailure as error:
            raise ConcurrencyError(f"xero.job {flow} of connection {connection.id} made concurrently") from error
        if not row:  # only a rival's row conflicts, and one committed before this snapshot would have been found
            raise ConcurrencyError(f"xero.job {flow} of connection {connection.id} made concurrently")
        return Job.browse(row[0])

    @api.model
    def _xero_ensure_cron(self, connection, flow):
        """The job's ``ir.cron``, created on first use; it returns at once while the organisation is not
        connected (a job cannot be changed while it runs). The contact job is the connection's
        ``sync_cron_id``, and runs ``xero.contact.sync``'s code."""
        job = self._xero_job(connection, flow)
        connection = connection.sudo()
        if not job.cron_id and flow == "contacts" and connection.sync_cron_id:
            job.cron_id = connection.sync_cron_id  # made before the contact job was a xero.job
        if not job.cron_id:
            number, unit = INTERVALS[flow]
            job.cron_id = (
                self.env["ir.cron"]
                .sudo()
                .create(
                    {
                        **job._xero_cron_vals(),
                        "state": "code",
                        "interval_number": number,
                        "interval_type": unit,
                        "nextcall": fields.Datetime.now() + timedelta(**{unit: number}),
                        "user_id": self.env.ref("base.user_root").id,
                    }
                )
            )
        if flow == "contacts" and connection.sync_cron_id != job.cron_id:
            connection.sync_cron_id = job.cron_id
        return job

    def _xero_cron_vals(self):
        connection = self.connection_id
        names = {"organisation": connection.tenant_name or connection.tenant_id, "company": connection.company_id.name}
        if self.flow == "contacts":
            Sync = self.env["xero.contact.sync"]
            return {
                "name": _("Xero: synchronize %(organisation)s (%(company)s)", **names),
                "model_id": self.env["ir.model"]._get_id(Sync._name),
                "code": Sync._xero_cron_code(connection),
            }
        return {
            "name": _(
                "Xero: %(flow)s of %(organisation)s (%(company)s)",
                flow=dict(self._fields["flow"]._description_selection(self.env))[self.flow],
                **names,
            ),
            "model_id": self.env["ir.model"]._get_id(self._name),
            "code": f"model._cron_xero_run({self.id})",
        }

    @api.model
    def _xero_wake(self, connection, flow, at=None):
        """Run the organisation's job of ``flow`` now (or at ``at``), on whichever cron thread is free."""
        job = self._xero_ensure_cron(connection, flow)
        job.cron_id._trigger(at)
        return job

    @api.model
    def _xero_ensure_jobs(self, flows=JOB_FLOWS):
        """Every connected organisation has its jobs of ``flows``; returns them."""
        jobs = self.browse()
        for connection in self.env["xero.connection"].sudo().search([("state", "=", "connected")]):
            for flow in flows:
                with suppress(ConcurrencyError):  # made and woken by a rival transaction
                    jobs |= self._xero_ensure_cron(connection, flow)
        return jobs

    @api.model
    def _xero_wake_due(self, flows):
        """The hourly safety nets: ensure the jobs, wake those that have not run for an interval or must
        continue (a job that is due but not woken waits for its own hour)."""
        cutoff = fields.Datetime.now() - timedelta(minutes=const.SYNC_DUE_AFTER_MINUTES)
        for job in self._xero_ensure_jobs(flows):
            log = job.last_log_id
            if not log or log.state == "partial" or log.started_at <= cutoff:
                job.cron_id._trigger()

    def _xero_forget(self):
        """The organisation changed: every flow starts again from its first push."""
        self.sudo().write({"watermark": False})
        self._xero_forget_resume()

    def _xero_forget_resume(self):
        self.sudo().write(
            {
                "resume_since": False,
                "resume_started": False,
                "resume_step": False,
                "resume_page": 0,
                "resume_offset": 0,
                "resume_incomplete": False,
            }
        )

    def unlink(self):
        crons = self.sudo().cron_id
        result = super().unlink()
        crons.unlink()
        return result

    # -- a run -----------------------------------------------------------------------------------
    @api.model
    def _cron_xero_run(self, job_id):
        """The job's code on Odoo's scheduler."""
        job = self.sudo().browse(job_id).exists()
        if not job or job.connection_id.state != "connected":
            return
        if job.flow == "contacts":  # its own runs (its cron's code names it directly)
            self.env["xero.contact.sync"]._cron_xero_sync_connection(job.connection_id.id)
            return
        if self.env["ir.cron"]._xero_out_of_time():  # the jobs before this one used this pass's time
            self.env["ir.cron"]._xero_continue_later()
            return
        job._xero_run("webhook" if job.flow == "events" else "cron")

    def _xero_run(self, trigger="cron"):
        """One run of this job; returns its sync log (done, partial, failed or skipped), or nothing when an
        events job finds no event waiting. Never raises."""
        self.ensure_one()
        job = self.sudo()
        connection = job.connection_id
        in_cron = self.env["ir.cron"]._xero_in_job()
        Log = self.env["xero.sync.log"].sudo()
        Service = self.env["xero.service"]
        if job.flow == "events" and not job._xero_events_waiting():
            return Log
        with job._xero_exclusive(across_commits=in_cron) as locked:
            if not locked:
                return Log.create(
                    {
                        "connection_id": connection.id,
                        "flow": job.flow,
                        "trigger": trigger,
                        "state": "skipped",
                        "message": job._xero_who_is_running(),
                    }
                )
            log = Log.create({"connection_id": connection.id, "flow": job.flow, "trigger": trigger})
            job._xero_close_interrupted_runs(log)
            job.last_log_id = log
            if in_cron:
                self.env["ir.cron"]._commit_progress(remaining=1)  # the run is visible to all
            started = time.monotonic()
            client = None
            try:
                # interactive: an unexpected failure undoes this run's half-written work, not its log
                with nullcontext() if in_cron else self.env.cr.savepoint():
                    client = Service._xero_client(connection)
                    getattr(job, f"_xero_run_{job.flow}")(client, log)
                    self.env.flush_all()  # a write that loses a race fails here, where it is handled
            except XeroTimeUp as error:  # before Odoo's worker limits: committed batches stay, the next turn resumes
                if in_cron:
                    self.env.cr.rollback()
                log.write({"state": "partial", "message": str(error)})
                job._xero_continue_later()
            except XeroAuthError as error:
                if in_cron:
                    self.env.cr.rollback()  # the batch in progress; committed batches stay
                Service._xero_handle_auth_error(connection, error)
                log.write({"state": "failed", "message": str(error)})
            except Exception as error:  # noqa: BLE001  every run must end with a state and a reason
                if in_cron:
                    self.env.cr.rollback()
                if isinstance(error, XeroRateLimitError) and error.problem == "day":
                    job._xero_day_spent(log, error)
                elif not is_concurrency_error(error):
                    job._xero_failed(log, error)
                elif in_cron:  # another flow changed the same documents meanwhile: what it did stays, this one retries
                    log.write({"state": "partial", "message": _("Other runs changed the same documents; continuing.")})
                    job._xero_continue_later()
                else:
                    raise  # a request: Odoo retries it whole with a fresh snapshot
            log.write({"duration": time.monotonic() - started, "api_calls": client.stats.calls if client else 0})
            job._xero_count_run(log)
            if in_cron:
                job._xero_commit_end(log)
            return log

    def _xero_commit_end(self, log):
        """The run's end committed; when that commit loses a race (two jobs that found the grant dead both mark the
        connection), what the other wrote stays and this run ends as partial instead of staying "running"."""
        Cron = self.env["ir.cron"]
        try:
            Cron._commit_progress(1, remaining=0)
        except Exception as error:
            if not is_concurrency_error(error):
                raise
            self.env.cr.rollback()
            log.write({"state": "partial", "message": _("Other runs changed the same documents; continuing.")})
            self._xero_continue_later()
            Cron._commit_progress(1, remaining=0)

    def _xero_day_spent(self, log, error):
        """The organisation's calls of the day are spent: the run pauses (partial, a later turn resumes), never
        fails; the administrators are told once."""
        self.env["xero.service"]._xero_quota_exhausted(self.connection_id, error)
        message = _("%s Nothing is lost: the next run resumes where this one stopped.", error)
        log.write({"state": "partial", "message": message})

    def _xero_failed(self, log, error):
        if isinstance(error, XeroError):
            _logger.warning("Xero %s of company %s failed: %s", self.flow, self.company_id.id, error)
            message = _("%s Nothing is lost: the next run resumes where this one stopped.", error)
        else:
            _logger.exception("Xero %s of company %s failed", self.flow, self.company_id.id)
            message = self.env["xero.contact.sync"]._failure_message(error)
        log.write({"state": "failed", "message": message})

    def _xero_count_run(self, log):
        """A run ended (any flow, the contact job's too): the health panel's last run, and one activity for
        the admins while a flow keeps failing, closed by a good run."""
        Service = self.env["xero.service"]
        connection = self.connection_id
        if log.state == "skipped":
            return
        if self.last_log_id != log:
            self.last_log_id = log
        if log.state == "failed":
            self.failures += 1
        elif self.failures:
            self.failures = 0
        failing = connection.job_ids.filtered(lambda j: j.failures >= const.JOB_FAILURES_BEFORE_ACTIVITY)
        if not failing:
            Service._xero_close_activities(connection, FAILING_ACTIVITY)
            return
        Service._xero_schedule_admin_activity(
            connection,
            FAILING_ACTIVITY,
            _("Xero synchronization of %s keeps failing", connection.tenant_name or connection.company_id.name),
            _(
                "%(flows)s of %(company)s failed %(runs)s times in a row; the last error: %(error)s. Settings → Xero"
                " → Health shows each run; the jobs keep retrying by themselves.",
                flows=", ".join(failing.mapped(lambda j: dict(FLOWS)[j.flow])),
                company=connection.company_id.name,
                runs=max(failing.mapped("failures")),
                error=failing[:1].last_log_id.message,
            ),
        )

    # -- yielding before Odoo's limits ------------------------------------------------------------
    def _xero_must_yield(self, log, processed=0):
        """Between batches: commit what is done and say whether the job must stop here and continue in its
        next turn (Odoo's worker limits are near, ``ir.cron._xero_out_of_time``). A run that yields leaves its
        log partial and its cron triggered; its resume state was written with the batch before."""
        in_cron = self.env["ir.cron"]._xero_in_job()
        Cron = self.env["ir.cron"]
        if not Cron._xero_out_of_time():
            if in_cron:
                Cron._commit_progress(processed, remaining=1)
            return False
        log.write({"state": "partial", "message": _("Continuing in the next scheduled run.")})
        self._xero_continue_later(processed)
        return True

    def _xero_continue_later(self, processed=0):
        """Its cron runs it again in the scheduler's next pass (never "work remaining": Odoo would call it
        again in this pass)."""
        if self.env["ir.cron"]._xero_in_job():
            self.env["ir.cron"]._xero_continue_later(processed)
        else:
            self.cron_id._trigger()

    # -- one run at a time, on every server ---------------------------------------------------------
    def _xero_lock_key(self):
        return (0x58455231 << 16) + self.id  # "XER1" namespace + job id

    @contextmanager
    def _xero_exclusive(self, across_commits=False):
        """Yield whether this run may run the job: one run per organisation and flow, on every server
        (``locks.advisory_lock``, as the contact sync's)."""
        with advisory_lock(self.env, self._xero_lock_key(), across_commits) as locked:
            if locked and across_commits:
                self.invalidate_recordset()
            yield locked

    def _xero_who_is_running(self):
        running = self.env["xero.sync.log"].sudo().search(self._xero_runs_domain("running"), limit=1)
        if not running:
            return _("Another run of this job is in progress; it is left to finish.")
        return _(
            "Another run of this job is in progress (started %(start)s); it is left to finish.",
            start=fields.Datetime.to_string(running.started_at),
        )

    def _xero_runs_domain(self, state):
        return [("connection_id", "=", self.connection_id.id), ("flow", "=", self.flow), ("state", "=", state)]

    def _xero_close_interrupted_runs(self, log):
        """This run holds the lock, so any other run of the job still marked running lost its worker."""
        self.env["xero.sync.log"].sudo().search([*self._xero_runs_domain("running"), ("id", "!=", log.id)]).write(
            {"state": "failed", "message": _("Interrupted: its worker stopped. The next run resumed where it stopped.")}
        )

    # -- the steps of each flow (the only place that sequences them) ---------------------------------
    def _xero_run_invoices(self, client, log):
        """Statuses changed at Xero, then the voids they show followed, then the differences told."""
        if not self.env["xero.invoice.sync"]._xero_pull_status(self, client, log):
            return  # yielded: the next turn continues the pages
        log.voids_count += self.env["xero.invoice.void"]._xero_follow_gone(self.connection_id)
        if self._xero_must_yield(log):
            return
        self.env["xero.ledger"]._xero_notify_differences(self.connection_id)
        log.state = "done"

    def _xero_run_money(self, client, log):
        """Payments and credit notes changed at Xero, then the timesheet PDFs that failed to attach; the voids
        that money settled are followed by the invoices job, woken when money changed."""
        if not self.env["xero.money"]._xero_pull(self, client, log):
            return
        self.env["xero.invoice.sync"]._xero_retry_attachments(client, self.company_id)
        log.state = "done"
        if log.payments_count or log.credit_notes_count:
            self._xero_wake(self.connection_id, "invoices")

    def _xero_run_events(self, client, log):
        """The invoices and credit notes webhooks named, a batch at a time, then the voids they show followed."""
        Event = self.env["xero.invoice.event"]
        while True:
            taken = Event._xero_take(self.connection_id.tenant_id, const.EVENTS_PER_BATCH)
            if not taken:
                break
            invoice_ids, credit_note_ids, rows = taken
            complete = self.env["xero.money"]._xero_fetch_events(
                self.connection_id, client, invoice_ids, credit_note_ids
            )
            if not complete:  # an invoice another worker holds: its events wait for the next run
                log.message = _("Some invoices were being changed by another run: their events wait for the next.")
                break
            Event._xero_done(rows)
            log.events_count += len(rows)
            if self._xero_must_yield(log, len(rows)):
                return
        log.voids_count += self.env["xero.invoice.void"]._xero_follow_gone(self.connection_id)
        log.state = "done"

    def _xero_run_projects(self, client, log):
        """Approved time of the clients billed by Xero Projects, pushed there (``xero.projects``)."""
        if self.env["xero.projects"]._xero_push(self, client, log):
            log.state = "done"

    def _xero_run_payroll(self, client, log):
        """Approved hours of closed pay periods to Xero Payroll (``xero.payroll.timesheet``)."""
        self.env["xero.payroll.timesheet"]._xero_push(self, client, log)

    def _xero_events_waiting(self):
        return bool(
            self.env["xero.invoice.event"]
            .sudo()
            .search_count([("tenant_id", "=", self.connection_id.tenant_id)], limit=1)
        )
