"""Xero's wire formats for dates and JSON.

Xero's accounting API uses Microsoft JSON dates: ``/Date(1573755038314+0000)/`` on entity fields
(``x-is-msdate-time`` / ``x-is-msdate`` in the spec) and ``/Date(1573755038314)/`` in the response
envelope's ``DateTimeUTC``. The identity API uses ISO strings without an offset
(``2019-12-07T18:46:19.5165400``), as in the spec's own example.
"""

import datetime as dt
import json
import re
from email.utils import parsedate_to_datetime

UTC = dt.timezone.utc
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def ms_datetime(ms: int) -> str:
    """Entity timestamp, e.g. UpdatedDateUTC."""
    return f"/Date({ms}+0000)/"


def envelope_datetime(ms: int) -> str:
    """The response envelope's DateTimeUTC (no offset suffix, as Xero sends it)."""
    return f"/Date({ms})/"


def ms_date(day: dt.date) -> str:
    """A calendar date (Invoice Date/DueDate) as midnight UTC in MS-JSON form."""
    return ms_datetime(date_to_ms(day))


def date_to_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def iso_date_string(day: dt.date) -> str:
    """Xero's DateString / DueDateString companions: ``2024-05-01T00:00:00``."""
    return f"{day.isoformat()}T00:00:00"


def iso_utc_seconds(ms: int) -> str:
    """UpdatedDateUTCString: ``2019-11-14T18:10:38Z``."""
    return dt.datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_identity(ms: int) -> str:
    """Identity API timestamps, 7 fractional digits and no offset, like Xero's connections."""
    moment = dt.datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def iso_webhook(ms: int) -> str:
    """Webhook eventDateUtc, e.g. ``2025-12-02T00:44:09.923`` (UTC, no offset, as in the spec example)."""
    moment = dt.datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse_ms_json(value: str):
    """Milliseconds from ``/Date(ms)/`` or ``/Date(ms+hhmm)/``; None when not in that form."""
    match = _MS_DATE.match(value.strip())
    return int(match.group(1)) if match else None


def parse_document_date(value) -> dt.date:
    """An invoice Date/DueDate as Xero accepts it: MS-JSON, ``YYYY-MM-DD`` or an ISO datetime.

    Raises ValueError for anything else.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    text = value.strip()
    ms = parse_ms_json(text)
    if ms is not None:
        return dt.datetime.fromtimestamp(ms / 1000, UTC).date()
    if _ISO_DATE.match(text):
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def parse_if_modified_since(value: str) -> int:
    """Milliseconds (UTC) from an If-Modified-Since header.

    xero-python sends ``datetime.isoformat()``: naive (taken as UTC, as Xero documents the
    header as a UTC timestamp) or with an offset. RFC 1123 HTTP dates are accepted too.
    Raises ValueError when the header is in neither form.
    """
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(value) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def dumps(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
