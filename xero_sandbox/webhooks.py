"""Xero-shaped webhook deliveries and the "Intent to Receive" check.

Payload (xero-webhooks.yaml ``WebhookEvent``)::

    {"events": [{"resourceUrl", "resourceId", "eventDateUtc", "eventType", "eventCategory",
                 "tenantId", "tenantType"}],
     "firstEventSequence": n, "lastEventSequence": m, "entropy": "ABCDEF..."}

signed with ``x-xero-signature: base64(HMAC-SHA256(raw body, webhook key))``. Xero requires the
receiver to answer 200 to a correctly signed payload and 401 to a wrongly signed one, within 5 s.
"""

import base64
import hashlib
import hmac
import json
import random
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .formats import iso_webhook

API_BASE = "https://api.xero.com/api.xro/2.0"
RESPONSE_DEADLINE = 5.0
RESOURCE_COLLECTIONS = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    url: str
    status: int
    signed_correctly: bool
    elapsed: float
    body: str
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "url": self.url,
            "status": self.status,
            "signed_correctly": self.signed_correctly,
            "elapsed": round(self.elapsed, 3),
            "error": self.error,
        }


@dataclass
class WebhookService:
    clock: object
    url: str = ""
    key: str = ""
    auto: bool = False  # deliver an event for every contact change by itself
    sequence: int = 0
    deliveries: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, url: str = None, key: str = None, auto: bool = None) -> None:
        if url is not None:
            self.url = url
        if key is not None:
            self.key = key
        if auto is not None:
            self.auto = bool(auto)

    def config(self) -> dict:
        return {"url": self.url, "key_set": bool(self.key), "auto": self.auto, "sequence": self.sequence}

    def reset(self) -> None:
        with self.lock:
            self.url, self.key, self.auto, self.sequence = "", "", False, 0
            self.deliveries.clear()

    def contact_event(self, tenant_id: str, contact_id: str, event_type: str) -> dict:
        return {
            "resourceUrl": f"{API_BASE}/Contacts/{contact_id}",
            "resourceId": contact_id,
            "eventDateUtc": iso_webhook(self.clock.now_ms()),
            "eventType": event_type,
            "eventCategory": "CONTACT",
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }

    def resource_event(self, tenant_id: str, category: str, resource_id: str, event_type: str, data=None) -> dict:
        """An INVOICE / CREDITNOTE / CONTACT event; CREDITNOTE events carry ``data`` {Type, Status}."""
        collection = RESOURCE_COLLECTIONS[category]
        event = {
            "resourceUrl": f"{API_BASE}/{collection}/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": iso_webhook(self.clock.now_ms()),
            "eventType": event_type,
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }
        if data is not None:
            event["data"] = data
        return event

    def deliver(self, events: list, url: str = None, key: str = None) -> Delivery:
        url, key = url or self.url, key if key is not None else self.key
        if not url or not key:
            raise ValueError("webhook url and key must be configured first")
        with self.lock:
            first = self.sequence + 1
            self.sequence += len(events)
            last = self.sequence if events else first
        body = _payload(events, first, last)
        delivery = post_signed(url, body, sign(body, key), signed_correctly=True)
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def deliver_in_background(self, events: list) -> None:
        if self.url and self.key:
            threading.Thread(target=self._deliver_quietly, args=(events,), daemon=True).start()

    def _deliver_quietly(self, events: list) -> None:
        try:
            self.deliver(events)
        except ValueError:
            pass

    def intent_to_receive(self, url: str = None, key: str = None) -> dict:
        """Xero's check: a correctly signed empty payload must get 200, a wrongly signed one 401."""
        url, key = url or self.url, key or self.key
        if not url or not key:
            raise ValueError("webhook url and key must be configured first")
        checks = []
        for signed_correctly in (True, False):
            body = _payload([], 0, 0)
            signature = sign(body, key) if signed_correctly else sign(body, key + "-wrong")
            delivery = post_signed(url, body, signature, signed_correctly)
            expected = 200 if signed_correctly else 401
            check = delivery.as_dict()
            check["expected"] = expected
            check["passed"] = delivery.status == expected and delivery.elapsed <= RESPONSE_DEADLINE
            checks.append(check)
        return {"url": url, "passed": all(check["passed"] for check in checks), "checks": checks}


def _payload(events: list, first: int, last: int) -> bytes:
    entropy = "".join(random.choice(string.ascii_uppercase) for _ in range(20))
    payload = {"events": events, "firstEventSequence": first, "lastEventSequence": last, "entropy": entropy}
    return json.dumps(payload, separators=(",", ":")).encode()


def post_signed(url: str, body: bytes, signature: str, signed_correctly: bool) -> Delivery:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "x-xero-signature": signature, "User-Agent": "Xero-Webhooks"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=RESPONSE_DEADLINE + 1) as response:
            return Delivery(url, response.status, signed_correctly, time.monotonic() - started, _text(response))
    except urllib.error.HTTPError as exc:
        return Delivery(url, exc.code, signed_correctly, time.monotonic() - started, _text(exc))
    except (urllib.error.URLError, OSError) as exc:
        return Delivery(url, 0, signed_correctly, time.monotonic() - started, "", error=str(exc))


def _text(response) -> str:
    try:
        return response.read(2000).decode("utf-8", "replace")
    except OSError:
        return ""
