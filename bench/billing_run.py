"""Month-end in one click: a billing run for N clients x 20 approved timesheets, next to Odoo's own batch
invoicing of N sale orders invoiced on timesheets (sale_timesheet, "Create invoices" on the N orders).

    ./dev bench billing_run [--clients 500] [--timesheets 20] [--db xts_billing_bench] [--fresh] [--no-update]
                            [--repeat 1]
    .cache/venv/bin/python bench/billing_run.py [same options]

Builds its own database (a copy of ./dev's template with xero_timesync and sale_timesheet installed; kept for
the next run, updated to the current code unless ``--no-update``). Each side runs in a child process of its
own, in one transaction rolled back at the end, on the same data size: ours against an in-process xero_sandbox
(N contacts imported through the real flow), Odoo's on N customers with one sale order each (a service
product invoiced on timesheets, a task per order). Timed: from the billing run's creation to its invoices
pushed (and the creation alone), against ``sale.advance.payment.inv.create_invoices()``. Prints wall time, SQL
queries, peak RSS growth during the step (sampled every 20 ms), the Xero calls by method and path, and the
ratio. Asserts nothing about time.
"""

import argparse
import cProfile
import gc
import json
import math
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

from access_scale import CFG, ROOT, odoo_path, psql

MONTH = (date(2026, 3, 1), date(2026, 3, 31))
EMPLOYEES = 5


def odoo_server(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([odoo_path(), str(ROOT)]))
    subprocess.run(
        [sys.executable, "-m", "odoo", "server", "-c", str(CFG), *args, "--stop-after-init", "--log-level=warn"],
        check=True,
        env=env,
    )


def ensure_database(db, fresh, update):
    """xero_timesync and sale_timesheet in a scratch database of the bench's own (sale_timesheet is no
    dependency of the addon: never in the test databases)."""
    exists = bool(psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"))
    if exists and fresh:
        subprocess.run(["dropdb", db], check=True)
        exists = False
    if not exists:
        templates = psql("SELECT datname FROM pg_database WHERE datname LIKE 'xts\\_template\\_%' ORDER BY oid DESC")
        subprocess.run(["createdb", *(["-T", templates[0]] if templates else []), db], check=True)
        print(f"installing xero_timesync and sale_timesheet into {db} ...", flush=True)
        odoo_server("-d", db, "-i", "xero_timesync,sale_timesheet")
    elif update:
        print(f"updating xero_timesync in {db} ...", flush=True)
        odoo_server("-d", db, "-u", "xero_timesync")


# the tables whose statistics plan Odoo's accounting queries (bench/odoo_shell.py's ACCOUNTING), and the time
ACCOUNTING = "account_payment, account_move, account_move_line, account_partial_reconcile, account_full_reconcile"
SEEDED = f"{ACCOUNTING}, account_analytic_line"


def vacuum(db):
    """VACUUM ANALYZE the seeded tables before each side, from a connection of its own, as autovacuum keeps them.
    The rolled-back runs before leave pages of dead rows, which the ANALYZE after seeding (in the run's
    transaction) counts as pages of a table of 0 rows: PostgreSQL then estimates one line however many the run
    adds, and plans Odoo's ``_compute_reconciled_payment_ids`` query (called by ``account.move.create``) as nested
    loops over every line of the database, 10 s a call once a few hundred invoices are made (on both sides)."""
    subprocess.run(["psql", "-q", "-d", db, "-c", f"VACUUM ANALYZE {SEEDED}"], check=True)


def analyse(env):
    """ANALYZE the seeded tables as they are in this transaction, as autovacuum does after a commit (both sides
    call it once their data is seeded)."""
    env.flush_all()
    env.cr.execute(f"ANALYZE {SEEDED}")


# -- measuring ----------------------------------------------------------------------------------------------
def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class PeakRss:
    """The highest RSS while the block runs, sampled every 20 ms, minus the RSS before it (MB)."""

    def __enter__(self):
        gc.collect()
        self.start = self.peak = rss_kb()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, rss_kb())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_kb())
        self.growth_mb = (self.peak - self.start) / 1024


PROFILE = os.environ.get("XTS_BENCH_PROFILE")  # a directory: a cProfile dump of each measured step


def measured(env, fn):
    """``(result, {"seconds", "cpu", "queries", "peak_mb"})`` of ``fn``, pending writes and precommit hooks (the
    tracking messages Odoo writes at commit) included (``cpu``: this
    process's CPU seconds, PostgreSQL's not counted: steadier than wall time on a busy machine)."""
    profiler = cProfile.Profile() if PROFILE else None
    env.cr.flush()
    with PeakRss() as rss:
        queries, started, cpu = env.cr.sql_log_count, time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = fn()
        env.cr.flush()  # the pending writes and what a commit would run first (the chatter's tracking), both sides
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{PROFILE}/{os.getpid()}-{started:.0f}.prof")
    figures = {"seconds": seconds, "cpu": cpu, "queries": env.cr.sql_log_count - queries, "peak_mb": rss.growth_mb}
    return result, figures


def days(per_client):
    first, last = MONTH
    span = (last - first).days + 1
    return [first + timedelta(days=n % span) for n in range(per_client)]


# -- ours: a billing run ------------------------------------------------------------------------------------
def ours(env, clients, per_client):
    from odoo.addons.xero_timesync import const  # noqa: PLC0415 (odoo's path is set by the child)
    from odoo.addons.xero_timesync.ownership import owned_writes  # noqa: PLC0415

    from bench.odoo_shell import calls, connected_to_a_sandbox  # noqa: PLC0415

    contacts = clients + clients // 5 + 10  # some seeded contacts are suppliers only
    with connected_to_a_sandbox(env, contacts=contacts, seed=3, orgs=1) as (sandbox, connection):
        company = env.company
        company.write(
            {"xero_timesheet_approval": True, "xero_default_hourly_rate": 100.0, "xero_invoice_rounding": "0"}
        )
        env["account.fiscal.position"].search([("company_id", "=", company.id)]).auto_apply = False  # domestic clients
        company.account_sale_tax_id.xero_tax_type = "OUTPUT2"
        tasks = env["project.task"].search([("xero_connection_id", "=", connection.id), ("partner_id", "!=", False)])
        tasks = tasks.grouped("partner_id")
        tasks = [task[0] for task in list(tasks.values())[:clients]]
        if len(tasks) < clients:
            sys.exit(f"only {len(tasks)} Xero clients imported; ask for fewer --clients")
        employees = env["hr.employee"].create([{"name": f"Bench employee {n}"} for n in range(EMPLOYEES)])
        Timesheet = env["account.analytic.line"]
        with owned_writes():
            for start in range(0, clients, 100):
                Timesheet.create(
                    [
                        {
                            "name": f"Work {n}",
                            "project_id": task.project_id.id,
                            "task_id": task.id,
                            "employee_id": employees[n % EMPLOYEES].id,
                            "unit_amount": 1.0 + (n % 4) / 4,
                            "date": day,
                            "xero_approval_state": "approved",
                        }
                        for task in tasks[start : start + 100]
                        for n, day in enumerate(days(per_client))
                    ]
                )
        analyse(env)
        sandbox.control.clear_requests()
        Run = env["xero.billing.run"]

        def create():
            run = Run.create({"date_from": MONTH[0], "date_to": MONTH[1]})
            run.action_create_invoices()
            while run.state == "creating":
                run._xero_work()
            return run

        def push(run):
            run.action_push()
            while run.state == "pushing":
                run._xero_work()
            return run

        run, created = measured(env, create)
        _, pushed = measured(env, lambda: push(run))
        lines = run.line_ids
        total, by_call = calls(sandbox)
        puts = by_call.get("PUT /api.xro/2.0/Invoices", 0)
        invoices = len(sandbox.control.invoices(connection.tenant_id))
        return {
            "create": created,
            "push": pushed,
            "invoices": len(lines.move_id),
            "pushed": len(lines.filtered(lambda line: line.state == "pushed")),
            "refused": [line.message for line in lines if line.state in ("refused", "push_failed")][:3],
            "xero_invoices": invoices,
            "calls": by_call,
            "calls_total": total,
            "puts": puts,
            "expected_puts": math.ceil(clients / const.INVOICES_BATCH_SIZE),
            "timesheets": Timesheet.search_count([("xero_billed_move_line_id", "in", lines.move_id.line_ids.ids)]),
        }


# -- Odoo's: "Create invoices" on N sale orders invoiced on timesheets --------------------------------------
def odoo_batch(env, clients, per_client):
    measured_env, env = env, env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))  # set-up
    project = env["project.project"].create({"name": "Bench (sale_timesheet)", "allow_billable": True})
    product = env["product.product"].create(
        {
            "name": "Consulting (bench)",
            "type": "service",
            "service_policy": "delivered_timesheet",
            "service_tracking": "task_global_project",
            "project_id": project.id,
            "list_price": 100.0,
        }
    )
    partners = env["res.partner"].create([{"name": f"Bench customer {n}"} for n in range(clients)])
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": per_client})],
            }
            for partner in partners
        ]
    )
    orders.action_confirm()
    employees = env["hr.employee"].create([{"name": f"Bench employee {n}"} for n in range(EMPLOYEES)])
    Timesheet = env["account.analytic.line"]
    for start in range(0, clients, 100):
        Timesheet.create(
            [
                {
                    "name": f"Work {n}",
                    "project_id": project.id,
                    "task_id": order.tasks_ids[:1].id,
                    "employee_id": employees[n % EMPLOYEES].id,
                    "unit_amount": 1.0 + (n % 4) / 4,
                    "date": day,
                }
                for order in orders[start : start + 100]
                for n, day in enumerate(days(per_client))
            ]
        )
    analyse(env)

    orders = orders.with_env(measured_env)  # Create invoices as a user runs it: chatter and tracking included

    def create_invoices():
        wizard = (
            measured_env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=orders.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        return orders.invoice_ids

    invoices, created = measured(env, create_invoices)
    _, confirmed = measured(env, lambda: invoices.with_env(measured_env).action_post())  # Confirm, as a user does
    return {
        "create": created,
        "confirm": confirmed,
        "posted": len(invoices.filtered(lambda move: move.state == "posted")),
        "invoices": len(invoices),
        "timesheets": Timesheet.search_count([("timesheet_invoice_id", "in", invoices.ids)]),
    }


def child(args):
    sys.path[:0] = [odoo_path(), str(ROOT)]
    import odoo  # noqa: PLC0415 (needs the path set above)
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(CFG), "--log-level=warn"])
    cr = Registry(args.db).cursor()
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        part = ours if args.part == "ours" else odoo_batch
        result = part(env, args.clients, args.timesheets)
    finally:
        cr.rollback()
        cr.close()
    print("RESULT " + json.dumps(result), flush=True)


def run_child(args, part):
    print(f"{part}: {args.clients} clients x {args.timesheets} timesheets ...", flush=True)
    vacuum(args.db)
    command = [sys.executable, __file__, "--part", part, "--db", args.db]
    command += ["--clients", str(args.clients), "--timesheets", str(args.timesheets)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode or not lines:
        sys.exit(f"{part} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def report(args, mine, theirs):
    n = args.clients
    total = {key: mine["create"][key] + mine["push"][key] for key in ("seconds", "cpu", "queries")}
    total["peak_mb"] = max(mine["create"]["peak_mb"], mine["push"]["peak_mb"])
    odoo_total = {key: theirs["create"][key] + theirs["confirm"][key] for key in ("seconds", "cpu", "queries")}
    odoo_total["peak_mb"] = max(theirs["create"]["peak_mb"], theirs["confirm"]["peak_mb"])
    rows = [
        (
            "billing run: create invoices",
            mine["create"],
            f"{mine['invoices']} invoices, {mine['timesheets']} timesheets",
        ),
        (
            "billing run: post and push to Xero",
            mine["push"],
            f"{mine['pushed']} pushed, {mine['puts']} PUT /Invoices (ceil({n}/50) = {mine['expected_puts']}),"
            f" {mine['calls_total']} calls in all {mine['calls']}",
        ),
        ("billing run: create + post + push", total, f"sandbox holds {mine['xero_invoices']} invoices"),
        (
            "sale_timesheet: Create invoices on the orders",
            theirs["create"],
            f"{theirs['invoices']} draft invoices, {theirs['timesheets']} timesheets",
        ),
        ("Odoo: Confirm the drafts (action_post)", theirs["confirm"], f"{theirs['posted']} posted"),
        ("Odoo: Create invoices + Confirm", odoo_total, "the whole of Odoo's own month-end"),
    ]
    print(f"\n{n} clients x {args.timesheets} approved timesheets ({n * args.timesheets:,} timesheets)")
    print(f"{'step':<48} {'seconds':>8} {'cpu s':>8} {'queries':>8} {'+MB':>6}  notes")
    for label, f, note in rows:
        print(f"{label:<48} {f['seconds']:>8.2f} {f['cpu']:>8.2f} {f['queries']:>8} {f['peak_mb']:>6.0f}  {note}")
    if mine["refused"]:
        print("refused:", mine["refused"])
    for label, ours_, odoo_ in (
        ("creating (ours) / Create invoices (Odoo's), both leaving drafts", mine["create"], theirs["create"]),
        ("create + post + push (ours) / Create invoices + Confirm (Odoo's)", total, odoo_total),
    ):
        print(
            f"\n{label}: CPU {ours_['cpu']:.2f} / {odoo_['cpu']:.2f} s = {ours_['cpu'] / odoo_['cpu']:.2f};"
            f" queries {ours_['queries']} / {odoo_['queries']} = {ours_['queries'] / odoo_['queries']:.2f};"
            f" wall {ours_['seconds']:.2f} / {odoo_['seconds']:.2f} s = {ours_['seconds'] / odoo_['seconds']:.2f}"
        )
    print(f"peak memory growth, ours: {total['peak_mb']:.0f} MB (target < 100 MB); load average {os.getloadavg()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--timesheets", type=int, default=20, help="approved timesheets per client")
    parser.add_argument("--db", default="xts_billing_bench")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--no-update", action="store_true", help="do not update the addon in the database first")
    parser.add_argument("--repeat", type=int, default=1, help="run each side this many times; report each side's best")
    parser.add_argument("--part", choices=("ours", "odoo"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        child(args)
        return
    if not CFG.exists():
        sys.exit("run ./dev bootstrap first (it writes .cache/odoo.cfg)")
    ensure_database(args.db, args.fresh, not args.no_update)
    mines, theirs_ = [], []
    for _ in range(args.repeat):  # alternately: a busy machine weighs on both sides alike
        mines.append(run_child(args, "ours"))
        theirs_.append(run_child(args, "odoo"))
    if args.repeat > 1:
        for side, runs, steps in (("ours", mines, ("create", "push")), ("Odoo's", theirs_, ("create", "confirm"))):
            cpus = ", ".join(" + ".join(f"{run[step]['cpu']:.2f}" for step in steps) for run in runs)
            print(f"{side}: CPU s of each run ({' + '.join(steps)}): {cpus}")
    # each side's least disturbed run: the lowest CPU in all
    mine = min(mines, key=lambda run: run["create"]["cpu"] + run["push"]["cpu"])
    theirs = min(theirs_, key=lambda run: run["create"]["cpu"] + run["confirm"]["cpu"])
    report(args, mine, theirs)


if __name__ == "__main__":
    main()
