"""Real Odoo servers for the benchmarks (tenants.py, servers.py, slow_orgs.py).

``connected_database`` installs the addon into a copy of the template database and connects organisations
of an xero_sandbox to it, each its own company and connection, through the wizard's server-side path in a
child process (as tests/test_addon_lifecycle.py's CONNECT script does; no import yet). ``Server`` runs
``odoo server --workers=W --max-cron-threads=N`` on a database in its own process group; the benchmark
only watches the database (``sql``) and the server's log.
"""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_contacts as bench  # noqa: E402  the same databases, configuration and helpers

# The launcher: a script, not -m odoo, because the prefork master starts its websocket worker as
# [python, argv[0], "gevent"] (as tests/deployment/harness.py does). XTS_BENCH_CONST (JSON) overrides
# constants of xero_timesync/const.py in every process of the server, e.g. a small contacts page.
LAUNCHER = '''\
import importlib.machinery
import json
import os
import sys

OVERRIDES = json.loads(os.environ.get("XTS_BENCH_CONST") or "{}")


class ConstOverrides:
    """Sets OVERRIDES on odoo.addons.xero_timesync.const as soon as it is imported."""

    @staticmethod
    def find_spec(name, path, target=None):
        if name != "odoo.addons.xero_timesync.const":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            for key, value in OVERRIDES.items():
                setattr(module, key, value)

        spec.loader.exec_module = exec_module
        return spec


if OVERRIDES:
    sys.meta_path.insert(0, ConstOverrides)

import odoo.cli  # noqa: E402

odoo.cli.main()
'''


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sql(db, query, params=()):
    """One statement on ``db`` in autocommit, from outside the servers; the rows when it returns some."""
    import psycopg2

    options = bench.read_config()
    kwargs = {"dbname": db}
    for key, name in (("db_host", "host"), ("db_port", "port"), ("db_user", "user"), ("db_password", "password")):
        if options.get(key) and options[key] != "False":
            kwargs[name] = options[key]
    with contextlib.closing(psycopg2.connect(**kwargs)) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None


def notify_crons(db):
    """As Odoo's ``_notifydb``: cron workers wake at once instead of at their next poll."""
    sql("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])


# --- what the benches read in the database --------------------------------------------------------------
def organisation_crons(db):
    """{cron id: (model, connection id)}: the scheduler jobs the addon created per organisation."""
    rows = sql(
        db,
        """SELECT c.id, m.model, a.code
             FROM ir_cron c
             JOIN ir_act_server a ON a.id = c.ir_actions_server_id
             JOIN ir_model m ON m.id = a.model_id
            WHERE m.model LIKE 'xero.%%' AND c.active
              AND NOT EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.cron' AND d.res_id = c.id)""",
    )
    crons = {}
    for cron_id, model, code in rows:
        found = re.search(r"\((\d+)\)\s*$", code or "")
        crons[cron_id] = (model, int(found.group(1)) if found else None)
    return crons


def data_crons(db):
    return [
        row[0]
        for row in sql(
            db,
            """SELECT c.id FROM ir_cron c JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
                WHERE d.module = 'xero_timesync'""",
        )
    ]


def has_flow_column(db):
    return bool(
        sql(db, "SELECT 1 FROM information_schema.columns WHERE table_name = 'xero_sync_log' AND column_name = 'flow'")
    )


def history(db, days=1):
    """The invoice-status and money jobs of every organisation get a watermark ``days`` old, as if invoices had
    been pushed then: each of their runs asks Xero what changed since (without it they have nothing to ask)."""
    if sql(db, "SELECT 1 FROM information_schema.tables WHERE table_name = 'xero_job'"):
        sql(
            db,
            "UPDATE xero_job SET watermark = (now() AT TIME ZONE 'UTC') - %s * interval '1 day'"
            " WHERE flow IN ('invoices', 'money')",
            [days],
        )


# --- child: connect every organisation -------------------------------------------------------------------
def connect_all(task):
    """A company and a connection per organisation, through the wizard (no import); commits each."""
    from urllib.parse import parse_qs, urlparse

    from xero_sandbox.odoo_seam import point_odoo_at_sandbox
    from xero_sandbox.testing import SandboxServer

    with bench.odoo_env(task["db"]) as env:
        from odoo.addons.xero_timesync import const  # once the addons path is configured

        params = env["ir.config_parameter"]
        params.set_param("web.base.url", task["base_url"])
        if task.get("webhook_key"):
            params.set_param(const.PARAM_WEBHOOK_KEY, task["webhook_key"])
        point_odoo_at_sandbox(env, task["sandbox_url"], task["client_id"], task["client_secret"])
        consent = SandboxServer()
        consent.url = task["sandbox_url"]
        for index, tenant_id in enumerate(task["tenant_ids"]):
            company = env.company
            if index:
                company = env["res.company"].create({"name": f"Organisation {index + 1:03d}"})
            wizard = env["xero.connect.wizard"].with_company(company).create({"company_id": company.id})
            action = wizard.action_connect()
            redirect = consent.consent(action["url"], tenant_ids=[tenant_id])
            answer = {key: values[0] for key, values in parse_qs(urlparse(redirect).query).items()}
            wizard._complete_oauth(code=answer.get("code"), error=answer.get("error"))
            if wizard.step != "accounts":
                raise RuntimeError(f"organisation {index + 1}: the wizard stopped at {wizard.step}")
            connection = wizard._link_connection()
            connection.write(
                {
                    "revenue_account_code": wizard.revenue_line_id.code,
                    "revenue_account_name": wizard.revenue_line_id.name,
                    "expense_account_code": wizard.expense_line_id.code,
                    "expense_account_name": wizard.expense_line_id.name,
                }
            )
            env["xero.contact.sync"]._xero_ensure_cron(connection)
            env.cr.commit()  # the benchmark's own database: each organisation stays connected
        if "xero.job" in env.registry:  # a job per money flow (issue 23), as the safety nets create them
            env["xero.job"]._xero_ensure_jobs()
            env.cr.commit()
    print("CONNECTED", flush=True)


def connected_database(db, sandbox, tenant_ids, client_id, client_secret, webhook_key="", base_url=bench.BASE_URL):
    """``db``: a copy of the template with the addon installed and ``tenant_ids`` connected; their ids."""
    bench.duplicate(bench.template_db(), db)
    bench.odoo_cli("server", "-c", str(bench.CFG), "-d", db, "-i", bench.ADDON, "--stop-after-init", "--log-level=warn")
    task = {
        "db": db,
        "sandbox_url": sandbox.url,
        "tenant_ids": list(tenant_ids),
        "base_url": base_url,
        "client_id": client_id,
        "client_secret": client_secret,
        "webhook_key": webhook_key,
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--connect", json.dumps(task)]
    done = subprocess.run(command, env=bench.child_env(), capture_output=True, text=True)
    if done.returncode or "CONNECTED" not in done.stdout:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise RuntimeError("connecting the organisations failed")
    return [row[0] for row in sql(db, "SELECT id FROM xero_connection WHERE state = 'connected' ORDER BY id")]


# --- the server ------------------------------------------------------------------------------------------
class Server:
    """``odoo server --workers=W --max-cron-threads=N`` on one database, in its own process group.

    ``data_dir``: its own data directory (sessions, filestore), as another machine would have;
    ``log_handlers``: extra ``--log-handler`` values (the level is warn otherwise); ``const``: overrides of
    xero_timesync/const.py in the server's processes; ``extra``: more command-line options.
    """

    def __init__(self, db, threads, port, log_path, workers=2, data_dir=None, log_handlers=(), const=None, extra=()):
        self.db, self.threads, self.port, self.log_path = db, threads, port, log_path
        self.workers, self.data_dir, self.log_handlers = workers, data_dir, log_handlers
        self.const, self.extra = const or {}, extra
        self.process = None

    def __enter__(self):
        launcher = bench.CACHE / "tmp" / "odoo-bench-launcher.py"
        launcher.parent.mkdir(parents=True, exist_ok=True)
        if not launcher.exists() or launcher.read_text() != LAUNCHER:
            launcher.write_text(LAUNCHER)
        command = [
            sys.executable,
            str(launcher),
            "server",
            "-c",
            str(bench.CFG),
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.threads}",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--log-level=warn",
            *(f"--log-handler={handler}" for handler in self.log_handlers),
            *([f"--data-dir={self.data_dir}"] if self.data_dir else []),
            *self.extra,
        ]
        env = bench.child_env()
        env["XTS_BENCH_CONST"] = json.dumps(self.const)
        self.log = open(self.log_path, "w")  # noqa: SIM115  closed in __exit__
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/web/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"the Odoo server did not start; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group of the server started above
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--connect"]:
        connect_all(json.loads(sys.argv[2]))
