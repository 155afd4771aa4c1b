"""The money comes back: 100 payments made at Xero → Odoo, by the hourly pull and by webhook events.

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an
in-process xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_money_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    ./dev odoo shell -c .cache/odoo.cfg -d xts_money_bench --no-http --log-level=warn < bench/money.py

The accounting tables are vacuumed first and analysed before each path, as autovacuum keeps them in
production (without, PostgreSQL plans for the table sizes it last saw: see ``odoo_shell.vacuum``).
Prints, per path, wall time, SQL queries and the API calls made (by method and path), and the
event → visible time of one INVOICE event (webhook handling + the targeted fetch; in production add
a cron worker's pick-up of the job the webhook wakes at once).
"""

from bench.odoo_shell import analyse, calls, connected_to_a_sandbox, invoices, measure, vacuum

PAYMENTS = 100


def run(env):
    vacuum(env.cr.dbname)
    with connected_to_a_sandbox(env, contacts=20, seed=3, orgs=1) as (sandbox, connection):
        tenant = sandbox.tenants[0]["tenant_id"]
        company = env.company
        company.write(
            {
                "xero_push_status": "AUTHORISED",
                "xero_payment_journal_id": env["account.journal"]
                .search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
                .id,
            }
        )
        for tax in company.account_sale_tax_id:
            tax.xero_tax_type = "OUTPUT2"
        rows = []

        # 1. hourly pull: 100 invoices paid at Xero (70 in full, 30 partly)
        moves = invoices(env, connection, PAYMENTS)
        analyse(env)
        for n, move in enumerate(moves):
            sandbox.control.record_payment(tenant, move.xero_invoice_id, amount=None if n % 10 < 7 else 40)
        sandbox.control.clear_requests()
        Job = env["xero.job"]

        def pull():  # the organisation's hourly jobs, in the order the orchestration runs them
            for flow in ("money", "invoices"):
                Job._xero_job(connection, flow)._xero_run()

        def fetch():  # the organisation's events job, which the webhook wakes
            Job._xero_job(connection, "events")._xero_run()

        _, seconds, queries = measure(env, pull)
        total, detail = calls(sandbox)
        paid = sum(1 for m in moves if m.payment_state in ("paid", "partial"))
        rows.append(
            (
                f"hourly pull, {PAYMENTS} payments",
                seconds,
                queries,
                f"{total} API calls {detail}; {paid} invoices paid/partial",
            )
        )
        _, seconds, queries = measure(env, pull)
        total, detail = calls(sandbox)
        rows.append(("hourly pull again (nothing new)", seconds, queries, f"{total} API calls in all so far"))

        # 2. events: 100 more invoices paid, each announced by an INVOICE event
        moves = invoices(env, connection, PAYMENTS)
        analyse(env)
        events = []
        for move in moves:
            sandbox.control.record_payment(tenant, move.xero_invoice_id)
            events.append({"tenantId": tenant, "eventCategory": "INVOICE", "resourceId": move.xero_invoice_id})
        sandbox.control.clear_requests()
        Event = env["xero.invoice.event"]
        _, seconds, queries = measure(env, lambda: (Event._xero_receive(events), fetch()))
        total, detail = calls(sandbox)
        paid = sum(1 for m in moves if m.payment_state == "paid")
        rows.append(
            (
                f"{PAYMENTS} INVOICE events, one fetch run",
                seconds,
                queries,
                f"{total} API calls {detail}; {paid} paid",
            )
        )

        # 3. one event → visible
        [move] = invoices(env, connection, 1)
        analyse(env)
        sandbox.control.record_payment(tenant, move.xero_invoice_id)
        sandbox.control.clear_requests()
        one = [{"tenantId": tenant, "eventCategory": "INVOICE", "resourceId": move.xero_invoice_id}]
        _, seconds, queries = measure(env, lambda: (Event._xero_receive(one), fetch()))
        total, _detail = calls(sandbox)
        rows.append(
            ("1 INVOICE event → paid in Odoo", seconds, queries, f"{total} API call; state {move.payment_state}")
        )

        print(f"\n{'path':<40} {'seconds':>8} {'queries':>8}  notes")
        for label, seconds, queries, note in rows:
            print(f"{label:<40} {seconds:>8.2f} {queries:>8}  {note}")


run(env)  # noqa: F821 (odoo shell provides env)
