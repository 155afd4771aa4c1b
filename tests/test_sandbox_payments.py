"""Payments through xero-python: full and partial payments settle the invoice, deletion reverses,
If-Modified-Since / where / paging, validation, Idempotency-Key, control calls and scopes."""

import datetime as dt
import uuid

import pytest
from xero_python.accounting import Account, Contact, Invoice, Invoices, LineItem, Payment, PaymentDelete, Payments
from xero_python.exceptions import AccountingBadRequestException, NotFoundException


def _value(field):
    return getattr(field, "value", field)


@pytest.fixture
def invoice(sandbox, sdk, tenant_id):
    contact = sandbox.control.add_contact(tenant_id, name=f"Paying Customer {uuid.uuid4().hex[:8]}")
    draft = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact["ContactID"]),
        line_items=[LineItem(description="Consulting", quantity=2, unit_amount=100, account_code="200")],
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status="AUTHORISED",
    )
    return sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[draft])).invoices[0]  # total 230.00


def _payment(invoice_id, amount, **fields):
    return Payment(
        invoice=Invoice(invoice_id=invoice_id),
        account=Account(code="090"),
        amount=amount,
        date=dt.date(2025, 4, 2),
        **fields,
    )


def test_partial_then_full_payment_marks_the_invoice_paid(sdk, tenant_id, invoice):
    first = sdk.accounting.create_payments(tenant_id, Payments(payments=[_payment(invoice.invoice_id, 100)])).payments[
        0
    ]
    assert _value(first.status) == "AUTHORISED" and _value(first.payment_type) == "ACCRECPAYMENT"
    assert first.invoice.invoice_id == invoice.invoice_id and float(first.amount) == 100.0
    partly = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (float(partly.amount_paid), float(partly.amount_due), _value(partly.status)) == (100.0, 130.0, "AUTHORISED")
    assert [p.payment_id for p in partly.payments] == [first.payment_id]
    assert partly.updated_date_utc > invoice.updated_date_utc
    second = sdk.accounting.create_payment(tenant_id, _payment(invoice.invoice_id, 130, reference="rest")).payments[0]
    paid = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (float(paid.amount_paid), float(paid.amount_due), _value(paid.status)) == (230.0, 0.0, "PAID")
    assert paid.fully_paid_on_date == dt.date(2025, 4, 2)
    assert sdk.accounting.get_payment(tenant_id, second.payment_id).payments[0].reference == "rest"


def test_deleting_a_payment_reverses_it(sdk, tenant_id, invoice):
    payment = sdk.accounting.create_payments(
        tenant_id, Payments(payments=[_payment(invoice.invoice_id, 230)])
    ).payments[0]
    assert _value(sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0].status) == "PAID"
    deleted = sdk.accounting.delete_payment(tenant_id, payment.payment_id, PaymentDelete(status="DELETED")).payments[0]
    assert _value(deleted.status) == "DELETED"
    back = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (float(back.amount_paid), float(back.amount_due), _value(back.status)) == (0.0, 230.0, "AUTHORISED")
    assert back.payments == [] and back.fully_paid_on_date is None
    assert _value(sdk.accounting.get_payment(tenant_id, payment.payment_id).payments[0].status) == "DELETED"
    with pytest.raises(AccountingBadRequestException, match="already been deleted"):
        sdk.accounting.delete_payment(tenant_id, payment.payment_id, PaymentDelete(status="DELETED"))


def test_reading_payments(sdk, tenant_id, invoice):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    made = sdk.accounting.create_payments(
        tenant_id, Payments(payments=[_payment(invoice.invoice_id, 10), _payment(invoice.invoice_id, 20)])
    ).payments
    ids = [p.payment_id for p in made]
    recent = sdk.accounting.get_payments(tenant_id, if_modified_since=before)
    assert set(ids) <= {p.payment_id for p in recent.payments}
    mine = sdk.accounting.get_payments(
        tenant_id, where=f'Invoice.InvoiceID==Guid("{invoice.invoice_id}")', order="Amount DESC"
    )
    assert [float(p.amount) for p in mine.payments] == [20.0, 10.0]
    paged = sdk.accounting.get_payments(
        tenant_id, where=f'Invoice.InvoiceID==Guid("{invoice.invoice_id}")', page=1, page_size=1
    )
    assert len(paged.payments) == 1 and paged.pagination.item_count == 2
    with pytest.raises(NotFoundException):
        sdk.accounting.get_payment(tenant_id, str(uuid.uuid4()))


@pytest.mark.parametrize(
    "element, message",
    [
        ({"Amount": 500}, "exceeds the amount outstanding"),
        ({"Amount": 0}, "greater than zero"),
        ({"Account": {"Code": "200"}}, "Account type is invalid"),
        ({"Account": {"Code": "999"}}, "Account could not be found"),
        ({"Invoice": {"InvoiceID": "5b1a5f51-0000-4000-8000-000000000000"}}, "Invoice could not be found"),
    ],
    ids=["overpaid", "zero", "revenue-account", "unknown-account", "unknown-invoice"],
)
def test_validation_errors(sandbox, kit, session_token, tenant_id, invoice, element, message):
    body = {
        "Invoice": {"InvoiceID": invoice.invoice_id},
        "Account": {"Code": "090"},
        "Amount": 10,
        "Date": "2025-04-02",
    }
    body.update(element)
    status, _, answer = kit.raw(
        sandbox, "PUT", "/api.xro/2.0/Payments", session_token["access_token"], tenant_id, body={"Payments": [body]}
    )
    assert status == 400 and answer["Type"] == "ValidationException"
    assert message in answer["Elements"][0]["ValidationErrors"][0]["Message"]


def test_draft_invoices_take_no_payment(sdk, tenant_id, invoice):
    draft = sdk.accounting.create_invoices(
        tenant_id,
        Invoices(
            invoices=[
                Invoice(
                    type="ACCREC",
                    contact=Contact(contact_id=invoice.contact.contact_id),
                    status="DRAFT",
                    line_items=[LineItem(description="x", quantity=1, unit_amount=5, account_code="200")],
                )
            ]
        ),
    ).invoices[0]
    with pytest.raises(AccountingBadRequestException, match="Authorised documents"):
        sdk.accounting.create_payment(tenant_id, _payment(draft.invoice_id, 1))


def test_idempotency_key_makes_one_payment(sandbox, sdk, tenant_id, invoice):
    key = f"pay-{uuid.uuid4()}"
    payload = Payments(payments=[_payment(invoice.invoice_id, 50)])
    first = sdk.accounting.create_payments(tenant_id, payload, idempotency_key=key).payments[0]
    again = sdk.accounting.create_payments(tenant_id, payload, idempotency_key=key).payments[0]
    assert again.payment_id == first.payment_id
    assert float(sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0].amount_paid) == 50.0


def test_control_records_and_deletes_a_payment_at_xero(sandbox, sdk, tenant_id, invoice):
    partial = sandbox.control.record_payment(tenant_id, invoice.invoice_id, amount=30, date="2025-04-03")
    full = sandbox.control.record_payment(tenant_id, invoice.invoice_number)
    assert (partial["Amount"], full["Amount"]) == (30.0, 200.0)
    paid = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert _value(paid.status) == "PAID" and len(paid.payments) == 2
    sandbox.control.delete_payment(tenant_id, partial["PaymentID"])
    back = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert (_value(back.status), float(back.amount_due)) == ("AUTHORISED", 30.0)
    stored = {p["PaymentID"]: p["Status"] for p in sandbox.control.payments(tenant_id)}
    assert (stored[partial["PaymentID"]], stored[full["PaymentID"]]) == ("DELETED", "AUTHORISED")


def test_granular_payments_scope(sandbox, kit, tenant_id):
    read_only = kit.connect(sandbox, scope="offline_access accounting.payments.read", tenant_ids=[tenant_id])
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Payments", read_only["access_token"], tenant_id)[0] == 200
    status, _, body = kit.raw(
        sandbox, "PUT", "/api.xro/2.0/Payments", read_only["access_token"], tenant_id, body={"Payments": []}
    )
    assert status == 401 and body["Detail"] == "AuthorizationUnsuccessful"
    invoices_only = kit.connect(sandbox, scope="offline_access accounting.invoices", tenant_ids=[tenant_id])
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Payments", invoices_only["access_token"], tenant_id)[0] == 401
