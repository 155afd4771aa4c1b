"""What the benchmarks run inside ``odoo shell`` share (bench/invoice.py, money.py, ledger.py, scope.py).

Inside ``connected_to_a_sandbox`` second cursors (token rotation, push attempts, the call budget) join the
shell's transaction as in Odoo's tests, so nothing is committed; an xero_sandbox runs in this process and
the company is connected to its first organisation through the real OAuth flow. All is rolled back after.
"""

import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from unittest.mock import patch

import odoo
from odoo.tests.test_cursor import TestCursor

from odoo.addons.xero_timesync.tests.common import CLIENT_ID, CLIENT_SECRET, XeroSandboxMixin

from xero_sandbox.odoo_seam import point_odoo_at_sandbox
from xero_sandbox.testing import SandboxServer


class _BenchRun:
    """Stands for the running test that TestCursor expects."""

    test_cursor_lock_timeout = 30

    def assertCanOpenTestCursor(self):  # noqa: N802 (Odoo's name)
        pass


@contextmanager
def connected_to_a_sandbox(env, **sandbox_options):
    """``(sandbox, connection)``; ``sandbox_options`` as for ``SandboxServer`` (contacts, seed, orgs)."""
    cr, registry = env.cr, env.registry
    lock = threading.RLock()
    try:
        with (
            patch.object(registry, "cursor", lambda readonly=False: TestCursor(cr, lock, False)),
            patch.object(odoo.modules.module, "current_test", _BenchRun()),
        ):
            redirect_uri = env["xero.service"]._xero_redirect_uri()
            with SandboxServer(
                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[redirect_uri], **sandbox_options
            ) as sandbox:
                point_odoo_at_sandbox(env, sandbox.url, CLIENT_ID, CLIENT_SECRET)
                bench = type("Bench", (XeroSandboxMixin,), {"env": env, "sandbox": sandbox})
                connection = bench.connect()
                # the organisation keeps its books in the company's currency (the sandbox's first is in NZD)
                connection.base_currency = env.company.currency_id.name
                yield sandbox, connection
    finally:
        cr.rollback()


ACCOUNTING = "account_payment, account_move, account_move_line, account_partial_reconcile, account_full_reconcile"


def vacuum(dbname):
    """VACUUM ANALYZE the accounting tables, from a connection of its own (not in a transaction): a rolled-back
    run leaves their pages full of dead rows, which ANALYZE reports as tables of 0 rows however many pages they
    have; PostgreSQL then plans Odoo's reconciliation queries (an OR between two foreign keys) as nested loops
    over every line and partial reconcile, and a payment costs seconds with a few hundred in the database."""
    subprocess.run(["psql", "-q", "-d", dbname, "-c", f"VACUUM ANALYZE {ACCOUNTING}"], check=True)


def analyse(env):
    """ANALYZE the accounting tables as they are in this transaction, as autovacuum does after a commit: a bench
    that seeds thousands of rows in one transaction is otherwise planned with the sizes from before it."""
    env.flush_all()
    env.cr.execute(f"ANALYZE {ACCOUNTING}")


def measure(env, fn):
    """``(fn's result, wall seconds, SQL queries)``, pending writes included."""
    env.flush_all()
    queries, started = env.cr.sql_log_count, time.perf_counter()
    result = fn()
    env.flush_all()
    return result, time.perf_counter() - started, env.cr.sql_log_count - queries


def calls(sandbox):
    """API calls the sandbox received: (total, {"METHOD /path": count})."""
    counted = Counter(f"{r['method']} {r['path'].split('?')[0]}" for r in sandbox.control.requests("/api.xro"))
    return sum(counted.values()), dict(counted)


def invoices(env, connection, count):
    """``count`` posted invoices of one Xero client, pushed to Xero."""
    partner = (
        env["project.task"]
        .search([("xero_connection_id", "=", connection.id), ("partner_id", "!=", False)])[0]
        .partner_id
    )
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [(0, 0, {"name": f"Work {n}", "quantity": 1, "price_unit": 100 + n})],
            }
            for n in range(count)
        ]
    )
    moves.action_post()
    env["xero.invoice.sync"]._xero_push(moves)
    return moves
