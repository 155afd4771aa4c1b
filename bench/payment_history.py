"""What registering one payment made at Xero costs as the payments in the database grow (issue 23).

    ./dev bench payment_history [--sizes 10 1000 10000] [--events 20] [--explain] [--slowest N] [--profile FILE]
    ./dev bench payment_history --stale-statistics --sizes 10 30 100 --events 5 --explain   # as bench/money.py

Builds its own database (a copy of this checkout's addon template from ``./dev test``, else ./dev's base
template with the addon installed; kept for the next run, ``--fresh`` rebuilds it), whose accounting tables
are vacuumed before and after. Inside one transaction rolled back at the end, against an in-process
xero_sandbox: the company is connected; the smallest size's payments are made as Odoo makes them (posted
invoices with a Xero id, each paid in full through Odoo's payment wizard, with its Xero PaymentID); the larger
sizes are copies of those in SQL (entries, lines, partial and full reconciles, renumbered: 18 s for 10,000
where the wizard takes 30 to 50 minutes). After seeding, the tables are analysed, as autovacuum does after a
commit. Then ``--events`` times at each size: an invoice pushed to Xero and paid there, its INVOICE event
received and fetched (the webhook's ``_xero_receive`` and the cron's ``_cron_xero_fetch_invoice_events``), as
one cron run (empty ORM cache, writes flushed): wall, CPU and SQL time, exact SQL queries and API calls, the
median kept. Prints them and the ratio of the largest size to the smallest; asserts nothing about time. About
70 s on a 2-core machine.

``--stale-statistics`` measures what bench/money.py measured before issue 23: tables whose pages hold only
rolled-back rows (earlier tests and benches), analysed as empty, and not analysed after seeding. PostgreSQL then
plans Odoo's reconciled-payments query (``--explain`` prints its plan) as nested loops over every line and
partial reconcile, and its cost grows with the cube of the payments: keep the sizes small.
"""

import argparse
import cProfile
import re
import statistics
import sys
import threading
import time
from collections import defaultdict

from access_scale import CFG, ROOT, odoo_path
from timer import ensure_database

BATCH = 500


def seed(env, partner, journal, count):
    """``count`` payments made by Odoo's payment wizard, each paying one invoice with a Xero id in full."""
    Move = env["account.move"]
    payments = env["account.payment"]
    for first in range(0, count, BATCH):
        moves = Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [(0, 0, {"name": f"Seed {first + n}", "quantity": 1, "price_unit": 100})],
                }
                for n in range(min(BATCH, count - first))
            ]
        )
        moves.action_post()
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids, dont_redirect_to_payments=True)
            .create({"journal_id": journal.id, "group_payment": False})
        )
        batch = wizard._create_payments()
        env.flush_all()
        # what the addon writes on an invoice it pushed and on a payment it brought back
        env.cr.execute(
            """
            UPDATE account_move SET xero_invoice_id = gen_random_uuid()::text, xero_status = 'PAID',
                   xero_tenant_id = %s, xero_pushed_at = now() WHERE id = ANY(%s)
            """,
            [env.company.xero_connection_id.tenant_id, moves.ids],
        )
        env.cr.execute(
            """
            UPDATE account_payment p SET xero_payment_id = gen_random_uuid()::text, xero_invoice_move_id = r.invoice_id
              FROM account_move__account_payment r WHERE r.payment_id = p.id AND p.id = ANY(%s)
            """,
            [batch.ids],
        )
        env.invalidate_all()
        payments |= batch
    return payments


# the records a payment brings, in insertion order; a foreign key to a later table is written afterwards
CLONED = ["account_full_reconcile", "account_move", "account_move_line", "account_payment", "account_partial_reconcile"]
RELATIONS = [
    "account_move__account_payment",
    "account_move_line_account_tax_rel",
    "account_account_tag_account_move_line_rel",
]


def _foreign_keys(cr, tables):
    """``{table: {column: referenced table}}`` for the foreign keys between ``tables``."""
    cr.execute(
        """
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
          FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s) AND c.confrelid::regclass::text = ANY(%s)
        """,
        [tables, CLONED],
    )
    keys = {table: {} for table in tables}
    for table, column, target in cr.fetchall():
        keys[table][column] = target
    return keys


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [c for (c,) in cr.fetchall()]


def clone(env, payments, copies):
    """``copies`` copies, in SQL, of ``payments`` with everything they hold (their entries and their invoices, the
    lines, partial and full reconciles), renumbered as Odoo would have: new names in their sequences, new Xero
    ids, matching numbers of the new reconciles. Seconds for 10,000 payments where Odoo's wizard takes an hour."""
    cr = env.cr
    env.flush_all()
    invoices = payments.mapped("xero_invoice_move_id") | payments.reconciled_invoice_ids
    moves = payments.move_id | invoices
    lines = moves.line_ids
    partials = lines.matched_debit_ids | lines.matched_credit_ids
    prototypes = {
        "account_full_reconcile": (lines.full_reconcile_id | partials.full_reconcile_id).ids,
        "account_move": moves.ids,
        "account_move_line": lines.ids,
        "account_payment": payments.ids,
        "account_partial_reconcile": partials.ids,
    }
    for table, ids in prototypes.items():
        cr.execute(f"DROP TABLE IF EXISTS clone_{table}")
        cr.execute(
            f"""
            CREATE TEMP TABLE clone_{table} AS
            SELECT old.id AS old_id, n, nextval('{table}_id_seq')::int AS new_id
              FROM unnest(%s::int[]) AS old(id), generate_series(1, %s) AS n
            """,
            [ids, copies],
        )
        cr.execute(f"CREATE UNIQUE INDEX ON clone_{table} (old_id, n)")
    keys = _foreign_keys(cr, CLONED + RELATIONS)
    special = {
        "account_move": {
            "sequence_number": "CASE WHEN t.sequence_prefix IS NULL THEN t.sequence_number ELSE"
            " last.number + row_number() OVER (PARTITION BY t.sequence_prefix ORDER BY c.new_id) END",
            "name": "CASE WHEN t.sequence_prefix IS NULL THEN t.name ELSE t.sequence_prefix || lpad("
            "(last.number + row_number() OVER (PARTITION BY t.sequence_prefix ORDER BY c.new_id))::text,"
            " greatest(length(t.name) - length(t.sequence_prefix), 6), '0') END",
            "xero_invoice_id": "CASE WHEN t.xero_invoice_id IS NOT NULL THEN gen_random_uuid()::text END",
        },
        "account_payment": {
            "xero_payment_id": "CASE WHEN t.xero_payment_id IS NOT NULL THEN gen_random_uuid()::text END",
        },
    }
    later = {}
    for position, table in enumerate(CLONED):
        columns = _columns(cr, table)
        values = []
        for column in columns:
            target = keys[table].get(column)
            if column == "id":
                values.append("c.new_id")
            elif column in special.get(table, {}):
                values.append(special[table][column])
            elif target and CLONED.index(target) > position:
                values.append("NULL")
                later.setdefault(table, []).append((column, target))
            elif target:
                values.append(
                    f"COALESCE((SELECT new_id FROM clone_{target} WHERE old_id = t.{column} AND n = c.n), t.{column})"
                )
            else:
                values.append(f"t.{column}")
        last = (
            "LEFT JOIN LATERAL (SELECT coalesce(max(sequence_number), 0) AS number FROM account_move"
            " WHERE sequence_prefix = t.sequence_prefix) last ON true"
            if table == "account_move"
            else ""
        )
        cr.execute(
            f"""
            INSERT INTO {table} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM {table} t JOIN clone_{table} c ON c.old_id = t.id {last}
            """
        )
    for table, columns in later.items():
        for column, target in columns:
            cr.execute(
                f"""
                UPDATE {table} t SET {column} = m.new_id
                  FROM clone_{table} c, {table} old, clone_{target} m
                 WHERE t.id = c.new_id AND old.id = c.old_id AND m.old_id = old.{column} AND m.n = c.n
                """
            )
    for table in RELATIONS:
        first, second = _columns(cr, table)
        mapped = {column: keys[table].get(column) for column in (first, second)}
        select = [
            f"COALESCE((SELECT new_id FROM clone_{mapped[col]} WHERE old_id = r.{col} AND n = g.n), r.{col})"
            if mapped[col]
            else f"r.{col}"
            for col in (first, second)
        ]
        driver = next(col for col in (first, second) if mapped[col])
        cr.execute(
            f"""
            INSERT INTO {table} ({first}, {second})
            SELECT {", ".join(select)} FROM {table} r, generate_series(1, %s) AS g(n)
             WHERE r.{driver} = ANY(%s)
            """,
            [copies, prototypes[mapped[driver]]],
        )
    # matching numbers name the new reconciles: the full reconcile's id, else "P" and the first partial's id
    cr.execute(
        """
        UPDATE account_move_line l
           SET matching_number = CASE WHEN l.full_reconcile_id IS NOT NULL THEN l.full_reconcile_id::text
                                      ELSE 'P' || (SELECT new_id FROM clone_account_partial_reconcile p
                                                   WHERE p.old_id = substr(old.matching_number, 2)::int AND p.n = c.n)
                                 END
          FROM clone_account_move_line c, account_move_line old
         WHERE l.id = c.new_id AND old.id = c.old_id AND old.matching_number IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE account_payment p SET name = m.name
          FROM clone_account_payment c, account_move m WHERE p.id = c.new_id AND m.id = p.move_id
        """
    )
    env.invalidate_all()


class QueryTimes:
    """SQL time and count per query text (numbers folded) while enabled, through Odoo's ``query_hooks``."""

    def __init__(self):
        self.times = defaultdict(lambda: [0, 0.0])
        self.total = 0.0

    def __call__(self, cr, query, params, start, delay):
        text = re.sub(r"\s+", " ", query if isinstance(query, str) else query.decode()).strip()
        entry = self.times[re.sub(r"\b\d+\b", "N", text)]
        entry[0] += 1
        entry[1] += delay
        self.total += delay

    def __enter__(self):
        threading.current_thread().query_hooks = [*getattr(threading.current_thread(), "query_hooks", ()), self]
        return self

    def __exit__(self, *exc):
        threading.current_thread().query_hooks = [h for h in threading.current_thread().query_hooks if h is not self]

    def print(self, top, events):
        print("slowest query texts at this size (per event: count, ms):")
        for text, (count, seconds) in sorted(self.times.items(), key=lambda item: -item[1][1])[:top]:
            print(f"  {count / events:5.1f} {1000 * seconds / events:8.1f}  {text[:300]}")


def one_event(env, sandbox, tenant, move, times):
    """``(wall s, CPU s, SQL s, queries, API calls, payment_state)`` of one INVOICE event → Paid, as one cron
    run (empty ORM cache, writes flushed)."""
    sandbox.control.record_payment(tenant, move.xero_invoice_id)
    sandbox.control.clear_requests()
    Event = env["xero.invoice.event"]
    event = [{"tenantId": tenant, "eventCategory": "INVOICE", "resourceId": move.xero_invoice_id}]
    env.flush_all()
    env.invalidate_all()
    queries, sql, cpu, started = env.cr.sql_log_count, times.total, time.process_time(), time.perf_counter()
    Event._xero_receive(event)
    Event._cron_xero_fetch_invoice_events()
    env.flush_all()
    return (
        time.perf_counter() - started,
        time.process_time() - cpu,
        times.total - sql,
        env.cr.sql_log_count - queries,
        len(sandbox.control.requests("/api.xro")),
        move.payment_state,
    )


# Odoo's account.move._compute_reconciled_payment_ids, run whenever an invoice's payment state is computed
RECONCILED_PAYMENTS = """
    SELECT invoice.id, ARRAY_AGG(DISTINCT payment.id) AS payment_ids
      FROM account_payment payment
      JOIN account_move move ON move.id = payment.move_id
      JOIN account_move_line line ON line.move_id = move.id
      JOIN account_partial_reconcile part ON part.debit_move_id = line.id OR part.credit_move_id = line.id
      JOIN account_move_line counterpart_line
        ON part.debit_move_id = counterpart_line.id OR part.credit_move_id = counterpart_line.id
      JOIN account_move invoice ON invoice.id = counterpart_line.move_id
      JOIN account_account account ON account.id = line.account_id
     WHERE account.account_type IN ('asset_receivable', 'liability_payable')
       AND invoice.id IN %s AND line.id != counterpart_line.id
     GROUP BY invoice.id, invoice.move_type
"""


def gone_at_xero(env, connection):
    """The search ``xero.invoice.void._xero_follow_gone`` runs at every event fetch: documents Xero voided or
    deleted that are not followed yet or still differ."""
    Move = env["account.move"]
    domain = env["xero.invoice.void"]._xero_gone_domain(connection)
    return Move._search(domain, order=Move._order).select()


def explain(env, connection, move):
    """How PostgreSQL runs Odoo's reconciled-payments query for ``move`` and the addon's search of documents gone
    at Xero: time, sequential scans, rows read and thrown away."""
    from odoo.tools import SQL  # noqa: PLC0415 (needs the path set by main)

    queries = {
        "Odoo's reconciled-payments query": SQL(RECONCILED_PAYMENTS, (move.id,)),
        "documents gone at Xero": gone_at_xero(env, connection),
    }
    for label, query in queries.items():
        env.cr.execute(SQL("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) %s", query))
        plan = [row for (row,) in env.cr.fetchall()]
        took = next(line for line in plan if line.startswith("Execution Time")).split(": ")[1]
        scans = sorted(
            {
                (line.split(" using ")[1] if " using " in line else line.split(" on ")[1]).split(" ")[0]
                for line in plan
                if "Scan" in line and " on " in line
            }
        )
        removed = sum(int(line.split(": ")[1]) for line in plan if "Rows Removed by" in line)
        seq = sorted({line.split("Seq Scan on ")[1].split(" ")[0] for line in plan if "Seq Scan on" in line})
        print(
            f"  {label}: {took}, {removed:,} rows removed by filters, scans of {', '.join(scans)}"
            f"{f' (sequential: {chr(44).join(seq)})' if seq else ''}"
        )


def measure(env, sandbox, connection, moves, args, profile=False):
    """One event per move, measured; the slowest query texts and the plan printed when asked."""
    profiler = cProfile.Profile() if profile else None
    runs = []
    with QueryTimes() as times:
        for move in moves:
            if profiler:
                profiler.enable()
            runs.append(one_event(env, sandbox, connection.tenant_id, move, times))
            if profiler:
                profiler.disable()
    if profiler:
        profiler.dump_stats(args.profile)
    if args.slowest:
        times.print(args.slowest, len(moves))
    if args.explain:
        explain(env, connection, moves[-1])
    return runs


def report(figures, sizes, args):
    print(f"\none INVOICE event → Paid, one cron run each, median of {args.events}", end="")
    print(" (statistics stale: tables analysed as empty)" if args.stale_statistics else "")
    print(
        f"{'existing payments':>18} {'wall s':>7} {'CPU s':>6} {'SQL s':>6} {'queries':>8} {'min-max':>9}"
        f" {'API calls':>10}  state"
    )
    medians = {}
    for size in sizes:
        existing, runs = figures[size]
        wall, cpu, sql, queries, api = (statistics.median(r[i] for r in runs) for i in range(5))
        low, high = min(r[3] for r in runs), max(r[3] for r in runs)
        states = "/".join(sorted({r[5] for r in runs}))
        medians[size] = (wall, cpu, queries)
        print(
            f"{existing:>18,} {wall:>7.3f} {cpu:>6.3f} {sql:>6.3f} {queries:>8g} {f'{low}-{high}':>9}"
            f" {api:>10g}  {states}"
        )
    small, large = medians[sizes[0]], medians[sizes[-1]]
    ratio = large[0] / small[0]
    print(
        f"{'PASS' if ratio <= 1.2 else 'OVER'}  wall time {sizes[-1]:,} : {sizes[0]:,} = {large[0]:.3f} s /"
        f" {small[0]:.3f} s = {ratio:.2f} (target ≤ 1.2); CPU {large[1] / small[1]:.2f};"
        f" queries {large[2]:g} / {small[2]:g}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--events", type=int, default=20, help="events measured at each size (median kept)")
    parser.add_argument(
        "--stale-statistics",
        action="store_true",
        help="as bench/money.py measured: the tables analysed when they held only rolled-back rows, and not after",
    )
    parser.add_argument("--profile", help="cProfile dump of the events at the largest size (slows them down)")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest query texts at each size")
    parser.add_argument("--explain", action="store_true", help="print the plan of Odoo's reconciled-payments query")
    parser.add_argument("--db", default="xts_payment_history_bench")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    args = parser.parse_args()
    if not CFG.exists():
        sys.exit("run ./dev bootstrap first (it writes .cache/odoo.cfg)")
    ensure_database(args.db, args.fresh)

    sys.path[:0] = [odoo_path(), str(ROOT)]
    import odoo  # noqa: PLC0415 (needs the path set above)
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(CFG), "--log-level=error"])
    registry = Registry(args.db)
    from bench.odoo_shell import analyse, connected_to_a_sandbox, invoices, vacuum  # noqa: PLC0415 (addons path)

    vacuum(args.db)  # the same start whatever ran before
    cr = registry.cursor()

    begun = time.perf_counter()
    sizes = sorted(args.sizes)
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        with connected_to_a_sandbox(env, contacts=20, seed=3, orgs=1) as (sandbox, connection):
            company = env.company
            journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
            company.write({"xero_push_status": "AUTHORISED", "xero_payment_journal_id": journal.id})
            for tax in company.account_sale_tax_id:
                tax.xero_tax_type = "OUTPUT2"
            partner = invoices(env, connection, 1).partner_id
            Payment = env["account.payment"]
            if args.stale_statistics:
                # as a database whose tables hold pages of rolled-back rows (tests, benches): analysed as empty
                started = time.perf_counter()
                env.flush_all()
                cr.execute("SAVEPOINT dead_rows")
                prototypes = seed(env, partner, journal, 10)
                clone(env, prototypes, sizes[-1] // 10)
                cr.execute("ROLLBACK TO SAVEPOINT dead_rows")
                env.invalidate_all()
                analyse(env)
                print(
                    f"{sizes[-1]:,} payments made and rolled back, then analysed ({time.perf_counter() - started:.1f} s)"
                )
            figures = {}
            prototypes = Payment
            for size in sizes:
                started = time.perf_counter()
                missing = size - Payment.search_count([])
                if not prototypes:
                    prototypes = seed(env, partner, journal, missing)
                elif missing > 0:
                    clone(env, prototypes, missing // len(prototypes))
                    clone(env, prototypes[: missing % len(prototypes)], 1)
                if not args.stale_statistics:
                    analyse(env)
                existing = Payment.search_count([])
                print(f"{existing:,} payments in the database (seeded in {time.perf_counter() - started:.1f} s)")
                moves = invoices(env, connection, args.events)
                runs = measure(env, sandbox, connection, moves, args, profile=args.profile and size == sizes[-1])
                figures[size] = (existing, runs)
        report(figures, sizes, args)
    finally:
        cr.rollback()
        cr.close()
        vacuum(args.db)  # rolled back rows would otherwise be analysed as empty pages by the next run
    print(f"bench took {time.perf_counter() - begun:.0f} s")


if __name__ == "__main__":
    main()
