"""Who may write what Xero and the synchronization own: a mark no client can forge.

Odoo hands the whole context to the caller (a JSON-RPC call sets any key it likes), so no guard reads it.
A write is the integration's own when it runs

- as the superuser (``sudo()``, which only server code grants: the import, the crons), or
- inside :func:`owned_writes`, a context variable of the running thread that only the code path itself
  sets (the Invoice time wizard as the accountant, the cancellation at Xero).

Guards (the imported structure of tasks, the ``xero_*`` fields Xero owns, a live invoice's reset to
draft) ask :func:`integration_writes`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_owned = ContextVar("xero_timesync_owned_writes", default=frozenset())
_readable_tasks = ContextVar("xero_timesync_readable_tasks", default=(None, frozenset()))

SYNC = "sync"  # the integration writes the fields and structure it owns
CANCEL = "cancel"  # Cancel releases an invoice that lives at Xero (voided there in the same transaction)
REOPEN = "reopen"  # Reset to draft of an invoice Xero still has as a draft (checked there), to update it in place


@contextmanager
def owned_writes(reason=SYNC):
    """Marks the writes of this block as the integration's own (``reason``: SYNC, CANCEL or REOPEN)."""
    token = _owned.set(_owned.get() | {reason})
    try:
        yield
    finally:
        _owned.reset(token)


def integration_writes(env, reason=SYNC):
    """True when the integration's own code is writing (see the module's docstring), never the client.

    CANCEL and REOPEN are granted by their mark only, not by ``sudo()``: Odoo's own code resets invoices to draft as the
    superuser in flows users start, and an invoice that lives at Xero must not reopen through them."""
    return (env.su and reason == SYNC) or reason in _owned.get()


@contextmanager
def tasks_checked(uid, task_ids):
    """Marks ``task_ids`` as just found readable by user ``uid`` with the record rules in SQL (the timer's
    search), so that the timesheet line created in this block need not evaluate them again in Python."""
    token = _readable_tasks.set((uid, frozenset(task_ids)))
    try:
        yield
    finally:
        _readable_tasks.reset(token)


def checked_tasks(uid):
    """The task ids marked by :func:`tasks_checked` for ``uid`` in the running block (none outside it)."""
    user, task_ids = _readable_tasks.get()
    return task_ids if user == uid else frozenset()
