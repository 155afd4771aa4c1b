"""Jobs stop before Odoo's worker limits (issue 23): the time a cron pass has left, the client's deadline,
and the contact job's turn ending in time. On a real multi-worker server:
tests/deployment/test_deployment_cron_limits.py."""

import math
import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from ..models import ir_cron
from ..services.errors import XeroTimeUp
from .common import XeroSandboxCase

MULTI_WORKER = {"workers": 2, "limit_time_real": 120, "limit_time_real_cron": -1, "limit_time_cpu": 60}


@tagged("post_install", "-at_install")
class TestCronLimits(XeroSandboxCase):
    sandbox_options = {"contacts": 3, "seed": 5, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()
        cls.Cron = cls.env["ir.cron"]

    def setUp(self):
        super().setUp()
        self.enterContext(patch.dict(config.options, MULTI_WORKER))
        saved = dict(vars(ir_cron._pass))
        self.addCleanup(lambda: (vars(ir_cron._pass).clear(), vars(ir_cron._pass).update(saved)))
        vars(ir_cron._pass).clear()

    def in_a_pass(self, last_job_ended_ago=None):
        """This thread is a cron worker starting a pass; its last job ended that long ago (None: never)."""
        if last_job_ended_ago is not None:
            ir_cron._pass.last_end = time.monotonic() - last_job_ended_ago
        ir_cron.start_pass(object())
        ir_cron._pass.in_job = True

    def with_time_left(self, seconds):
        """This thread is in a pass whose heartbeat leaves it ``seconds`` of the 120 s limit."""
        self.in_a_pass(last_job_ended_ago=0)
        ir_cron._pass.heartbeat = time.monotonic() - (120 - seconds)

    def test_a_first_pass_counts_the_longest_sleep_before_it(self):
        self.in_a_pass()
        self.assertAlmostEqual(self.Cron._xero_time_left(), 120 - ir_cron.LONGEST_SLEEP, delta=1)

    def test_a_pass_right_after_another_has_nearly_the_whole_limit(self):
        self.in_a_pass(last_job_ended_ago=2)
        self.assertAlmostEqual(self.Cron._xero_time_left(), 118, delta=1)
        self.in_a_pass(last_job_ended_ago=500)  # passes without jobs since: the longest sleep again
        self.assertAlmostEqual(self.Cron._xero_time_left(), 120 - ir_cron.LONGEST_SLEEP, delta=1)

    def test_the_cron_limit_and_the_cpu_limit_count_too(self):
        self.in_a_pass(last_job_ended_ago=0)
        with patch.dict(config.options, {"limit_time_real_cron": 30}):
            self.assertAlmostEqual(self.Cron._xero_time_left(), 30, delta=1)
            self.assertEqual(self.Cron._xero_margin(), 30 / 4)
        with (
            patch.dict(config.options, {"limit_time_real_cron": 0}),
            patch.object(ir_cron.resource, "getrlimit", return_value=(ir_cron.resource.RLIM_INFINITY, -1)),
        ):
            self.assertEqual(self.Cron._xero_time_left(), math.inf)
        used = ir_cron.resource.getrusage(ir_cron.resource.RUSAGE_SELF)
        with patch.object(ir_cron.resource, "getrlimit", return_value=(int(used.ru_utime + used.ru_stime) + 5, -1)):
            self.assertLess(self.Cron._xero_time_left(), 6)
            self.assertTrue(self.Cron._xero_out_of_time())

    def test_no_limit_outside_a_cron_pass_or_on_the_threaded_server(self):
        self.assertEqual(self.Cron._xero_time_left(), math.inf)  # an HTTP worker: never in a pass
        self.assertIsNone(self.Cron._xero_deadline())
        self.in_a_pass(last_job_ended_ago=0)
        with patch.dict(config.options, {"workers": 0}):
            self.assertEqual(self.Cron._xero_time_left(), math.inf)
        # a job ended in this thread (an HTTP worker's Run Manually): the requests that follow have no pass
        ir_cron._pass.in_job = False
        self.assertEqual(self.Cron._xero_time_left(), math.inf)
        self.assertIsNone(self.Cron._xero_deadline())

    def test_a_client_starts_no_call_it_cannot_end_in_time(self):
        self.with_time_left(16)  # the margin is 15 s: one second for calls
        client = self.env["xero.service"]._xero_client(self.connection)
        self.assertLessEqual(client.deadline - time.monotonic(), 1.01)
        self.sandbox.control.clear_requests()
        with self.assertRaises(XeroTimeUp):
            client.organisation()
        self.assertEqual(self.sandbox.control.requests(), [], "no call reached Xero")

    def test_a_call_gets_what_is_left_as_its_timeout_and_no_wait_past_it(self):
        started = time.monotonic()
        client = self.env["xero.service"]._xero_client(self.connection, deadline=started + 30)
        connect, read = client._timeout()
        self.assertEqual(connect, 10)
        # exactly what was left when it was asked, however long the machine took to get here
        self.assertLessEqual(read, 30)
        self.assertGreaterEqual(read, started + 30 - time.monotonic())
        self.assertEqual(client.organisation()["name"], self.sandbox.tenants[0]["name"])
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Organisation", "error", status=503, count=1)
        self.sandbox.control.clear_requests()
        # the client's clock moves only by its waits (not by a loaded machine's delays): 1.2 s left when the
        # call starts; the retry's 0.5 s backoff would leave less than the second a call needs
        waited = []
        client.deadline = 1.2
        with (
            patch.object(client, "_time_left", lambda: client.deadline - sum(waited)),
            patch.object(client, "_sleep", waited.append),
            self.assertRaises(XeroTimeUp),
        ):
            client.organisation()
        self.assertEqual(len(self.sandbox.control.requests()), 1, "the failed call, and no retry past the deadline")
        self.assertEqual(waited, [0.5], "the backoff began (it ends before the deadline), the retry did not")

    def test_out_of_time_the_contact_job_ends_its_turn_and_comes_back(self):
        """The jobs before it used the pass: no run, no call; nothing remaining for Odoo's loop, and a trigger."""
        cron = self.env["xero.contact.sync"]._xero_ensure_cron(self.connection)
        self.with_time_left(5)
        logs = self.connection.sync_log_ids
        self.sandbox.control.clear_requests()
        Cron = type(self.env["ir.cron"])
        with patch.object(Cron, "_commit_progress", autospec=True, return_value=0) as progress:
            self.env["xero.contact.sync"].with_context(cron_id=cron.id)._cron_xero_sync_connection(self.connection.id)
        self.assertEqual(self.connection.sync_log_ids, logs)
        self.assertEqual(self.sandbox.control.requests(), [])
        self.assertEqual(progress.call_args.kwargs, {"remaining": 0})
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
