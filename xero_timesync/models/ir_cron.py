import math
import resource
import threading
import time

from odoo import api, models
from odoo.service import server
from odoo.tools import config

from .. import const

# This cron thread's current pass over a database's ready jobs (``ir.cron._process_jobs``): its cursor,
# when its first job started, and when the thread's last job ended (the worker's heartbeat follows it).
_pass = threading.local()
LONGEST_SLEEP = server.SLEEP_INTERVAL + 10  # a cron worker sleeps at most this long between passes


def start_pass(cursor):
    """A new pass starts: its heartbeat came after the last job this thread ran or, on a first pass (or after
    passes without jobs), up to the longest sleep before it. The estimate is never later than the heartbeat."""
    _pass.cursor, _pass.started = cursor, time.monotonic()
    _pass.heartbeat = max(getattr(_pass, "last_end", -math.inf), _pass.started - LONGEST_SLEEP)


class IrCron(models.Model):
    """How long a cron job may still work before Odoo's worker limits kill it.

    A cron worker of a multi-worker server sends the master a heartbeat after each pass, sleeps until it
    is woken (at most ``LONGEST_SLEEP``), then runs every ready job of a database one after the other. The
    master kills it when that pass has not ended ``limit_time_real_cron`` seconds (by default
    ``limit_time_real``, 120 s) after the heartbeat, and the kernel when the pass used ``limit_time_cpu``
    seconds of CPU. Odoo also calls a job again while it reports work remaining. So the Xero jobs stop
    their calls before the limit, report nothing remaining and trigger themselves: their next turn, in a
    fresh pass, continues where they stopped.
    """

    _inherit = "ir.cron"

    @classmethod
    def _process_job(cls, cron_cr, job):
        if getattr(_pass, "cursor", None) is not cron_cr:  # each pass opens its own cursor
            start_pass(cron_cr)
        _pass.in_job = True
        try:
            return super()._process_job(cron_cr, job)
        finally:
            # what runs next in this thread is no job (an HTTP worker's "Run Manually" came through here)
            _pass.in_job, _pass.last_end = False, time.monotonic()

    @api.model
    def _xero_in_job(self):
        """Whether this code runs as a scheduled job (whose work commits as it goes): the scheduler's own flag for
        this thread, set around the job, and the job's progress record; never the context alone, which every RPC
        caller writes."""
        return getattr(_pass, "in_job", False) and bool(self.env.context.get("ir_cron_progress_id"))

    @api.model
    def _xero_real_limit(self):
        """The real-time limit of a cron pass in seconds (0: none, e.g. the threaded server)."""
        limit = config["limit_time_real_cron"]
        if limit == -1:
            limit = config["limit_time_real"]
        return limit if config["workers"] and limit and limit > 0 else 0

    @api.model
    def _xero_time_left(self):
        """Seconds this job may still work in this pass before a worker limit stops it (inf: no limit)."""
        if not getattr(_pass, "in_job", False):
            return math.inf
        left = math.inf
        limit, heartbeat = self._xero_real_limit(), getattr(_pass, "heartbeat", None)
        if limit and heartbeat is not None:
            left = heartbeat + limit - time.monotonic()
        soft, _hard = resource.getrlimit(resource.RLIMIT_CPU)
        if config["workers"] and heartbeat is not None and soft != resource.RLIM_INFINITY:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            left = min(left, soft - (usage.ru_utime + usage.ru_stime))
        return left

    @api.model
    def _xero_margin(self):
        """What a step needs after its last Xero call (writing a page, committing): a quarter of a short limit."""
        return min(const.CRON_WORK_MARGIN_SECONDS, (self._xero_real_limit() or math.inf) / 4)

    @api.model
    def _xero_deadline(self):
        """``time.monotonic()`` after which a job's Xero client starts no call and no wait (None: no limit)."""
        left = self._xero_time_left()
        return None if left == math.inf else time.monotonic() + left - self._xero_margin()

    @api.model
    def _xero_out_of_time(self):
        """Whether a job should stop now rather than start another step (a call and its writes)."""
        return self._xero_time_left() <= 2 * self._xero_margin()

    @api.model
    def _xero_continue_later(self, processed=0):
        """End this job's turn: report nothing remaining (Odoo would call it again in this pass) and run it
        again in the next pass."""
        cron = self.sudo().browse(self.env.context.get("cron_id"))
        if cron:
            cron._trigger()
        self._commit_progress(processed, remaining=0)
