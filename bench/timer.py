"""What starting, stopping and searching the timer cost at 1,000 and 100,000 tasks in the Xero project.

    ./dev bench timer [--sizes 1000 100000] [--repeat 3] [--db NAME] [--fresh]
    .cache/venv/bin/python bench/timer.py [same options]

Builds its own database (a copy of this checkout's addon template from ``./dev test``, else ./dev's base
template with the addon installed; kept for the next run). Inside one transaction that is rolled back at the
end: a Xero project, a member with an employee, then tasks and their clients seeded with plain SQL (100,000
in a few seconds) up to each size. At each size, as the member and as one request runs (nothing in the ORM
cache; ``cold`` also empties the registry's caches, as the first request after a server start), it counts the
queries and times: start, heartbeat, stop, and the client search (a client's name, and the picker's first
page without a query). Prints figures; asserts nothing about time.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import time

from access_scale import CFG, ROOT, odoo_path, psql

# a client's name as typed (task 424's: names are md5-based, so their trigrams spread as real names do)
SEARCHES = {"search a name": hashlib.md5(b"424").hexdigest()[:6], "search '' (first page)": ""}


def ensure_database(db, fresh):
    """This checkout's addon template (./dev test builds it) copied to ``db``; else install the addon."""
    exists = bool(psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"))
    if exists and not fresh:
        return
    if exists:
        subprocess.run(["dropdb", db], check=True)
    checkout = subprocess.run(["sha256sum"], input=f"{ROOT}\n", capture_output=True, text=True).stdout[:6]
    addon = psql(
        f"SELECT datname FROM pg_database WHERE datname LIKE 'xts\\_addon\\_{checkout}\\_%'"
        " AND datname NOT LIKE '%.tmp' ORDER BY oid DESC"
    )
    base = psql("SELECT datname FROM pg_database WHERE datname LIKE 'xts\\_template\\_%' ORDER BY oid DESC")
    subprocess.run(["createdb", "-T", (addon or base)[0], db], check=True)
    if not addon:
        print(f"installing xero_timesync into {db} ...", flush=True)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([odoo_path(), str(ROOT)]))
        subprocess.run(
            [sys.executable, "-m", "odoo", "server", "-c", str(CFG), "-d", db, "-i", "xero_timesync",
             "--stop-after-init", "--log-level=warn"],
            check=True,
            env=env,
        )  # fmt: skip


def setup(env):
    """A Xero project and its member Tim, with an employee (members join the project when created)."""
    quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
             "no_reset_password": True, "mail_notrack": True}  # fmt: skip
    env = env(context=dict(env.context, **quiet))
    company = env.company
    company.write({"xero_timer_rounding": "1", "xero_timer_minimum": 0})
    project = env["project.project"].create(
        {
            "name": "Xero (timer bench)",
            "company_id": company.id,
            "is_xero_project": True,
            "privacy_visibility": "followers",
            "allow_timesheets": True,
        }
    )
    groups = env.ref("base.group_user") | env.ref("hr_timesheet.group_hr_timesheet_user")
    user = env["res.users"].create(
        {"name": "Tim Bench", "login": "tim.timer.bench@example.com", "group_ids": [(6, 0, groups.ids)]}
    )
    env["hr.employee"].create({"name": "Tim Bench", "user_id": user.id, "company_id": company.id})
    env.flush_all()
    return project, user


def seed(env, project, start, stop):
    """Tasks ``start`` to ``stop - 1`` with one client each, as the import makes them, in two INSERTs."""
    cr = env.cr
    cr.execute(
        """
        WITH partners AS (
            INSERT INTO res_partner (name, complete_name, email, xero_contact_number, xero_contact_id, is_company,
                                     active, type, autopost_bills, xero_billed_by, company_id, create_date, write_date)
            SELECT initcap(substr(md5(i::text), 1, 9)) || ' Ltd', initcap(substr(md5(i::text), 1, 9)) || ' Ltd',
                   'office' || i || '@client.test', 'C-' || i, 'bench-' || i, TRUE, TRUE, 'contact', 'ask', 'odoo',
                   %(company)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM generate_series(%(start)s, %(stop)s - 1) AS i
         RETURNING id, name, xero_contact_id
        )
        INSERT INTO project_task (name, project_id, company_id, partner_id, xero_contact_id, active, state, priority,
                                  sequence, display_in_project, create_date, write_date)
        SELECT name, %(project)s, %(company)s, id, xero_contact_id, TRUE, '01_in_progress', '0', 10, TRUE,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM partners
        """,
        {"company": project.company_id.id, "project": project.id, "start": start, "stop": stop},
    )
    # as autovacuum leaves them: statistics, and the GIN indexes' pending lists merged (rows inserted in
    # this transaction sit there, scanned one by one, until then)
    cr.execute("ANALYZE res_partner; ANALYZE project_task")
    cr.execute(
        """
        SELECT gin_clean_pending_list(indexrelid::regclass)
          FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indrelid JOIN pg_am ON pg_am.oid = (
               SELECT relam FROM pg_class WHERE oid = pg_index.indexrelid)
         WHERE pg_class.relname IN ('res_partner', 'project_task') AND pg_am.amname = 'gin'
        """
    )
    env.invalidate_all()


def request(env, call, cold=False):
    """``(queries, ms)`` of ``call`` as one request: empty ORM cache, its writes and bus message included."""
    env.cr.flush()
    env.invalidate_all()
    if cold:
        env.registry.clear_cache()
    queries, started = env.cr.sql_log_count, time.perf_counter()
    call()
    env.cr.flush()
    return env.cr.sql_log_count - queries, (time.perf_counter() - started) * 1000


def measure(env, project, user, repeat):
    """``{operation: (queries, best ms)}`` at the current size: each operation once cold, then ``repeat``
    times warm (the queries of the last run, the best time)."""
    Timer = env["xero.timer"].with_user(user)
    tasks = project.task_ids[:2] | project.task_ids[-2:]
    results = {}

    def keep(name, figures):
        queries, ms = figures
        results[name] = (queries, min(ms, results.get(name, figures)[1]))

    def ten_minutes_ago():  # a timer under the minimum would record nothing
        env.cr.execute("UPDATE xero_timer SET start = start - INTERVAL '10 minutes', last_activity = NULL")

    def run(warmth, task):
        cold = warmth == "cold"
        keep(f"start, {warmth}", request(env, lambda: Timer.xero_start(task.id), cold=cold))
        ten_minutes_ago()
        keep(f"heartbeat, {warmth}", request(env, Timer.xero_heartbeat, cold=cold))
        keep(f"stop, {warmth}", request(env, Timer.xero_stop, cold=cold))
        for query_name, query in SEARCHES.items():
            keep(f"{query_name}, {warmth}", request(env, lambda q=query: Timer.xero_tasks(q), cold=cold))

    run("cold", tasks[0])
    for attempt in range(repeat):
        run("warm", tasks[(attempt + 1) % len(tasks)])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm operation (best time kept)")
    parser.add_argument("--db", default="xts_timer_bench")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument(
        "--without-trigram", action="store_true", help="drop the clients' trigram indexes first (to compare)"
    )
    args = parser.parse_args()
    if not CFG.exists():
        sys.exit("run ./dev bootstrap first (it writes .cache/odoo.cfg)")
    ensure_database(args.db, args.fresh)

    sys.path[:0] = [odoo_path(), str(ROOT)]
    import odoo  # noqa: PLC0415 (needs the path set above)
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(CFG), "--log-level=warn"])
    cr = Registry(args.db).cursor()
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        project, user = setup(env)
        if args.without_trigram:
            cr.execute(
                "DROP INDEX res_partner_xero_name_trgm, res_partner_xero_email_trgm,"
                " res_partner__xero_contact_number_index"
            )
        figures, seeded = {}, 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            seed(env, project, seeded, size)
            print(f"seeded {size - seeded:,} tasks in {time.perf_counter() - started:.1f} s", flush=True)
            seeded = size
            figures[size] = measure(env, project, user, args.repeat)
        sizes = sorted(figures)
        print()
        print(f"timer, one request each, as a member of a Xero project (best of {args.repeat} warm runs)")
        header = "".join(f"{f'{size:,} tasks':>24}" for size in sizes)
        print(f"{'operation':34}{header}")
        print(f"{'':34}" + "".join(f"{'queries':>12}{'ms':>12}" for _size in sizes))
        for name in figures[sizes[0]]:
            row = "".join(f"{figures[size][name][0]:>12}{figures[size][name][1]:>12.1f}" for size in sizes)
            print(f"{name:34}{row}")
        for name, bound in (("start, warm", 10), ("stop, warm", 10), ("search a name, warm", 5)):
            queries = max(figures[size][name][0] for size in sizes)
            verdict = "PASS" if queries <= bound else "OVER"
            print(f"{verdict}  {name}: {queries} queries at most (bound {bound})")
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    main()
