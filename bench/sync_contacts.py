"""Contact import benchmark (issue 5): our importer against xero_sandbox, next to Odoo's own CSV import.

    .cache/venv/bin/python bench/sync_contacts.py                 # 1,000 and 10,000 contacts (after ./dev bootstrap)
    .cache/venv/bin/python bench/sync_contacts.py --sizes 500 2000 --csv-size 2000
    .cache/venv/bin/python bench/sync_contacts.py --repeat 3       # best of 3 for the timed runs (a busy machine)
    .cache/venv/bin/python bench/sync_contacts.py --profile .cache/bench-profile   # cProfile of each timed run
    .cache/venv/bin/python bench/sync_contacts.py --sizes --csv-size 0 --latency 1.5   # pipelining gain at 10k
    .cache/venv/bin/python bench/sync_contacts.py --sizes --csv-size 0 --big 100000    # memory at 100k
    .cache/venv/bin/python bench/sync_contacts.py --compare-profiles BEFORE.prof AFTER.prof  # shares side by side

The parent process only orchestrates: it copies the cached template database (as ``./dev`` does)
into ``xts_bench_<pid>_*`` databases with the addon installed, runs one xero_sandbox per size in a
subprocess (its CPU and memory are not ours), and measures every scenario in a fresh child process
so that each one's peak memory is its own. Every database is dropped at the end (``--keep`` keeps them).

Per scenario: wall time (commits included), contacts/s, API calls (``xero.sync.log.api_calls``),
seconds spent waiting for the API (the sandbox's share of the wall time), SQL queries (every cursor of
the thread), and the process's peak RSS during the run (``VmHWM`` reset right before it) with its
growth over the RSS before the run.

The base_import scenario loads the same contacts the way an administrator would by hand: a partners
CSV (name, email, phone, street, city, zip, country, vat, website, is_company) then a tasks CSV (name,
project, customer by name), through ``base_import.import.execute_import`` with the options and the
2,000-row batches (one transaction each) of Odoo's import screen.

``--latency S`` makes the sandbox answer each contacts page S seconds late (its fault injection, kind
``slow``) and imports the same contacts twice on fresh databases, pages fetched one ahead (the default)
and one after the other (``const.PIPELINE_CONTACT_PAGES`` off): wall time next to the API time (the
sum of the calls' durations), the write time (wall minus the time the import waited for a page) and
their maximum, which a perfect pipeline reaches.

``--big N`` imports N contacts on the interactive path (Force synchronization without a time budget: one
transaction, no commit) and reports the peak memory growth.

``--profile DIR`` also prints each timed run's profile shares (client creation, task creation,
followers, stored-field recomputation and writes at page end, waiting for / parsing pages);
``--compare-profiles A B`` prints two saved profiles' shares side by side (before/after a change).
"""

import argparse
import collections
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("XTS_CACHE", ROOT / ".cache"))
CFG = CACHE / "odoo.cfg"
TEMPLATE_MODULES = "project,hr_timesheet,account"  # as in ./dev
ADDON = "xero_timesync"
DB_PREFIX = "xts_bench"
SEED = 5
CLIENT_ID = "bench-client-id"
CLIENT_SECRET = "bench-client-secret"
BASE_URL = "http://127.0.0.1:8069"
CSV_BATCH = 2000  # the import screen's default "batch limit"
TARGET_RATIO = 3.0


def odoo_path():
    if os.environ.get("ODOO_SRC"):
        return Path(os.environ["ODOO_SRC"])
    pointer = CACHE / "odoo-src"
    if pointer.exists():
        return Path(pointer.read_text().strip())
    return CACHE / "odoo-root/usr/lib/python3/dist-packages"


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(odoo_path()), str(ROOT), env.get("PYTHONPATH"))))
    return env


for entry in (str(ROOT), str(odoo_path())):
    if entry not in sys.path:
        sys.path.insert(0, entry)


# --- memory ---------------------------------------------------------------------------------------
def _status_kb(key):
    with open("/proc/self/status") as status:
        return int(re.search(rf"^{key}:\s+(\d+)", status.read(), re.M).group(1))


class Measure:
    """Wall time, SQL queries of this thread (every cursor), API wait and peak RSS of one scenario."""

    def __enter__(self):
        import threading

        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        self.rss_before = _status_kb("VmRSS")
        self.thread = threading.current_thread()
        self.thread.query_count = 0
        self.thread.query_time = 0.0
        self.api_wait = _ApiTimer.install()
        self.page_wait = _PageWait.install()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.started
        self.queries = self.thread.query_count
        self.sql_time = self.thread.query_time
        self.peak_mb = _status_kb("VmHWM") / 1024
        self.growth_mb = self.peak_mb - self.rss_before / 1024
        _ApiTimer.uninstall()
        _PageWait.uninstall()

    def result(self, **extra):
        return {
            "wall": self.wall,
            "queries": self.queries,
            "sql_time": self.sql_time,
            "api_wait": self.api_wait.seconds,
            "page_wait": self.page_wait.seconds,
            "peak_mb": self.peak_mb,
            "growth_mb": self.growth_mb,
            **extra,
        }


class _ApiTimer:
    """Time spent on Xero's side of the run: the SDK calls and reading their bodies (the sandbox's share)."""

    seconds = 0.0
    _originals = None

    @classmethod
    def install(cls):
        from odoo.addons.xero_timesync.services import xero_client

        cls.seconds = 0.0
        cls._originals = (xero_client.XeroClient._call, xero_client._json_body)
        call, json_body = cls._originals

        def timed_call(client, fn, auth=True):
            return cls._timed(call, client, fn, auth)

        def timed_json_body(response):
            return cls._timed(json_body, response)

        xero_client.XeroClient._call = timed_call
        xero_client._json_body = timed_json_body
        return cls

    @classmethod
    def _timed(cls, fn, *args):
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            cls.seconds += time.perf_counter() - started

    @classmethod
    def uninstall(cls):
        from odoo.addons.xero_timesync.services import xero_client

        xero_client.XeroClient._call, xero_client._json_body = cls._originals


class _PageWait:
    """Time the importing thread waits for its next page: the whole fetch and parse when pages are fetched
    one after the other, only what the prefetch thread has not finished yet when they are pipelined."""

    seconds = 0.0
    _originals = None

    @classmethod
    def install(cls):
        import threading

        from odoo.addons.xero_timesync.models import xero_contact_scope as scope
        from odoo.addons.xero_timesync.models import xero_contact_sync as importer

        cls.seconds = 0.0
        main = threading.current_thread()
        cls._originals = (importer.prefetch_one_ahead, scope.ScopedContacts.iter_contact_pages)
        prefetch, scoped = cls._originals

        def timed(items):
            items = iter(items)
            while True:
                started = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    if threading.current_thread() is main:  # not the prefetch thread's own fetching
                        cls.seconds += time.perf_counter() - started
                yield item

        importer.prefetch_one_ahead = lambda items, before_fetch=None: timed(prefetch(items, before_fetch))
        scope.ScopedContacts.iter_contact_pages = lambda self, *args, **kwargs: timed(scoped(self, *args, **kwargs))
        return cls

    @classmethod
    def uninstall(cls):
        from odoo.addons.xero_timesync.models import xero_contact_scope as scope
        from odoo.addons.xero_timesync.models import xero_contact_sync as importer

        importer.prefetch_one_ahead, scope.ScopedContacts.iter_contact_pages = cls._originals


# --- profile shares ---------------------------------------------------------------------------------------
def _cumulative(stats, path_end, name):
    return sum(
        entry[3] for (path, _line, func), entry in stats.stats.items() if func == name and path.endswith(path_end)
    )


def profile_shares(path):
    """Where a first import's time goes, from its cProfile dump (the importing thread only)."""
    import pstats

    stats = pstats.Stats(path)
    importer = "xero_timesync/models/xero_contact_sync.py"
    total = _cumulative(stats, importer, "_xero_sync")
    followers = _cumulative(stats, "mail/models/mail_thread.py", "message_subscribe")
    clients = _cumulative(stats, importer, "_upsert_partners")
    tasks = _cumulative(stats, importer, "_upsert_tasks") - followers
    # the page's savepoint flushes when it closes: stored computed fields are computed and everything written
    page_end = _cumulative(stats, importer, "_import_refusing") - _cumulative(stats, importer, "_import_contacts")
    recompute = _cumulative(stats, "odoo/orm/environments.py", "_recompute_all")
    pages = sum(
        _cumulative(stats, path, "prefetch_one_ahead")  # its module before and after the services split
        for path in ("xero_timesync/services/xero_client.py", "xero_timesync/services/paging.py")
    ) + sum(
        _cumulative(stats, path, "iter_contact_pages")  # ScopedContacts' module before and after the scope split
        for path in (importer, "xero_timesync/models/xero_contact_scope.py")
    )
    shares = {
        "client creation (res.partner)": clients,
        "task creation (project.task)": tasks,
        "followers (message_subscribe)": followers,
        "page end: recomputation + SQL writes": page_end,
        "  of which stored-field recomputation": recompute,
        "waiting for / parsing pages": pages,
    }
    shares["other (logs, merges, bookkeeping)"] = total - clients - tasks - followers - page_end - pages
    return total, shares


def print_profile_shares(columns):
    """``columns``: [(title, path)]; one column of seconds and shares per profile."""
    results = [(title, *profile_shares(path)) for title, path in columns]
    names = list(results[0][2])
    width = max(len(n) for n in names)
    print(f"{'profile (cProfile, importing thread)':<{width}}  " + "  ".join(f"{t:>18}" for t, _, _ in results))
    for name in names:
        cells = [f"{shares[name]:7.2f} s {shares[name] / total:6.1%}" for _, total, shares in results]
        print(f"{name:<{width}}  " + "  ".join(f"{c:>18}" for c in cells))
    print(f"{'total (_xero_sync)':<{width}}  " + "  ".join(f"{total:7.2f} s {1:6.1%}" for _, total, _ in results))
    if len(results) == 2:
        ratio = results[0][1] / results[1][1]
        print(f"profiled time {results[0][0]} / {results[1][0]}: {ratio:.2f}x (cProfile inflates Python-heavy work)")


# --- child: one scenario in a fresh process ------------------------------------------------------
@contextlib.contextmanager
def odoo_env(db):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(CFG), "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def child(task):
    profile = task.get("profile")
    with odoo_env(task["db"]) as env:
        scenario = SCENARIOS[task["mode"]]
        result = scenario(env, task, profile)
    print("RESULT " + json.dumps(result), flush=True)


def _profiled(profile, fn):
    if not profile:
        return fn()
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(fn)
    finally:
        Path(profile).parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(40)
        Path(profile + ".txt").write_text(stream.getvalue())


def connect(env, task):
    """The admin's journey in the wizard, up to the first import (which the scenario measures)."""
    from xero_sandbox.odoo_seam import point_odoo_at_sandbox
    from xero_sandbox.testing import SandboxServer

    env["ir.config_parameter"].set_param("web.base.url", BASE_URL)
    point_odoo_at_sandbox(env, task["sandbox_url"], CLIENT_ID, CLIENT_SECRET)
    wizard = env["xero.connect.wizard"].create({"company_id": env.company.id})
    action = wizard.action_connect()
    consent = SandboxServer()
    consent.url = task["sandbox_url"]
    redirect = consent.consent(action["url"])
    params = dict(re.findall(r"[?&](code|state|error)=([^&]+)", redirect))
    wizard._complete_oauth(code=params.get("code"), error=params.get("error"))
    if wizard.step != "accounts":
        raise RuntimeError(f"the wizard stopped at {wizard.step}: {wizard.error_message}")
    connection = wizard._link_connection()
    connection.write(
        {
            "revenue_account_code": wizard.revenue_line_id.code,
            "revenue_account_name": wizard.revenue_line_id.name,
            "expense_account_code": wizard.expense_line_id.code,
            "expense_account_name": wizard.expense_line_id.name,
        }
    )
    env.cr.commit()  # the benchmark's own database: the connection must exist for the measured runs
    return connection


def run_sync(env, connection, trigger, profile):
    env.cr.commit()  # start each measured run from committed state, as a cron worker does
    env.invalidate_all()
    with Measure() as measure:
        log = _profiled(profile, lambda: env["xero.contact.sync"]._xero_sync(connection, trigger))
        env.cr.commit()  # the measured run's writes count only once committed, as in production
    if log.state != "done":
        raise RuntimeError(f"the {trigger} run ended {log.state}: {log.message}")
    tasks = (
        env["project.task"].with_context(active_test=False).search_count([("xero_connection_id", "=", connection.id)])
    )
    from odoo.addons.xero_timesync import const

    return measure.result(
        page_size=const.CONTACTS_PAGE_SIZE,
        api_calls=log.api_calls,
        pages=log.pages,
        received=log.contacts_received,
        changed=log.created_count + log.updated_count + log.archived_count + log.restored_count,
        counts=[log.created_count, log.updated_count, log.archived_count, log.restored_count],
        tasks=tasks,
    )


def scenario_first(env, task, profile):
    connection = connect(env, task)
    return run_sync(env, connection, "wizard", profile)


def scenario_nochange(env, task, profile):
    return run_sync(env, env["xero.connection"]._xero_for_company(env.company), "manual", profile)


def scenario_changes(env, task, profile):
    from xero_sandbox.control_client import SandboxControl

    control = SandboxControl(task["sandbox_url"])
    tenant = task["tenant_id"]
    contacts = control.contacts(tenant)
    active = [c for c in contacts if c["ContactStatus"] == "ACTIVE"]
    archived = [c for c in contacts if c["ContactStatus"] != "ACTIVE"]
    # 4 renames, 2 e-mails, 2 archives, 2 restores; the seed's first contacts, the same at every size
    picks = active[:8]
    for i, contact in enumerate(picks[:4]):
        control.rename_contact(tenant, contact["ContactID"], f"{contact['Name'][:200]} (renamed {i})")
    for i, contact in enumerate(picks[4:6]):
        control.update_contact(tenant, contact["ContactID"], email=f"changed{i}@example.com")
    for contact in picks[6:8]:
        control.archive_contact(tenant, contact["ContactID"])
    for contact in archived[:2]:
        control.restore_contact(tenant, contact["ContactID"])
    result = run_sync(env, env["xero.connection"]._xero_for_company(env.company), "manual", profile)
    result["expected_changes"] = 8 + len(archived[:2])
    return result


def scenario_interactive(env, task, profile):
    """Force synchronization without a time budget: one transaction, however many pages."""
    connection = connect(env, task)
    return run_sync(env, connection, "manual", profile)


def scenario_latency(env, task, profile):
    """A first import while the sandbox answers each contacts page ``latency`` seconds late."""
    from odoo.addons.xero_timesync import const

    from xero_sandbox.control_client import SandboxControl

    connection = connect(env, task)
    const.PIPELINE_CONTACT_PAGES = task["pipeline"]
    control = SandboxControl(task["sandbox_url"])
    control.clear_faults()
    control.inject_fault("GET", "/api.xro/2.0/Contacts", "slow", count=task["pages"], delay=task["latency"])
    try:
        return run_sync(env, connection, "manual", profile)
    finally:
        control.clear_faults()


def csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def admin_csv_files(env, task):
    """The same contacts as an admin's two CSV files (partners, then tasks of the "Xero" project)."""
    from odoo.addons.xero_timesync.services.values import contact_from_json

    from xero_sandbox.control_client import SandboxControl

    raw = SandboxControl(task["sandbox_url"], timeout=300).contacts(task["tenant_id"])
    contacts = [contact_from_json(c) for c in raw]
    partners = csv_bytes(
        ["Name", "Email", "Phone", "Street", "City", "Zip", "Country", "Tax ID", "Website", "Is a Company"],
        [
            [
                c.name,
                c.email or "",
                c.phone or c.mobile or "",
                c.street or "",
                c.city or "",
                c.zip or "",
                c.country or "",
                c.tax_number or "",
                c.website or "",
                "1",
            ]
            for c in contacts
        ],
    )
    tasks = csv_bytes(["Name", "Project", "Customer"], [[c.name, "Xero", c.name] for c in contacts])
    return len(contacts), partners, tasks


UI_OPTIONS = {
    "advanced": False,
    "has_headers": True,
    "keep_matches": False,
    "encoding": "utf-8",
    "separator": ",",
    "quoting": '"',
    "date_format": "",
    "datetime_format": "",
    "float_thousand_separator": ",",
    "float_decimal_separator": ".",
    "fallback_values": {},
    "name_create_enabled_fields": {},
    "import_set_empty_fields": [],
    "import_skip_records": [],
    "tracking_disable": True,
}


def ui_import(env, model, file_name, data, fields, columns):
    """What the import screen does: execute_import in batches of 2,000 rows, one transaction each."""
    importer = env["base_import.import"].create(
        {"res_model": model, "file": data, "file_type": "text/csv", "file_name": file_name}
    )
    env.cr.commit()  # the import record must exist before its batches, as in the import screen
    skip, messages, ids = 0, [], 0
    while True:
        options = {**UI_OPTIONS, "skip": skip, "limit": CSV_BATCH}
        result = importer.with_context(tracking_disable=True).execute_import(fields, columns, options)
        env.cr.commit()  # one transaction per batch, as Odoo's import screen does
        messages += result.get("messages") or []
        ids += len(result.get("ids") or [])
        errors = [m for m in result.get("messages") or [] if m.get("type") == "error"]
        if errors:
            raise RuntimeError(f"{model} import failed: {errors[:3]}")
        skip = result.get("nextrow") or 0
        if not skip:
            return ids, messages


def scenario_base_import(env, task, profile):
    count, partners_csv, tasks_csv = admin_csv_files(env, task)
    # the admin creates the project by hand before importing its tasks
    env["project.project"].create({"name": "Xero", "allow_timesheets": True})
    env.cr.commit()  # the admin's project exists before the tasks CSV, as when done by hand
    env.invalidate_all()

    def both():
        partner_ids, partner_messages = ui_import(
            env,
            "res.partner",
            "contacts.csv",
            partners_csv,
            ["name", "email", "phone", "street", "city", "zip", "country_id", "vat", "website", "is_company"],
            ["Name", "Email", "Phone", "Street", "City", "Zip", "Country", "Tax ID", "Website", "Is a Company"],
        )
        task_ids, task_messages = ui_import(
            env,
            "project.task",
            "tasks.csv",
            tasks_csv,
            ["name", "project_id", "partner_id"],
            ["Name", "Project", "Customer"],
        )
        return partner_ids, task_ids, partner_messages + task_messages

    with Measure() as measure:
        partner_ids, task_ids, messages = _profiled(profile, both)
    if partner_ids != count or task_ids != count:
        raise RuntimeError(f"base_import created {partner_ids} partners and {task_ids} tasks for {count} contacts")
    kinds = collections.Counter(re.sub(r"'[^']*'|\"[^\"]*\"", "…", m.get("message", "")) for m in messages)
    return measure.result(
        api_calls=0, pages=0, received=count, tasks=task_ids, warnings=len(messages), kinds=kinds.most_common(5)
    )


SCENARIOS = {
    "first": scenario_first,
    "nochange": scenario_nochange,
    "changes": scenario_changes,
    "base_import": scenario_base_import,
    "interactive": scenario_interactive,
    "latency": scenario_latency,
}


# --- parent: databases, sandboxes, children -----------------------------------------------------
def say(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def read_config():
    import configparser

    parser = configparser.ConfigParser()
    if not parser.read(CFG):
        sys.exit(f"{CFG} is missing: run ./dev bootstrap first")
    return dict(parser["options"])


def pg(sql, params=()):
    import psycopg2

    options = read_config()
    kwargs = {"dbname": "postgres"}
    for key, name in (("db_host", "host"), ("db_port", "port"), ("db_user", "user"), ("db_password", "password")):
        if options.get(key) and options[key] != "False":
            kwargs[name] = options[key]
    with contextlib.closing(psycopg2.connect(**kwargs)) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None


def db_exists(name):
    return bool(pg("SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def odoo_cli(*args, quiet=False):
    command = [sys.executable, "-m", "odoo", *args]
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(command, check=True, env=child_env(), stdout=output, stderr=output)


def template_db():
    """The template database of ./dev (same name), built here when missing."""
    release = (odoo_path() / "odoo/release.py").read_bytes()
    key = hashlib.sha256(release + (TEMPLATE_MODULES + "\n").encode()).hexdigest()[:10]
    name = f"xts_template_{key}"
    if not db_exists(name):
        say(f"building the template database {name} (about a minute, once)")
        pg(f'DROP DATABASE IF EXISTS "{name}.tmp"')
        odoo_cli("server", "-c", str(CFG), "-d", f"{name}.tmp", "-i", TEMPLATE_MODULES, "--stop-after-init")
        pg(f'ALTER DATABASE "{name}.tmp" RENAME TO "{name}"')
    return name


def duplicate(source, target):
    odoo_cli("db", "-c", str(CFG), "duplicate", "-f", source, target, quiet=True)


def drop(name):
    if db_exists(name):
        odoo_cli("db", "-c", str(CFG), "drop", name, quiet=True)


def run_child(task):
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise RuntimeError(f"scenario {task['mode']} on {task['db']} failed (exit {done.returncode})")
    return json.loads(lines[-1][len("RESULT ") :])


def start_sandbox(contacts):
    from xero_sandbox.testing import SandboxServer

    sandbox = SandboxServer(
        contacts=contacts,
        seed=SEED,
        orgs=1,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[BASE_URL + "/xero_timesync/oauth/callback"],
        rate_limits={"minute": 600},  # --repeat connects and imports several times a minute
        subprocess=True,
    )
    return sandbox.start()


def label(size):
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def run(args):
    template = template_db()
    stamp = f"{DB_PREFIX}_{os.getpid()}"
    base = f"{stamp}_base"
    created = [base]
    results, sandboxes = {}, []
    try:
        say(f"installing {ADDON} into {base} (copy of {template})")
        duplicate(template, base)
        odoo_cli("server", "-c", str(CFG), "-d", base, "-i", ADDON, "--stop-after-init", "--log-level=warn")
        for size in args.sizes:
            say(f"sandbox with {size} contacts")
            sandbox = start_sandbox(size)
            sandboxes.append(sandbox)
            task = {"sandbox_url": sandbox.url, "tenant_id": sandbox.tenants[0]["tenant_id"]}

            def timed(mode, name, size=size, task=task):
                """Best of --repeat runs, each on a fresh copy of the base database; the last copy stays."""
                runs = []
                for i in range(args.repeat):
                    task["db"] = f"{stamp}_{name}_{i}"
                    created.append(task["db"])
                    duplicate(base, task["db"])
                    profile = f"{args.profile}/{mode}-{label(size)}-{i}.prof" if args.profile else None
                    say(f"{mode} @{label(size)} ({i + 1}/{args.repeat})")
                    runs.append(run_child({**task, "mode": mode, "profile": profile}))
                return min(runs, key=lambda run: run["wall"])

            if size == args.csv_size:
                results[("base_import", size)] = timed("base_import", f"csv_{label(size)}")
            results[("first", size)] = timed("first", label(size))
            for mode in ("nochange", "changes"):  # on the last first import's database
                say(f"{mode} run @{label(size)}")
                results[(mode, size)] = run_child({**task, "mode": mode})
            sandbox.stop()
        if args.latency:
            run_latency(args, base, stamp, created, sandboxes, results)
        if args.big:
            run_big(args, base, stamp, created, sandboxes, results)
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
        if args.keep:
            say(f"kept databases: {', '.join(created)}")
        else:
            for db in created:
                drop(db)
    report(args, results)


def report(args, results):
    rows = table_rows(args, results)
    if args.repeat > 1:
        print(f"first imports and base_import: best of {args.repeat} runs, each on a fresh database")
    if rows:
        print_table(rows)
        print()
    print_checks(args, results)
    if args.latency:
        print()
        print_latency(args, results)
    if args.big:
        print()
        print_big(args, results)
    if args.profile:
        dumps = sorted(Path(args.profile).glob("first-*.prof"))
        if dumps:
            print()
            print_profile_shares([(dump.stem, str(dump)) for dump in dumps])
    if args.json:
        Path(args.json).write_text(json.dumps({f"{m}@{s}": r for (m, s), r in results.items()}, indent=2))


def print_latency(args, results):
    size = results[("latency", "size")]
    rows = []
    for pipeline in (True, False):
        r = results[("latency", pipeline)]
        write = r["wall"] - r["page_wait"]
        bound = max(r["api_wait"], write)
        rows.append((pipeline, r, write, bound))
    print(f"pipelining @{label(size)}, {args.latency} s a contacts page (sandbox fault 'slow')")
    print(
        "pages fetched          wall s  API s  waited s  write s  max(API, write)  wall / max  API calls  SQL queries"
    )
    for pipeline, r, write, bound in rows:
        name = "one ahead (default)" if pipeline else "one after the other"
        print(
            f"{name:<21} {r['wall']:7.2f}  {r['api_wait']:5.2f}  {r['page_wait']:8.2f}  {write:7.2f}"
            f"  {bound:15.2f}  {r['wall'] / bound:10.2f}  {r['api_calls']:9d}  {r['queries']:11d}"
        )
    print("API s: sum of the calls' durations; waited s: the importing thread waiting for its next page;")
    print("write s: wall - waited (everything but waiting: ORM, SQL, commits)")
    (_, on, _, bound_on), (_, off, _, _) = rows
    check = "PASS" if on["wall"] <= 1.2 * bound_on else "FAIL"
    print(f"{check}  pipelined wall / max(API, write) = {on['wall'] / bound_on:.2f} (target at most 1.2)")
    print(f"gain: {off['wall']:.2f} s -> {on['wall']:.2f} s = {off['wall'] / on['wall']:.2f}x faster with pipelining")


def print_big(args, results):
    r = results[("interactive", args.big)]
    print(f"interactive import (Force synchronization, one transaction) of {r['received']} contacts")
    print(
        f"wall {r['wall']:.1f} s, {r['received'] / r['wall']:.0f} contacts/s, {r['api_calls']} API calls,"
        f" {r['pages']} pages, {r['queries']} SQL queries, {r['tasks']} tasks;"
        f" peak RSS {r['peak_mb']:.0f} MB, growth +{r['growth_mb']:.0f} MB"
    )
    check = "PASS" if r["growth_mb"] <= 100 else "FAIL"
    print(f"{check}  peak memory growth at {label(args.big)}: +{r['growth_mb']:.0f} MB (target at most 100 MB)")


def run_latency(args, base, stamp, created, sandboxes, results):
    """The same first import with pages fetched one ahead and one after the other, Xero answering slowly."""
    size = args.latency_size
    say(f"sandbox with {size} contacts, {args.latency} s a contacts page")
    sandbox = start_sandbox(size)
    sandboxes.append(sandbox)
    task = {"sandbox_url": sandbox.url, "tenant_id": sandbox.tenants[0]["tenant_id"], "latency": args.latency}
    task["pages"] = math.ceil(size / 1000)
    for pipeline in (True, False):
        runs = []
        for i in range(args.repeat):
            task["db"] = f"{stamp}_latency_{int(pipeline)}_{i}"
            created.append(task["db"])
            duplicate(base, task["db"])
            say(f"latency @{label(size)}, pipelining {'on' if pipeline else 'off'} ({i + 1}/{args.repeat})")
            runs.append(run_child({**task, "mode": "latency", "pipeline": pipeline}))
        results[("latency", pipeline)] = min(runs, key=lambda run: run["wall"])
    results[("latency", "size")] = size
    sandbox.stop()


def run_big(args, base, stamp, created, sandboxes, results):
    """One interactive import of --big contacts (one transaction): its peak memory growth."""
    say(f"sandbox with {args.big} contacts")
    sandbox = start_sandbox(args.big)
    sandboxes.append(sandbox)
    task = {"sandbox_url": sandbox.url, "tenant_id": sandbox.tenants[0]["tenant_id"], "db": f"{stamp}_big"}
    created.append(task["db"])
    duplicate(base, task["db"])
    say(f"interactive import @{label(args.big)} (one transaction)")
    results[("interactive", args.big)] = run_child({**task, "mode": "interactive"})
    sandbox.stop()


def table_rows(args, results):
    order = [("first", s) for s in args.sizes]
    if ("base_import", args.csv_size) in results:
        order.append(("base_import", args.csv_size))
    for size in sorted(args.sizes, reverse=True):
        order += [("nochange", size), ("changes", size)]
    names = {
        "first": "first import {}",
        "base_import": "base_import {}",
        "nochange": "no-change run @{}",
        "changes": "10-change run @{}",
    }
    rows = []
    for mode, size in order:
        r = results[(mode, size)]
        contacts = r["received"] if mode in ("first", "base_import") else None
        rows.append(
            {
                "scenario": names[mode].format(label(size)),
                "wall": f"{r['wall']:.2f}",
                "rate": f"{contacts / r['wall']:.0f}" if contacts else "-",
                "received": str(r["received"]),
                "api": str(r["api_calls"]) if mode != "base_import" else "-",
                "api_wait": f"{r['api_wait']:.2f}" if mode != "base_import" else "-",
                "queries": str(r["queries"]),
                "sql_s": f"{r['sql_time']:.2f}",
                "peak": f"{r['peak_mb']:.0f}",
                "growth": f"+{r['growth_mb']:.0f}",
            }
        )
    return rows


COLUMNS = [
    ("scenario", "scenario", "<"),
    ("wall", "wall s", ">"),
    ("rate", "contacts/s", ">"),
    ("received", "received", ">"),
    ("api", "API calls", ">"),
    ("api_wait", "API s", ">"),
    ("queries", "SQL queries", ">"),
    ("sql_s", "SQL s", ">"),
    ("peak", "peak MB", ">"),
    ("growth", "+MB", ">"),
]


def print_table(rows):
    widths = {key: max(len(title), *(len(row[key]) for row in rows)) for key, title, _ in COLUMNS}
    print("  ".join(f"{title:{align}{widths[key]}}" for key, title, align in COLUMNS))
    print("  ".join("-" * widths[key] for key, _, _ in COLUMNS))
    for row in rows:
        print("  ".join(f"{row[key]:{align}{widths[key]}}" for key, _, align in COLUMNS))
    print(
        "received: contacts fetched from Xero (base_import: CSV rows per file); API s: time inside API calls"
        " (sandbox + SDK); peak MB: process RSS high-water mark during the run, +MB: its growth over the RSS before"
    )


def print_checks(args, results):
    def check(ok, text):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")

    sizes = sorted(args.sizes)
    for size in sizes:
        r = results[("first", size)]
        want = math.ceil(size / r["page_size"])
        check(
            r["api_calls"] == want,
            f"first import {label(size)}: {r['api_calls']} API calls, target ceil(N/page) = {want}",
        )
    for size in sizes:
        r = results[("nochange", size)]
        check(r["api_calls"] == 1, f"no-change run @{label(size)}: {r['api_calls']} API call(s), target 1")
        r = results[("changes", size)]
        check(r["changed"] == r["expected_changes"], f"10-change run @{label(size)}: {r['changed']} contacts changed")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for mode, name in (("nochange", "no-change run"), ("changes", "10-change run")):
            a, b = results[(mode, small)], results[(mode, large)]
            check(
                a["api_calls"] == b["api_calls"] and a["queries"] == b["queries"],
                f"{name}: {a['api_calls']}/{b['api_calls']} API calls, {a['queries']}/{b['queries']} SQL queries"
                f" @{label(small)}/@{label(large)} (must not grow with the contacts already imported)",
            )
        a, b = results[("first", small)], results[("first", large)]
        per_page_a, per_page_b = a["queries"] / max(a["pages"], 1), b["queries"] / max(b["pages"], 1)
        extra = (b["queries"] - a["queries"]) / max(b["pages"] - a["pages"], 1)
        per_contact = extra / b["page_size"]
        # with full pages both per-page figures are flat either way; the marginal page tells: an importer
        # that works contact by contact needs at least one query per contact
        check(
            per_page_b <= per_page_a * 1.1 and per_contact < 1,
            f"first import: {per_page_a:.0f} / {per_page_b:.0f} SQL queries per page @{label(small)}/@{label(large)};"
            f" {extra:.0f} per extra page of {b['page_size']} contacts = {per_contact:.2f} per contact"
            " (O(pages), not O(contacts): under 1)",
        )
    if ("base_import", args.csv_size) in results:
        ours, theirs = results[("first", args.csv_size)], results[("base_import", args.csv_size)]
        ratio = ours["wall"] / theirs["wall"]
        check(
            ratio <= 1 / TARGET_RATIO,
            f"ours / base_import @{label(args.csv_size)} = {ours['wall']:.2f} s / {theirs['wall']:.2f} s = {ratio:.3f}"
            f" ({1 / ratio:.1f}x faster; target at least {TARGET_RATIO:.0f}x)",
        )
        share = ours["api_wait"] / ours["wall"]
        check(share < 0.5, f"the sandbox is not the bottleneck: API calls take {share:.0%} of the first import")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[1000, 10000], help="first-import sizes (none: only --latency/--big)"
    )
    parser.add_argument("--csv-size", type=int, default=10000, help="size compared with base_import (0: skip it)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time first imports and base_import N times, keep the best"
    )
    parser.add_argument("--profile", help="directory for cProfile dumps of the timed runs")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--latency", type=float, default=0, help="seconds a contacts page: pipelining on and off")
    parser.add_argument("--latency-size", type=int, default=10000, help="contacts imported with --latency")
    parser.add_argument("--big", type=int, default=0, help="contacts imported on the interactive path (memory)")
    parser.add_argument("--compare-profiles", nargs=2, metavar=("BEFORE", "AFTER"), help="print two profiles' shares")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if args.compare_profiles:
        print_profile_shares([("before", args.compare_profiles[0]), ("after", args.compare_profiles[1])])
        return
    read_config()
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    run(args)


if __name__ == "__main__":
    main()
