"""Xero Projects: push ENTRIES approved timesheet lines of one client as time entries (issue 26).

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an in-process
xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_proj_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_proj_bench --no-http --log-level=warn < bench/projects.py

Xero's 60 calls a minute are lifted here (the push would wait them out: the rate budget's own tests show the
waits); the calls it makes are counted, and the time to finish 10,000 entries at each tier is what the health
panel shows (``xero.projects._xero_done_by``: the day's limit, then whole days, 60 calls a minute).
"""

from collections import Counter
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.addons.xero_timesync import const

from bench.odoo_shell import connected_to_a_sandbox, measure

ENTRIES = 1000
AROHA = "aroha.ngata@example.com"  # one of the sandbox's projects users
NO_LIMITS = {"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1}


def run(env):
    env.company.xero_projects = True  # before the consent: the grant has the projects scope
    with (
        patch.object(const, "MINUTE_LIMIT", 1_000_000),
        connected_to_a_sandbox(env, contacts=5, seed=3, orgs=1, rate_limits=NO_LIMITS) as (sandbox, connection),
    ):
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
                for n in range(ENTRIES)
            ]
        )
        sandbox.control.clear_requests()
        job = env["xero.job"]._xero_ensure_cron(connection, "projects")
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


def _shape(path):
    parts = path.split("?")[0].split("/")
    return "/".join("{id}" if len(part) == 36 else part for part in parts)


run(env)  # noqa: F821 (odoo shell provides env)
