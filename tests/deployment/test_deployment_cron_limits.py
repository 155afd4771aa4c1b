"""Issue 23: no job is killed by Odoo's worker time limits, however slow Xero is.

A real ``--workers=2`` server with one cron thread and ``--limit-time-real-cron=20`` (the default is 120 s; the
arithmetic is the same, the test shorter). Three organisations each answer their next contact call 8 s late,
and all three jobs fall due at once: one cron pass would need 24 s and more. Before the jobs measured their
pass, the master killed the cron worker ("WorkerCron ... timeout") and the runs were interrupted; now each job
stops its calls before the limit and continues in a fresh pass. Judged by the server's log and the tasks.
"""

import time

from .harness import add_clean_contacts, say

LIMIT = 20
DELAY = 8
WAIT_SECONDS = 150


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
    kills = sum("WorkerCron" in line and "timeout after" in line for line in log.splitlines())
    logs = d.logs_since(admin, since, fields=("connection_id", "trigger", "state", "message", "duration"))
    say(f"cronlimits: {len(seen)} of {len(names)} renamed in {elapsed:.0f}s, {kills} worker(s) killed; runs {logs}")
    assert not kills, f"{kills} cron worker(s) killed by the {LIMIT} s limit:\n{d.log_tail()}"
    assert len(seen) == len(names), f"only {seen} arrived within {WAIT_SECONDS} s; runs: {logs}"
    assert not [entry for entry in logs if entry["state"] in ("running", "failed")], logs
