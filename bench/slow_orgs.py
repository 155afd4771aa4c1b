"""Slow organisations against Odoo's worker limits (issue 23's reproduction).

    ./dev bench slow_orgs                                  # 12 organisations, every call 10 s late, 6 minutes
    ./dev bench slow_orgs --orgs 4 --minutes 3             # a quick look

Twelve organisations connected (each its own company and connection, as bench/tenants.py sets them up; no
import yet) whose Xero answers every call 10 s late (xero_sandbox faults of kind ``slow`` scoped to their
tenant), on ``odoo server --workers=2 --max-cron-threads=2`` with Odoo's DEFAULT time limits
(``limit_time_real`` 120 s, ``limit_time_real_cron`` -1 = the same 120 s, ``limit_time_cpu`` 60 s: none is
set in the configuration or on the command line). The contacts page is 5 contacts instead of 1,000 (the
server's processes override ``const.CONTACTS_PAGE_SIZE``), 20 contacts each: a first import needs 4 calls.

Every organisation job (the crons the addon created per organisation: since issue 23 one per flow) is made
due at once; the addon's data crons are moved past the end (they would only wake the same jobs). The invoice
-status and money jobs get a watermark a day old, as if invoices had been pushed then, so that each of their
runs asks Xero (``--no-history``: none, and they make no call). Each minute, from the server's log and the
database: "WorkerCron (pid) timeout after 120s" kills, CPU-limit kills, jobs Odoo marked timed out, runs a
later run closed as "Interrupted", runs marked running whose lock nobody holds (their worker is gone), other
failed runs, runs by state, runs still going (marked running, lock held), API calls, and organisations synced
(a run ended done; per flow when the sync log has a ``flow`` column).
"""

import argparse
import collections
import datetime
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_servers as servers  # noqa: E402  the servers, the connected organisations, SQL from outside
import sync_contacts as bench  # noqa: E402  the same databases, configuration and helpers
from odoo_servers import Server, data_crons, free_port, has_flow_column, organisation_crons, sql  # noqa: E402

CLIENT_ID = "slow-client-id"
CLIENT_SECRET = "slow-client-secret"
SEED = 231
# the runs' advisory locks: ("XER0" << 16) + connection id (contacts), ("XER1" << 16) + job id (other flows)
LOCK_NAMESPACES = (0x58455230, 0x58455231)
LIMITS = ("limit_time_real", "limit_time_real_cron", "limit_time_cpu")


def say(message):
    print(f"[slow_orgs] {message}", file=sys.stderr, flush=True)


def kills(log_path):
    with open(log_path, errors="replace") as log:
        text = log.read()
    return {
        "timeout": len(re.findall(r"WorkerCron \(\d+\) timeout after", text)),
        "cpu": len(re.findall(r"Worker \(\d+\) CPU time limit", text)),
        "job_timed_out": len(re.findall(r"Job '.*' \(\d+\) timed out", text)),
    }


def snapshot(db, log_path, t0):
    """The figures now: kills, interrupted runs, organisations synced (per flow), runs going, API calls."""
    flow = "flow" if has_flow_column(db) else "'contacts'"
    rows = sql(
        db,
        f"""SELECT connection_id, {flow}, state, COALESCE(api_calls, 0), COALESCE(message, '')
              FROM xero_sync_log WHERE started_at >= %s""",
        [t0],
    )
    # the runs' locks: a session advisory lock per organisation (and flow) held by the run's worker
    (locks,) = sql(
        db,
        """SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid::bigint = %s AND (objid::bigint >> 16) = ANY(%s)
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
        [LOCK_NAMESPACES[0] >> 16, [namespace & 0xFFFF for namespace in LOCK_NAMESPACES]],
    )[0]
    synced = collections.defaultdict(set)
    figures = collections.Counter()
    for connection_id, flow_name, state, calls, message in rows:
        figures["runs"] += 1
        figures["calls"] += calls
        figures[state] += 1
        if state == "done":
            synced[flow_name].add(connection_id)
        if state == "failed":
            figures["interrupted" if message.startswith("Interrupted") else "failed_other"] += 1
    figures["going"] = min(locks, figures["running"])
    figures["lost"] = figures["running"] - figures["going"]  # marked running, nobody holds the lock
    figures.update(kills(log_path))
    return figures, {name: len(ids) for name, ids in synced.items()}


def run(args):
    from xero_sandbox.testing import SandboxServer

    stamp = f"xts_slow_{os.getpid()}"
    db = stamp
    sandbox = SandboxServer(
        contacts=args.contacts,
        seed=SEED,
        orgs=args.orgs,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[bench.BASE_URL + "/xero_timesync/oauth/callback"],
        access_token_ttl=6 * 3600,  # no refresh during the bench
        rate_limits={"minute": 600, "day": 100000, "app_minute": 100000},
        subprocess=True,
    ).start()
    tenants = [tenant["tenant_id"] for tenant in sandbox.tenants]
    timeline = []
    try:
        say(f"installing {bench.ADDON} into {db}, connecting {args.orgs} organisations")
        servers.connected_database(db, sandbox, tenants, CLIENT_ID, CLIENT_SECRET)
        crons = organisation_crons(db)
        if not args.no_history:
            servers.history(db)
        far = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(days=1)
        sql(db, "UPDATE ir_cron SET nextcall = %s WHERE id = ANY(%s)", [far, data_crons(db) + list(crons)])
        for tenant_id in tenants:
            sandbox.control.inject_fault("*", "/api.xro/2.0/", "slow", count=100000, delay=args.delay, tenant=tenant_id)
        log_path = bench.CACHE / "slow-orgs-server.log"
        handlers = ["odoo.addons.base.models.ir_cron:INFO", "odoo.service.server:INFO"]
        const = {"CONTACTS_PAGE_SIZE": args.page_size}
        say(f"odoo --workers=2 --max-cron-threads=2, Odoo's default time limits (log: {log_path})")
        with Server(db, 2, free_port(), log_path, log_handlers=handlers, const=const):
            (t0,) = sql(db, "SELECT date_trunc('second', now() AT TIME ZONE 'UTC')")[0]
            sql(db, "UPDATE ir_cron SET nextcall = %s WHERE id = ANY(%s)", [t0, list(crons)])
            servers.notify_crons(db)
            started = time.monotonic()
            for minute in range(1, args.minutes + 1):
                time.sleep(max(started + minute * 60 - time.monotonic(), 0))
                figures, synced = snapshot(db, log_path, t0)
                timeline.append((minute, figures, synced))
                say(f"{minute} min: {dict(figures)} synced {synced}")
        flows = sorted({name for _m, _f, synced in timeline for name in synced}) or ["contacts"]
        report(args, timeline, flows, has_flow_column(db), len(crons))
    finally:
        sandbox.stop()
        if args.keep:
            say(f"kept database {db}")
        else:
            bench.drop(db)


def report(args, timeline, flows, flow_column, jobs):
    options = bench.read_config()
    set_limits = {key: options[key] for key in LIMITS if key in options}
    print(
        f"{args.orgs} organisations, every Xero call {args.delay:g} s late; odoo --workers=2 --max-cron-threads=2;"
        f" time limits: {set_limits or 'Odoo defaults (limit_time_real 120, limit_time_real_cron -1, limit_time_cpu 60)'}"
    )
    flow_note = "per flow" if flow_column else "no `flow` column yet: contacts only"
    print(
        f"{args.contacts} contacts per organisation, contacts page {args.page_size}; {jobs} organisation jobs, all due"
        f" at once ({flow_note})"
    )
    if flow_column:
        history = "none: they have nothing to ask" if args.no_history else "a day old: each run asks Xero"
        print(f"invoice-status and money jobs' watermark: {history}")
    header = (
        "minute  WorkerCron kills  CPU kills  jobs timed out  closed Interrupted  running unlocked  failed (other)"
        "  runs  done  partial  going  API calls  " + "  ".join(f"synced: {name}" for name in flows)
    )
    print(header)
    print("-" * len(header))
    for minute, figures, synced in timeline:
        print(
            f"{minute:>6}  {figures['timeout']:>16}  {figures['cpu']:>9}  {figures['job_timed_out']:>14}"
            f"  {figures['interrupted']:>18}  {figures['lost']:>16}  {figures['failed_other']:>14}"
            f"  {figures['runs']:>4}  {figures['done']:>4}  {figures['partial']:>7}"
            f"  {figures['going']:>5}  {figures['calls']:>9}  "
            + "  ".join(f"{synced.get(name, 0):>{len('synced: ' + name)}}" for name in flows)
        )
    print(
        "closed Interrupted: runs a later run marked 'Interrupted: its worker stopped'; running unlocked: marked"
        " running, nobody holds their lock (their worker is gone); failed (other): every other failed run;"
        " going: marked running, lock held; synced: organisations with a run ended done"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=12)
    parser.add_argument("--contacts", type=int, default=20, help="contacts per organisation")
    parser.add_argument("--page-size", type=int, default=5, help="contacts per page (const.CONTACTS_PAGE_SIZE)")
    parser.add_argument("--delay", type=float, default=10, help="seconds each Xero call is late")
    parser.add_argument("--minutes", type=int, default=6, help="minutes watched")
    parser.add_argument(
        "--no-history", action="store_true", help="leave the invoice and money jobs without a watermark (no call)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    bench.read_config()
    run(args)


if __name__ == "__main__":
    main()
