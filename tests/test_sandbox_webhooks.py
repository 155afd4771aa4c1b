"""Webhook deliveries (x-xero-signature) and the Intent to Receive check, against a local receiver."""

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from xero_sandbox.server import QuietRequestHandler

KEY = "webhook-signing-key-from-the-developer-portal"


class Receiver:
    """A webhook endpoint: ``mode`` "verify" answers like a correct integration (200 if the signature
    matches, else 401); "always-200" and "always-401" are broken ones."""

    def __init__(self, mode="verify"):
        self.mode = mode
        self.received = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/xero/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @Request.application
    def app(self, request):
        body = request.get_data()
        expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
        valid = hmac.compare_digest(expected, request.headers.get("x-xero-signature", ""))
        self.received.append({"body": body, "valid": valid, "headers": dict(request.headers)})
        if self.mode == "always-200" or (self.mode == "verify" and valid):
            return Response(b"", status=200)
        return Response(b"", status=401)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


class _WebhookRequest:
    """openapi-core's WebhookRequest protocol, for the webhooks spec."""

    def __init__(self, name, body, headers):
        self.name = name
        self.method = "post"
        self.body = body
        self.content_type = "application/json"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(), header=Headers(headers), cookie=ImmutableMultiDict(), path={}
        )


def _webhook_problems(webhooks_spec, kit, delivery):
    try:
        webhooks_spec.validate_request(_WebhookRequest("contacts", delivery["body"], delivery["headers"]))
    except Exception as exc:  # openapi-core validation errors; only documented gaps may remain
        return kit.explain(exc)
    return []


def test_trigger_delivers_a_signed_xero_shaped_contact_event(sandbox, tenant_id, kit, webhooks_spec):
    contact = sandbox.control.contacts(tenant_id)[0]
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY)
        delivery = sandbox.control.trigger_webhook(tenant_id, contact["ContactID"], event_type="UPDATE")
        assert delivery["status"] == 200 and delivery["signed_correctly"]
        assert len(receiver.received) == 1 and receiver.received[0]["valid"]
        payload = json.loads(receiver.received[0]["body"])
        assert _webhook_problems(webhooks_spec, kit, receiver.received[0]) == []
    event = payload["events"][0]
    assert event == {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{contact['ContactID']}",
        "resourceId": contact["ContactID"],
        "eventDateUtc": event["eventDateUtc"],
        "eventType": "UPDATE",
        "eventCategory": "CONTACT",
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
    }
    assert payload["firstEventSequence"] == payload["lastEventSequence"] >= 1
    assert len(payload["entropy"]) == 20 and payload["entropy"].isupper()


def test_several_events_in_one_payload_have_increasing_sequences(sandbox, tenant_id):
    contacts = sandbox.control.contacts(tenant_id)[:3]
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY)
        sandbox.control.trigger_webhook(tenant_id, contact_ids=[c["ContactID"] for c in contacts], event_type="CREATE")
        sandbox.control.trigger_webhook(tenant_id, contacts[0]["ContactID"])
    first, second = (json.loads(delivery["body"]) for delivery in receiver.received)
    assert [e["eventType"] for e in first["events"]] == ["CREATE"] * 3
    assert first["lastEventSequence"] - first["firstEventSequence"] == 2
    assert second["firstEventSequence"] == first["lastEventSequence"] + 1


def test_contact_changes_are_pushed_when_auto_delivery_is_on(sandbox, tenant_id):
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY, auto=True)
        created = sandbox.control.add_contact(tenant_id, name="Webhook Pushed Ltd")
        sandbox.control.rename_contact(tenant_id, created["ContactID"], "Webhook Pushed (renamed) Ltd")
        deadline = time.monotonic() + 5
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        sandbox.control.set_webhook(auto=False)
    events = sorted((json.loads(d["body"])["events"][0] for d in receiver.received), key=lambda e: e["eventType"])
    assert [(e["eventType"], e["resourceId"]) for e in events] == [
        ("CREATE", created["ContactID"]),
        ("UPDATE", created["ContactID"]),
    ]


@pytest.mark.parametrize("mode, passed", [("verify", True), ("always-200", False), ("always-401", False)])
def test_intent_to_receive(sandbox, mode, passed):
    with Receiver(mode) as receiver:
        report = sandbox.control.intent_to_receive(receiver.url, KEY)
        bodies = [json.loads(d["body"]) for d in receiver.received]
    assert report["passed"] is passed
    assert [(c["signed_correctly"], c["expected"]) for c in report["checks"]] == [(True, 200), (False, 401)]
    assert [d["valid"] for d in receiver.received] == [True, False]
    assert all(b["events"] == [] and b["firstEventSequence"] == b["lastEventSequence"] == 0 for b in bodies)


def test_intent_to_receive_reports_an_unreachable_endpoint(sandbox):
    report = sandbox.control.intent_to_receive("http://127.0.0.1:9/unreachable", KEY)
    assert report["passed"] is False and all(check["status"] == 0 and check["error"] for check in report["checks"])


def test_webhook_needs_a_url_and_key(sandbox, tenant_id):
    from xero_sandbox.control_client import SandboxControlError

    sandbox.control.set_webhook(url="", key="")
    with pytest.raises(SandboxControlError) as raised:
        sandbox.control.trigger_webhook(tenant_id, sandbox.control.contacts(tenant_id)[0]["ContactID"])
    assert raised.value.status == 400
