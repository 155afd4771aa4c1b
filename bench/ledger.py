"""Both ledgers side by side (issue 22): Compare with Xero over N pushed invoices, some changed at Xero.

Needs a database with the addon installed (made once), then runs inside ``odoo shell`` against an
in-process xero_sandbox; everything is rolled back at the end::

    XTS_TEST_DB=xts_ledger_bench XTS_KEEP_DB=1 ./dev test xero_timesync/tests/test_install.py
    XTS_LEDGER_N=1000 ./dev odoo shell -c .cache/odoo.cfg -d xts_ledger_bench --no-http --log-level=warn \\
        < bench/ledger.py

Prints wall time, SQL queries and API calls of the first compare (every line new, activities for the
differences), a second one (nothing changed: no activity), and the hourly status pull after the changes with
and without its compare (the compare's own cost on the pull; it makes no call).
"""

import os
from unittest.mock import patch

from bench.odoo_shell import calls, connected_to_a_sandbox, invoices, measure

N = int(os.environ.get("XTS_LEDGER_N", "1000"))
CHANGED = N // 20  # 5 %: a third voided, a third paid in part, a third paid in full at Xero


def change_at_xero(sandbox, connection, moves):
    tenant = sandbox.tenants[0]["tenant_id"]
    client = connection.env["xero.service"]._xero_client(connection)
    for n, move in enumerate(moves[:CHANGED]):
        if n % 3 == 0:
            client.update_invoice_status(move.xero_invoice_id, "VOIDED")
        else:
            sandbox.control.record_payment(tenant, move.xero_invoice_id, amount=40 if n % 3 == 1 else None)


def run(env):
    with connected_to_a_sandbox(env, contacts=20, seed=3, orgs=1) as (sandbox, connection):
        company = env.company
        company.xero_push_status = "AUTHORISED"
        for tax in company.account_sale_tax_id:
            tax.xero_tax_type = "OUTPUT2"
        moves = invoices(env, connection, N)
        change_at_xero(sandbox, connection, moves)
        Line, Activity = env["xero.ledger.line"], env["mail.activity"]
        rows = []

        def fresh_minute():
            # every row starts with the organisation's minute unspent: no row waits out an earlier row's calls
            env.cr.execute("UPDATE xero_rate_budget SET minute_calls_at = NULL")
            sandbox.control.set_rate_limits(reset_counters=True)  # and Xero's own count

        def compare(label):
            fresh_minute()
            sandbox.control.clear_requests()
            before = Activity.search_count([("res_model", "=", "account.move")])
            _, seconds, queries = measure(env, Line.action_xero_compare)
            total, detail = calls(sandbox)
            differ = Line.search_count([("difference_count", ">", 0)])
            new = Activity.search_count([("res_model", "=", "account.move")]) - before
            rows.append((label, seconds, queries, f"{total} API calls {detail}; {differ} differ, {new} new activities"))

        compare(f"Compare with Xero, {N} invoices, {CHANGED} changed")
        compare("Compare with Xero again (nothing changed)")

        def pull(label):
            job = env["xero.job"]._xero_job(connection, "invoices")
            job.watermark = False  # the pull reads every pushed invoice again
            fresh_minute()
            sandbox.control.clear_requests()
            _, seconds, queries = measure(env, job._xero_run)
            total, detail = calls(sandbox)
            rows.append((label, seconds, queries, f"{total} API calls {detail}"))

        pull(f"hourly pull of {N} invoices, with its compare")
        with patch.object(type(env["xero.ledger"]), "_xero_compare_documents", lambda *args: None):
            pull(f"hourly pull of {N} invoices, compare switched off")

        print(f"\n{'path':<52} {'seconds':>8} {'queries':>8}  notes")
        for label, seconds, queries, note in rows:
            print(f"{label:<52} {seconds:>8.2f} {queries:>8}  {note}")


run(env)  # noqa: F821 (odoo shell provides env)
