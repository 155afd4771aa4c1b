"""Voiding and deleting at Xero through the control API: Xero's transitions (a draft is deleted, an authorised
invoice voided, a paid one or an allocated credit note refused), seen by the SDK and sent as webhook events."""

import datetime as dt
import json
import time
import uuid

import pytest
from test_sandbox_webhooks import KEY, Receiver
from xero_python.accounting import Contact, Invoice, Invoices, LineItem

from xero_sandbox.control_client import SandboxControlError


def _invoice(sandbox, sdk, tenant_id, status="AUTHORISED"):
    contact = sandbox.control.add_contact(tenant_id, name=f"Voided Customer {uuid.uuid4().hex[:8]}")
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact["ContactID"]),
        line_items=[LineItem(description="Work", quantity=1.2345, unit_amount=100.5, account_code="200")],
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status=status,
    )
    return sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[invoice]), unitdp=4).invoices[0]


def test_void_and_delete_follow_xero_transitions(sandbox, sdk, tenant_id):
    authorised = _invoice(sandbox, sdk, tenant_id)
    voided = sandbox.control.set_invoice_status(tenant_id, str(authorised.invoice_id), "VOIDED")
    assert voided["Status"] == "VOIDED"
    again = sdk.accounting.get_invoice(tenant_id, authorised.invoice_id).invoices[0]
    assert str(again.status.value if hasattr(again.status, "value") else again.status) == "VOIDED"
    assert again.total == authorised.total  # amounts and lines are kept as they were
    with pytest.raises(SandboxControlError) as raised:  # an authorised invoice is voided, not deleted
        sandbox.control.set_invoice_status(tenant_id, str(_invoice(sandbox, sdk, tenant_id).invoice_id), "DELETED")
    assert raised.value.status == 400
    draft = _invoice(sandbox, sdk, tenant_id, status="DRAFT")
    assert sandbox.control.set_invoice_status(tenant_id, str(draft.invoice_id), "DELETED")["Status"] == "DELETED"
    with pytest.raises(SandboxControlError):
        sandbox.control.set_invoice_status(tenant_id, str(draft.invoice_id), "ARCHIVED")


def test_paid_invoice_and_allocated_credit_note_are_refused(sandbox, sdk, tenant_id):
    invoice = _invoice(sandbox, sdk, tenant_id)
    invoice_id = str(invoice.invoice_id)
    sandbox.control.record_payment(tenant_id, invoice_id, amount=10)
    with pytest.raises(SandboxControlError) as raised:
        sandbox.control.set_invoice_status(tenant_id, invoice_id, "VOIDED")
    assert "Payments must be removed" in str(raised.value)
    assert sandbox.control.invoices(tenant_id) and next(
        i for i in sandbox.control.invoices(tenant_id) if i["InvoiceID"] == invoice_id
    )["Status"] in ("AUTHORISED", "PAID")
    allocated = sandbox.control.create_credit_note(tenant_id, invoice_id, amount=5)["credit_note"]
    with pytest.raises(SandboxControlError):
        sandbox.control.set_credit_note_status(tenant_id, allocated["CreditNoteID"], "VOIDED")
    free = sandbox.control.create_credit_note(tenant_id, invoice_id, amount=5, allocate=False)["credit_note"]
    assert sandbox.control.set_credit_note_status(tenant_id, free["CreditNoteID"], "VOIDED")["Status"] == "VOIDED"


def test_a_void_sends_the_update_event(sandbox, sdk, tenant_id):
    invoice = _invoice(sandbox, sdk, tenant_id)
    free = sandbox.control.create_credit_note(tenant_id, str(invoice.invoice_id), amount=5, allocate=False)
    note_id = free["credit_note"]["CreditNoteID"]
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY, auto=True)
        try:
            sandbox.control.set_credit_note_status(tenant_id, note_id, "VOIDED")
            sandbox.control.set_invoice_status(tenant_id, str(invoice.invoice_id), "VOIDED")
            deadline = time.monotonic() + 5
            while len(receiver.received) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            sandbox.control.set_webhook(auto=False)
    events = {
        (e["eventCategory"], e["eventType"], e["resourceId"])
        for d in receiver.received
        for e in json.loads(d["body"])["events"]
    }
    assert ("INVOICE", "UPDATE", str(invoice.invoice_id)) in events
    assert ("CREDITNOTE", "UPDATE", note_id) in events
