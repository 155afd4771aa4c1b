"""The hostile-client tier's machinery (issue 21): what the addon exposes, found by itself; who may do what;
oracles that judge a probe by its effect.

- :func:`public_methods` parses the addon's source with ``ast``: every method not starting with ``_`` of a
  class with ``_name``/``_inherit``, so a new public method joins the matrix without anyone listing it.
- :func:`context_keys` scans the source for the context keys the code reads or sets.
- :func:`addon_models` asks the server (as the admin) which models the addon defines and which it extends
  (ir.model.data of module xero_timesync), and their fields (fields_get, ir.model.fields).
- :class:`Db` reads the database directly, outside Odoo: rows, counts and per-table digests before and after a
  probe, so an effect is seen whatever the server answered (no error string is ever read).
- :data:`ALLOW` is the small, explicit list of what each role may do; everything else must be refused.
"""

import ast
import configparser
import contextlib
import fnmatch
import http.server
import json
import re
import threading
import uuid
from dataclasses import dataclass, field

import psycopg2
import psycopg2.extras

from .harness import CONFIG, ROOT, const

ADDON = ROOT / "xero_timesync"
MAGIC = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date", "__last_update"}
CRUD = {"create", "write", "unlink", "read", "search", "default_get", "copy", "name_create"}

# --- roles (README "Who may track time where", issue 21) ---------------------------------------------
ROLES = (
    "admin",  # Settings administrator of company A (Odoo's admin: Invoicing rights too)
    "xero_admin",  # xero_timesync.group_xero_admin only, no Settings
    "employee",  # a Regular member
    "restricted",  # a member restricted to one task
    "accountant",  # account.group_account_invoice
    "auditor",  # account.group_account_readonly
    "project_admin",  # project.group_project_manager, no Settings
    "portal",  # the customer of a pushed invoice
    "other_admin",  # Settings administrator of company B only
    "other_employee",  # an employee of company B only
)
MEMBERS = ("admin", "xero_admin", "employee", "restricted", "accountant", "auditor", "project_admin")
BILLING = ("admin", "accountant")  # Invoicing rights: rates, invoices, pushes (README "Invoicing time")

# --- what each role may do: (roles, model, operation, detail) patterns; everything else must be refused --------
# operations: read (read, search_read), read_field, write, create, unlink, method, write_owned; detail is the
# field or method name (fnmatch patterns, "|" between alternatives). A role's probes that match are not run:
# only refusals are probed. No one may write a Xero-owned field (write_owned): ANY leaves it out.
INTERNAL = tuple(r for r in ROLES if r != "portal")
ANY = "read*|write|create|unlink|method"
ALLOW = [
    # Members read the Xero project and the tasks they may log time on (the restricted member's target task is
    # the one they may NOT see), their own time, their own timer, the members list, the organisation's tax rates
    # (the invoice wizard's picker), and what Odoo shows every internal user of their company: contacts, users,
    # employees, accounts and taxes (with their Xero mapping), the company's timer and invoicing settings.
    (MEMBERS, "project.project", "read*", "*"),
    (tuple(r for r in MEMBERS if r != "restricted"), "project.task", "read*", "*"),
    (MEMBERS, "xero.project.member|xero.tax.rate|xero.timer", "read*", "*"),
    (MEMBERS, "res.partner|hr.employee|account.account|account.tax", "read*", "*"),
    (MEMBERS, "res.company", "read", "*"),
    (MEMBERS, "res.company", "read_field", "xero_timer_*|xero_invoice_rounding|xero_push_status|xero_tracking_*"),
    (MEMBERS, "res.company", "read_field", "xero_connection_id"),
    # how time is approved, locked and billed (issue 25, 26): the submit button and the lock's refusal need them
    (MEMBERS, "res.company", "read_field", "xero_timesheet_*|xero_projects"),
    (BILLING, "xero.contact.group", "read*", "*"),  # a billing run bills a Xero contact group's members
    # the addon extends ir.ui.menu to hide its approval menus under Odoo Enterprise: menus stay Odoo's (every
    # internal user reads them, Settings administrators edit them)
    (INTERNAL, "ir.ui.menu", "read*", "*"),
    (("admin", "other_admin"), "ir.ui.menu", ANY, "*"),
    # The target follows the Xero project. Odoo lets every internal user read follower rows (a partner and a
    # document id, no document data): the members list itself (xero.project.member) is what companies keep apart.
    (INTERNAL, "mail.followers", "read*", "*"),
    (BILLING, "res.company", "read_field", "*"),  # the company's invoicing settings, watermarks and errors
    (INTERNAL, "res.users", "read*", "*"),  # Odoo shows users to every internal user (mentions, chatter)
    (("employee",), "account.analytic.line", "read*", "*"),  # the target line is the employee's own
    (("admin", "accountant", "auditor", "project_admin"), "account.analytic.line", "read*", "*"),  # approvers
    # Invoices: billing people and auditors read them, with their Xero status and accounts; internals (the
    # push nonce, Xero's errors) are Billing's. The portal customer reads their own invoice and its lines
    # (Odoo's portal), none of our fields; Odoo shows the portal user their company.
    (("admin", "accountant", "auditor"), "account.move", "read", "*"),
    (("admin", "accountant", "auditor"), "account.move.line|account.payment", "read*", "*"),
    (
        ("auditor",),
        "account.move",
        "read_field",
        "xero_[isu]*|xero_pushed_at|xero_allocated|xero_timesheet*|xero_credit_pushable|xero_currency_warning"
        "|xero_*_account_code",
    ),
    (BILLING, "account.move", "read_field", "*"),
    (("portal",), "account.move", "read", "*"),
    (("portal",), "account.move.line", "read*", "*"),
    (("portal", "other_admin"), "res.company", "read", "*"),
    # Odoo's Settings administrators administer every company (they may give themselves company A): A's
    # settings are theirs to read, but not A's Xero organisation (see ALLOW_IF_EMPTY)
    (("other_admin",), "res.company|res.config.settings", "read*", "*"),
    (("accountant",), "xero.push.attempt", "read*", "*"),
    (BILLING, "xero.ledger.line", "read*", "*"),  # the reconciliation with Xero (issue 22)
    (("accountant", "auditor"), "xero.tracking.*", "read*", "*"),
    # The Settings administrator reads everything of their company; any Settings administrator reads the
    # database-wide parameters (app credentials, webhook key: ir.config_parameter is theirs in Odoo).
    (("admin",), "*", "read*", "*"),
    (
        ("other_admin",),
        "res.config.settings",
        "read_field",
        "xero_client_id|xero_client_secret|xero_webhook_key|xero_daily_call_limit|xero_redirect_uri|xero_webhook_url",
    ),
    # The Xero administrator (without Settings): what README and the group's comment say, read-only: the
    # connection, its sync logs and refused contacts, its contact groups.
    (("xero_admin",), "xero.connection|xero.sync.log|xero.contact.refusal|xero.contact.group", "read*", "*"),
    (("xero_admin",), "xero.job", "read*", "*"),  # each flow's job on the health panel (its cron: Settings only)
    # Writes and creates that are legitimate (README's matrix): members write an allowed task's description
    # (not a field of ours) and log their own time; billing people set rates and invoice; the Settings admin
    # configures the integration (every non-Xero-owned field of its models, the company's Xero settings).
    (BILLING, "project.task|project.project|hr.employee", "write", "xero_hourly_rate"),
    (("admin",), "project.task", "write", "xero_billable"),  # who decides what is billed (README)
    # how a client's time is invoiced and sent (its grouping, rounding, descriptions, Odoo or Xero Projects)
    (BILLING, "res.partner", "write", "xero_invoice_*|xero_billed_by|invoice_sending_method"),
    (("admin",), "res.company|account.tax|account.account", "write", "xero_*"),
    (("admin",), "res.config.settings", ANY, "*"),
    (("admin",), "xero.connection", "write", "*"),  # non-owned fields: accounts, contact scope (the wizard's)
    (("admin",), "xero.project.member", ANY, "*"),
    (("admin",), "xero.tax.rate", "write", "active"),
    (("admin",), "xero.tracking.mapping", "write|create|unlink", "*"),
    (("admin",), "xero.token", ANY, "*"),  # README: admins only, tokens
    (("admin",), "xero.connect.wizard*", ANY, "*"),
    (("admin",), "xero.account.mapping*", ANY, "*"),  # Xero account mapping: advisers and Settings administrators
    (BILLING, "xero.invoice.wizard*", ANY, "*"),
    (BILLING, "xero.billing.run", ANY, "*"),  # month-end billing runs: accountants (issue 25)
    # a week submitted by the employee: theirs to read; its approvers (Timesheets approvers, which Odoo's project
    # managers are, and administrators) read and decide it
    (("employee", "project_admin"), "xero.timesheet.submission", "read*", "*"),
    (("admin", "project_admin"), "xero.timesheet.submission", "method", "action_xero_*"),
    (BILLING, "account.move.reversal", ANY, "*"),
    (("admin",), "xero.sync.log|xero.contact.refusal|xero.webhook.delivery|xero.invoice.event", "unlink", "*"),
    (("admin",), "xero.contact.group|xero.tax.rate|xero.tracking.category|xero.tracking.option", "unlink", "*"),
    (("admin",), "res.partner|account.*|hr.employee|res.users|project.project|res.company", "create|unlink", "*"),
    (("accountant",), "account.move|account.move.line|account.payment", "create|unlink", "*"),  # Odoo's rules
    # time: members log their own (the target line is the employee's), approvers and accountants anyone's
    (("employee", "accountant", "project_admin"), "account.analytic.line", "create", "*"),
    # a Settings administrator of another company administers Odoo's users and opens its own wizards
    (("other_admin",), "res.users|res.company", "create|unlink", "*"),
    # the addon extends ir.cron with methods only (how long a job may still run): the scheduled actions stay
    # Odoo's Settings administrators' (Settings → Technical), as in every database
    (("admin", "other_admin"), "ir.cron", ANY, "*"),
    (("other_admin",), "res.company", "write", "*"),  # Odoo's Settings admins administer every company
    (
        ("other_admin",),
        "res.config.settings",
        "write",
        "xero_client_id|xero_client_secret|xero_webhook_key|xero_daily_call_limit",
    ),
    (("employee",), "xero.timer", "write|unlink", "*"),  # the target timer is the employee's own
    (("other_admin",), "res.config.settings|xero.connect.wizard*", "create", "*"),
    # Public methods with an effect, for the roles whose job they are.
    (tuple(r for r in MEMBERS if r != "restricted"), "xero.timer", "method", "*"),  # restricted: a forbidden task_id
    (tuple(r for r in MEMBERS if r != "restricted"), "project.task", "method", "action_xero_timer_*"),
    (tuple(r for r in MEMBERS if r != "restricted"), "project.task", "method", "message_subscribe"),
    (BILLING, "account.move", "method", "action_xero_push*|action_xero_view_online|button_cancel"),
    # Reset to draft of a pushed invoice reads its status at Xero first (a Xero draft is then updated in place)
    (BILLING, "account.move", "method", "button_draft"),
    (BILLING, "account.move.reversal|xero.invoice.wizard", "method", "*"),
    # Compare with Xero reads Xero and stores its answer, for the user's own companies only (company B's for other_admin)
    (BILLING + ("other_admin",), "xero.ledger.line", "method", "action_xero_compare|action_open_move"),
    (("admin",), "xero.connection|res.config.settings|xero.connect.wizard|project.project", "method", "*"),
    (("admin",), "xero.tracking.mapping", "method", "*"),
    (("admin",), "xero.account.mapping", "method", "*"),
]


# (roles, model, fields): these roles may read the field, but must find it empty: another company's Xero
# organisation, as Settings shows it through the company (res.company.xero_connection_id is per user).
CONNECTION_FIELDS = (
    "xero_connection_id|xero_state|xero_tenant_*|xero_owner_*|xero_connected_since|xero_last_*|xero_revenue_*"
    "|xero_expense_*|xero_sync_log_count|xero_refused_count|xero_quota_*|xero_token_*|xero_next_sync_date"
    "|xero_failed_push_count|xero_tracking_summary|xero_ledger_difference_count"
)
ALLOW_IF_EMPTY = [(("other_admin",), "res.company|res.config.settings", CONNECTION_FIELDS)]


def allowed_if_empty(role, model, field):
    return any(
        role in roles and _match(model_pattern, model) and _match(field_pattern, field)
        for roles, model_pattern, field_pattern in ALLOW_IF_EMPTY
    )


def _match(pattern, value):
    return any(fnmatch.fnmatchcase(value, part) for part in pattern.split("|"))


def allowed(role, model, op, detail=""):
    for roles, model_pattern, op_pattern, detail_pattern in ALLOW:
        if role in roles and _match(model_pattern, model) and _match(op_pattern, op):
            if _match(detail_pattern, detail or ""):
                return True
    return False


# --- the addon's source ---------------------------------------------------------------------------------
def _class_model(cls):
    names = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if stmt.targets[0].id in ("_name", "_inherit"):
                with contextlib.suppress(ValueError):
                    names[stmt.targets[0].id] = ast.literal_eval(stmt.value)
    model = names.get("_name") or names.get("_inherit")
    return model[0] if isinstance(model, list) else model


def users_records():
    """The addon's own models whose records are their users' (``_xero_owned_records = False``: a running timer,
    the administrator's tracking mapping), not Xero's: their read-only fields are not Xero-owned."""
    found = set()
    for path in sorted(ADDON.rglob("*.py")):
        if "tests" in path.parts:
            continue
        for cls in (n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)):
            for stmt in cls.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and ast.unparse(stmt.targets[0]) == "_xero_owned_records"
                    and ast.literal_eval(stmt.value) is False
                ):
                    found.add(_class_model(cls))
    return found


@dataclass(frozen=True)
class Method:
    model: str
    name: str
    model_level: bool  # @api.model: called without ids
    params: tuple  # positional parameters after self without a default


def public_methods():
    """Every public method of the addon's models, wizards and controllers' models, from the source (ast)."""
    found = []
    for path in sorted(ADDON.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(ADDON).parts):
            continue
        for cls in (n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)):
            model = _class_model(cls)
            if not model:
                continue
            for fn in cls.body:
                if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_") or fn.name in CRUD:
                    continue
                decorators = {ast.unparse(d) for d in fn.decorator_list}
                positional = [a.arg for a in fn.args.args[1:]]
                required = positional[: len(positional) - len(fn.args.defaults)]
                found.append(Method(model, fn.name, bool(decorators & {"api.model"}), tuple(required)))
    return found


def context_keys():
    """Context keys the addon's code reads or sets (``context.get("…")``, ``with_context(key=…)``, const.py's
    context dicts), plus Odoo's own keys that switch a check off. Values are those a bypass would use."""
    keys = set()
    for path in sorted(ADDON.rglob("*.py")):
        if "tests" in path.parts:
            continue
        text = path.read_text()
        keys |= set(re.findall(r"context\.get\(\s*[\"']([\w.]+)[\"']", text))
        for call in re.findall(r"with_context\(([^()]*)\)", text):
            keys |= set(re.findall(r"(\w+)\s*=", call))
        for name in re.findall(r"context\.get\(\s*const\.(\w+)", text):
            keys.add(getattr(const, name))
    keys |= set(const.IMPORT_CONTEXT)
    keys |= {"xero_cancelling", "xero_push_other_currency", const.CONTEXT_FROM_XERO}
    # Odoo's own switches that skip a check or a guard
    keys |= {"tracking_disable", "install_mode", "import_file", "check_move_validity", "skip_readonly_check"}
    keys |= {"force_delete", "skip_invoice_sync", "mail_notrack", "no_recompute"}
    # not switches: the language, time zone, defaults and the client's own selection
    keys -= {"tz", "lang", "active_model", "active_ids", "active_id", "uid", "allowed_company_ids"}
    keys = {k for k in keys if not k.startswith("default_")}
    return {key: (key not in ("active_test", "check_move_validity")) for key in sorted(keys)}


# --- the server's registry, as the admin sees it ------------------------------------------------------------
@dataclass
class ModelInfo:
    name: str
    own: bool
    transient: bool = False
    table: str = ""
    fields: dict = field(default_factory=dict)  # fields_get
    addon_fields: set = field(default_factory=set)  # the fields the addon defines on it
    computed: set = field(default_factory=set)  # of those, computed from others (not related): not Xero's
    target: int = 0  # the record probed (company A's)


def addon_models(admin, methods):
    """{model: ModelInfo} of every model the addon defines or extends (asked to the server)."""
    rows = admin.search_read(
        "ir.model.data", [("module", "=", "xero_timesync"), ("model", "in", ["ir.model", "ir.model.fields"])],
        ["model", "res_id"],
    )  # fmt: skip
    model_ids = [r["res_id"] for r in rows if r["model"] == "ir.model"]
    field_ids = [r["res_id"] for r in rows if r["model"] == "ir.model.fields"]
    # every module touching a model gets an XML id for it; the first one made is the module defining it
    first = {}
    for row in admin.search_read("ir.model.data", [("model", "=", "ir.model"), ("res_id", "in", model_ids)],
                                 ["res_id", "module"], order="id desc"):  # fmt: skip
        first[row["res_id"]] = row["module"]
    models = {
        m["model"]: ModelInfo(m["model"], own=first.get(m["id"]) == "xero_timesync", transient=m["transient"])
        for m in admin.call("ir.model", "read", model_ids, ["model", "transient"])
    }
    fields = admin.call("ir.model.fields", "read", field_ids, ["model", "name"])
    for row in fields:
        models.setdefault(row["model"], ModelInfo(row["model"], own=False)).addon_fields.add(row["name"])
    for method in methods:
        models.setdefault(method.model, ModelInfo(method.model, own=False))
    extended = [m for m in models.values() if not m.own]
    if extended:
        for row in admin.search_read("ir.model", [("model", "in", [m.name for m in extended])], ["model", "transient"]):
            models[row["model"]].transient = row["transient"]
    for info in models.values():
        attributes = ["type", "readonly", "store", "relation", "selection", "depends", "related"]
        info.fields = admin.call(info.name, "fields_get", attributes=attributes)
        info.computed = {n for n, spec in info.fields.items() if spec.get("depends") and not spec.get("related")}
        info.table = info.name.replace(".", "_")
    return models


USERS_RECORDS = users_records()


def owned_fields(info):
    """The fields Xero or the synchronization owns: stored, read-only in their definition; on models the addon
    extends, those it adds whose name says Xero. Not relational lists (x2many), not the magic columns, not the
    values computed from others (related fields are kept: writing one writes its source)."""
    if info.transient or info.name in USERS_RECORDS:
        return []
    names = []
    for name in sorted(info.addon_fields if not info.own else info.fields):
        spec = info.fields.get(name)
        if not spec or name in MAGIC or name in info.computed or not spec.get("store") or not spec.get("readonly"):
            continue
        if spec["type"] in ("one2many", "many2many", "binary", "properties"):
            continue
        if not info.own and "xero" not in name:
            continue
        names.append(name)
    return names


def writable_fields(info):
    """The fields the addon lets users set (stored, not read-only): the generic write probes."""
    names = []
    source = info.fields if info.own else {n: info.fields.get(n) for n in info.addon_fields}
    for name, spec in sorted(source.items()):
        if not spec or name in MAGIC or not spec.get("store") or spec.get("readonly"):
            continue
        if spec["type"] in ("one2many", "many2many", "binary", "properties", "html"):
            continue
        names.append(name)
    return names


# --- the database, read outside Odoo ---------------------------------------------------------------------
class Db:
    """Direct, autocommit reads (and the restore of a probed row) on the deployment's database."""

    def __init__(self, dbname):
        parser = configparser.ConfigParser()
        parser.read(CONFIG)
        options = dict(parser["options"]) if parser.has_section("options") else {}
        params = {"dbname": dbname}
        for key, name in (("db_host", "host"), ("db_port", "port"), ("db_user", "user"), ("db_password", "password")):
            value = options.get(key)
            if value and value.lower() not in ("false", "none"):
                params[name] = value
        self.conn = psycopg2.connect(**params)
        self.conn.autocommit = True
        self.lock = threading.Lock()
        self._columns = {}

    def close(self):
        self.conn.close()

    def query(self, sql, params=()):
        with self.lock, self.conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else []

    def tables(self):
        return {row[0] for row in self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}

    def columns(self, table):
        if table not in self._columns:
            rows = self.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )
            self._columns[table] = [r[0] for r in rows]
        return self._columns[table]

    def row(self, table, rid):
        columns = self.columns(table)
        rows = self.query(f'SELECT * FROM "{table}" WHERE id = %s', (rid,))  # noqa: S608 - our table names
        return dict(zip(columns, rows[0], strict=True)) if rows else None

    def value(self, table, column, rid):
        rows = self.query(f'SELECT "{column}" FROM "{table}" WHERE id = %s', (rid,))  # noqa: S608
        return rows[0][0] if rows else None

    def max_id(self, table):
        return self.query(f'SELECT coalesce(max(id), 0) FROM "{table}"')[0][0]  # noqa: S608

    def count(self, table, where="true", params=()):
        return self.query(f'SELECT count(*) FROM "{table}" WHERE {where}', params)[0][0]  # noqa: S608

    def digest(self, tables):
        """{table: (rows, newest row version)}: one query; an insert, update or delete of any row shows (each
        changes the count or writes a row version with a newer transaction id, ``xmin``)."""
        parts = [
            f"SELECT '{t}', count(*), coalesce(max(x.xmin::text::bigint), 0) FROM \"{t}\" x"  # noqa: S608
            for t in sorted(tables)
        ]
        return {row[0]: row[1:] for row in self.query(" UNION ALL ".join(parts))}

    def next_xid(self):
        """The next transaction id PostgreSQL will hand out: it moves only when some transaction writes."""
        return self.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")[0][0]

    def unique_columns(self, table):
        """The column sets of the table's unique indexes and constraints (the primary key aside)."""
        rows = self.query(
            """SELECT array_agg(a.attname::text) FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indrelid
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
                WHERE c.relname = %s AND i.indisunique AND NOT i.indisprimary GROUP BY i.indexrelid""",
            (table,),
        )
        return [set(row[0]) for row in rows]

    def text_columns(self, table):
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " AND data_type IN ('character varying', 'text', 'jsonb')",
            (table,),
        )
        return {r[0] for r in rows}

    def restore(self, table, before):
        """Write back the columns of a row that a probe changed (the row as it was before the probe)."""
        now = self.row(table, before["id"])
        if now is None:
            return []
        changed = [c for c in before if now.get(c) != before[c] and c not in ("write_date", "write_uid")]
        if changed:
            sets = ", ".join(f'"{c}" = %s' for c in changed)
            params = [_adapt(before[c]) for c in changed] + [before["id"]]
            self.query(f'UPDATE "{table}" SET {sets} WHERE id = %s', params)  # noqa: S608
        return changed

    def clone(self, table, rid):
        """A copy of a row made in SQL (new id, fresh values in the text columns of its unique indexes): a target
        a probe may delete without costing the other probes theirs. None when a unique index has no text column."""
        texts = self.text_columns(table)
        overrides = {}
        for columns in self.unique_columns(table):
            text = sorted(columns & texts)
            if not text or text[0].endswith("model"):  # a copy naming another model is another record's row
                return None
            overrides[text[0]] = f"hostile-{uuid.uuid4()}"
        columns = [c for c in self.columns(table) if c != "id"]
        select = ", ".join("%s" if c in overrides else f'"{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        params = [overrides[c] for c in columns if c in overrides] + [rid]
        rows = self.query(
            f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{table}" WHERE id = %s RETURNING id',  # noqa: S608
            params,
        )
        return rows[0][0]

    def reinsert(self, table, row):
        """Put a deleted row back as it was (same id): what a successful attack took, for the probes after it."""
        names = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join(["%s"] * len(row))
        self.query(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [_adapt(v) for v in row.values()])  # noqa: S608


def _adapt(value):
    return psycopg2.extras.Json(value) if isinstance(value, dict | list) else value


def diff(before, after, ignore=("write_date", "write_uid")):
    """Readable 'column: old → new' of two rows (None: the row is gone)."""
    if after is None:
        return "the record was deleted"
    changes = [
        f"{column}: {short(before[column])} → {short(after.get(column))}"
        for column in before
        if column not in ignore and before[column] != after.get(column)
    ]
    return "; ".join(changes)


def short(value, width=40):
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# --- a listener: does anything fetch a URL we planted? ---------------------------------------------------
class Listener:
    def __init__(self):
        self.hits = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                listener.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/x"):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- answers -------------------------------------------------------------------------------------------
@dataclass
class Answer:
    ok: bool
    result: object = None
    error: str = ""  # the exception's name, for the report only: never judged
    status: int = 200
    text: str = ""


def call(rpc, model, method, *args, context=None, **kwargs):
    """A call_kw as the web client makes it; never raises on the server's refusal."""
    try:
        response = rpc.raw_call(model, method, *args, context=context, **kwargs)
    except Exception as error:  # noqa: BLE001 - a dropped connection is an answer too
        return Answer(False, error=f"{type(error).__name__}", status=0)
    text = response.text
    try:
        payload = response.json()
    except ValueError:
        return Answer(False, error=f"HTTP {response.status_code}", status=response.status_code, text=text)
    if "error" in payload:
        data = payload["error"].get("data") or {}
        return Answer(False, error=(data.get("name") or "error").rsplit(".", 1)[-1], status=response.status_code)
    return Answer(True, payload.get("result"), status=response.status_code, text=text)


def fake_guid():
    return str(uuid.uuid4())
