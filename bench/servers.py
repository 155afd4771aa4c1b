"""Two Odoo servers on one database, 200 organisations (issue 23): every job once per interval, none starved,
none run twice at once.

    ./dev bench servers                                      # 200 organisations × 10 contacts, 3 intervals of 2 min
    ./dev bench servers --orgs 20 --intervals 2 --interval 1  # a quick look

Two ``odoo server --workers=2 --max-cron-threads=2`` processes, as two machines would run them: each its own
data directory (sessions, filestore path), one PostgreSQL database. Attachments live where both reach them:
each data directory's ``filestore/<db>`` is a symlink to one shared directory (what an NFS mount would be);
the bench writes an attachment through server A and reads it back through server B.

Every organisation is connected (its own company and connection, as bench/tenants.py sets them up; no import
yet), against xero_sandbox in a subprocess. Its jobs (the scheduler jobs of the organisation: the crons of the
addon's models that no data file declares) get an interval of ``--interval`` minutes instead of an hour, all
due at T0, and the bench wakes the cron workers at each interval's start (as Odoo's triggers do; they poll only
every 60-69 s otherwise). The addon's data crons (safety nets, which wake organisations without a run for 50
minutes) are moved past the bench's end so that only the organisations' own schedules count.

The invoice-status and money jobs (issue 23: every flow its own job, ``xero.job``) get a watermark a day old,
as if invoices had been pushed then, so that each of their runs asks Xero (``--no-history``: none, no call).

Per interval: the scheduler's turns per job (the servers' "Job ... starting" lines; a job that yields, or an
events job with no event waiting, turns without a run) as (job × interval) cells with 0 / 1 / 2+ turns (0 is
a starved job); the runs (sync logs started in it, ``skipped`` ones apart: another run held the lock) as
cells with 0 / 1 / 2+ runs (1 each is the target); overlaps (two runs of one job at once; from the servers'
logs, millisecond timestamps, and from the sync logs, 1 s resolution); failed and partial runs, API calls,
turns per server and their cron workers, and when the interval's last run ended. Then the same per flow
when the sync log has a ``flow`` column (without it, the contact job only).
"""

import argparse
import base64
import collections
import datetime
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_servers as servers  # noqa: E402  the servers, the connected organisations, SQL from outside
import sync_contacts as bench  # noqa: E402  the same databases, configuration and helpers
from odoo_servers import Server, data_crons, free_port, has_flow_column, organisation_crons, sql  # noqa: E402

CLIENT_ID = "servers-client-id"
CLIENT_SECRET = "servers-client-secret"
SEED = 23
NAMES = ("A", "B")
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) \w+ \S+ ([\w.]+): (.*)$")
JOB_START = re.compile(r"^Job '.*' \((\d+)\) starting$")
JOB_END = re.compile(r"^Job '.*' \((\d+)\) (fully done|partially done|failed) \(#loop")


def say(message):
    print(f"[servers] {message}", file=sys.stderr, flush=True)


# --- the database ----------------------------------------------------------------------------------------
def schedule(db, crons, interval, at):
    """Every organisation's job: every ``interval`` minutes, next at ``at``; no trigger pending."""
    sql(
        db,
        "UPDATE ir_cron SET interval_number = %s, interval_type = 'minutes', nextcall = %s WHERE id = ANY(%s)",
        [interval, at, list(crons)],
    )
    sql(db, "DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [list(crons)])


def sync_runs(db, since):
    flow = "flow" if has_flow_column(db) else "'contacts'"
    return sql(
        db,
        f"""SELECT connection_id, {flow}, extract(epoch FROM started_at), COALESCE(duration, 0), state,
                   COALESCE(api_calls, 0)
              FROM xero_sync_log WHERE started_at >= %s ORDER BY started_at, id""",
        [since],
    )


def organisation_jobs(db):
    """{cron id: (connection id, flow)}: xero.job's rows (one per organisation and flow), else the contact jobs."""
    if sql(db, "SELECT 1 FROM information_schema.tables WHERE table_name = 'xero_job'"):
        rows = sql(db, "SELECT cron_id, connection_id, flow FROM xero_job WHERE cron_id IS NOT NULL")
    else:
        rows = sql(db, "SELECT sync_cron_id, id, 'contacts' FROM xero_connection WHERE sync_cron_id IS NOT NULL")
    return {cron: (connection, flow) for cron, connection, flow in rows}


# --- filestore shared by both machines -------------------------------------------------------------------
def machines(workdir, db):
    """Two data directories whose filestore/<db> is one shared directory; the copy's filestore moves there."""
    shared = workdir / "shared-filestore" / db
    source = Path(bench.read_config()["data_dir"]) / "filestore" / db
    shared.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.move(str(source), str(shared))
    else:
        shared.mkdir()
    data_dirs = []
    for name in NAMES:
        data_dir = workdir / f"machine-{name.lower()}"
        (data_dir / "filestore").mkdir(parents=True, exist_ok=True)
        (data_dir / "filestore" / db).symlink_to(shared, target_is_directory=True)
        data_dirs.append(data_dir)
    return shared, data_dirs


def attachment_across(db, port_a, port_b):
    """An attachment written through server A, read back through server B: (bytes written, bytes read)."""
    import requests

    def session(port):
        http = requests.Session()
        answer = http.post(
            f"http://127.0.0.1:{port}/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": db, "login": "admin", "password": "admin"}},
            timeout=60,
        ).json()
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return http

    payload = os.urandom(4096)
    created = (
        session(port_a)
        .post(
            f"http://127.0.0.1:{port_a}/web/dataset/call_kw/ir.attachment/create",
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": "ir.attachment",
                    "method": "create",
                    "args": [{"name": "servers-bench.bin", "datas": base64.b64encode(payload).decode()}],
                    "kwargs": {},
                },
            },
            timeout=60,
        )
        .json()
    )
    attachment_id = created["result"][0] if isinstance(created["result"], list) else created["result"]
    read = session(port_b).get(f"http://127.0.0.1:{port_b}/web/content/{attachment_id}?download=true", timeout=60)
    return len(payload), len(read.content) if read.content == payload else -1


# --- the servers' logs -----------------------------------------------------------------------------------
def parse_log(path):
    """[(cron id, pid, start epoch, end epoch or None)] from ir_cron's INFO lines, and the kill lines."""
    running, runs, kills = {}, [], 0
    with open(path, errors="replace") as log:
        for line in log:
            match = LOG_LINE.match(line)
            if not match:
                continue
            stamp, pid, _logger, message = match.groups()
            message = message.strip()
            when = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=datetime.UTC).timestamp()
            if re.search(r"^Worker\w* \(\d+\) (timeout after|CPU time limit)", message):
                kills += 1
            if found := JOB_START.match(message):
                running[pid] = (int(found.group(1)), when)
            elif (found := JOB_END.match(message)) and pid in running:
                cron_id, started = running.pop(pid)
                runs.append((cron_id, pid, started, when))
    runs += [(cron_id, pid, started, None) for pid, (cron_id, started) in running.items()]
    return runs, kills


def overlaps(spans):
    """How many times a run starts before the previous run of the same key ended: {key: [(start, end)]}."""
    count = 0
    for runs in spans.values():
        runs = sorted(runs)
        for (_start, end), (next_start, _next_end) in zip(runs, runs[1:], strict=False):
            if end is None or next_start < end:
                count += 1
    return count


# --- the bench -------------------------------------------------------------------------------------------
def run(args):
    from xero_sandbox.testing import SandboxServer

    stamp = f"xts_servers_{os.getpid()}"
    db = stamp
    workdir = bench.CACHE / "tmp" / stamp
    results = {}
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
    try:
        started = time.monotonic()
        say(f"installing {bench.ADDON} into {db}, connecting {args.orgs} organisations")
        connections = servers.connected_database(db, sandbox, tenants, CLIENT_ID, CLIENT_SECRET)
        results["setup"] = time.monotonic() - started
        crons = organisation_crons(db)
        if not args.no_history:
            servers.history(db)
        far = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(days=1)
        sql(db, "UPDATE ir_cron SET nextcall = %s WHERE id = ANY(%s)", [far, data_crons(db)])
        schedule(db, crons, args.interval, far)  # nothing runs while the servers start
        shared, data_dirs = machines(workdir, db)
        logs = [bench.CACHE / f"servers-{name.lower()}.log" for name in NAMES]
        ports = [free_port(), free_port()]
        handlers = ["odoo.addons.base.models.ir_cron:INFO", "odoo.service.server:INFO"]
        say(f"two servers --workers=2 --max-cron-threads=2 (logs: {logs[0]}, {logs[1]})")
        with (
            Server(db, 2, ports[0], logs[0], data_dir=data_dirs[0], log_handlers=handlers),
            Server(db, 2, ports[1], logs[1], data_dir=data_dirs[1], log_handlers=handlers),
        ):
            results["attachment"] = attachment_across(db, *ports)
            (now,) = sql(db, "SELECT date_trunc('second', now() AT TIME ZONE 'UTC')")[0]
            t0 = now + datetime.timedelta(seconds=5)
            schedule(db, crons, args.interval, t0)
            t0_epoch = t0.replace(tzinfo=datetime.UTC).timestamp()
            for index in range(args.intervals):
                boundary = t0_epoch + index * args.interval * 60
                time.sleep(max(boundary - time.time(), 0) + 0.2)
                servers.notify_crons(db)
                say(f"interval {index + 1}/{args.intervals} started")
            time.sleep(max(t0_epoch + args.intervals * args.interval * 60 - time.time(), 0))
            results["runs"] = sync_runs(db, t0)
            end = t0 + datetime.timedelta(minutes=args.interval * args.intervals)
            results["running"] = sql(  # the next interval's runs, starting now, apart
                db, "SELECT count(*) FROM xero_sync_log WHERE state = 'running' AND started_at < %s", [end]
            )[0][0]
        results.update(
            t0=t0_epoch,
            crons=crons,
            jobs=organisation_jobs(db),
            connections=connections,
            flow_column=has_flow_column(db),
            logs=[parse_log(path) for path in logs],
            log_paths=logs,
            shared=shared,
            data_dirs=data_dirs,
            files=sum(1 for path in shared.rglob("*") if path.is_file()),
        )
    finally:
        sandbox.stop()
        if args.keep:
            say(f"kept database {db} and {workdir}")
        else:
            bench.drop(db)
            shutil.rmtree(workdir, ignore_errors=True)
    report(args, results)


def report(args, r):
    seconds, windows = args.interval * 60, args.intervals

    def window(epoch):
        index = int((float(epoch) - r["t0"]) // seconds)
        return index if 0 <= index < windows else None

    jobs = r["jobs"]  # {cron id: (connection id, flow)}
    flows = sorted({flow for _connection, flow in jobs.values()})
    logged = {row[1] for row in r["runs"]}  # flows whose turns leave a sync log
    # the runs: sync logs
    runs = collections.Counter()
    per_window = collections.defaultdict(collections.Counter)
    spans = collections.defaultdict(list)
    for connection, flow, start, duration, state, calls in r["runs"]:
        index = window(start)
        if index is None:
            continue
        counts = per_window[index]
        if state == "skipped":
            counts["skipped"] += 1
            continue
        runs[(connection, flow, index)] += 1
        # started_at is stored to the second: an overlap must exceed it to be told from a run right after
        spans[(connection, flow)].append((float(start), float(start) + float(duration) - 1.0))
        counts["runs"] += 1
        counts["failed"] += state == "failed"
        counts["partial"] += state == "partial"
        counts["calls"] += calls
        counts["end"] = max(counts["end"], float(start) + float(duration) - (r["t0"] + index * seconds))
    # the scheduler's turns: the servers' logs
    turns = collections.Counter()
    turn_spans = collections.defaultdict(list)
    cron_servers = collections.defaultdict(set)
    for name, (log_runs, _kills) in zip(NAMES, r["logs"], strict=True):
        for cron_id, pid, start, end in log_runs:
            index = window(start)
            if cron_id not in jobs or index is None:
                continue
            turns[(cron_id, index)] += 1
            turn_spans[cron_id].append((start, end))
            cron_servers[cron_id].add(name)
            per_window[index][name] += 1
            per_window[index][(name, pid)] += 1

    print(
        f"2 Odoo servers (--workers=2 --max-cron-threads=2 each, own data directories), one PostgreSQL database;"
        f" {args.orgs} organisations × {args.contacts} contacts"
    )
    written, read = r["attachment"]
    print(
        f"attachments: one shared filestore directory (each data directory's filestore/<db> a symlink to it);"
        f" {written} bytes written through A, {read if read >= 0 else 'OTHER'} bytes read back through B;"
        f" {r['files']} files in it"
    )
    flow_note = "one per flow (xero.job)" if r["flow_column"] else "no `flow` column yet: the contact job only"
    print(f"jobs: {len(jobs)} ({len(r['connections'])} organisations × {', '.join(flows)}; {flow_note})")
    if r["flow_column"]:
        history = "none: they have nothing to ask" if args.no_history else "a day old: each run asks Xero"
        print(f"invoice-status and money jobs' watermark: {history}")
    print(
        f"interval: {args.interval} min (every organisation job: interval_number={args.interval},"
        f" interval_type=minutes instead of its hour or day), all due at T0, cron workers woken at each interval's"
        f" start; {windows} intervals; the addon's data crons moved past the end"
    )
    print()
    header = (
        "interval  turns  job cells 0/1/2+ turns  runs  run cells 0/1/2+  skipped  failed  partial  API calls"
        "  turns A  turns B  workers A/B  last end s"
    )
    print(header)
    print("-" * len(header))
    logged_jobs = [(c, f) for c, f in jobs.values() if f in logged]
    totals = collections.Counter()
    for index in range(windows):
        counts = per_window[index]
        turn_dist = collections.Counter(min(turns[(cron_id, index)], 2) for cron_id in jobs)
        run_dist = collections.Counter(min(runs[(c, f, index)], 2) for c, f in logged_jobs)
        workers = [sum(1 for key in counts if isinstance(key, tuple) and key[0] == name) for name in NAMES]
        print(
            f"{index + 1:>8}  {counts['A'] + counts['B']:>5}  {turn_dist[0]:>8} / {turn_dist[1]:>3} / {turn_dist[2]:>3}"
            f"  {counts['runs']:>4}  {run_dist[0]:>4} / {run_dist[1]:>3} / {run_dist[2]:>3}  {counts['skipped']:>7}"
            f"  {counts['failed']:>6}  {counts['partial']:>7}  {counts['calls']:>9}  {counts['A']:>7}  {counts['B']:>7}"
            f"  {workers[0]:>7}/{workers[1]:<3}  {counts['end']:10.1f}"
        )
        for key in ("runs", "skipped", "failed", "calls", "A", "B"):
            totals[key] += counts[key]
        totals["starved"] += turn_dist[0]
        totals["no_run"] += run_dist[0]
        totals["twice"] += run_dist[2]
    print(
        "turns: the scheduler running a job (servers' logs, 'Job ... starting'; a job that yields or finds nothing to"
        " do turns without a run); runs: sync logs; last end s: when the interval's last run ended after its start"
    )
    print()
    if r["flow_column"]:
        print("flow      jobs  turns  0-turn cells  runs  run cells 0 / 2+  failed  API calls")
        for flow in flows:
            crons = [cron_id for cron_id, (_c, f) in jobs.items() if f == flow]
            cells = [turns[(cron_id, index)] for cron_id in crons for index in range(windows)]
            flow_runs = [runs[(jobs[cron_id][0], flow, index)] for cron_id in crons for index in range(windows)]
            rows = [row for row in r["runs"] if row[1] == flow and window(row[2]) is not None and row[4] != "skipped"]
            run_cells = (
                f"{flow_runs.count(0):>11} / {sum(n > 1 for n in flow_runs):<2}" if flow in logged else "-".center(16)
            )
            print(
                f"{flow:<8}  {len(crons):>4}  {sum(cells):>5}  {cells.count(0):>12}  {len(rows):>4}  {run_cells}"
                f"  {sum(row[4] == 'failed' for row in rows):>6}  {sum(row[5] for row in rows):>9}"
            )
        print(f"flows without a sync log for a turn with nothing to do: {', '.join(set(flows) - logged) or 'none'}")
        print()
    per_job = collections.Counter(sum(runs[(c, f, index)] for index in range(windows)) for c, f in logged_jobs)
    print(
        f"runs per job over the {windows} intervals: "
        + ", ".join(f"{count} run(s): {number} jobs" for count, number in sorted(per_job.items()))
    )
    print(
        f"starved job-intervals (no turn) {totals['starved']} (target 0); job-intervals without a run"
        f" {totals['no_run']}, with two or more {totals['twice']} (target 0 and 0; runs {totals['runs']},"
        f" target {len(logged_jobs) * windows})"
    )
    print(
        f"overlaps: {overlaps(turn_spans)} in the servers' logs (same cron, ms), {overlaps(spans)} in the sync logs"
        f" (same organisation and flow, 1 s resolution) (target 0); skipped (lock held) {totals['skipped']}"
    )
    both = sum(1 for names in cron_servers.values() if len(names) > 1)
    print(
        f"servers: A {totals['A']} turns, B {totals['B']}; {both} of {len(jobs)} jobs turned on both;"
        f" API calls {totals['calls']}; failed {totals['failed']}; runs still 'running' at the end {r['running']};"
        f" worker kills (timeout / CPU limit lines) A {r['logs'][0][1]}, B {r['logs'][1][1]}"
    )
    print(f"setup (install + connect {args.orgs} organisations): {r['setup']:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=10, help="contacts per organisation")
    parser.add_argument("--interval", type=int, default=2, help="minutes between two runs of a job")
    parser.add_argument("--intervals", type=int, default=3, help="intervals measured")
    parser.add_argument(
        "--no-history", action="store_true", help="leave the invoice and money jobs without a watermark (no call)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the data directories")
    args = parser.parse_args()
    bench.read_config()
    run(args)


if __name__ == "__main__":
    main()
