"""Contact scope at 10,000 contacts: what a no-change hourly run costs with each scope (issue 14).

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an
in-process xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_scope_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_scope_bench --no-http --log-level=warn < bench/scope.py

Prints, per scope, the active tasks, and for a no-change run the API calls, SQL queries and wall time.
"""

from bench.odoo_shell import connected_to_a_sandbox, measure

CONTACTS = 10000


def run(env):
    with connected_to_a_sandbox(env, contacts=CONTACTS, seed=1, orgs=1) as (sandbox, connection):
        groups = env["xero.contact.group"].search([("tenant_id", "=", connection.tenant_id)])
        rows = []
        for scope, chosen in (("all", groups.browse()), ("customers", groups.browse()), ("groups", groups[:1])):
            connection.write({"contact_scope": scope, "contact_group_ids": [(6, 0, chosen.ids)]})
            counts = env["xero.contact.scope"]._xero_apply_scope(connection)
            env["xero.contact.sync"]._xero_sync(connection, "cron")  # the full re-read a scope change asks for
            log, seconds, queries = measure(env, lambda: env["xero.contact.sync"]._xero_sync(connection, "cron"))
            active = env["project.task"].search_count([("xero_connection_id", "=", connection.id)])
            label = scope if scope != "groups" else f"groups ({', '.join(chosen.mapped('name'))})"
            rows.append((label, active, counts, log.api_calls, queries, seconds, log.state))
        print(f"\nNo-change hourly run at {CONTACTS:,} contacts, by contact scope")
        print(f"{'scope':32} {'active tasks':>12} {'scope change':>26} {'API calls':>9} {'queries':>8} {'wall s':>7}")
        for label, active, counts, api_calls, queries, seconds, state in rows:
            change = f"{counts['archived']} archived, {counts['restored']} restored"
            print(f"{label:32} {active:>12,} {change:>26} {api_calls:>9} {queries:>8} {seconds:>7.2f}  {state}")


run(env)  # noqa: F821  (odoo shell's env)
