"""Issue 11, point 7 and issue 16: the cron's progress across organisations, in a real deployment.

Two companies, each connected to its own sandbox organisation. The first one gets a long import (2,500
changed contacts, its first two pages slow), so the cron run must stop part-way (Odoo gives a job about
10 s before ``_commit_progress`` reports no time left). Without any further trigger, Odoo must call the job
again because work remains, the interrupted import must finish soon, and the finished company must not be
synchronized again on each call. Each organisation is its own job (issue 16): B, the quick one, must not
wait for A, the slow one (two cron threads work on both at once).
"""

import time

from .harness import add_clean_contacts, say

LONG_IMPORT = 2500
WAIT_SECONDS = 120  # 20 s of injected latency + 2,505 contacts on a loaded CI machine; the point is "no new trigger"


def test_7_cron_progress_across_companies(deployment_factory):
    d = deployment_factory("cron7", sandbox_options={"contacts": 0, "orgs": 2})
    admin = d.admin()
    control = d.sandbox.control
    companies = []
    for index, tenant in enumerate(d.sandbox.tenants):
        company_id = admin.call("res.company", "create", [{"name": f"Tier company {'AB'[index]}"}])[0]
        admin.call("res.users", "write", [admin.uid], {"company_ids": [(4, company_id)]})
        add_clean_contacts(control, tenant["tenant_id"], 5, prefix=f"Org {index}")
        wizard = d.enable_integration(admin, tenant["tenant_id"], company_id=company_id)
        assert wizard["step"] == "done", wizard
        connection = d.connection(admin, company_id)
        companies.append((company_id, tenant["tenant_id"], connection["id"]))
    (_a, tenant_a, connection_a), (_b, tenant_b, connection_b) = companies

    started = time.monotonic()
    add_clean_contacts(control, tenant_a, LONG_IMPORT, prefix="Long import")
    say(f"cron7: {LONG_IMPORT} contacts added at the sandbox in {time.monotonic() - started:.1f}s")
    control.rename_contact(tenant_b, control.contacts(tenant_b)[0]["ContactID"], "Renamed at B")
    control.inject_fault("GET", "/api.xro/2.0/Contacts", "slow", count=4, delay=5)
    since = d.last_log_id(admin)
    d.wake_cron(admin)  # the hourly run; nothing else triggers anything from here on

    deadline = time.monotonic() + WAIT_SECONDS
    complete = False
    while time.monotonic() < deadline and not complete:
        time.sleep(2)
        state = admin.search_read("xero.connection", [("id", "=", connection_a)], ["sync_resume_page"])[0]
        imported = admin.call(
            "project.task", "search_count", [("xero_connection_id", "=", connection_a)], context={"active_test": False}
        )
        complete = not state["sync_resume_page"] and imported >= LONG_IMPORT + 5
    logs = d.logs_since(
        admin,
        since,
        fields=("connection_id", "trigger", "state", "pages", "contacts_received", "started_at", "duration"),
    )
    a_logs = [log for log in logs if log["connection_id"][0] == connection_a]
    b_logs = [log for log in logs if log["connection_id"][0] == connection_b]
    say(f"cron7: after {time.monotonic() - started:.0f}s A logs {a_logs}, B logs {b_logs}")
    problems = []
    if not complete:
        problems.append(
            f"the interrupted import of company A did not complete within {WAIT_SECONDS} s without a new trigger "
            f"(imported {imported} of {LONG_IMPORT + 5}, resume page {state['sync_resume_page']}); A's runs: {a_logs}"
        )
    if len(b_logs) != 1:
        problems.append(f"company B, finished at the first call, was synchronized {len(b_logs)} times: {b_logs}")
    if a_logs and b_logs and b_logs[0]["started_at"] > a_logs[-1]["started_at"]:
        problems.append(f"company B waited for company A's import to finish: {b_logs[0]} after {a_logs[-1]}")
    assert not problems, "\n".join(problems)
