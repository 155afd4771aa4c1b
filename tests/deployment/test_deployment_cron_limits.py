"""Issue 23: no job is killed by Odoo's worker time limits, however slow Xero is.

A real ``--workers=2`` server with one cron thread and ``--limit-time-real-cron=20`` (the default is 120 s; the
arithmetic is the same, the test shorter). Three organisations each answer their next contact call 8 s late,
and all three jobs fall due at once: one cron pass would need 24 s and more. Before the jobs measured their
pass, the master killed the cron worker ("WorkerCron ... timeout") and the runs were interrupted; now each job
stops its calls before the limit and continues in a fresh pass. Judged by the server's log and the tasks.
"""

import re
import time
from datetime import datetime, timedelta

from .harness import add_clean_contacts, say

LIMIT = 20
DELAY = 8
WAIT_SECONDS = 150
LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) \w+ \S+ \S+: (.*)$")
JOB = re.compile(r"^Job '(.*)' \(\d+\) (starting|fully done|partially done|failed) ?")
KILL = re.compile(r"^WorkerCron \((\d+)\) timeout after")


def kills_during_xero_jobs(log):
    """The cron workers the master killed while a Xero job ran in them, or had run in the LIMIT seconds before
    (the watchdog's window: the worker did not come back to its loop since). A kill of an idle worker (Odoo's
    cron loop sleeps up to 70 s between passes, longer than this test's 20 s limit) or of one that ran only
    Odoo's own jobs, both of which a loaded machine can bring about, is not the jobs' doing."""
    running, ended, kills = {}, {}, []
    for line in log.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
        pid, message = match[2], match[3]
        if job := JOB.match(message):
            name = job[1]
            if job[2] == "starting":
                running[pid] = name
            elif running.get(pid) == name:
                del running[pid]
                ended.setdefault(pid, []).append((name, at))
        elif kill := KILL.match(message):
            worker = kill[1]
            since = at - timedelta(seconds=LIMIT)
            xero = [name for name, end in ended.get(worker, []) if end >= since and name.startswith("Xero")]
            if running.get(worker, "").startswith("Xero"):
                xero.append(f"{running[worker]} (interrupted)")
            if xero:
                kills.append(f"{line.strip()}: {xero}")
    return kills


def test_slow_organisations_never_get_the_cron_worker_killed(deployment_factory):
    d = deployment_factory(
        "cronlimits",
        sandbox_options={"contacts": 0, "orgs": 3},
        odoo_args=["--max-cron-threads=1", f"--limit-time-real-cron={LIMIT}"],
    )
    admin = d.admin()
    control = d.sandbox.control
    organisations = []
    for index, tenant in enumerate(d.sandbox.tenants):
        company_id = admin.call("res.company", "create", [{"name": f"Slow company {index}"}])[0]
        admin.call("res.users", "write", [admin.uid], {"company_ids": [(4, company_id)]})
        contact = add_clean_contacts(control, tenant["tenant_id"], 1, prefix=f"Slow org {index}")[0]
        wizard = d.enable_integration(admin, tenant["tenant_id"], company_id=company_id)
        assert wizard["step"] == "done", wizard
        organisations.append((tenant["tenant_id"], d.connection(admin, company_id)["id"], contact["ContactID"]))

    for index, (tenant, _connection, contact_id) in enumerate(organisations):
        control.rename_contact(tenant, contact_id, f"Renamed while slow {index}")
        control.inject_fault("GET", "/api.xro/2.0/Contacts", "slow", count=1, delay=DELAY, tenant=tenant)
    since = d.last_log_id(admin)
    started = time.monotonic()
    d.wake_cron(admin)  # every organisation's job due at once, on the one cron thread

    names = [f"Renamed while slow {index}" for index in range(len(organisations))]
    seen = []
    while time.monotonic() - started < WAIT_SECONDS:
        time.sleep(2)
        seen = [
            task["name"]
            for task in admin.search_read(
                "project.task", [("name", "in", names)], ["name"], context={"active_test": False}
            )
        ]
        if len(seen) == len(names):
            break
    elapsed = time.monotonic() - started
    log = d.log_path.read_text(errors="replace")
    all_kills = sum("WorkerCron" in line and "timeout after" in line for line in log.splitlines())
    kills = kills_during_xero_jobs(log)
    logs = d.logs_since(admin, since, fields=("connection_id", "trigger", "state", "message", "duration"))
    say(
        f"cronlimits: {len(seen)} of {len(names)} renamed in {elapsed:.0f}s, {len(kills)} worker(s) killed in a"
        f" Xero job ({all_kills} in all); runs {logs}"
    )
    assert not kills, f"cron worker(s) killed by the {LIMIT} s limit in a Xero job: {kills}\n{d.log_tail()}"
    assert len(seen) == len(names), f"only {seen} arrived within {WAIT_SECONDS} s; runs: {logs}"
    assert not [entry for entry in logs if entry["state"] in ("running", "failed")], logs
