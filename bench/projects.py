"""Xero Projects: approved timesheet lines of one client pushed as time entries (issue 26).

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an in-process
xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_proj_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_proj_bench --no-http --log-level=warn < bench/projects.py

Two parts (``XTS_PROJECTS_PART=unlimited`` or ``enforced`` runs one of them):

- *unlimited*: 1,000 entries with Xero's limits lifted on both sides (the sandbox's and the addon's 60 calls a
  minute): the calls and queries it costs, and the time to finish 10,000 entries at each tier that the health
  panel shows (``xero.projects._xero_done_by``: the day's limit, then whole days, 60 calls a minute);
- *enforced*: the sandbox enforces Xero's limits (60 calls a rolling minute, 5 in flight, a day limit) and the
  addon's own budget (``xero.rate.budget``, ``const.MINUTE_LIMIT``) paces the job as in production, with the day
  scaled down to D calls on both sides (``XTS_PROJECTS_DAY``, 120) so that it runs in minutes: 2.5 x D entries;
  each "day" the job runs until the day's budget is spent, runs again (it must stop without a call), then the
  next day comes (the budget's row moved to yesterday, the sandbox's counters reset), until all are at Xero.
"""

import os
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.services.xero_client import XeroClient

from bench.odoo_shell import connected_to_a_sandbox, measure

ENTRIES = 1000
AROHA = "aroha.ngata@example.com"  # one of the sandbox's projects users
NO_LIMITS = {"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1}
DAY = int(os.environ.get("XTS_PROJECTS_DAY", "120"))
PART = os.environ.get("XTS_PROJECTS_PART", "")


@contextmanager
def client_of_the_project(env, sandbox_options, entries):
    """``(sandbox, connection, job)``: ``entries`` approved lines of one client billed by Xero Projects."""
    env.company.xero_projects = True  # before the consent: the grant has the projects scope
    with connected_to_a_sandbox(env, contacts=5, seed=3, orgs=1, **sandbox_options) as (sandbox, connection):
        task = env["project.task"].search([("xero_connection_id", "=", connection.id), ("partner_id", "!=", False)])[0]
        task.partner_id.xero_billed_by = "xero_projects"
        employee = env["hr.employee"].create({"name": "Bench Aroha", "work_email": AROHA})
        env["account.analytic.line"].create(
            [
                {
                    "name": f"Work {n}",
                    "project_id": task.project_id.id,
                    "task_id": task.id,
                    "employee_id": employee.id,
                    "unit_amount": 0.25 + (n % 12) / 4,
                    "date": date(2026, 1, 1) + timedelta(days=n % 60),
                }
                for n in range(entries)
            ]
        )
        sandbox.control.clear_requests()
        yield sandbox, connection, env["xero.job"]._xero_ensure_cron(connection, "projects")


def unlimited(env):
    with (
        patch.object(const, "MINUTE_LIMIT", 1_000_000),
        client_of_the_project(env, {"rate_limits": NO_LIMITS}, ENTRIES) as (sandbox, connection, job),
    ):
        log, seconds, queries = measure(env, lambda: job._xero_run("manual"))
        requests = sandbox.control.requests("/projects.xro")
        counted = Counter(f"{r['method']} {_shape(r['path'])}" for r in requests)
        stored = len(sandbox.control.projects(connection.tenant_id)["time_entries"])
        print(f"\npush {ENTRIES:,} approved lines: {log.state}, {stored:,} time entries stored at Xero")
        print(f"  {seconds:.1f} s, {queries:,} queries ({queries / ENTRIES:.1f} a line)")
        print(
            f"  {len(requests):,} API calls, {sum(r['status'] == 429 for r in requests)} answered 429: {dict(counted)}"
        )
        _, again, _ = measure(env, lambda: job._xero_run("manual"))
        writes = [r for r in sandbox.control.requests("/projects.xro")[len(requests) :] if r["method"] != "GET"]
        print(f"  a second run: {len(writes)} writes at Xero (it compares the lines pushed: {again:.2f} s)")
    start = datetime(2026, 3, 2, 0, 0)
    for tier, limit in (("Starter", 1000), ("Core and above", 5000)):
        calls = env["xero.projects"]._xero_calls_to_send(10_000)
        done = env["xero.projects"]._xero_done_by(calls, limit, 0, start)
        print(
            f"  10,000 entries ({calls:,} calls) at {tier} ({limit:,} calls a day): done {done - start} after the start"
        )


def enforced(env):
    entries = DAY * 5 // 2
    waits = []
    real_init = XeroClient.__init__

    def client_init(client, *args, **kwargs):  # the client's waits, recorded and really waited
        kwargs["sleep"] = lambda seconds: (waits.append(seconds), time.sleep(seconds))
        real_init(client, *args, **kwargs)

    env["ir.config_parameter"].set_param(const.PARAM_DAILY_LIMIT, DAY)
    with (
        patch.object(XeroClient, "__init__", client_init),
        client_of_the_project(env, {"rate_limits": NO_LIMITS}, entries) as (sandbox, connection, job),
    ):
        tenant = connection.tenant_id
        Budget = env["xero.rate.budget"].sudo()
        Budget.search([("tenant_id", "=", tenant)]).unlink()  # the connection's own calls: a fresh day on both sides
        sandbox.control.set_rate_limits(minute=const.MINUTE_LIMIT, day=DAY, concurrent=5, app_minute=10000)
        queue = env["xero.projects"]._xero_queue(connection)
        today = datetime.now().date()
        predicted = (queue["done_by"].date() - today).days + 1
        print(
            f"\nenforced limits: {entries:,} approved lines, Xero's limits on the sandbox (60 calls a minute, 5 in"
            f" flight, {DAY} a day) and the addon's budget ({const.MINUTE_LIMIT} a minute, {DAY} a day)"
        )
        print(
            f"  the health panel before: {queue['calls']:,} calls queued, done by {queue['done_by']:%Y-%m-%d %H:%M}"
            f" (day {predicted})"
        )
        total_429 = total_calls = day = 0
        while len(sandbox.control.projects(tenant)["time_entries"]) < entries and day < predicted + 3:
            day += 1
            seen, waited, started = len(sandbox.control.requests("/projects.xro")), len(waits), time.monotonic()
            log = job._xero_run("manual")
            again = job._xero_run("manual")
            env.flush_all()
            requests = sandbox.control.requests("/projects.xro")[seen:]
            refused = sum(r["status"] == 429 for r in requests)
            total_429, total_calls = total_429 + refused, total_calls + len(requests)
            budget = Budget.search([("tenant_id", "=", tenant)])
            stored = len(sandbox.control.projects(tenant)["time_entries"])
            print(
                f"  day {day}: {len(requests)} calls ({refused} answered 429), the budget counted {budget.day_calls},"
                f" waits {_seconds(waits[waited:])}, {time.monotonic() - started:.0f} s;"
                f" {stored:,} entries at Xero; run {log.state} ({log.message}); run again: {again.state},"
                f" {again.api_calls} calls"
            )
            env.cr.execute(  # the next day: the day's calls were yesterday's, the last minute is long gone
                "UPDATE xero_rate_budget SET day = day - 1, minute_calls_at = NULL WHERE tenant_id = %s", [tenant]
            )
            env.invalidate_all()
            sandbox.control.set_rate_limits(minute=const.MINUTE_LIMIT, day=DAY, concurrent=5, app_minute=10000)
        at_xero = sandbox.control.projects(tenant)["time_entries"]
        twice = sum(n - 1 for n in Counter(e["description"] for e in at_xero).values() if n > 1)
        pushed = env["xero.projects.entry"].sudo().search([("connection_id", "=", connection.id)])
        print(
            f"  {len(at_xero):,} of {entries:,} entries at Xero ({twice} duplicated), {total_calls} calls,"
            f" {total_429} answered 429, in {day} days; the health panel predicted {predicted} days"
            f" ({env['xero.projects']._xero_calls_to_send(entries)} calls for the entries)"
        )
        print(f"  Odoo: {Counter(pushed.mapped('state'))}, {len(set(pushed.mapped('xero_time_entry_id')))} ids")


def _seconds(waits):
    return f"{len(waits)} ({sum(waits):.0f} s)" if waits else "none"


def _shape(path):
    parts = path.split("?")[0].split("/")
    return "/".join("{id}" if len(part) == 36 else part for part in parts)


if PART != "enforced":
    unlimited(env)  # noqa: F821 (odoo shell provides env)
if PART != "unlimited":
    enforced(env)  # noqa: F821
