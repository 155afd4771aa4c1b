"""One run at a time on every server: PostgreSQL advisory locks (the contact sync's and every job's)."""

from contextlib import contextmanager

import psycopg2
from psycopg2 import errorcodes

# what a run that lost a race to another transaction raises (Odoo retries a request that does)
CONCURRENCY_ERRORS = {errorcodes.SERIALIZATION_FAILURE, errorcodes.DEADLOCK_DETECTED, errorcodes.LOCK_NOT_AVAILABLE}


def is_concurrency_error(error):
    return isinstance(error, psycopg2.Error) and error.pgcode in CONCURRENCY_ERRORS


@contextmanager
def advisory_lock(env, key, across_commits=False):
    """Yield whether this run holds ``key``.

    A request holds a transaction-level advisory lock: PostgreSQL releases it when the request commits or rolls
    back, never before, and it cannot outlive the transaction on a pooled connection. A cron run commits as it
    goes, so it holds a session lock on a database session of its own that runs nothing else (its transaction
    never aborts, so the unlock always runs) and that dies with the worker; once it holds the lock it starts a
    transaction that sees everything the previous holder committed.
    """
    if not across_commits:
        env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        yield env.cr.fetchone()[0]
        return
    with env.registry.cursor() as lock_cr:
        lock_cr.execute("SELECT pg_try_advisory_lock(%s)", [key])
        locked = lock_cr.fetchone()[0]
        try:
            if locked:
                env["ir.cron"]._commit_progress()
            yield locked
        finally:
            if locked:
                lock_cr.execute("SELECT pg_advisory_unlock(%s)", [key])
