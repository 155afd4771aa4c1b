"""A bounded log of every request the sandbox received, with secrets redacted."""

import threading
from collections import deque
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset(("authorization", "cookie", "proxy-authorization"))
SECRET_QUERY_KEYS = frozenset(("client_secret", "code_verifier", "refresh_token", "access_token", "token", "code"))
MAX_ENTRIES = 20000


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries = deque(maxlen=max_entries)
        self._lock = threading.Lock()

    def record(self, request, status, at_ms: int) -> None:
        entry = {
            "time_ms": at_ms,
            "method": request.method,
            "path": request.path,
            "query": redacted_query_string(request.args),
            "args": redacted_query(request.args),
            "headers": redacted_headers(request.headers),
            "status": status,
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self, path_prefix: str = None, method: str = None) -> list:
        with self._lock:
            entries = list(self._entries)
        if path_prefix:
            entries = [entry for entry in entries if entry["path"].lower().startswith(path_prefix.lower())]
        if method:
            entries = [entry for entry in entries if entry["method"] == method.upper()]
        return entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def redacted_headers(headers) -> dict:
    return {name: (REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers.items()}


def redacted_query_string(args: MultiDict) -> str:
    pairs = [(name, REDACTED if name.lower() in SECRET_QUERY_KEYS else value) for name, value in args.items(multi=True)]
    return urlencode(pairs)


def redacted_query(args: MultiDict) -> dict:
    query = {}
    for name, value in args.items(multi=True):
        query.setdefault(name, []).append(REDACTED if name.lower() in SECRET_QUERY_KEYS else value)
    return {name: values[0] if len(values) == 1 else values for name, values in query.items()}
