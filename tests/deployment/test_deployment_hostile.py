"""Issue 21: the hostile-client tier. Rules that must hold against any client, attacked the way an insider would.

One real deployment (Odoo ``--workers=2``, the sandbox as its own process), ten roles each with its own
session(s), and a probe matrix generated from the registry and the addon's source (:mod:`.hostile`): every
model the addon defines or extends × every role × read / search_read / create / write / unlink / each
public method; every field Xero or the synchronization owns written by every role (the Settings admin
included) without and with the context keys the code knows; then the concrete attacks of issue 21 (items
1-7). Only what the role may not do is probed (:data:`.hostile.ALLOW` lists what it may), and every probe is
judged by its **effect**, never by the error it answers: the row read back from the database before and
after, rows counted, the sandbox's request log, a listener's hits, the answer's data.

Context keys: each owned field is written by every role without context and with every known key at once,
and with each key alone by the Settings admin (and by the first other role the keys let through: the code
decides, not the role). With ``XTS_TIER_EVERY_CONTEXT=1`` every role writes every field with each key alone.

Prints ``probes=N refused=N effects=N`` and the effects seen; fails when any. Crons are off
(``--max-cron-threads=0``): nothing but the probes talks to the sandbox or writes.

    ./dev test tests/deployment/test_deployment_hostile.py
"""

import datetime
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import requests

from . import hostile
from .harness import CLIENT_SECRET, WEBHOOK, WEBHOOK_KEY, Rpc, add_clean_contacts, say, sign
from .hostile import ROLES, Db, Listener, allowed, call, diff, short

EVERY_CONTEXT = bool(os.environ.get("XTS_TIER_EVERY_CONTEXT"))
THREADS = 4  # sessions probing at once (2 HTTP workers serve them)
TODAY = datetime.date.today().isoformat()
# Odoo finds wkhtmltopdf on PATH: without it the timesheet PDF takes the reportlab fallback, the renderer of user
# text that issue 21 (item 4) attacks (the QWeb report escapes it). Odoo itself needs nothing else from PATH.
NO_WKHTMLTOPDF = {"PATH": os.path.dirname(sys.executable)}


# --- the world -------------------------------------------------------------------------------------------
def make_user(admin, login, groups=(), company_id=None, portal=False, partner_id=None, employee=True):
    vals = {"name": login.replace("_", " ").title(), "login": login}  # password: fast_passwords()
    if portal:
        vals["group_ids"] = [(6, 0, [admin.xmlid("base", "group_portal")])]
    else:
        vals["group_ids"] = [(4, admin.xmlid(*group.split("."))) for group in ("base.group_user", *groups)]
    if partner_id:
        vals["partner_id"] = partner_id
    context = {}
    if company_id:
        vals.update(company_ids=[(6, 0, [company_id])], company_id=company_id)
        context = {"allowed_company_ids": [company_id]}
    uid = admin.call("res.users", "create", [vals], context=context)[0]
    if employee and not portal:
        admin.call(
            "hr.employee", "create", [{"name": vals["name"], "user_id": uid, "company_id": company_id}], context=context
        )
    return uid


def server_action(rpc, action_id, model, ids):
    context = {**rpc.context, "active_model": model, "active_ids": ids, "active_id": ids[0]}
    return rpc._jsonrpc("/web/action/run", {"action_id": action_id, "context": context})


def invoice_time(accountant, action_id, partner_id):
    """Invoice time (from the client) → Create invoice → Confirm, as the accountant clicks it."""
    action = server_action(accountant, action_id, "res.partner", [partner_id])
    wizard_id = action["res_id"]
    accountant.call("xero.invoice.wizard", "write", [wizard_id], {"tax_ids": [(6, 0, [])]})
    revenue = accountant.search_read(
        "xero.invoice.wizard.account", [("wizard_id", "=", wizard_id), ("account_class", "=", "REVENUE")], ["id"]
    )
    if revenue:
        accountant.call("xero.invoice.wizard", "write", [wizard_id], {"revenue_line_id": revenue[0]["id"]})
    move_id = accountant.call("xero.invoice.wizard", "action_create_invoice", [wizard_id])["res_id"]
    accountant.call("account.move", "action_post", [move_id])
    return move_id


def plain_invoice(accountant, partner_id, amount=120.0):
    move = {
        "move_type": "out_invoice",
        "partner_id": partner_id,
        "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": amount, "tax_ids": []})],
    }
    move_id = accountant.call("account.move", "create", [move])[0]
    accountant.call("account.move", "action_post", [move_id])
    return move_id


def log_time(rpc, task_id, project_id, hours, name):
    vals = {"task_id": task_id, "project_id": project_id, "unit_amount": hours, "name": name, "date": TODAY}
    return rpc.call("account.analytic.line", "create", [vals])[0]


class Steps:
    """How long each step of the world took (printed once)."""

    def __init__(self):
        self.marks, self.last = [], time.monotonic()

    def __call__(self, name):
        now = time.monotonic()
        self.marks.append(f"{name} {now - self.last:.1f}s")
        self.last = now

    def __str__(self):
        return ", ".join(self.marks)


def fast_passwords(w, logins):
    """Each user's password is their login, stored with few PBKDF2 rounds (Odoo verifies any round count; 600,000
    rounds per login of ten users would cost the tier seconds of CPU, the probes nothing)."""
    from passlib.hash import pbkdf2_sha512  # noqa: PLC0415 - Odoo's own dependency, only here

    for login in logins:
        hashed = pbkdf2_sha512.using(rounds=1000).hash(login)
        w.db.query("UPDATE res_users SET password = %s WHERE login = %s", (hashed, login))


def build_world(d):
    step = Steps()
    w = SimpleNamespace(d=d, control=d.sandbox.control, listener=Listener(), db=Db(d.db), steps=step)
    admin = w.admin = d.admin()
    w.tenant_id = d.sandbox.tenants[1]["tenant_id"]  # the organisation keeping its books in USD, as company A
    clients = add_clean_contacts(w.control, w.tenant_id, 6, prefix="Hostile client")
    belgium = [{"AddressType": "STREET", "City": "Brussels", "PostalCode": "1000", "Country": "Belgium"}]
    w.control.add_contact(w.tenant_id, name="Refused VAT Ltd", tax_number="BE0123456789", fields={"Addresses": belgium})
    w.control.create_contact_group(w.tenant_id, "Hostile group", [clients[0]["ContactID"]])
    w.company_a = admin.search_read("res.users", [("id", "=", admin.uid)], ["company_id"])[0]["company_id"][0]
    w.company_b = admin.call("res.company", "create", [{"name": "Hostile Other Company"}])[0]
    admin.call("res.users", "write", [admin.uid], {"company_ids": [(4, w.company_b)]})
    admin.context["allowed_company_ids"] = [w.company_a]
    step("sandbox and companies")
    groups = {
        "xero_admin": ("xero_timesync.group_xero_admin",),
        "employee": (),
        "restricted": (),
        "accountant": ("account.group_account_invoice", "hr_timesheet.group_hr_timesheet_user"),
        "auditor": ("account.group_account_readonly",),
        "project_admin": ("project.group_project_manager",),
    }
    w.uids = {"admin": admin.uid}
    for role, role_groups in groups.items():
        w.uids[role] = make_user(admin, f"hostile_{role}", role_groups, company_id=w.company_a)
    w.uids["other_admin"] = make_user(admin, "hostile_other_admin", ("base.group_system",), company_id=w.company_b)
    w.uids["other_employee"] = make_user(admin, "hostile_other_employee", company_id=w.company_b)
    step("users")
    # Enable integration (imports the clients: tasks of the Xero project, every internal user a member)
    wizard = d.enable_integration(admin, w.tenant_id)
    assert wizard["step"] == "done", wizard
    step("enable integration")
    w.connection_id = d.connection(admin, w.company_a)["id"]
    admin.call("ir.config_parameter", "set_param", "xero_timesync.webhook_key", WEBHOOK_KEY)
    admin.call(
        "res.company", "write", [w.company_a], {"xero_push_status": "AUTHORISED", "xero_default_hourly_rate": 100.0}
    )
    connection = admin.search_read("xero.connection", [("id", "=", w.connection_id)], ["project_id", "tenant_name"])
    w.project_id, w.tenant_name = connection[0]["project_id"][0], connection[0]["tenant_name"]
    tasks = admin.search_read(
        "project.task", [("project_id", "=", w.project_id), ("xero_contact_id", "!=", False)],
        ["name", "partner_id", "xero_contact_id"], order="name",
    )  # fmt: skip
    assert len(tasks) >= 5, tasks
    w.tasks = {t["id"]: t for t in tasks}
    w.task_allowed, w.task_bill, w.task_img, w.task_victim, w.task_spare = (t["id"] for t in tasks[:5])
    w.partner_bill = w.tasks[w.task_bill]["partner_id"][0]
    w.partner_img = w.tasks[w.task_img]["partner_id"][0]
    w.partner_victim = w.tasks[w.task_victim]["partner_id"][0]
    member = admin.search_read(
        "xero.project.member", [("project_id", "=", w.project_id), ("user_id", "=", w.uids["restricted"])], ["id"]
    )[0]["id"]
    admin.call(
        "xero.project.member", "write", [member], {"restrict_to_tasks": True, "task_ids": [(6, 0, [w.task_allowed])]}
    )
    w.other_project = admin.call("project.project", "create", [{"name": "Hostile other project"}])[0]
    # sessions, logged in once each
    fast_passwords(w, [f"hostile_{role}" for role in ROLES[1:]])
    w.sessions = {"admin": admin}
    for role in ROLES[1:]:
        if role != "portal":
            w.sessions[role] = d.rpc(f"hostile_{role}", f"hostile_{role}")
    step("project, sessions")
    # time, invoiced and pushed by the accountant; a running timer
    employee, accountant, restricted = w.sessions["employee"], w.sessions["accountant"], w.sessions["restricted"]
    w.line_billed = log_time(employee, w.task_bill, w.project_id, 2.0, "Billed work of Hostile Employee")
    w.line_img = log_time(employee, w.task_img, w.project_id, 1.0, f'Report <img src="{w.listener.url()}"/> done')
    w.line_free = log_time(employee, w.task_victim, w.project_id, 0.5, "Not invoiced yet")
    w.line_restricted = log_time(restricted, w.task_allowed, w.project_id, 1.0, "Restricted work")
    employee.call("xero.timer", "xero_start", w.task_bill, "Running")
    invoice_action = admin.xmlid("xero_timesync", "action_xero_invoice_time_partner")
    w.move_main = invoice_time(accountant, invoice_action, w.partner_bill)
    w.move_img = invoice_time(accountant, invoice_action, w.partner_img)
    w.move_draft = plain_invoice(accountant, w.partner_bill, 130.0)  # for the xero_cancelling attack
    w.move_twice = plain_invoice(accountant, w.partner_bill, 140.0)  # for "clear the Xero id, push again"
    step("time and invoices")
    accountant.call("account.move", "action_xero_push", [w.move_main, w.move_draft, w.move_twice])
    pushed = admin.search_read(
        "account.move", [("id", "in", [w.move_main, w.move_draft, w.move_twice])], ["xero_invoice_id", "name"]
    )
    assert all(m["xero_invoice_id"] for m in pushed), pushed
    w.move_names = {m["id"]: m["name"] for m in pushed}
    step("push")
    # the portal customer: the client of the pushed invoice
    w.uids["portal"] = make_user(admin, "hostile_portal", portal=True, partner_id=w.partner_bill, employee=False)
    fast_passwords(w, ["hostile_portal"])
    w.sessions["portal"] = d.rpc("hostile_portal", "hostile_portal")
    users = admin.search_read("res.users", [("id", "in", list(w.uids.values()))], ["partner_id"])
    partner_of = {u["id"]: u["partner_id"][0] for u in users}
    w.partner_ids = {role: partner_of[uid] for role, uid in w.uids.items()}
    # wizards held by their creator, the Xero data of a connected organisation: tax rates, tracking, deliveries
    w.invoice_wizard = accountant.call("xero.invoice.wizard", "create", [{"partner_id": w.partner_victim}])[0]
    w.settings_id = admin.call("res.config.settings", "create", [{}])[0]
    admin.call("res.config.settings", "action_xero_tracking_refresh", [w.settings_id])
    server_action(
        admin, admin.xmlid("xero_timesync", "action_server_xero_tax_mapping"), "res.config.settings", [w.settings_id]
    )
    journal = admin.search_read("account.move", [("id", "=", w.move_main)], ["journal_id"])[0]["journal_id"][0]
    context = {"active_model": "account.move", "active_ids": [w.move_main], "active_id": w.move_main}
    w.reversal_id = admin.call("account.move.reversal", "create", [{"journal_id": journal}], context=context)[0]
    mapping = {"company_id": w.company_a, "dimension": "project", "project_id": w.project_id}
    admin.call("xero.tracking.mapping", "create", [mapping])
    webhook = d.webhook_body(w.tenant_id, [clients[1]["ContactID"]], sequence=1)
    assert d.post_webhook(webhook).status_code == 200
    assert d.post_webhook(d.invoice_webhook_body(w.tenant_id, [pushed[0]["xero_invoice_id"]])).status_code == 200
    step("portal, wizards, Xero data")
    # issue 25: company A approves time (its invoices above were made before), the employee submits a week, the
    # accountant prepares a billing run: the approval's and the run's methods have a record to be attacked on
    admin.call("res.company", "write", [w.company_a], {"xero_timesheet_approval": True})
    employee.call("account.analytic.line", "action_xero_submit_time", [w.line_free])
    run = {"date_from": "2020-01-01", "date_to": "2020-01-31"}
    w.billing_run = accountant.call("xero.billing.run", "create", [run])[0]
    step("approval, billing run")
    return w


# --- probes -----------------------------------------------------------------------------------------------
class Tally:
    """Every probe's verdict: refused (no effect) or the effect seen."""

    def __init__(self):
        self.refused = 0
        self.effects = []
        self.skipped = []
        self.lock = threading.Lock()

    def judge(self, role, model, op, detail, effect):
        with self.lock:
            if effect:
                self.effects.append(f"{role:<14} {model:<24} {op:<12} {detail}: {effect}")
            else:
                self.refused += 1

    def skip(self, why):
        with self.lock:
            self.skipped.append(why)

    @property
    def probes(self):
        return self.refused + len(self.effects)


def twin(rpc):
    """Another connection of the same browser session (threads must not share one)."""
    clone = Rpc(rpc.deployment)
    clone.http.cookies.update(rpc.http.cookies)
    clone.uid, clone.context, clone.login_name = rpc.uid, dict(rpc.context), rpc.login_name
    return clone


def pick_targets(w, models):
    """Company A's record of each model (the world's own, else the admin's first): the one every role attacks.
    The task is an imported one the restricted member may not see, the timesheet the employee's invoiced time."""
    admin, db = w.admin, w.db
    chosen = {
        "project.task": w.task_victim,
        "project.project": w.project_id,
        "res.partner": w.partner_victim,
        "account.move": w.move_main,
        "account.analytic.line": w.line_billed,
        "res.company": w.company_a,
        "res.users": w.uids["employee"],
        "res.config.settings": w.settings_id,
        "xero.connection": w.connection_id,
        "xero.invoice.wizard": w.invoice_wizard,
        "account.move.reversal": w.reversal_id,
    }
    # a Regular member's row following the Xero project: what only the membership code may add or remove
    employee_partner = admin.call("res.users", "read", [w.uids["employee"]], ["partner_id"])[0]["partner_id"][0]
    member_rows = admin.search_read(
        "mail.followers",
        [("res_model", "=", "project.project"), ("res_id", "=", w.project_id), ("partner_id", "=", employee_partner)],
        ["id"],
    )
    chosen["mail.followers"] = member_rows[0]["id"] if member_rows else 0
    tables = db.tables()
    for info in models.values():
        if info.table not in tables:
            info.table = ""
            continue
        info.target = chosen.get(info.name) or 0
        if not info.target:
            domain = [("company_id", "in", [w.company_a, False])] if "company_id" in info.fields else []
            rows = admin.search_read(info.name, domain, ["id"], limit=1, order="id")
            info.target = rows[0]["id"] if rows else 0
        if not info.target:
            info.target = db.max_id(info.table)  # a record only the sync makes, none of company A's: any


def value_for(w, info, name, current):
    """A different value of the field's type (what an attacker would write)."""
    spec = info.fields[name]
    kind = spec["type"]
    if kind in ("char", "text", "html"):
        return f"hostile-{hostile.fake_guid()[:8]}"
    if kind in ("integer",):
        return int(current or 0) + 7
    if kind in ("float", "monetary"):
        return -150.0 if "rate" in name else float(current or 0) + 7.5
    if kind == "boolean":
        return not current
    if kind == "selection":
        options = [key for key, _label in spec.get("selection") or [] if key != current]
        return options[0] if options else False
    if kind == "date":
        return "2031-01-02"
    if kind == "datetime":
        return "2031-01-02 03:04:05"
    if kind == "many2one":
        if current:
            return False
        comodel = spec["relation"]
        rows = w.admin.search_read(comodel, [], ["id"], limit=1, order="id desc")
        return rows[0]["id"] if rows else False
    return None


class Prober:
    """Runs probes and judges them by their effect on the database, the sandbox and the answer."""

    def __init__(self, w, models, methods, tally):
        self.w, self.models, self.methods, self.tally = w, models, methods, tally
        self.db = w.db
        self.acl = write_acl(w)
        self.contexts = hostile.context_keys()
        self.swept = set()
        self.watched = {info.table for info in models.values() if info.table}
        self.watched |= {"mail_followers", "mail_message", "ir_cron_trigger", "ir_attachment", "res_groups_users_rel"}
        self.snapshot = {
            (info.table, info.target): self.db.row(info.table, info.target)
            for info in models.values()
            if info.table and info.target
        }

    def restore_world(self):
        """Every probed record back as it was before the probes (a probe with an effect may have changed others,
        even deleted them)."""
        for (table, _rid), before in self.snapshot.items():
            if before is None:
                continue
            if self.db.row(table, before["id"]) is None:
                self.db.reinsert(table, before)
            else:
                self.db.restore(table, before)

    # -- reads: judged by the answer's data --------------------------------------------------------
    def read_probes(self, role, rpc):
        for info in self.models.values():
            target = info.target
            if not info.table or not target:
                continue
            readable = allowed(role, info.name, "read")
            if not readable:
                answer = call(rpc, info.name, "read", [target], ["display_name"])
                readable = answer.ok and any(row.get("id") == target for row in answer.result or [])
                self.tally.judge(role, info.name, "read", f"#{target}", readable and "the record was read")
                answer = call(
                    rpc, info.name, "search_read", [("id", "=", target)], ["id"], context={"active_test": False}
                )
                found = answer.ok and bool(answer.result)
                self.tally.judge(role, info.name, "search_read", f"#{target}", found and "the record was found")
            fields = sorted(info.addon_fields - hostile.MAGIC) if not info.own else []
            fields = [
                name
                for name in fields
                if not allowed(role, info.name, "read_field", name) or hostile.allowed_if_empty(role, info.name, name)
            ]
            if not fields:
                continue
            if not readable:  # one call for all its fields: the record's rules refuse them alike
                answer = call(rpc, info.name, "read", [target], fields)
                got = answer.ok and bool(answer.result)
                self.tally.judge(role, info.name, "read_field", f"{len(fields)} fields", got and "the fields were read")
                continue
            for name in fields:
                answer = call(rpc, info.name, "read", [target], [name])
                got = answer.ok and any(name in row for row in answer.result or [])
                if got and hostile.allowed_if_empty(role, info.name, name):
                    got = any(row.get(name) not in (False, None, "", 0, 0.0, []) for row in answer.result)
                self.tally.judge(
                    role, info.name, "read_field", name, got and f"read {short(answer.result[0][name], 30)}"
                )

    # -- writes of fields: judged by the row, read from the database -----------------------------------
    def write_field(self, role, rpc, info, vals, context, op="write"):
        """One write; the effect is the target row's columns that changed (written back at once)."""
        target = info.target
        before = self.db.row(info.table, target)
        call(rpc, info.name, "write", [target], vals, context=context)
        after = self.db.row(info.table, target)
        if len(vals) > 1:
            label = f"{len(vals)} fields at once"
        else:
            [(name, value)] = vals.items()
            label = f"{name}={short(value, 24)}"
        if context:
            label += f" ctx={'+'.join(sorted(context))}" if len(context) < 3 else " ctx=every key"
        effect = None
        if after is None or any(after.get(name) != before.get(name) for name in vals if name in before):
            effect = diff(before, after)
            if after is not None:
                self.db.restore(info.table, before)
            else:
                self.db.reinsert(info.table, before)
        self.tally.judge(role, info.name, op, label, effect)
        return bool(effect)

    def values(self, info, role, names):
        target = info.target
        found = {}
        for name in names:
            if name in self.db.columns(info.table):
                value = value_for(self.w, info, name, self.db.value(info.table, name, target))
                if value is not None:
                    found[name] = value
        return found

    def owned_probes(self, role, rpc, info):
        """Each Xero-owned field written without context, then with every key the code knows at once, then with
        each key alone: by the Settings admin (who holds every right: only the code's guards stand in the way),
        and by the first role whose keys unlocked what no context did (every role with XTS_TIER_EVERY_CONTEXT).
        A role without any write right on the model first writes all the fields at once with every key: Odoo
        checks the right first, so when that changes nothing, no field alone would."""
        if not info.target:
            return
        values = self.values(info, role, hostile.owned_fields(info))
        if not values:
            return
        if (role, info.name) not in self.acl and not EVERY_CONTEXT:
            if not self.write_field(role, rpc, info, values, self.contexts, op="write_owned"):
                return
        for name, value in values.items():
            if self.write_field(role, rpc, info, {name: value}, {}, op="write_owned"):
                continue  # writable without any key: keys add nothing
            unlocked = self.write_field(role, rpc, info, {name: value}, self.contexts, op="write_owned")
            if EVERY_CONTEXT or ((unlocked or role == "admin") and self.first_sweep(info.name, name)):
                for key, key_value in self.contexts.items():
                    self.write_field(role, rpc, info, {name: value}, {key: key_value}, op="write_owned")

    def first_sweep(self, model, name):
        """Which key unlocks a field is the code's answer, the same for every role: swept once per field."""
        with self.tally.lock:
            if (model, name) in self.swept:
                return False
            self.swept.add((model, name))
            return True

    def write_probes(self, role, rpc, info):
        """The fields users may set, written by the roles that may not (all at once first when the role has no
        write right on the model, as above)."""
        if not info.target:
            return
        names = [n for n in hostile.writable_fields(info) if not allowed(role, info.name, "write", n)]
        values = self.values(info, role, names)
        if not values:
            return
        if (role, info.name) not in self.acl and len(values) > 1:
            if not self.write_field(role, rpc, info, values, {}):
                return
        for name, value in values.items():
            self.write_field(role, rpc, info, {name: value}, {})

    # -- create: rows counted -------------------------------------------------------------------------
    def create_vals(self, info):
        """What the admin's copy of the target holds, plus the Xero-owned fields an attacker would forge."""
        answer = call(self.w.admin, info.name, "copy_data", [info.target])
        vals = answer.result[0] if answer.ok and answer.result else {}
        for name in hostile.owned_fields(info):
            value = self.db.value(info.table, name, info.target)
            if value not in (None, False) and info.fields[name]["type"] in ("char", "boolean", "selection"):
                vals[name] = hostile.fake_guid() if info.fields[name]["type"] == "char" else value
        return vals

    def create_probe(self, role, rpc, info, vals):
        if allowed(role, info.name, "create"):
            return
        before = self.db.max_id(info.table)
        call(rpc, info.name, "create", [vals])
        # the rows holding the probe's values: other models' probes run at once in other threads, and a record
        # they create may add rows here too (a partner created by an allowed probe gets its follower rows)
        columns = set(self.db.columns(info.table))
        scalars = {k: v for k, v in vals.items() if k in columns and isinstance(v, bool | int | float | str)}
        created = [
            rid
            for (rid,) in self.db.query(f'SELECT id FROM "{info.table}" WHERE id > %s', (before,))  # noqa: S608
            if all((self.db.row(info.table, rid) or {}).get(k) == v for k, v in scalars.items())
        ]
        effect = created and f"created #{', #'.join(map(str, created))}"
        forged = sorted(set(vals) & set(hostile.owned_fields(info)))
        label = f"copy of #{info.target}" + (f" with {','.join(forged)}" if forged else "")
        self.tally.judge(role, info.name, "create", label, effect)

    # -- unlink: on a copy of the target (one role's success costs no other role its target) ----------------
    def unlink_probe(self, role, rpc, info):
        target = info.target
        if not target or allowed(role, info.name, "unlink"):
            return
        victim = self.db.clone(info.table, target) or target  # no copy can exist: the record itself, put back
        before = self.db.row(info.table, victim)
        call(rpc, info.name, "unlink", [victim], context={"active_test": False})
        gone = self.db.row(info.table, victim) is None
        label = f"copy #{victim} of #{target}" if victim != target else f"#{target}"
        self.tally.judge(role, info.name, "unlink", label, gone and "the record was deleted")
        if gone and victim == target:
            self.db.reinsert(info.table, before)

    # -- public methods: the watched tables' digest, the sandbox's request count, the answer ----------------
    def state(self, before=None):
        """(tables' digest, sandbox requests, last follower, next transaction id). No transaction id was handed
        out since ``before`` (calls are made one at a time, crons are off): nothing was written, the digest is
        the same without reading every table again."""
        xid = self.db.next_xid()
        if before and before[3] == xid:
            digest = before[0]
        else:
            digest = self.db.digest(self.watched)
        return digest, len(self.w.control.requests()), self.db.max_id("mail_followers"), xid

    def method_probe(self, role, rpc, method, args, kwargs, markers=(), before=None):
        """Returns the state after the call (the next probe's before)."""
        before = before or self.state()
        answer = call(rpc, method.model, method.name, *args, **kwargs)
        after = self.state(before)
        effects = []
        if changed := sorted(table for table in before[0] if before[0][table] != after[0][table]):
            effects.append(f"changed {', '.join(changed)}")
        if after[1] != before[1]:
            effects.append(f"{after[1] - before[1]} call(s) reached the sandbox")
        if leaked := [m for m in markers if m and m in (answer.text or "")]:
            effects.append(f"answered {', '.join(short(m, 30) for m in leaked)}")
        self.tally.judge(role, method.model, "method", method.name, "; ".join(effects))
        if effects:  # undo what can be undone: the probed records, a follower added
            self.restore_world()
            self.db.query("DELETE FROM mail_followers WHERE id > %s", (before[2],))
            after = None
        return after


# --- the matrix, generated ------------------------------------------------------------------------------
DESTRUCTIVE = ("*unlink*", "button_draft", "button_cancel", "action_save", "reverse_moves", "action_connect")


def destructive(method):
    return any(hostile._match(pattern, method.name) for pattern in DESTRUCTIVE)


def write_acl(w):
    """{(role, model)} whose groups hold a write right on the model (ir.model.access, read by the admin)."""
    rows = w.admin.search_read("ir.model.access", [("perm_write", "=", True)], ["model_id", "group_id"])
    ids = sorted({row["model_id"][0] for row in rows})
    names = {m["id"]: m["model"] for m in w.admin.call("ir.model", "read", ids, ["model"])}
    granted = set()
    users = w.admin.search_read("res.users", [("id", "in", list(w.uids.values()))], ["all_group_ids"])
    groups_of = {u["id"]: set(u["all_group_ids"]) for u in users}
    for role, uid in w.uids.items():
        for row in rows:
            if not row["group_id"] or row["group_id"][0] in groups_of[uid]:
                granted.add((role, names[row["model_id"][0]]))
    return granted


def markers(w, role):
    """Strings a role must never receive in an answer."""
    found = [CLIENT_SECRET, WEBHOOK_KEY] if role != "admin" else []
    if role in ("portal", "other_admin", "other_employee"):
        found += [t["name"] for t in w.tasks.values() if t["partner_id"][0] != w.partner_bill] + ["Hostile Employee"]
    if role == "restricted":
        found.append(w.tasks[w.task_victim]["name"])
    return found


def arg_value(w, role, name):
    values = {
        "task_id": w.task_victim,
        "description": "hostile",
        "query": "",
        "include_archived": True,
        "limit": 80,
        "partner_ids": [w.partner_ids[role]],
        "is_modify": False,
    }
    return values.get(name)


def parallel(function, items):
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(function, items))


def run_reads(prober, w):
    parallel(lambda role: prober.read_probes(role, twin(w.sessions[role])), ROLES)


def run_methods(prober, w, last=False):
    """Each public method × each role that may not call it, one at a time (the digest is the whole database's)."""
    state = None
    for method in prober.methods:
        if destructive(method) != last:
            continue
        info = prober.models.get(method.model)
        for role in ROLES:
            if allowed(role, method.model, "method", method.name):
                continue
            params = [arg_value(w, role, p) for p in method.params]
            args, kwargs = params, {}
            if info and not info.table:  # an abstract model: its methods run on no record
                args = [[], *params]
            elif not method.model_level:
                target = info.target if info else 0
                if not target:
                    prober.tally.skip(f"{method.model}.{method.name}: no record to call it on")
                    break
                args = [[target], *params]
            if method.name == "message_subscribe":
                args, kwargs = args[:1], {"partner_ids": [w.partner_ids[role]]}
            state = prober.method_probe(role, w.sessions[role], method, args, kwargs, markers(w, role), state)


def run_per_model(prober, w, probe, models):
    """``probe(role, rpc, info)`` for every role, one model per thread (a model's rows are its thread's)."""

    def work(info):
        for role in ROLES:
            probe(role, twin(w.sessions[role]), info)

    parallel(work, models)
    prober.restore_world()


def run_owned(prober, w):
    models = [i for i in prober.models.values() if i.table and hostile.owned_fields(i)]
    run_per_model(prober, w, prober.owned_probes, models)


def run_writes(prober, w):
    models = [i for i in prober.models.values() if i.table and hostile.writable_fields(i)]
    run_per_model(prober, w, prober.write_probes, models)


def run_creates(prober, w):
    models = [i for i in prober.models.values() if i.table and i.target]
    vals = {info.name: prober.create_vals(info) for info in models}
    run_per_model(prober, w, lambda role, rpc, info: prober.create_probe(role, rpc, info, vals[info.name]), models)


def run_unlinks(prober, w):
    models = [i for i in prober.models.values() if i.table and i.target]
    run_per_model(prober, w, prober.unlink_probe, models)


# --- the concrete attacks of issue 21 ---------------------------------------------------------------------
class Attacks:
    """Items 1-7 of issue 21, each its own probe, each judged by its effect."""

    def __init__(self, prober, w):
        self.p, self.w, self.db, self.tally = prober, w, w.db, prober.tally

    def judge(self, role, model, item, what, effect):
        self.tally.judge(role, model, f"attack {item}", what, effect)

    def write(self, item, role, model, rid, vals, context=None, what=""):
        """A write judged by the row; written back when it changed."""
        table = model.replace(".", "_")
        before = self.db.row(table, rid)
        call(self.w.sessions[role], model, "write", [rid], vals, context=context)
        after = self.db.row(table, rid)
        changed = after is None or any(after.get(k) != before.get(k) for k in vals)
        self.judge(role, model, item, what or ", ".join(f"{k}={short(v, 20)}" for k, v in vals.items()),
                   changed and diff(before, after))  # fmt: skip
        if after is None:
            self.db.reinsert(table, before)
        elif changed:
            self.db.restore(table, before)

    def run(self):
        attacks = (
            self.item1,
            self.item2,
            self.item3,
            self.item3_review,
            self.item4,
            self.item5,
            self.item6,
            self.item6_one_company,
            self.item7,
        )
        for attack in attacks:
            attack()
        self.p.restore_world()

    # 1. a context key unlocks what is read-only
    def item1(self):
        w, sync = self.w, {hostile.const.CONTEXT_FROM_XERO: True}
        self.write(1, "employee", "project.task", w.task_victim, {"name": "Renamed"}, sync, "rename, ctx xero_sync")
        self.write(1, "employee", "project.task", w.task_victim, {"active": False}, sync, "archive, ctx xero_sync")
        self.write(
            1, "employee", "project.task", w.task_victim, {"project_id": w.other_project}, sync, "move, ctx xero_sync"
        )
        copy = self.db.clone("project_task", w.task_victim)
        call(w.sessions["employee"], "project.task", "unlink", [copy], context=sync)
        self.judge("employee", "project.task", 1, "delete an imported task, ctx xero_sync",
                   self.db.row("project_task", copy) is None and "the imported task was deleted")  # fmt: skip
        before = self.db.row("account_move", w.move_draft)
        call(
            w.sessions["accountant"], "account.move", "button_draft", [w.move_draft], context={"xero_cancelling": True}
        )
        after = self.db.row("account_move", w.move_draft)
        self.judge("accountant", "account.move", 1, "button_draft of a pushed invoice, ctx xero_cancelling",
                   after["state"] != before["state"] and f"the invoice live at Xero is {after['state']}")  # fmt: skip

    # 2. a restricted member lifts their own restriction; a project administrator undoes every restriction
    def item2(self):
        w, restricted = self.w, self.w.sessions["restricted"]
        followers = self.db.max_id("mail_followers")
        call(
            restricted,
            "project.project",
            "message_subscribe",
            [w.project_id],
            partner_ids=[w.partner_ids["restricted"]],
        )
        followed = self.db.count(
            "mail_followers", "id > %s AND res_model = 'project.project' AND res_id = %s", (followers, w.project_id)
        )
        self.judge("restricted", "project.project", 2, "follow the Xero project", followed and "now follows it")
        answer = call(restricted, "project.task", "read", [w.task_victim], ["name"])
        self.judge(
            "restricted", "project.task", 2, "then read a forbidden task", answer.ok and answer.result and "read it"
        )
        lines = self.db.max_id("account_analytic_line")
        call(restricted, "account.analytic.line", "create", [{"task_id": w.task_victim, "project_id": w.project_id,
             "name": "hostile", "unit_amount": 1.0, "date": TODAY}])  # fmt: skip
        logged = self.db.count("account_analytic_line", "id > %s AND task_id = %s", (lines, w.task_victim))
        self.judge("restricted", "account.analytic.line", 2, "then log time on it", logged and "time logged")
        self.db.query("DELETE FROM mail_followers WHERE id > %s", (followers,))
        self.write(2, "restricted", "account.analytic.line", w.line_restricted, {"task_id": w.task_victim},
                   what="move own time onto a forbidden task")  # fmt: skip
        self.write(2, "project_admin", "project.project", w.project_id, {"privacy_visibility": "employees"},
                   what="Xero project visible to all internal users")  # fmt: skip

    # 3. what gets billed can be changed by the people being billed; Xero-owned fields over RPC
    def item3(self):
        w = self.w
        self.write(3, "employee", "project.task", w.task_victim, {"xero_hourly_rate": 150.0})
        self.write(3, "employee", "project.task", w.task_victim, {"xero_hourly_rate": -150.0})
        self.write(
            3,
            "employee",
            "project.task",
            w.task_victim,
            {"partner_id": w.partner_bill},
            what="the imported task's client",
        )
        client = self.db.value("account_analytic_line", "partner_id", w.line_free)
        other = w.partner_img if client != w.partner_img else w.partner_bill
        self.write(
            3, "employee", "account.analytic.line", w.line_free, {"partner_id": other}, what="a timesheet's client"
        )
        self.write(3, "employee", "account.analytic.line", w.line_billed, {"name": "Free lunch"},
                   what="the description of invoiced time")  # fmt: skip
        self.write(3, "accountant", "res.partner", w.partner_victim, {"xero_contact_id": hostile.fake_guid()},
                   what="re-route a client to another Xero contact")  # fmt: skip
        self.write(3, "accountant", "project.task", w.task_victim, {"xero_contact_id": hostile.fake_guid()},
                   what="a task's Xero contact")  # fmt: skip
        tasks = self.db.max_id("project_task")
        call(w.sessions["employee"], "project.task", "create",
             [{"name": "Hand-made", "project_id": w.project_id, "xero_contact_id": hostile.fake_guid()}])  # fmt: skip
        made = self.db.count("project_task", "id > %s AND xero_contact_id IS NOT NULL", (tasks,))
        self.judge("employee", "project.task", 3, "create a task carrying a Xero contact id", made and "created")
        # clear the Xero id, push again: Xero must still hold ONE invoice with that reference
        name, accountant = w.move_names[w.move_twice], w.sessions["accountant"]
        before = self.db.row("account_move", w.move_twice)
        call(accountant, "account.move", "write", [w.move_twice], {"xero_invoice_id": False, "xero_status": False})
        call(accountant, "account.move", "action_xero_push", [w.move_twice])
        live = [
            i for i in w.control.invoices(w.tenant_id) if i.get("Reference") == name and i.get("Status") != "VOIDED"
        ]
        self.judge("accountant", "account.move", 3, "clear xero_invoice_id, push again",
                   len(live) > 1 and f"{len(live)} invoices with reference {name} at Xero")  # fmt: skip
        self.db.restore("account_move", before)

    # 3, as the review of issue 21 found them: Odoo's own roads around a button's guard and around the values
    def item3_review(self):
        w = self.w
        self.write(3, "accountant", "account.move", w.move_draft, {"state": "draft"},
                   what="reset a pushed invoice to draft by writing its state")  # fmt: skip
        call(w.sessions["admin"], "account.move", "unlink", [w.move_draft], context={"force_delete": True})
        self.judge("admin", "account.move", 3, "delete a pushed invoice, ctx force_delete",
                   self.db.row("account_move", w.move_draft) is None and "the invoice live at Xero was deleted")  # fmt: skip
        # a personal default (ir.default.set is public) stamping new time onto a client's invoice
        invoice_line = self.db.value("account_analytic_line", "xero_billed_move_line_id", w.line_billed)
        defaults, lines = self.db.max_id("ir_default"), self.db.max_id("account_analytic_line")
        employee = w.sessions["employee"]
        call(employee, "ir.default", "set", "account.analytic.line", "xero_billed_move_line_id", invoice_line, True)
        call(employee, "account.analytic.line", "create", [{"task_id": w.task_victim, "project_id": w.project_id,
             "name": "slipped in", "unit_amount": 5.0, "date": TODAY}])  # fmt: skip
        stamped = self.db.count("account_analytic_line", "id > %s AND xero_billed_move_line_id IS NOT NULL", (lines,))
        self.judge("employee", "account.analytic.line", 3, "a personal default stamping time onto an invoice",
                   stamped and f"{stamped} line(s) joined a client's invoice")  # fmt: skip
        self.db.query("DELETE FROM ir_default WHERE id > %s", (defaults,))
        self.db.query("DELETE FROM account_analytic_line WHERE id > %s", (lines,))

    # 4. user text becomes markup in the PDF sent to the customer
    def item4(self):
        w = self.w
        hits = len(w.listener.hits)
        call(w.sessions["accountant"], "account.move", "action_xero_push", [w.move_img])
        fetched = len(w.listener.hits) - hits
        self.judge("accountant", "account.move", 4, "push time described with <img src=listener>",
                   fetched and f"the server fetched the listener's URL {fetched} time(s)")  # fmt: skip

    # 5. portal customers reach Xero and internal data
    def item5(self):
        w, portal = self.w, self.w.sessions["portal"]
        calls = len(w.control.requests())
        call(portal, "account.move", "action_xero_view_online", [w.move_main])
        reached = len(w.control.requests()) - calls
        self.judge("portal", "account.move", 5, "View online", reached and f"{reached} call(s) reached the sandbox")
        page = portal.get(f"/report/html/xero_timesync.report_xero_timesheets/{w.move_main}")
        shown = [m for m in ("Hostile Employee", "Billed work") if m in page.text]
        self.judge("portal", "account.move", 5, "/report/html/…report_xero_timesheets",
                   shown and f"answered {page.status_code} with {', '.join(shown)}")  # fmt: skip

    # 6. companies leak into each other; a Xero administrator without Settings
    def item6(self):
        w = self.w
        for model in ("xero.contact.refusal", "xero.push.attempt", "xero.project.member", "xero.tax.rate",
                      "xero.contact.group", "xero.tracking.category", "xero.tracking.option", "xero.invoice.wizard",
                      "xero.connection", "xero.sync.log", "xero.token"):  # fmt: skip
            for role in ("other_admin", "other_employee"):
                answer = call(w.sessions[role], model, "search_read", [], ["id"], context={"active_test": False})
                found = answer.ok and len(answer.result or [])
                self.judge(role, model, 6, "search_read every record", found and f"{found} of company A's records")
        answer = call(w.sessions["other_admin"], "res.config.settings", "search_read", [("id", "=", w.settings_id)],
                      ["xero_tenant_name"])  # fmt: skip
        leaked = answer.ok and answer.result and answer.result[0].get("xero_tenant_name") == w.tenant_name
        self.judge("other_admin", "res.config.settings", 6, "company A's organisation through Settings",
                   leaked and f"read {w.tenant_name!r}")  # fmt: skip
        answer = call(w.sessions["other_admin"], "xero.connection", "read", [w.connection_id], ["tenant_name"],
                      context={"allowed_company_ids": [w.company_a]})  # fmt: skip
        self.judge("other_admin", "xero.connection", 6, "read with allowed_company_ids=[A]",
                   answer.ok and answer.result and "read company A's connection")  # fmt: skip
        # accountants and each other's open invoice wizards (the admin holds Invoicing rights too)
        wizard = call(w.admin, "xero.invoice.wizard", "create", [{"partner_id": w.partner_victim}]).result
        wizard = wizard[0] if isinstance(wizard, list) else wizard
        answer = call(w.sessions["accountant"], "xero.invoice.wizard", "read", [wizard], ["partner_id"])
        self.judge("accountant", "xero.invoice.wizard", 6, "read another accountant's wizard",
                   answer.ok and answer.result and "read it")  # fmt: skip
        self.write(6, "accountant", "xero.invoice.wizard", wizard, {"partner_id": w.partner_bill},
                   what="edit another accountant's wizard")  # fmt: skip
        self.write(6, "xero_admin", "xero.connection", w.connection_id, {"tenant_id": hostile.fake_guid()},
                   what="the connection's tenant")  # fmt: skip
        self.write(
            6, "xero_admin", "xero.connection", w.connection_id, {"state": "unlinked"}, what="the connection's state"
        )
        for model in ("xero.sync.log", "xero.contact.refusal"):
            table = model.replace(".", "_")
            target = self.db.max_id(table)
            copy = target and self.db.clone(table, target)
            if copy:
                call(w.sessions["xero_admin"], model, "unlink", [copy])
                self.judge("xero_admin", model, 6, "delete", self.db.row(table, copy) is None and "deleted")

    # 6b. one company per organisation (issue 23): company B's admin takes company A's organisation
    def item6_one_company(self):
        w, d, rpc = self.w, self.w.d, self.w.sessions["other_admin"]
        context = {"allowed_company_ids": [w.company_b]}
        token = lambda: self.db.query(  # noqa: E731
            "SELECT access_token, refresh_token FROM xero_token WHERE connection_id = %s", (w.connection_id,)
        )
        before, token_before = self.db.row("xero_connection", w.connection_id), token()
        linked = lambda: self.db.count(  # noqa: E731
            "xero_connection", "tenant_id = %s AND state IN ('connected', 'needs_reauth')", (w.tenant_id,)
        )
        calls = len(w.control.requests())
        # the wizard, as the web client drives it: consent for A's organisation, then Next and Save anyway
        wizard = call(rpc, "xero.connect.wizard", "create", [{}], context=context).result
        wizard = wizard[0] if isinstance(wizard, list) else wizard
        action = call(rpc, "xero.connect.wizard", "action_connect", [wizard], context=context).result or {}
        if action.get("url"):
            rpc.get(d.sandbox.consent(action["url"], tenant_ids=[w.tenant_id]), allow_redirects=False)
            line = call(rpc, "xero.connect.wizard.tenant", "search", [("wizard_id", "=", wizard)], context=context)
            if line.ok and line.result:
                call(rpc, "xero.connect.wizard", "write", [wizard], {"tenant_line_id": line.result[0]}, context=context)
            for step in ("action_select_organisation", "action_save"):
                call(rpc, "xero.connect.wizard", step, [wizard], context=context)
        else:
            self.p.tally.skip("one company per organisation: Connect to Xero gave no consent URL")
        # the row itself: create one for company B, or relink company B's own to A's organisation
        call(rpc, "xero.connection", "create", [{"company_id": w.company_b, "tenant_id": w.tenant_id,
                                                 "state": "connected"}], context=context)  # fmt: skip
        after, token_after = self.db.row("xero_connection", w.connection_id), token()
        taken = linked() > 1 and f"{linked()} companies hold the organisation"
        self.judge("other_admin", "xero.connection", 6, "link company A's organisation (wizard, create)", taken)
        changed = (after["state"], after["tenant_id"]) != (before["state"], before["tenant_id"])
        self.judge("other_admin", "xero.connection", 6, "company A's connection after B's attempts",
                   (changed or token_after != token_before) and diff(before, after))  # fmt: skip
        cut = [
            f"{r['method']} {r['path']}"
            for r in w.control.requests()[calls:]
            if r["method"] == "DELETE" or "revocation" in r["path"].lower()
        ]
        self.judge("other_admin", "xero.connection", 6, "disconnect or revoke at Xero", cut and ", ".join(cut))
        call(rpc, "xero.connect.wizard", "unlink", [wizard], context=context)

    # 7. webhook and input hardening
    def item7(self):
        w, d = self.w, self.w.d
        stored = lambda: (self.db.count("xero_webhook_delivery"), self.db.count("xero_invoice_event"))  # noqa: E731
        before = stored()
        body = b"a=" + b"x" * 300_000
        answer = requests.post(d.url + WEBHOOK, data=body, timeout=60, headers={
            "Content-Type": "application/x-www-form-urlencoded", "x-xero-signature": sign(body, WEBHOOK_KEY)})  # fmt: skip
        self.judge("public", "webhook", 7, "300 KB urlencoded body",
                   (answer.status_code != 413 or stored() != before) and f"answered {answer.status_code}, stored"
                   f" {stored()[0] - before[0]} deliveries")  # fmt: skip
        body = d.webhook_body(w.tenant_id, [hostile.fake_guid()], sequence=77)
        answer = requests.post(d.url + WEBHOOK, data=body, timeout=60,
                               headers={"Content-Type": "application/json", "x-xero-signature": "sïgnature"})  # fmt: skip
        self.judge(
            "public",
            "webhook",
            7,
            "non-ASCII signature",
            answer.status_code != 401 and f"answered {answer.status_code}",
        )
        before = stored()
        events = json.loads(d.webhook_body(w.tenant_id, [hostile.fake_guid()], sequence=78))
        events["events"][0]["tenantId"] = 12345
        body = json.dumps(events).encode()
        answer = d.post_webhook(body)
        self.judge("public", "webhook", 7, "tenantId not a string",
                   (answer.status_code != 400 or stored() != before) and f"answered {answer.status_code}")  # fmt: skip
        reply = w.sessions["employee"].raw_jsonrpc("/xero_timesync/timer/tasks", {"limit": -1}).json()
        self.judge("employee", "timer", 7, "timer/tasks limit=-1",
                   "error" in reply and f"a server error ({(reply['error'].get('data') or {}).get('name')})")  # fmt: skip
        # a consent under way (its state is compared with the one that comes back)
        wizard_id = w.admin.call("xero.connect.wizard", "create", [{}])[0]
        w.admin.call("xero.connect.wizard", "action_connect", [wizard_id])
        page = w.admin.get(f"{hostile.const.OAUTH_CALLBACK_PATH}?state=%C3%A9t%C3%A9&code=x", allow_redirects=False)
        self.judge(
            "admin",
            "oauth",
            7,
            "callback with a non-ASCII state",
            page.status_code != 400 and f"answered {page.status_code}",
        )


# --- the tier ---------------------------------------------------------------------------------------------
def test_hostile_clients_are_refused_by_effect(deployment_factory):
    started = time.monotonic()
    d = deployment_factory(
        "hostile",
        sandbox_options={"contacts": 0, "orgs": 2},
        odoo_args=["--max-cron-threads=0"],
        odoo_env=NO_WKHTMLTOPDF,
    )
    line, effects = run_tier(d, started)
    assert not effects, f"{line}: {len(effects)} probes had an effect (listed above)"


def run_tier(d, started):
    timings = [f"deployment {time.monotonic() - started:.0f}s"]
    w = build_world(d)
    try:
        timings.append(f"world {sum(float(m.rsplit(' ', 1)[1][:-1]) for m in w.steps.marks):.0f}s ({w.steps})")
        methods = hostile.public_methods()
        models = hostile.addon_models(w.admin, methods)
        pick_targets(w, models)
        tally = Tally()
        prober = Prober(w, models, methods, tally)
        attacks = Attacks(prober, w)
        phases = [
            ("reads", run_reads),
            ("methods", run_methods),
            ("owned fields", run_owned),
            ("writes", run_writes),
            ("creates", run_creates),
            ("attacks", lambda p, w: attacks.run()),
            ("unlinks", run_unlinks),
            ("destructive methods", lambda p, w: run_methods(p, w, last=True)),
        ]
        for name, phase in phases:
            phase_started, count = time.monotonic(), tally.probes
            phase(prober, w)
            timings.append(f"{name} {tally.probes - count} in {time.monotonic() - phase_started:.0f}s")
    finally:
        w.listener.stop()
        w.db.close()
    owned = sum(len(hostile.owned_fields(info)) for info in models.values() if info.table)
    say(
        f"hostile: {len(models)} models ({sum(i.own for i in models.values())} the addon's), {len(methods)} public"
        f" methods, {owned} Xero-owned fields, {len(prober.contexts)} context keys, {len(ROLES)} roles"
    )
    say(f"hostile: {'; '.join(timings)}; total {time.monotonic() - started:.0f}s")
    if tally.skipped:
        say("hostile: not probed: " + "; ".join(sorted(set(tally.skipped))))
    effects = sorted(tally.effects)
    line = f"probes={tally.probes} refused={tally.refused} effects={len(effects)}"
    say(line)
    if effects:
        say("effects observed (role, model, operation, field/context: what changed):\n" + "\n".join(readable(effects)))
    return line, effects


def readable(effects):
    """The effects, one a line; many fields read by one role on one model make one line."""
    lines, reads = [], {}
    for effect in effects:
        head, found, rest = effect.partition(" read_field ")
        if found:
            reads.setdefault(head, []).append((rest.split(":", 1)[0].strip(), effect))
        else:
            lines.append(effect)
    for head, names in reads.items():
        if len(names) > 4:
            lines.append(f"{head} read_field   {len(names)} fields: {', '.join(name for name, _e in names)}")
        else:
            lines += [effect for _name, effect in names]
    return sorted(lines)
