"""INVOICE and CREDITNOTE webhook events: triggered through the control API and delivered by
themselves on changes when auto webhooks are on; payloads checked against xero-webhooks.yaml."""

import json
import time
import uuid

from test_sandbox_webhooks import KEY, Receiver, _WebhookRequest


def _problems(webhooks_spec, kit, delivery, name):
    try:
        webhooks_spec.validate_request(_WebhookRequest(name, delivery["body"], delivery["headers"]))
    except Exception as exc:  # openapi-core validation errors; only documented gaps may remain
        return kit.explain(exc)
    return []


def _invoice(sandbox, kit, session_token, tenant_id):
    contact = sandbox.control.add_contact(tenant_id, name=f"Webhook Invoice {uuid.uuid4().hex[:8]}")
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "Date": "2025-03-01",
                "DueDate": "2025-03-31",
                "Status": "AUTHORISED",
                "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}],
            }
        ]
    }
    status, _, answer = kit.raw(
        sandbox, "PUT", "/api.xro/2.0/Invoices", session_token["access_token"], tenant_id, body=body
    )
    assert status == 200
    return answer["Invoices"][0]


def test_trigger_invoice_and_credit_note_events(sandbox, kit, session_token, tenant_id, webhooks_spec):
    invoice = _invoice(sandbox, kit, session_token, tenant_id)
    credit = sandbox.control.create_credit_note(tenant_id, invoice["InvoiceID"], amount=10, allocate=False)
    note_id = credit["credit_note"]["CreditNoteID"]
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY)
        sandbox.control.trigger_webhook(tenant_id, event_category="INVOICE", resource_ids=[invoice["InvoiceID"]])
        sandbox.control.trigger_webhook(
            tenant_id, event_category="CREDITNOTE", resource_ids=[note_id], event_type="CREATE"
        )
    invoice_delivery, credit_delivery = receiver.received
    assert _problems(webhooks_spec, kit, invoice_delivery, "invoices") == []
    assert _problems(webhooks_spec, kit, credit_delivery, "creditNotes") == []
    invoice_event = json.loads(invoice_delivery["body"])["events"][0]
    assert (invoice_event["eventCategory"], invoice_event["resourceId"]) == ("INVOICE", invoice["InvoiceID"])
    assert invoice_event["resourceUrl"].endswith(f"/api.xro/2.0/Invoices/{invoice['InvoiceID']}")
    credit_event = json.loads(credit_delivery["body"])["events"][0]
    assert (credit_event["eventCategory"], credit_event["eventType"]) == ("CREDITNOTE", "CREATE")
    assert credit_event["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}


def test_auto_webhooks_follow_invoices_payments_and_credit_notes(sandbox, kit, session_token, tenant_id):
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY, auto=True)
        try:
            invoice = _invoice(sandbox, kit, session_token, tenant_id)
            sandbox.control.record_payment(tenant_id, invoice["InvoiceID"], amount=5)
            sandbox.control.create_credit_note(tenant_id, invoice["InvoiceID"], amount=5)
            deadline = time.monotonic() + 5
            while len(receiver.received) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            sandbox.control.set_webhook(auto=False)
    events = [json.loads(d["body"])["events"][0] for d in receiver.received]
    mine = {(e["eventCategory"], e["eventType"]) for e in events if e["resourceId"] == invoice["InvoiceID"]}
    assert {("INVOICE", "CREATE"), ("INVOICE", "UPDATE")} <= mine
    assert ("CREDITNOTE", "CREATE") in {(e["eventCategory"], e["eventType"]) for e in events}


def test_trigger_refuses_unknown_resources(sandbox, tenant_id):
    import pytest

    from xero_sandbox.control_client import SandboxControlError

    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY)
        with pytest.raises(SandboxControlError) as raised:
            sandbox.control.trigger_webhook(tenant_id, event_category="INVOICE", resource_ids=[str(uuid.uuid4())])
    assert raised.value.status == 404
