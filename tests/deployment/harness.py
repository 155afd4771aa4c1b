"""The deployment tier's harness: Odoo as it runs in production, driven over HTTP.

A :class:`Deployment` copies the template database, installs ``xero_timesync`` and ``base_vat`` in the
copy, starts ``xero_sandbox`` as its own process and a real Odoo server (``--workers=2
--max-cron-threads=2``, free ports) as another, and tears all of it down again. Everything the tests do
goes through :class:`Rpc` (JSON-RPC with a session cookie, as the web client does) or plain HTTP, as the
admin, an employee, an accountant or a portal user would.

No Odoo import here: the tier runs on the plain virtualenv, like the sandbox suites.
"""

import base64
import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from xero_sandbox.testing import SandboxServer

CONFIG = os.environ.get("XTS_ODOO_CONFIG")
TEMPLATE = os.environ.get("XTS_TEMPLATE_DB")
CLIENT_ID = "tier-client"
CLIENT_SECRET = "tier-client-secret-3f1c9a"  # searched for in every probe answer (test 5)
WEBHOOK_KEY = "tier-webhook-key-8d2e41"
CALLBACK = "/xero_timesync/oauth/callback"
WEBHOOK = "/xero_timesync/webhook"
CRON_XMLID = ("xero_timesync", "ir_cron_xero_sync_contacts")
ROOT = Path(__file__).resolve().parents[2]


def _addon_constants():
    """The addon's ``const.py`` (plain values, no Odoo import), so the tier does not retype them."""
    spec = importlib.util.spec_from_file_location("xero_timesync_const", ROOT / "xero_timesync" / "const.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


const = _addon_constants()

# Run inside the fresh database before the server starts (like ./dev demo): point the addon at the sandbox.
_CONFIGURE = """
import datetime
import sys
import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

from xero_sandbox.odoo_seam import point_odoo_at_sandbox

cfg, db, sandbox_url, base_url, client_id, client_secret = sys.argv[1:]
config.parse_config(["-c", cfg])
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    point_odoo_at_sandbox(env, sandbox_url, client_id, client_secret)
    params = env["ir.config_parameter"]
    params.set_param("web.base.url", base_url)
    params.set_param("web.base.url.freeze", "True")
    # as on a server whose hourly run just happened (a fresh install makes it due at once, and cron workers
    # first look a minute after start): the tests decide when it is due
    cron = env.ref("xero_timesync.ir_cron_xero_sync_contacts")
    cron.nextcall = odoo.fields.Datetime.now() + datetime.timedelta(hours=1)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_cli(*args, timeout=600):
    result = subprocess.run(
        [sys.executable, "-m", "odoo", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    return result.returncode, result.stdout + result.stderr


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


PYTEST_CONFIG = None  # set by conftest.py: lets say() write past pytest's output capture


def say(line: str) -> None:
    """Progress and figures, on the terminal whether or not pytest captures output (-s or not). A pytest-xdist
    worker's stdout is its channel to the controller (pointed at /dev/null): there, stderr."""
    capture = PYTEST_CONFIG.pluginmanager.getplugin("capturemanager") if PYTEST_CONFIG else None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        stream = sys.stderr if worker else sys.stdout
        stream.write(f"\n[tier{' ' + worker if worker else ''}] {line}\n")
        stream.flush()


class RpcError(Exception):
    def __init__(self, error: dict):
        data = error.get("data") or {}
        self.name = data.get("name") or ""
        self.message = data.get("message") or error.get("message") or ""
        self.debug = data.get("debug") or ""
        super().__init__(f"{self.name}: {self.message}")


class Rpc:
    """One browser session: a cookie jar, JSON-RPC like the web client, plain HTTP."""

    def __init__(self, deployment, login=None, password=None):
        self.deployment = deployment
        self.http = requests.Session()
        self.uid = None
        self.context = {}
        self.login_name = login
        if login:
            self.login(login, password)

    @property
    def url(self):
        return self.deployment.url

    def login(self, login, password):
        result = self._jsonrpc(
            "/web/session/authenticate", {"db": self.deployment.db, "login": login, "password": password}
        )
        self.uid = result["uid"]
        self.context = dict(result.get("user_context") or {})
        return result

    def _jsonrpc(self, path, params, timeout=180):
        response = self.raw_jsonrpc(path, params, timeout=timeout)
        payload = response.json()
        if "error" in payload:
            raise RpcError(payload["error"])
        return payload.get("result")  # a method returning None answers without one

    def raw_jsonrpc(self, path, params, timeout=180):
        body = {"jsonrpc": "2.0", "method": "call", "id": uuid.uuid4().hex[:8], "params": params}
        return self.http.post(self.url + path, json=body, timeout=timeout)

    def call(self, model, method, *args, context=None, timeout=180, **kwargs):
        kwargs["context"] = {**self.context, **(context or {})}
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return self._jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params, timeout=timeout)

    def raw_call(self, model, method, *args, context=None, **kwargs):
        """(HTTP response) of a call, whatever it answered: for probes that read the body."""
        kwargs["context"] = {**self.context, **(context or {})}
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return self.raw_jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params)

    def search_read(self, model, domain, fields, **kwargs):
        context = kwargs.pop("context", None) or {}
        return self.call(model, "search_read", domain, fields, context={"active_test": False, **context}, **kwargs)

    def xmlid(self, module, name):
        rows = self.search_read("ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"])
        return rows[0]["res_id"]

    def get(self, path_or_url, **kwargs):
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        return self.http.get(url, timeout=60, **kwargs)


class Deployment:
    """Fresh database + xero_sandbox process + Odoo server process; ``start()`` / ``stop()``."""

    def __init__(self, name, sandbox_options=None, odoo_args=(), workdir=None, odoo_env=None):
        if not (CONFIG and TEMPLATE):
            raise RuntimeError("run through ./dev test, which provides XTS_ODOO_CONFIG and XTS_TEMPLATE_DB")
        self.db = f"xts_tier_{name}_{uuid.uuid4().hex[:6]}"
        self.sandbox_options = {"contacts": 12, "seed": 11, "orgs": 1, **(sandbox_options or {})}
        self.odoo_args = list(odoo_args)
        self.odoo_env = dict(odoo_env or {})  # e.g. a PATH without wkhtmltopdf
        self.workdir = Path(workdir or ROOT / ".cache" / "tier")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.db}.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sandbox = None
        self.process = None
        self._db_created = False

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self):
        started = time.monotonic()
        code, output = odoo_cli("db", "-c", CONFIG, "duplicate", "-f", TEMPLATE, self.db)
        assert code == 0, output
        self._db_created = True
        code, output = odoo_cli(
            "server", "-c", CONFIG, "-d", self.db, "-i", "xero_timesync,base_vat", "--stop-after-init",
            "--log-level=warn",
        )  # fmt: skip
        assert code == 0, output
        self.sandbox = SandboxServer(
            subprocess=True,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[self.url + CALLBACK],
            rate_limits={"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1},
            **self.sandbox_options,
        ).start()
        configure = subprocess.run(
            [sys.executable, "-c", _CONFIGURE, CONFIG, self.db, self.sandbox.url, self.url, CLIENT_ID, CLIENT_SECRET],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert configure.returncode == 0, configure.stdout + configure.stderr
        self.start_odoo()
        say(f"{self.db}: Odoo {self.url} + sandbox {self.sandbox.url} ready in {time.monotonic() - started:.1f}s")
        return self

    def start_odoo(self):
        # a script, not -m odoo: the prefork master starts its websocket worker as [python, argv[0], "gevent"]
        # replaced whole, never rewritten in place: another test worker's Odoo may be reading it right now
        launcher = self.workdir / "odoo-launcher.py"
        partial = self.workdir / f"odoo-launcher.{os.getpid()}.tmp"
        partial.write_text("import odoo.cli\n\nodoo.cli.main()\n")
        partial.replace(launcher)
        command = [
            sys.executable, str(launcher), "server", "-c", CONFIG, "-d", self.db, f"--db-filter=^{self.db}$",
            "--workers=2", "--max-cron-threads=2", f"--http-port={self.port}", f"--gevent-port={free_port()}",
            f"--logfile={self.log_path}", "--log-level=info", *self.odoo_args,
        ]  # fmt: skip
        # Odoo's own switch: writing a cron's nextcall wakes the cron workers at once (else they poll each minute)
        env = dict(os.environ, ODOO_NOTIFY_CRON_CHANGES="1", **self.odoo_env)
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/web/login", timeout=5).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"Odoo did not answer /web/login within 120 s:\n{self.log_tail()}")

    def stop_odoo(self):
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart_odoo(self):
        self.stop_odoo()
        self.start_odoo()

    def stop(self):
        self.stop_odoo()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self._db_created:
            code, output = odoo_cli("db", "-c", CONFIG, "drop", self.db)
            if code != 0:
                say(f"could not drop {self.db}: {output[-500:]}")

    def log_tail(self, lines=80):
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no Odoo log)"
        return "\n".join(text[-lines:])

    # -- users ---------------------------------------------------------------------------------------
    def rpc(self, login=None, password=None):
        return Rpc(self, login, password)

    def admin(self):
        return Rpc(self, "admin", "admin")

    def create_user(self, admin, login, groups=(), portal=False, company_ids=None):
        """A user created the way an administrator does it (over RPC); returns its id. Password = login."""
        vals = {"name": login.replace("_", " ").title(), "login": login, "password": login}
        if portal:
            vals["group_ids"] = [(6, 0, [admin.xmlid("base", "group_portal")])]
        elif groups:
            vals["group_ids"] = [(4, admin.xmlid(*group.split("."))) for group in groups]
        if company_ids:
            vals["company_ids"] = [(6, 0, company_ids)]
            vals["company_id"] = company_ids[0]
        return admin.call("res.users", "create", [vals])[0]

    # -- Xero, as the admin clicks it ---------------------------------------------------------------------
    def enable_integration(self, admin, tenant_id, company_id=None):
        """Enable integration → Connect to Xero → Allow access → callback → organisation → Save.

        Returns the wizard's values after Save (step, result_message, sync_log_id)."""
        context = {}
        if company_id:
            context = {"default_company_id": company_id, "allowed_company_ids": [company_id]}
        wizard_id = admin.call("xero.connect.wizard", "create", [{}], context=context)[0]
        action = admin.call("xero.connect.wizard", "action_connect", [wizard_id], context=context)
        assert action.get("type") == "ir.actions.act_url", action
        redirect = self.sandbox.consent(action["url"], tenant_ids=[tenant_id])
        answer = admin.get(redirect, allow_redirects=False)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        wizard = self._wizard(admin, wizard_id, context)
        if wizard["step"] == "organisation":
            line = admin.search_read(
                "xero.connect.wizard.tenant", [("wizard_id", "=", wizard_id), ("tenant_id", "=", tenant_id)], ["id"]
            )
            admin.call("xero.connect.wizard", "write", [wizard_id], {"tenant_line_id": line[0]["id"]}, context=context)
            admin.call("xero.connect.wizard", "action_select_organisation", [wizard_id], context=context)
            wizard = self._wizard(admin, wizard_id, context)
        assert wizard["step"] == "accounts", wizard
        admin.call("xero.connect.wizard", "action_save", [wizard_id], context=context, timeout=300)
        return self._wizard(admin, wizard_id, context)

    @staticmethod
    def _wizard(admin, wizard_id, context):
        return admin.call(
            "xero.connect.wizard", "read", [wizard_id], ["step", "error_message", "result_message", "sync_log_id"],
            context=context,
        )[0]  # fmt: skip

    def connection(self, admin, company_id=None, fields=("state", "tenant_id", "last_sync_log_id")):
        domain = [("company_id", "=", company_id)] if company_id else []
        context = {"allowed_company_ids": [company_id]} if company_id else {}
        rows = admin.search_read("xero.connection", domain, list(fields), context=context, order="id")
        return rows[0] if rows else None

    def force_sync(self, admin, connection_id, company_id=None, timeout=300):
        context = {"allowed_company_ids": [company_id]} if company_id else {}
        return admin.call(
            "xero.connection", "action_xero_force_sync", [connection_id], context=context, timeout=timeout
        )

    def cron_ids(self, admin):
        """The hourly safety net and every organisation's own job (one per connection)."""
        companies = admin.search_read("res.users", [("id", "=", admin.uid)], ["company_ids"])[0]["company_ids"]
        connections = admin.search_read(
            "xero.connection", [], ["sync_cron_id"], context={"active_test": False, "allowed_company_ids": companies}
        )
        return [admin.xmlid(*CRON_XMLID)] + [c["sync_cron_id"][0] for c in connections if c["sync_cron_id"]]

    def wake_cron(self, admin):
        """What the scheduler does at the hour: the jobs are due now (cron workers pick them up)."""
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        for cron_id in self.cron_ids(admin):
            try:
                admin.call("ir.cron", "write", [cron_id], {"nextcall": now})
            except RpcError as error:
                # Odoo refuses to modify a job while a cron worker runs it: it is awake already
                if "cannot be modified right now" not in str(error):
                    raise

    def run_cron_now(self, admin):
        """Settings → Technical → Scheduled Actions → Run Manually on an organisation's job (in this request)."""
        return admin.call("ir.cron", "method_direct_trigger", self.cron_ids(admin)[1:2], timeout=300)

    def wait_cron_idle(self, admin, timeout=60, since_log_id=0):
        """Until no job is due or triggered and no sync log newer than ``since_log_id`` is ``running``,
        twice in a row half a second apart; False on timeout."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            cron_ids = self.cron_ids(admin)
            now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            due = admin.call("ir.cron", "search_count", [("id", "in", cron_ids), ("nextcall", "<=", now)])
            triggers = admin.call(
                "ir.cron.trigger", "search_count", [("cron_id", "in", cron_ids), ("call_at", "<=", now)]
            )
            running = admin.call(
                "xero.sync.log", "search_count", [("id", ">", since_log_id), ("state", "=", "running")]
            )
            quiet = quiet + 1 if not due and not triggers and not running else 0
            if quiet >= 2:
                return True
            time.sleep(0.5)
        return False

    def last_log_id(self, admin):
        rows = admin.search_read("xero.sync.log", [], ["id"], order="id desc", limit=1)
        return rows[0]["id"] if rows else 0

    def logs_since(self, admin, log_id, fields=("trigger", "state", "message", "connection_id"), domain=()):
        return admin.search_read("xero.sync.log", [("id", ">", log_id), *domain], list(fields), order="id")

    # -- webhooks --------------------------------------------------------------------------------------
    def post_webhook(self, body: bytes, key=WEBHOOK_KEY, signature=None, timeout=60):
        headers = {"Content-Type": "application/json", "x-xero-signature": signature or sign(body, key)}
        return requests.post(self.url + WEBHOOK, data=body, headers=headers, timeout=timeout)

    def webhook_body(self, tenant_id, contact_ids, sequence=1, category="CONTACT"):
        collection = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}[category]
        events = [
            {
                "resourceUrl": f"https://api.xero.com/api.xro/2.0/{collection}/{resource_id}",
                "resourceId": resource_id,
                "eventDateUtc": time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime()),
                "eventType": "UPDATE",
                "eventCategory": category,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
            }
            for resource_id in contact_ids
        ]
        payload = {
            "events": events,
            "firstEventSequence": sequence,
            "lastEventSequence": sequence + len(events) - 1,
            "entropy": uuid.uuid4().hex[:20].upper(),
        }
        return json.dumps(payload, separators=(",", ":")).encode()

    def invoice_webhook_body(self, tenant_id, invoice_ids):
        return self.webhook_body(tenant_id, invoice_ids, sequence=int(time.time() * 1000), category="INVOICE")


# --- shared steps -------------------------------------------------------------------------------------
def restore_sandbox(control):
    control.clear_faults()
    control.set_clock_offset(0)
    control.set_rate_limits(minute=-1, day=-1, concurrent=-1, app_minute=-1)
    control.set_token_settings(access_token_ttl=1800, code_ttl=300, refresh_grace=1800, refresh_token_ttl=60 * 86400)


SECRET_FIELDS = ["xero_client_secret", "xero_webhook_key"]
SECRET_KEYS = ["xero_timesync.client_secret", "xero_timesync.webhook_key"]


def secret_probes(rpc):
    """(name, callable returning the HTTP response) for every path a logged-in user could try."""
    settings, params = "res.config.settings", "ir.config_parameter"
    key_domain = [("key", "in", SECRET_KEYS)]
    return [
        ("settings.default_get", lambda: rpc.raw_call(settings, "default_get", SECRET_FIELDS)),
        ("settings.create+read", lambda: rpc.raw_call(settings, "read", [1], SECRET_FIELDS)),
        ("settings.web_read", lambda: rpc.raw_call(settings, "web_read", [1], {f: {} for f in SECRET_FIELDS})),
        ("settings.onchange", lambda: rpc.raw_call(settings, "onchange", {}, [], {f: {} for f in SECRET_FIELDS})),
        ("settings.search_read", lambda: rpc.raw_call(settings, "search_read", [], SECRET_FIELDS)),
        ("settings.export_data", lambda: rpc.raw_call(settings, "export_data", [1], SECRET_FIELDS)),
        ("settings.get_values", lambda: rpc.raw_call(settings, "get_values")),
        (
            "settings.web_search_read",
            lambda: rpc.raw_call(settings, "web_search_read", [], {f: {} for f in SECRET_FIELDS}),
        ),
        ("icp.search_read", lambda: rpc.raw_call(params, "search_read", key_domain, ["key", "value"])),
        ("icp.read", lambda: rpc.raw_call(params, "read", list(range(1, 60)), ["key", "value"])),
        ("icp.get_param.secret", lambda: rpc.raw_call(params, "get_param", SECRET_KEYS[0])),
        ("icp.get_param.webhook", lambda: rpc.raw_call(params, "get_param", SECRET_KEYS[1])),
        ("icp.search", lambda: rpc.raw_call(params, "search", key_domain)),
        ("icp.web_search_read", lambda: rpc.raw_call(params, "web_search_read", key_domain, {"value": {}})),
    ]


def run_probes(tier, users):
    leaks, count = [], 0
    for login in users:
        rpc = tier.d.rpc(login, login)
        for name, probe in secret_probes(rpc):
            count += 1
            body = probe().text
            if CLIENT_SECRET in body or WEBHOOK_KEY in body:
                leaks.append(f"{login}: {name} → {body[:160]}")
    return leaks, count


# --- oracles -------------------------------------------------------------------------------------------
def duplicates(admin, model, field="xero_contact_id", extra_domain=()):
    rows = admin.search_read(model, [(field, "!=", False), *extra_domain], [field])
    counts = Counter(row[field].lower() for row in rows)
    return {key: count for key, count in counts.items() if count > 1}


def compare_with_sandbox(admin, control, tenant_id, connection_id, skip_ids=()):
    """Lost contacts: every sandbox contact has a task of this connection with its name and archive state."""
    skip = {cid.lower() for cid in skip_ids}
    tasks = admin.search_read(
        "project.task",
        [("xero_connection_id", "=", connection_id), ("xero_contact_id", "!=", False)],
        ["xero_contact_id", "name", "active"],
    )
    by_id = {task["xero_contact_id"].lower(): task for task in tasks}
    problems = []
    for contact in control.contacts(tenant_id):
        contact_id = contact["ContactID"].lower()
        if contact_id in skip:
            continue
        task = by_id.get(contact_id)
        name = contact["Name"].strip()
        active = contact["ContactStatus"] != "ARCHIVED"
        if task is None:
            problems.append(f"missing {contact_id} {name[:40]!r}")
        elif task["name"] != name or task["active"] != active:
            problems.append(f"stale {contact_id}: {task['name'][:40]!r}/{task['active']} vs {name[:40]!r}/{active}")
    return problems


def add_clean_contacts(control, tenant_id, count, prefix="Client", rng=None):
    """Contacts every Odoo accepts (no tax number): the sandbox's seeded ones carry NZ-style GST numbers that
    base_vat refuses, which today fails the very first import (issue 11, point 4)."""
    rng = rng or __import__("random").Random(count)
    made = []
    for index in range(count):
        suffix = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
        name = f"{prefix} {index:03d} {suffix.title()} Ltd"
        made.append(control.add_contact(tenant_id, name=name, email=f"ap{index}.{suffix}@example.com"))
    return made


def fire_together(*functions, timeout=300):
    """Run the callables in threads released at the same moment; returns their results (or exceptions)."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - reported to the caller
            results[index] = error

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def notification_kind(action):
    """The toast a Force synchronization answers with (success/info/warning/danger), or the error."""
    if isinstance(action, Exception):
        return f"error {action}"
    if isinstance(action, dict) and action.get("tag") == "display_notification":
        return action["params"].get("type")
    return f"unexpected answer {action!r:.200}"
