"""Fault injection for the next K requests matching a method and a path prefix.

Kinds:
* ``error``: answer ``status`` (500, 503...) without processing the request; a kind written as
  an HTTP status (``"500"``, ``"503"``) means ``error`` with that status;
* ``slow``: wait ``delay`` seconds, then process normally (inside the rate limiter's concurrency
  slot, so slow calls also exercise the concurrent limit);
* ``drop``: process the request (a ``PUT /Invoices`` really creates the invoice), then close the
  socket without sending any response, as when Xero's response is lost on the way back;
* ``malformed``: process the request, then send a 200 whose body is truncated, invalid JSON;
* ``error_after_processing``: process the request, then answer ``status`` instead, e.g. the token
  endpoint after it consumed and rotated the refresh token.

``after`` lets that many matching requests through before the fault starts (e.g. fail page 2).
``tenant`` limits the fault to requests for that organisation (their ``Xero-Tenant-Id`` header), e.g. one
slow organisation among many; without it every request matches.
"""

import threading
from dataclasses import asdict, dataclass

KINDS = ("error", "slow", "drop", "malformed", "error_after_processing")


@dataclass
class Fault:
    method: str
    path_prefix: str
    kind: str
    remaining: int = 1
    delay: float = 0.0
    status: int = 500
    after: int = 0
    tenant: str = ""

    def matches(self, method: str, path: str, tenant: str = "") -> bool:
        return (
            (self.method in ("*", method))
            and path.lower().startswith(self.path_prefix.lower())
            and (not self.tenant or self.tenant == tenant)
        )

    @property
    def processes_request(self) -> bool:
        return self.kind != "error"


class FaultInjector:
    def __init__(self):
        self._faults = []
        self._lock = threading.Lock()

    def add(self, method, path_prefix, kind, count=1, delay=0.0, status=500, after=0, tenant=""):
        kind = str(kind)
        if kind.isdigit():
            kind, status = "error", int(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(
            (method or "*").upper(),
            path_prefix or "/",
            kind,
            int(count),
            float(delay),
            int(status),
            int(after),
            tenant or "",
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str, tenant: str = ""):
        """The first pending fault for this request, consuming one of its occurrences."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, tenant):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list:
        with self._lock:
            return [asdict(fault) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
