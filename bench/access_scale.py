"""Scale of Xero project membership: 500 internal users on a project of 10,000 imported tasks.

    .cache/venv/bin/python bench/access_scale.py [--users 500] [--tasks 10000] [--db NAME] [--fresh]
    ./dev bench access_scale [same options]

Builds its own database (a copy of ./dev's template with the addon installed, kept for the next run),
then, inside one transaction that is rolled back at the end: creates the users and the Xero project
with its imported tasks, times ``project._xero_assign_users(users)`` and counts the rows it created,
next to what following every task would have created (computed; plus a measured sample to
extrapolate its time). Also checks that tasks imported afterwards add no per-member follower rows.
Prints figures; asserts nothing about time.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("XTS_CACHE", ROOT / ".cache"))
CFG = CACHE / "odoo.cfg"


def odoo_path():
    src = CACHE / "odoo-src"
    if os.environ.get("ODOO_SRC"):
        return os.environ["ODOO_SRC"]
    if src.exists():
        return src.read_text().strip()
    return str(CACHE / "odoo-root/usr/lib/python3/dist-packages")


def psql(sql):
    return subprocess.run(
        ["psql", "-d", "postgres", "-Atc", sql], check=True, capture_output=True, text=True
    ).stdout.split()


def ensure_database(db, fresh):
    """A database with the addon installed: kept between runs, copied from ./dev's template when new."""
    exists = bool(psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"))
    if exists and not fresh:
        return
    if exists:
        subprocess.run(["dropdb", db], check=True)
    templates = psql("SELECT datname FROM pg_database WHERE datname LIKE 'xts\\_template\\_%' ORDER BY oid DESC")
    if templates:
        subprocess.run(["createdb", "-T", templates[0], db], check=True)
    print(f"installing xero_timesync into {db} ...", flush=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([odoo_path(), str(ROOT)]))
    subprocess.run(
        [sys.executable, "-m", "odoo", "server", "-c", str(CFG), "-d", db, "-i", "xero_timesync",
         "--stop-after-init", "--log-level=warn"],
        check=True,
        env=env,
    )  # fmt: skip


def count(cr, table, where="TRUE"):
    cr.execute(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608 (fixed names)
    return cr.fetchone()[0]


ROW_TABLES = {
    "mail_followers": "mail_followers",
    "xero_project_member": "xero_project_member",
    "res_groups_users_rel": "res_groups_users_rel",
}


def snapshot(cr):
    return {name: count(cr, table) for name, table in ROW_TABLES.items()}


def timed(env, run):
    env.flush_all()
    start = time.perf_counter()
    result = run()
    env.flush_all()
    return result, time.perf_counter() - start


def build(env, n_users, n_tasks):
    quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True,
             "no_reset_password": True, "mail_notrack": True}  # fmt: skip
    env = env(context=dict(env.context, **quiet))
    internal = env.ref("base.group_user")
    users = env["res.users"].create(
        [
            {"name": f"Bench User {i}", "login": f"bench.access.{i}@example.com", "group_ids": [(6, 0, internal.ids)]}
            for i in range(n_users)
        ]
    )
    project = env["project.project"].create(
        {
            "name": "Xero (bench)",
            "company_id": env.company.id,
            "is_xero_project": True,
            "privacy_visibility": "followers",
            "allow_timesheets": True,
        }
    )
    for start in range(0, n_tasks, 2000):
        env["project.task"].with_context(xero_sync=True).create(
            [
                {"name": f"Client {i}", "project_id": project.id, "xero_contact_id": f"bench-{i}"}
                for i in range(start, min(start + 2000, n_tasks))
            ]
        )
    return users, project


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--db", default="xts_acc_scale")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--sample-users", type=int, default=50, help="per-task following, measured sample")
    parser.add_argument("--sample-tasks", type=int, default=200)
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
        print(f"building {args.users} internal users and a Xero project with {args.tasks} tasks ...", flush=True)
        (users, project), build_seconds = timed(env, lambda: build(env, args.users, args.tasks))

        before = snapshot(cr)
        _, assign_seconds = timed(env, lambda: project._xero_assign_users(users))
        after = snapshot(cr)
        delta = {name: after[name] - before[name] for name in ROW_TABLES}

        # what per-task following would cost: every member on every task, quietly (no subtypes)
        sample_users = users[: args.sample_users]
        sample_tasks = project.task_ids[: args.sample_tasks]
        sample_before = count(cr, "mail_followers")
        _, sample_seconds = timed(
            env,
            lambda: env["mail.followers"]._insert_followers(
                "project.task",
                sample_tasks.ids,
                sample_users.partner_id.ids,
                subtypes={pid: [] for pid in sample_users.partner_id.ids},
                check_existing=True,
                existing_policy="skip",
            ),
        )
        sample_created = count(cr, "mail_followers") - sample_before
        per_task_rows = args.users * args.tasks
        per_task_seconds = sample_seconds / max(sample_created, 1) * per_task_rows

        # tasks imported after the assignment: no per-member follower rows
        new_tasks = 100
        followers_before = count(cr, "mail_followers", "res_model = 'project.task'")
        timed(
            env,
            lambda: env["project.task"]
            .with_context(xero_sync=True)
            .create(
                [
                    {"name": f"Later {i}", "project_id": project.id, "xero_contact_id": f"bench-later-{i}"}
                    for i in range(new_tasks)
                ]
            ),
        )
        later_followers = count(cr, "mail_followers", "res_model = 'project.task'") - followers_before

        # a member's view of the project, through Odoo's follower rules
        member_env = env(user=users[0])
        visible, search_seconds = timed(
            env, lambda: member_env["project.task"].search_count([("project_id", "=", project.id)])
        )

        rows = sum(delta.values())
        print()
        print(f"Xero project membership: {args.users} users x {args.tasks} tasks (setup {build_seconds:.1f} s)")
        print(f"  {'':44} {'membership (ours)':>20} {'per-task following':>20}")
        print(f"  {'rows created':44} {rows:>20,} {per_task_rows:>20,}")
        for name in ROW_TABLES:
            print(f"    {name:42} {delta[name]:>20,}")
        print(f"  {'seconds':44} {assign_seconds:>20.2f} {per_task_seconds:>20.0f}")
        print(
            f"  (per-task rows computed as users x tasks; seconds extrapolated from a measured sample of"
            f" {sample_created:,} rows in {sample_seconds:.2f} s)"
        )
        print(
            f"  {new_tasks} tasks imported afterwards: {later_followers} follower rows (their creator;"
            f" mail's default would also copy every member: {new_tasks * args.users:,})"
        )
        print(f"  a member counts the project's tasks through the record rules: {visible:,} in {search_seconds:.2f} s")
        print(f"  ratio: {per_task_rows / max(rows, 1):,.0f}x fewer rows than per-task following")
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    main()
