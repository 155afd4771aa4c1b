"""Batches and the one-page-ahead prefetch of paged reads."""

import queue
import threading
from collections.abc import Iterator


def prefetch_one_ahead(items, before_fetch=None):
    """Yield from ``items`` (an iterator whose ``next()`` waits for Xero) while a thread already fetches the
    next item: at most one ahead, so memory stays at two pages. ``before_fetch()`` runs in the caller's
    thread before each fetch is allowed (e.g. refresh the token there, where the database is).
    An error of the fetch is raised where the caller takes the item."""
    results = queue.Queue(maxsize=1)
    go = threading.Semaphore(0)
    stopped = threading.Event()

    def produce():
        try:
            while True:
                go.acquire()
                if stopped.is_set():
                    return
                try:
                    item = next(items)
                except StopIteration:
                    results.put(("end", None))
                    return
                results.put(("item", item))
        except BaseException as error:  # noqa: BLE001  handed to the caller
            results.put(("error", error))

    thread = threading.Thread(target=produce, name="xero-prefetch", daemon=True)
    thread.start()
    try:
        if before_fetch:
            before_fetch()
        go.release()
        while True:
            kind, value = results.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            if before_fetch:
                before_fetch()
            go.release()  # fetch the next page while the caller writes this one
            yield value
    finally:
        stopped.set()
        go.release()
        thread.join(timeout=1)


def iter_batches(items, size) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
