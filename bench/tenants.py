"""Many organisations on a real multi-worker Odoo (issue 16): each organisation its own job on the scheduler.

    .cache/venv/bin/python bench/tenants.py                          # 50 × 1,000 contacts, cron threads 1, 2, 4
    .cache/venv/bin/python bench/tenants.py --orgs 10 --contacts 200 --threads 2   # a quick look

One database per thread count, copied from a database where every organisation is connected (its own
company and connection, through the wizard's server-side path in a child process, as
tests/test_addon_lifecycle.py's CONNECT script does; no import yet). Then ``odoo server --workers=2
--max-cron-threads=N`` runs on it against xero_sandbox in a subprocess, and the benchmark only watches
the database. Each pass makes every organisation's job due (``nextcall = now()`` and the NOTIFY Odoo's
own triggers send) and waits until every organisation has ended a run (done or failed) or ``--timeout``:

* **first import**: 1 page per organisation;
* **no-change pass**: the runs are backdated by two hours, as an hour later: 1 call per organisation;
* **faults pass**: the same, with one organisation answering every call 10 s late (``--slow``) and
  another answering 500 (sandbox faults scoped to their tenant).

Per pass: organisations done / failed / starved (no run ended: must be 0), wall time (from the trigger
to the last run's end), the largest delay before an organisation's run started, API calls (the sync
logs' count), and the speed-up of each thread count over one thread. With 2 cron threads it also
measures **webhook → task visible**: a contact renamed at the sandbox, its signed webhook delivered to
the server, the time until the task's new name is committed (``--webhooks`` deliveries, a few seconds
apart, each to another organisation).

Wall times are noisy on a shared machine; the counts (API calls, organisations, runs) are exact.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_servers as servers  # noqa: E402  the servers, the connected organisations, SQL from outside
import sync_contacts as bench  # noqa: E402  the same databases, configuration and helpers
from odoo_servers import Server, free_port, sql  # noqa: E402

CLIENT_ID = "tenants-client-id"
CLIENT_SECRET = "tenants-client-secret"
WEBHOOK_KEY = "tenants-webhook-key"
SEED = 16


def say(message):
    print(f"[tenants] {message}", file=sys.stderr, flush=True)


# --- passes ----------------------------------------------------------------------------------------------
def run_pass(db, connections, timeout):
    """Make every organisation's job due now, wait until each has ended a run; returns the pass's figures."""
    (marker,) = sql(db, "SELECT COALESCE(MAX(id), 0) FROM xero_sync_log")[0]
    contacts = "AND flow = 'contacts'" if servers.has_flow_column(db) else ""  # the other flows' jobs apart
    (started,) = sql(db, "SELECT now() AT TIME ZONE 'UTC'")[0]
    sql(
        db,
        "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC'"
        " WHERE id IN (SELECT sync_cron_id FROM xero_connection WHERE state = 'connected')",
    )
    servers.notify_crons(db)
    deadline = time.monotonic() + timeout
    while True:
        rows = sql(
            db,
            f"""SELECT DISTINCT ON (connection_id) connection_id, state, started_at, duration, api_calls
                 FROM xero_sync_log WHERE id > %s AND state IN ('done', 'failed') {contacts}
             ORDER BY connection_id, id DESC""",
            [marker],
        )
        if len(rows) >= len(connections) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    every = sql(
        db, f"SELECT connection_id, started_at, api_calls, state FROM xero_sync_log WHERE id > %s {contacts}", [marker]
    )
    ended = {row[0]: row for row in rows}
    first_start = {}
    for connection_id, run_started, _calls, _state in every:
        first_start[connection_id] = min(first_start.get(connection_id, run_started), run_started)
    ends = [row[2].timestamp() + float(row[3] or 0) for row in rows]
    return {
        "done": sum(1 for row in rows if row[1] == "done"),
        "failed": sum(1 for row in rows if row[1] == "failed"),
        "starved": len(set(connections) - ended.keys()),
        "wall": (max(ends) - started.timestamp()) if ends else float("nan"),
        "max_delay": max((t - started).total_seconds() for t in first_start.values()) if first_start else 0,
        "api_calls": sum(row[2] or 0 for row in every),
        "runs": len(every),
        "ends": {
            connection_id: row[2].timestamp() + float(row[3] or 0) - started.timestamp()
            for connection_id, row in ended.items()
        },
    }


def backdate(db):
    """As an hour later: the last runs started two hours ago, so every organisation is due again."""
    sql(db, "UPDATE xero_sync_log SET started_at = started_at - interval '2 hours'")


def webhook_latency(db, sandbox, port, tenants, count, spacing):
    """Rename a contact at Xero, deliver its webhook, wait until the task's new name is committed."""
    control = sandbox.control
    control.set_webhook(url=f"http://127.0.0.1:{port}/xero_timesync/webhook", key=WEBHOOK_KEY)
    pending, latencies = {}, []
    for i in range(count):
        tenant_id = tenants[i % len(tenants)]
        contact = next(c for c in control.contacts(tenant_id) if c["ContactStatus"] == "ACTIVE")
        name = f"{contact['Name'][:150]} (webhook {i})"
        control.rename_contact(tenant_id, contact["ContactID"], name)
        delivered = time.time()
        control.trigger_webhook(tenant_id, contact_id=contact["ContactID"])
        pending[contact["ContactID"]] = (name, delivered)
        deadline = time.monotonic() + spacing
        while time.monotonic() < deadline or (i == count - 1 and pending):
            for contact_id, (name, delivered) in list(pending.items()):
                found = sql(
                    db, "SELECT 1 FROM project_task WHERE xero_contact_id = %s AND name = %s", [contact_id, name]
                )
                if found:
                    latencies.append(time.time() - delivered)
                    del pending[contact_id]
            if i == count - 1 and pending and time.time() - min(p[1] for p in pending.values()) > 180:
                break  # not visible after 3 minutes: counted as missing
            time.sleep(0.1)
    return latencies, len(pending)


# --- parent ----------------------------------------------------------------------------------------------
def run(args):
    from xero_sandbox.testing import SandboxServer

    stamp = f"xts_tenants_{os.getpid()}"
    base = f"{stamp}_base"
    created = [base]
    results = {}
    base_url = "http://127.0.0.1:8069"
    sandbox = SandboxServer(
        contacts=args.contacts,
        seed=SEED,
        orgs=args.orgs,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[base_url + "/xero_timesync/oauth/callback"],
        access_token_ttl=6 * 3600,  # every copy of the connected database keeps a valid access token
        rate_limits={"minute": 600, "day": 100000, "app_minute": 100000},
        subprocess=True,
    ).start()
    tenants = [tenant["tenant_id"] for tenant in sandbox.tenants]
    try:
        say(f"installing {bench.ADDON} into {base}, connecting {args.orgs} organisations")
        connections = servers.connected_database(
            base, sandbox, tenants, CLIENT_ID, CLIENT_SECRET, WEBHOOK_KEY, base_url
        )
        slow_tenant, failing_tenant = tenants[0], tenants[1]
        for threads in args.threads:
            db = f"{stamp}_{threads}"
            created.append(db)
            bench.duplicate(base, db)
            port = free_port()
            log_path = bench.CACHE / f"tenants-server-{threads}.log"
            say(f"odoo --workers=2 --max-cron-threads={threads} on {db} (log: {log_path})")
            with Server(db, threads, port, log_path):
                say("first import")
                results[("first", threads)] = run_pass(db, connections, args.timeout)
                backdate(db)
                say("no-change pass")
                results[("nochange", threads)] = run_pass(db, connections, args.timeout)
                backdate(db)
                control = sandbox.control
                control.inject_fault("*", "/api.xro/2.0/", "slow", count=1000, delay=args.slow, tenant=slow_tenant)
                control.inject_fault("*", "/api.xro/2.0/", "500", count=1000, tenant=failing_tenant)
                say(f"faults pass: one organisation {args.slow} s a call, one answering 500")
                try:
                    results[("faults", threads)] = run_pass(db, connections, args.timeout)
                finally:
                    control.clear_faults()
                if threads == args.webhook_threads and args.webhooks:
                    say(f"webhook → task visible, {args.webhooks} deliveries")
                    results[("webhook", threads)] = webhook_latency(
                        db, sandbox, port, tenants[2:], args.webhooks, args.spacing
                    )
    finally:
        sandbox.stop()
        if args.keep:
            say(f"kept databases: {', '.join(created)}")
        else:
            for db in created:
                bench.drop(db)
    report(args, results)


def report(args, results):
    print(f"{args.orgs} organisations × {args.contacts} contacts, odoo --workers=2, one job per organisation")
    header = "pass          threads  done  failed  starved  wall s  speed-up  max start delay s  API calls  runs"
    print(header)
    print("-" * len(header))
    for mode, name in (("first", "first import"), ("nochange", "no change"), ("faults", "slow + failing")):
        one = results.get((mode, args.threads[0]))
        for threads in args.threads:
            r = results.get((mode, threads))
            if not r:
                continue
            speedup = one["wall"] / r["wall"] if one and r["wall"] else float("nan")
            print(
                f"{name:<14}{threads:>7}  {r['done']:>4}  {r['failed']:>6}  {r['starved']:>7}  {r['wall']:6.1f}"
                f"  {speedup:7.2f}x  {r['max_delay']:17.1f}  {r['api_calls']:>9}  {r['runs']:>4}"
            )
    print(
        "wall: trigger → last run's end; speed-up: wall with the first thread count / wall; max start delay: the"
        " latest an organisation's run started after the trigger"
    )
    print()
    for threads in args.threads:
        r = results.get(("nochange", threads))
        if r:
            check = "PASS" if r["api_calls"] == args.orgs and r["starved"] == 0 else "FAIL"
            print(f"{check}  no-change pass, {threads} thread(s): {r['api_calls']} API calls (target {args.orgs})")
        r = results.get(("faults", threads))
        if r:
            healthy = sorted(r["ends"].values())
            check = "PASS" if r["starved"] == 0 else "FAIL"
            print(
                f"{check}  faults pass, {threads} thread(s): {r['starved']} starved organisation(s);"
                f" {r['done']} done, {r['failed']} failed; the others ended within {healthy[-3]:.1f} s"
                if len(healthy) >= 3
                else f"{check}  faults pass: {r['starved']} starved"
            )
    webhook = results.get(("webhook", args.webhook_threads))
    if webhook:
        latencies, missing = webhook
        if latencies:
            check = "PASS" if max(latencies) <= 5 and not missing else "FAIL"
            print(
                f"{check}  webhook → task visible ({args.webhook_threads} cron threads): median"
                f" {statistics.median(latencies):.1f} s, worst {max(latencies):.1f} s of {len(latencies)}"
                f" ({missing} not visible after 3 minutes; target within 5 s)"
            )
        else:
            print(f"FAIL  webhook → task visible: none of {missing} became visible")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=1000, help="contacts per organisation")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4], help="--max-cron-threads values")
    parser.add_argument("--slow", type=float, default=10, help="seconds a call of the slow organisation")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a pass may take")
    parser.add_argument("--webhooks", type=int, default=20, help="webhook deliveries measured (0: none)")
    parser.add_argument("--webhook-threads", type=int, default=2, help="with which cron thread count")
    parser.add_argument("--spacing", type=float, default=3, help="seconds between webhook deliveries")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    bench.read_config()
    run(args)


if __name__ == "__main__":
    main()
