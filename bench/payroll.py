"""Xero Payroll: 200 employees x 10 days of approved time in one closed pay period, pushed (issue 26).

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an in-process
xero_sandbox with an NZ, a UK and an AU organisation (one company each); everything is rolled back at the end::

    XTS_TEST_DB=xts_payroll_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_payroll_bench --no-http --log-level=warn < bench/payroll.py

In each organisation 200 Xero Payroll employees are added through the sandbox's control on a fortnightly
calendar whose last period closed yesterday (Sunday); 200 Odoo employees share their e-mails, so the matching
(Refresh, its reads counted in a column of their own) proposes each one and the admin confirms. Then the
``payroll`` job runs twice. Xero's 60 calls a minute are lifted (the push would wait them out); the calls are
counted from the sandbox's request log. CPU seconds are the process's: the sandbox serves from a thread of this
process, so its work is included.
"""

import time
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.ownership import owned_writes
from odoo.addons.xero_timesync.tests.common import XeroSandboxMixin

from bench.odoo_shell import connected_to_a_sandbox

EMPLOYEES = 200
DAYS = 10  # Monday to Friday of both weeks of the fortnight
READS = 10  # organisation, calendars (and employees, earnings rates if read): never one per employee
NO_LIMITS = {"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1}
TIMESHEETS = "POST …/Timesheets"
ROWS = (
    ("timesheet calls (POST …/Timesheets)", (TIMESHEETS,)),
    ("read employees", ("GET …/Employees",)),
    ("read calendars", ("GET …/PayRunCalendars", "GET …/PayrollCalendars")),
    ("read earnings rates", ("GET …/EarningsRates", "GET …/PayItems")),
    ("read organisation", ("GET …/Organisation",)),
)


def run(env):
    env.company.xero_payroll_enabled = True  # before the consent: the payroll scopes are asked
    with (
        patch.object(const, "MINUTE_LIMIT", 1_000_000),
        connected_to_a_sandbox(env, contacts=5, seed=7, orgs=4, rate_limits=NO_LIMITS) as (sandbox, connection),
    ):
        regions = {t["tenant_id"]: sandbox.control.payroll(t["tenant_id"])["region"] for t in sandbox.tenants}
        connections = {regions[connection.tenant_id]: connection}
        bench = type("Bench", (XeroSandboxMixin,), {"env": env, "sandbox": sandbox})
        for tenant, region in regions.items():
            if region in ("NZ", "UK", "AU") and region not in connections:
                company = env["res.company"].create({"name": f"Payroll bench {region}"})
                env.user.company_ids |= company
                company.xero_payroll_enabled = True
                connections[region] = bench.connect(company=company, tenant_ids=[tenant])
        for region in ("NZ", "UK", "AU"):
            if region in connections:
                _bench(
                    env["res.company"].with_company(connections[region].company_id).env,
                    sandbox,
                    connections[region],
                    region,
                )


def _bench(env, sandbox, connection, region):
    company, tenant = connection.company_id, connection.tenant_id
    company.xero_timesheet_approval = True
    monday = fields.Date.context_today(env["res.users"])
    monday -= timedelta(days=monday.weekday())
    start = monday - timedelta(days=14)  # the fortnight closed yesterday
    calendar = sandbox.control.add_payroll_calendar(tenant, "Fortnightly", start.isoformat(), "Bench fortnight")
    employees = _employees(env, sandbox, tenant, company, calendar["id"])
    matching = _measured(env, sandbox, lambda: _match(env, company, employees))
    _approved_time(env, connection, employees, start)
    job = env["xero.job"]._xero_ensure_cron(connection, "payroll")
    first = _measured(env, sandbox, lambda: job._xero_run("manual"))
    stored = len(sandbox.control.payroll(tenant)["timesheets"])
    second = _measured(env, sandbox, lambda: job._xero_run("manual"))
    _report(region, matching, first, second, stored)


def _employees(env, sandbox, tenant, company, calendar_id):
    """EMPLOYEES Xero Payroll employees and as many Odoo employees with the same e-mails."""
    for n in range(EMPLOYEES):
        email = f"bench.worker{n:03d}@example.com"
        sandbox.control.add_payroll_employee(tenant, "Bench", f"Worker{n:03d}", email=email, calendar_id=calendar_id)
    return env["hr.employee"].create(
        [
            {"name": f"Bench Worker{n:03d}", "work_email": f"bench.worker{n:03d}@example.com", "company_id": company.id}
            for n in range(EMPLOYEES)
        ]
    )


def _match(env, company, employees):
    """The admin's Refresh (matching proposed by e-mail), then Confirm, and the ordinary earnings rate."""
    Matching = env["xero.payroll.employee"]
    Matching.action_xero_payroll_refresh()
    rows = Matching.search([("employee_id", "in", employees.ids)])
    rows.action_confirm()
    company.xero_payroll_ordinary_rate_id = env["xero.payroll.rate"].search(
        [("company_id", "=", company.id), ("name", "=", "Ordinary Hours")], limit=1
    )
    if len(rows) != EMPLOYEES or not company.xero_payroll_ordinary_rate_id:
        raise SystemExit(f"{len(rows)} of {EMPLOYEES} employees matched")


def _approved_time(env, connection, employees, start):
    task = env["project.task"].search([("xero_connection_id", "=", connection.id), ("active", "=", True)], limit=1)
    days = [start + timedelta(days=d) for d in range(14) if (start + timedelta(days=d)).weekday() < 5][:DAYS]
    lines = env["account.analytic.line"].create(
        [
            {
                "name": "Work",
                "project_id": task.project_id.id,
                "task_id": task.id,
                "employee_id": employee.id,
                "unit_amount": 7.5,
                "date": day,
            }
            for employee in employees
            for day in days
        ]
    )
    with owned_writes():
        lines.sudo().xero_approval_state = "approved"
    env.flush_all()


def _measured(env, sandbox, fn):
    """fn's result, Xero's calls by ``METHOD …/Resource``, SQL queries, wall and CPU seconds."""
    env.flush_all()
    sandbox.control.clear_requests()
    queries, wall, cpu = env.cr.sql_log_count, time.perf_counter(), time.process_time()
    result = fn()
    env.flush_all()
    wall, cpu, queries = time.perf_counter() - wall, time.process_time() - cpu, env.cr.sql_log_count - queries
    calls = Counter(f"{r['method']} …/{_resource(r['path'])}" for r in sandbox.control.requests("/"))
    return {"result": result, "calls": calls, "queries": queries, "wall": wall, "cpu": cpu}


def _resource(path):
    parts = [p for p in path.split("?")[0].split("/") if p and len(p) != 36]
    return parts[-1] if parts else path


def _cells(runs, value):
    return "".join(f" {value(r):>{width}}" for r, width in zip(runs, (9, 10, 11), strict=True))


def _report(region, matching, first, second, stored):
    runs = (matching, first, second)
    print(f"\n{region} organisation, {EMPLOYEES} matched employees x {DAYS} approved days, one closed fortnight")
    print(f"  first run: {first['result'].state}: {first['result'].summary}; {stored} timesheets stored at Xero")
    print(f"  second run: {second['result'].state}: {second['result'].summary}")
    print(f"{'':<38} {'matching':>9} {'first run':>10} {'second run':>11}")
    known = set()
    for label, keys in ROWS:
        known.update(keys)
        print(f"{label:<38}" + _cells(runs, lambda r, keys=keys: sum(r["calls"][k] for k in keys)))
    for key in sorted(set().union(*(r["calls"] for r in runs)) - known):
        print(f"{'other ' + key:<38.38}" + _cells(runs, lambda r, key=key: r["calls"][key]))
    for label, value in (
        ("total calls", lambda r: f"{sum(r['calls'].values())}"),
        ("SQL queries", lambda r: f"{r['queries']}"),
        ("wall s", lambda r: f"{r['wall']:.2f}"),
        ("CPU s (process, sandbox included)", lambda r: f"{r['cpu']:.2f}"),
    ):
        print(f"{label:<38}" + _cells(runs, value))
    reads = sum(first["calls"].values()) - first["calls"][TIMESHEETS]
    verdict = "PASS" if first["calls"][TIMESHEETS] == EMPLOYEES and reads <= READS else "OVER"
    print(
        f"{verdict}  first run: {first['calls'][TIMESHEETS]} timesheet calls and {reads} reads,"
        f" {sum(first['calls'].values())} in all (target {EMPLOYEES}, one per employee, plus at most {READS} reads)"
    )
    verdict = "PASS" if second["calls"][TIMESHEETS] == 0 else "OVER"
    print(f"{verdict}  second run: {second['calls'][TIMESHEETS]} timesheet calls (target 0)")


run(env)  # noqa: F821 (odoo shell provides env)
