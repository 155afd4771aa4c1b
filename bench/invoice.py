"""Invoicing time: build one invoice from 10,000 timesheet lines; push 200 invoices to Xero.

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an
in-process xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_inv_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_inv_bench --no-http --log-level=warn < bench/invoice.py

Prints wall time and SQL queries per step, and the HTTP calls the push made (by method and path).
"""

import math
from collections import Counter
from datetime import date, timedelta

from odoo.addons.xero_timesync import const

from bench.odoo_shell import connected_to_a_sandbox, measure

TIMESHEETS = 10_000
INVOICES = 200


def run(env):
    with connected_to_a_sandbox(env, contacts=20, seed=3, orgs=1) as (sandbox, connection):
        rows = [
            (f"build one invoice from {TIMESHEETS:,} timesheets ({g})", *build(env, connection, g))
            for g in ("task", "project", "employee", "day", "one")
        ]
        rows.append((f"push {INVOICES} invoices from the list", *push(env, connection, sandbox)))
        print(f"\n{'step':<58} {'seconds':>8} {'queries':>8}  notes")
        for label, seconds, queries, note in rows:
            print(f"{label:<58} {seconds:>8.2f} {queries:>8}  {note}")


def build(env, connection, grouping):
    task = bench_task(env, connection)
    if not env["account.analytic.line"].search_count([("task_id", "=", task.id)]):
        employees = env["hr.employee"].create([{"name": f"Bench employee {n}"} for n in range(5)])
        day0 = date(2026, 1, 1)
        env["account.analytic.line"].create(
            [
                {
                    "name": f"Work {n}",
                    "project_id": task.project_id.id,
                    "task_id": task.id,
                    "employee_id": employees[n % 5].id,
                    "unit_amount": 0.05 + (n % 37) / 10,
                    "date": day0 + timedelta(days=n % 60),
                }
                for n in range(TIMESHEETS)
            ]
        )
        task.xero_hourly_rate = 125.0
        env.company.xero_invoice_rounding = "6"
    env.invalidate_all()
    wizard = env["xero.invoice.wizard"]._action_open(task)
    wizard = env["xero.invoice.wizard"].browse(wizard["res_id"])
    wizard.grouping = grouping
    action, seconds, queries = measure(env, wizard.action_create_invoice)
    move = env["account.move"].browse(action["res_id"])
    note = f"{len(move.invoice_line_ids)} lines, {move.amount_untaxed:,.2f} {move.currency_id.name}"
    move.button_cancel()  # releases the time for the next grouping
    return seconds, queries, note


def bench_task(env, connection):
    tasks = env["project.task"].search([("xero_connection_id", "=", connection.id), ("partner_id", "!=", False)])
    return tasks[0]


def push(env, connection, sandbox):
    partner = bench_task(env, connection).partner_id
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [(0, 0, {"name": f"Work {n}", "quantity": 2, "price_unit": 50 + n})],
            }
            for n in range(INVOICES)
        ]
    )
    moves.action_post()
    sandbox.control.clear_requests()
    _, seconds, queries = measure(env, moves.action_xero_push)
    calls = Counter(f"{r['method']} {r['path'].split('?')[0]}" for r in sandbox.control.requests("/api.xro"))
    pushed = sum(1 for m in moves if m.xero_invoice_id)
    expected = math.ceil(INVOICES / const.INVOICES_BATCH_SIZE)
    note = f"{sum(calls.values())} API calls ({dict(calls)}; ceil({INVOICES}/{const.INVOICES_BATCH_SIZE}) = {expected}), {pushed} pushed"
    return seconds, queries, note


run(env)  # noqa: F821 (odoo shell provides env)
