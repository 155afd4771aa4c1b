"""Idempotency-Key handling for accounting writes (PUT/POST).

Xero keeps the result of a keyed request for a few minutes: the same key with the same request
replays the stored response without doing the work again; the same key with a different request is
rejected. Keys are scoped per app and tenant and are at most 128 characters.
"""

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass

MAX_KEY_LENGTH = 128


@dataclass
class StoredResponse:
    fingerprint: str
    status: int
    body: bytes
    content_type: str
    expires_at: float


class IdempotencyCache:
    def __init__(self, clock, retention: float):
        self.clock = clock
        self.retention = retention
        self._responses = {}
        self._lock = threading.Lock()
        self._key_locks = defaultdict(threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self._responses.clear()

    def key_lock(self, scope: tuple) -> threading.Lock:
        """Serialises concurrent requests carrying the same key (a retry racing its original)."""
        with self._lock:
            return self._key_locks[scope]

    def lookup(self, scope: tuple):
        with self._lock:
            stored = self._responses.get(scope)
            if stored is not None and self.clock.now() > stored.expires_at:
                del self._responses[scope]
                return None
            return stored

    def remember(self, scope: tuple, fingerprint: str, status: int, body: bytes, content_type: str) -> None:
        with self._lock:
            self._responses[scope] = StoredResponse(
                fingerprint, status, body, content_type, self.clock.now() + self.retention
            )


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(repr(sorted(request.args.items(multi=True))).encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()
