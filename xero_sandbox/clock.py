"""The sandbox's notion of "now": wall-clock time plus an adjustable offset.

Tests move the offset forward to make codes, access tokens and refresh-token grace periods expire
without sleeping. Every time-dependent part of the sandbox reads time through one shared Clock.
"""

import threading
import time


class Clock:
    def __init__(self):
        self._offset = 0.0
        self._last_ms = 0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def set_offset(self, seconds: float) -> None:
        self._offset = float(seconds)

    def now(self) -> float:
        """Seconds since the epoch, shifted by the offset."""
        return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def tick_ms(self) -> int:
        """A strictly increasing millisecond timestamp, for UpdatedDateUTC bumps.

        Two changes in the same millisecond would otherwise be indistinguishable to an
        If-Modified-Since reader.
        """
        with self._lock:
            self._last_ms = max(self._last_ms + 1, self.now_ms())
            return self._last_ms
