"""Xero's API rate limits: per tenant per minute / per day / concurrent, and app-wide per minute.

Windows are rolling (timestamps of accepted calls within the last 60 s / 24 h). Rejected calls are
not counted. A rejection carries the ``X-Rate-Limit-Problem`` value (``minute``, ``day``,
``concurrent`` or ``appminute``) and a ``Retry-After`` in whole seconds; every accounting response
carries the ``X-*Limit-Remaining`` headers.
"""

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

MINUTE = 60.0
DAY = 86400.0


@dataclass
class Rejection:
    problem: str
    retry_after: int


class Admission:
    """A call admitted by the limiter; ``release()`` when the response is produced."""

    def __init__(self, limiter, tenant_id: str):
        self._limiter = limiter
        self.tenant_id = tenant_id
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self._limiter._release(self.tenant_id)


class RateLimiter:
    def __init__(self, limits, clock):
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._minute = defaultdict(deque)
        self._day = defaultdict(deque)
        self._app_minute = deque()
        self._in_flight = defaultdict(int)

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app_minute.clear()
            self._in_flight.clear()

    def admit(self, tenant_id: str):
        """An Admission, or a Rejection when a limit is reached."""
        now = self.clock.now()
        limits = self.limits
        with self._lock:
            minute = _trim(self._minute[tenant_id], now - MINUTE)
            day = _trim(self._day[tenant_id], now - DAY)
            app_minute = _trim(self._app_minute, now - MINUTE)
            if 0 <= limits.concurrent <= self._in_flight[tenant_id]:
                return Rejection("concurrent", 1)
            for problem, window, limit, span in (
                ("day", day, limits.day, DAY),
                ("minute", minute, limits.minute, MINUTE),
                ("appminute", app_minute, limits.app_minute, MINUTE),
            ):
                if 0 <= limit <= len(window):
                    return Rejection(problem, _retry_after(window, limit, span, now))
            minute.append(now)
            day.append(now)
            app_minute.append(now)
            self._in_flight[tenant_id] += 1
        return Admission(self, tenant_id)

    def _release(self, tenant_id: str) -> None:
        with self._lock:
            self._in_flight[tenant_id] = max(0, self._in_flight[tenant_id] - 1)

    def in_flight(self, tenant_id: str) -> int:
        with self._lock:
            return self._in_flight[tenant_id]

    def remaining_headers(self, tenant_id: str) -> dict:
        now = self.clock.now()
        limits = self.limits
        with self._lock:
            minute = len(_trim(self._minute[tenant_id], now - MINUTE))
            day = len(_trim(self._day[tenant_id], now - DAY))
            app_minute = len(_trim(self._app_minute, now - MINUTE))
        return {
            "X-DayLimit-Remaining": _remaining(limits.day, day),
            "X-MinLimit-Remaining": _remaining(limits.minute, minute),
            "X-AppMinLimit-Remaining": _remaining(limits.app_minute, app_minute),
        }


def _remaining(limit: int, used: int) -> str:
    return str(max(0, limit - used)) if limit >= 0 else "2147483647"


def _trim(window: deque, oldest_allowed: float) -> deque:
    while window and window[0] <= oldest_allowed:
        window.popleft()
    return window


def _retry_after(window: deque, limit: int, span: float, now: float) -> int:
    """Seconds until enough calls leave the window for one more to fit."""
    if limit == 0 or not window:
        return int(span)
    leaving = window[len(window) - limit]
    return max(1, math.ceil(leaving + span - now))
