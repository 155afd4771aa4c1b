"""CreditNotes through xero-python: ACCRECCREDIT create, numbering, reads, allocation to an invoice
(both sides updated), validation, Idempotency-Key and the control call."""

import datetime as dt
import uuid

import pytest
from xero_python.accounting import (
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineItem,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException


def _value(field):
    return getattr(field, "value", field)


def _lines(amount=100):
    return [LineItem(description="Consulting", quantity=1, unit_amount=amount, account_code="200")]


@pytest.fixture
def invoice(sandbox, sdk, tenant_id):
    contact = sandbox.control.add_contact(tenant_id, name=f"Credited Customer {uuid.uuid4().hex[:8]}")
    new = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact["ContactID"]),
        line_items=_lines(200),
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status="AUTHORISED",
    )
    return sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[new])).invoices[0]  # total 230.00


def _credit_note(contact_id, amount=100, status="AUTHORISED", **fields):
    return CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id),
        line_items=_lines(amount),
        date=dt.date(2025, 3, 5),
        status=status,
        **fields,
    )


def test_create_read_and_allocate_a_credit_note(sdk, tenant_id, invoice):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    created = sdk.accounting.create_credit_notes(
        tenant_id, CreditNotes(credit_notes=[_credit_note(invoice.contact.contact_id)])
    ).credit_notes[0]
    assert created.credit_note_number.startswith("CN-") and _value(created.type) == "ACCRECCREDIT"
    assert (float(created.total), float(created.remaining_credit), _value(created.status)) == (
        115.0,
        115.0,
        "AUTHORISED",
    )
    assert sdk.accounting.get_credit_note(tenant_id, created.credit_note_id).credit_notes[0].line_items
    recent = sdk.accounting.get_credit_notes(tenant_id, if_modified_since=before, page=1)
    assert created.credit_note_id in {c.credit_note_id for c in recent.credit_notes}
    where = f'Contact.ContactID==Guid("{invoice.contact.contact_id}")'
    assert [c.credit_note_id for c in sdk.accounting.get_credit_notes(tenant_id, where=where).credit_notes] == [
        created.credit_note_id
    ]
    allocation = Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=115, date=dt.date(2025, 3, 6))
    made = sdk.accounting.create_credit_note_allocation(
        tenant_id, created.credit_note_id, Allocations(allocations=[allocation])
    ).allocations[0]
    assert made.invoice.invoice_id == invoice.invoice_id and float(made.amount) == 115.0
    note = sdk.accounting.get_credit_note(tenant_id, created.credit_note_id).credit_notes[0]
    assert (float(note.remaining_credit), _value(note.status)) == (0.0, "PAID")
    assert [a.invoice.invoice_id for a in note.allocations] == [invoice.invoice_id]
    credited = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (float(credited.amount_credited), float(credited.amount_due), _value(credited.status)) == (
        115.0,
        115.0,
        "AUTHORISED",
    )
    assert [c.credit_note_id for c in credited.credit_notes] == [created.credit_note_id]


def test_allocating_the_whole_amount_due_pays_the_invoice(sdk, tenant_id, invoice):
    note = sdk.accounting.create_credit_notes(
        tenant_id, CreditNotes(credit_notes=[_credit_note(invoice.contact.contact_id, amount=200)])
    ).credit_notes[0]
    sdk.accounting.create_credit_note_allocation(
        tenant_id,
        note.credit_note_id,
        Allocations(
            allocations=[
                Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=230, date=dt.date(2025, 3, 6))
            ]
        ),
    )
    paid = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (_value(paid.status), float(paid.amount_due)) == ("PAID", 0.0)


@pytest.mark.parametrize(
    "amount, status, message",
    [(500, "AUTHORISED", "remaining credit"), (10, "DRAFT", "Only AUTHORISED"), (0, "AUTHORISED", "greater than zero")],
    ids=["too-much", "draft", "zero"],
)
def test_allocation_validation(sdk, tenant_id, invoice, amount, status, message):
    note = sdk.accounting.create_credit_notes(
        tenant_id, CreditNotes(credit_notes=[_credit_note(invoice.contact.contact_id, status=status)])
    ).credit_notes[0]
    allocation = Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=amount, date=dt.date(2025, 3, 6))
    with pytest.raises(AccountingBadRequestException, match=message):
        sdk.accounting.create_credit_note_allocation(
            tenant_id, note.credit_note_id, Allocations(allocations=[allocation])
        )


def test_allocation_needs_the_same_contact(sandbox, sdk, tenant_id, invoice):
    other = sandbox.control.add_contact(tenant_id, name=f"Other Customer {uuid.uuid4().hex[:8]}")
    note = sdk.accounting.create_credit_notes(
        tenant_id, CreditNotes(credit_notes=[_credit_note(other["ContactID"])])
    ).credit_notes[0]
    allocation = Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=10, date=dt.date(2025, 3, 6))
    with pytest.raises(AccountingBadRequestException, match="same contact"):
        sdk.accounting.create_credit_note_allocation(
            tenant_id, note.credit_note_id, Allocations(allocations=[allocation])
        )


def test_credit_note_validation_and_idempotency(sandbox, sdk, tenant_id, invoice):
    with pytest.raises(AccountingBadRequestException, match="Account code '999'"):
        bad = _credit_note(invoice.contact.contact_id)
        bad.line_items = [LineItem(description="x", quantity=1, unit_amount=5, account_code="999")]
        sdk.accounting.create_credit_notes(tenant_id, CreditNotes(credit_notes=[bad]))
    key = f"credit-{uuid.uuid4()}"
    payload = CreditNotes(credit_notes=[_credit_note(invoice.contact.contact_id, reference="ONCE")])
    first = sdk.accounting.create_credit_notes(tenant_id, payload, idempotency_key=key).credit_notes[0]
    again = sdk.accounting.create_credit_notes(tenant_id, payload, idempotency_key=key).credit_notes[0]
    assert again.credit_note_id == first.credit_note_id
    assert sum(c["Reference"] == "ONCE" for c in sandbox.control.credit_notes(tenant_id)) == 1
    with pytest.raises(NotFoundException):
        sdk.accounting.get_credit_note(tenant_id, str(uuid.uuid4()))


def test_void_an_unallocated_credit_note(sdk, tenant_id, invoice):
    note = sdk.accounting.create_credit_notes(
        tenant_id, CreditNotes(credit_notes=[_credit_note(invoice.contact.contact_id)])
    ).credit_notes[0]
    voided = sdk.accounting.update_credit_note(
        tenant_id, note.credit_note_id, CreditNotes(credit_notes=[CreditNote(status="VOIDED")])
    ).credit_notes[0]
    assert _value(voided.status) == "VOIDED" and voided.credit_note_number == note.credit_note_number


def test_control_creates_an_allocated_credit_note_at_xero(sandbox, sdk, tenant_id, invoice):
    result = sandbox.control.create_credit_note(tenant_id, invoice.invoice_number, amount=46)
    note = result["credit_note"]
    assert (note["Type"], note["Total"], note["RemainingCredit"], note["Status"]) == ("ACCRECCREDIT", 46.0, 0.0, "PAID")
    assert result["allocation"]["Invoice"]["InvoiceID"] == invoice.invoice_id
    credited = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (float(credited.amount_credited), float(credited.amount_due)) == (46.0, 184.0)
    full = sandbox.control.create_credit_note(tenant_id, invoice.invoice_id)
    assert full["credit_note"]["Total"] == 184.0
    assert _value(sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0].status) == "PAID"
