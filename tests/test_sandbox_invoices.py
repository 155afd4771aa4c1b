"""Invoices through xero-python: totals, numbering, validation, summarizeErrors, idempotency, status changes."""

import datetime as dt
import uuid

import pytest
import urllib3
from xero_python.accounting import Contact, Invoice, Invoices, LineAmountTypes, LineItem
from xero_python.exceptions import AccountingBadRequestException, NotFoundException


def _value(field):
    return getattr(field, "value", field)


@pytest.fixture
def customer(sandbox, tenant_id):
    return sandbox.control.add_contact(tenant_id, name=f"Invoice Customer {uuid.uuid4().hex[:8]}")


def _invoice(contact_id, status="AUTHORISED", lines=None, **fields):
    lines = lines or [LineItem(description="Consulting", quantity=2, unit_amount=100, account_code="200")]
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        line_items=lines,
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status=status,
        **fields,
    )


def test_created_invoice_has_number_totals_and_xero_dates(sandbox, sdk, tenant_id, customer):
    created = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_invoice(customer["ContactID"])]))
    invoice = created.invoices[0]
    assert invoice.invoice_number.startswith("INV-") and len(invoice.invoice_number) >= 8
    assert (float(invoice.sub_total), float(invoice.total_tax), float(invoice.total)) == (200.0, 30.0, 230.0)
    assert (float(invoice.amount_due), float(invoice.amount_paid)) == (230.0, 0.0)
    assert _value(invoice.status) == "AUTHORISED" and invoice.status_attribute_string == "OK"
    assert (invoice.date, invoice.due_date) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert invoice.line_items[0].tax_type == "OUTPUT2" and float(invoice.line_items[0].tax_amount) == 30.0
    assert invoice.contact.contact_id == customer["ContactID"]
    stored = {i["InvoiceID"]: i for i in sandbox.control.invoices(tenant_id)}[invoice.invoice_id]
    assert stored["Date"] == "/Date(1740787200000+0000)/"
    contact = {c["ContactID"]: c for c in sandbox.control.contacts(tenant_id)}[customer["ContactID"]]
    assert contact["IsCustomer"] is True


def test_invoice_numbers_increase_within_a_batch(sdk, tenant_id, customer):
    batch = [_invoice(customer["ContactID"], status="DRAFT") for _ in range(3)]
    numbers = [i.invoice_number for i in sdk.accounting.create_invoices(tenant_id, Invoices(invoices=batch)).invoices]
    values = [int(number.split("-")[1]) for number in numbers]
    assert values == sorted(values) and len(set(values)) == 3


def test_inclusive_no_tax_and_discounted_lines(sdk, tenant_id, customer):
    lines = [LineItem(description="Inclusive", quantity=1, unit_amount=115, account_code="200")]
    inclusive = _invoice(customer["ContactID"], lines=lines, line_amount_types=LineAmountTypes.INCLUSIVE)
    no_tax = _invoice(customer["ContactID"], line_amount_types=LineAmountTypes.NOTAX)
    discounted = _invoice(
        customer["ContactID"],
        lines=[LineItem(description="Discounted", quantity=4, unit_amount=50, discount_rate=10, account_code="260")],
    )
    result = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[inclusive, no_tax, discounted])).invoices
    totals = [(float(i.sub_total), float(i.total_tax), float(i.total)) for i in result]
    assert totals == [(100.0, 15.0, 115.0), (200.0, 0.0, 200.0), (180.0, 27.0, 207.0)]


def test_same_idempotency_key_creates_one_invoice(sandbox, sdk, tenant_id, customer):
    key = f"push-{uuid.uuid4()}"
    payload = Invoices(invoices=[_invoice(customer["ContactID"], reference="IDEMPOTENT")])
    first = sdk.accounting.create_invoices(tenant_id, payload, idempotency_key=key).invoices[0]
    again = sdk.accounting.create_invoices(tenant_id, payload, idempotency_key=key).invoices[0]
    assert again.invoice_id == first.invoice_id and again.invoice_number == first.invoice_number
    mine = [i for i in sandbox.control.invoices(tenant_id) if i["Contact"]["ContactID"] == customer["ContactID"]]
    assert len(mine) == 1
    other = Invoices(invoices=[_invoice(customer["ContactID"], reference="DIFFERENT")])
    with pytest.raises(AccountingBadRequestException):
        sdk.accounting.create_invoices(tenant_id, other, idempotency_key=key)
    assert sdk.accounting.create_invoices(tenant_id, other, idempotency_key=f"{key}-2").invoices[0].invoice_id


def _put_invoices(sandbox, kit, token, tenant_id, invoices, query=""):
    return kit.raw(sandbox, "PUT", f"/api.xro/2.0/Invoices{query}", token, tenant_id, body={"Invoices": invoices})


def _raw_invoice(contact_id, **overrides):
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2025-03-01",
        "DueDate": "2025-03-31",
        "Status": "AUTHORISED",
        "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}],
    }
    invoice.update(overrides)
    return invoice


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"Contact": {"ContactID": "5b1a5f51-0000-4000-8000-000000000000"}}, "could not be found"),
        ({"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]}, "Account code '999' is not a valid"),
        ({"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "250"}]}, "has been archived"),
        ({"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "090"}]}, "not a valid code"),
        ({"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "200", "TaxType": "BOGUS"}]}, "TaxType code BOGUS"),
        ({"DueDate": None}, "Due Date must be specified"),
        ({"LineItems": []}, "At least one line item"),
        ({"Type": "BOGUS"}, "Invoice Type"),
        ({"Status": "PAID"}, "Invoice not of valid status for creation"),
        ({"CurrencyCode": "XYZ"}, "currency code 'XYZ'"),
    ],
    ids=[
        "unknown contact",
        "unknown account",
        "archived account",
        "bank account",
        "unknown tax type",
        "no due date",
        "no lines",
        "bad type",
        "bad status",
        "unknown currency",
    ],
)  # fmt: skip
def test_validation_errors_have_xeros_shape(sandbox, kit, session_token, tenant_id, customer, overrides, message):
    before = len(sandbox.control.invoices(tenant_id))
    invoice = _raw_invoice(customer["ContactID"], **overrides)
    status, _, body = _put_invoices(sandbox, kit, session_token["access_token"], tenant_id, [invoice])
    assert status == 400
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    messages = [error["Message"] for error in body["Elements"][0]["ValidationErrors"]]
    assert any(message in text for text in messages), messages
    assert len(sandbox.control.invoices(tenant_id)) == before


def test_draft_needs_no_due_date_and_foreign_currency_is_accepted(sandbox, kit, session_token, tenant_id, customer):
    draft = _raw_invoice(customer["ContactID"], Status="DRAFT", DueDate=None, CurrencyCode="EUR")
    status, _, body = _put_invoices(sandbox, kit, session_token["access_token"], tenant_id, [draft])
    assert status == 200 and body["Invoices"][0]["CurrencyCode"] == "EUR" and "DueDate" not in body["Invoices"][0]


def test_sdk_surfaces_every_element_of_a_failed_batch(sdk, tenant_id, customer):
    good = _invoice(customer["ContactID"])
    bad = _invoice(customer["ContactID"], lines=[LineItem(description="x", unit_amount=1, account_code="999")])
    with pytest.raises(AccountingBadRequestException) as raised:
        sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[good, bad, bad]))
    assert len(raised.value.error_data["Elements"]) == 2
    assert "is not a valid code" in raised.value.reason


def test_summarize_errors_false_returns_each_element_with_its_status(sandbox, sdk, tenant_id, customer):
    good = _invoice(customer["ContactID"], reference="MIXED-OK")
    bad = _invoice(customer["ContactID"], lines=[LineItem(description="x", unit_amount=1, account_code="999")])
    result = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[good, bad]), summarize_errors=False)
    ok, error = result.invoices
    assert (ok.status_attribute_string, ok.has_errors) == ("OK", False)
    assert (error.status_attribute_string, error.has_errors) == ("ERROR", True)
    assert error.validation_errors[0].message == "Account code '999' is not a valid code for this document."
    saved = {i["InvoiceID"] for i in sandbox.control.invoices(tenant_id)}
    assert ok.invoice_id in saved and error.invoice_id not in saved


def _set_status(sdk, tenant_id, invoice_id, status):
    return sdk.accounting.update_invoice(tenant_id, invoice_id, Invoices(invoices=[Invoice(status=status)])).invoices[0]


def test_status_changes_follow_xeros_rules(sdk, tenant_id, customer):
    draft, submitted, authorised = sdk.accounting.create_invoices(
        tenant_id,
        Invoices(invoices=[_invoice(customer["ContactID"], status=s) for s in ("DRAFT", "SUBMITTED", "AUTHORISED")]),
    ).invoices
    assert _value(_set_status(sdk, tenant_id, draft.invoice_id, "DELETED").status) == "DELETED"
    assert _value(_set_status(sdk, tenant_id, submitted.invoice_id, "DELETED").status) == "DELETED"
    with pytest.raises(AccountingBadRequestException, match="not of valid status"):
        _set_status(sdk, tenant_id, authorised.invoice_id, "DELETED")
    voided = _set_status(sdk, tenant_id, authorised.invoice_id, "VOIDED")
    assert _value(voided.status) == "VOIDED" and voided.updated_date_utc > authorised.updated_date_utc
    with pytest.raises(AccountingBadRequestException, match="not of valid status"):
        _set_status(sdk, tenant_id, authorised.invoice_id, "AUTHORISED")


def test_draft_can_be_approved_and_edited(sdk, tenant_id, customer):
    draft = sdk.accounting.create_invoices(
        tenant_id, Invoices(invoices=[_invoice(customer["ContactID"], status="DRAFT")])
    ).invoices[0]
    edited = sdk.accounting.update_or_create_invoices(
        tenant_id, Invoices(invoices=[Invoice(invoice_id=draft.invoice_id, reference="EDITED", status="AUTHORISED")])
    ).invoices[0]
    assert (edited.invoice_id, edited.reference, _value(edited.status)) == (draft.invoice_id, "EDITED", "AUTHORISED")
    assert edited.invoice_number == draft.invoice_number and float(edited.total) == 230.0


def test_online_invoice_only_once_approved(sandbox, sdk, tenant_id, customer):
    draft, approved = sdk.accounting.create_invoices(
        tenant_id, Invoices(invoices=[_invoice(customer["ContactID"], status=s) for s in ("DRAFT", "AUTHORISED")])
    ).invoices
    with pytest.raises(AccountingBadRequestException):
        sdk.accounting.get_online_invoice(tenant_id, draft.invoice_id)
    url = sdk.accounting.get_online_invoice(tenant_id, approved.invoice_id).online_invoices[0].online_invoice_url
    page = urllib3.PoolManager(retries=False).request("GET", url)
    assert page.status == 200 and approved.invoice_number.encode() in page.data


def test_reading_invoices_back(sdk, tenant_id, customer):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    created = sdk.accounting.create_invoices(
        tenant_id, Invoices(invoices=[_invoice(customer["ContactID"], status=s) for s in ("DRAFT", "AUTHORISED")])
    ).invoices
    ids = [invoice.invoice_id for invoice in created]
    one = sdk.accounting.get_invoice(tenant_id, ids[0]).invoices[0]
    assert one.invoice_id == ids[0] and one.line_items
    by_number = sdk.accounting.get_invoice(tenant_id, created[1].invoice_number).invoices[0]
    assert by_number.invoice_id == ids[1]
    unpaged = sdk.accounting.get_invoices(tenant_id, i_ds=ids)
    assert {i.invoice_id for i in unpaged.invoices} == set(ids) and not any(i.line_items for i in unpaged.invoices)
    paged = sdk.accounting.get_invoices(tenant_id, i_ds=ids, page=1, page_size=1)
    assert len(paged.invoices) == 1 and paged.invoices[0].line_items and paged.pagination.page_count == 2
    drafts = sdk.accounting.get_invoices(tenant_id, contact_i_ds=[customer["ContactID"]], statuses=["DRAFT"])
    assert [i.invoice_id for i in drafts.invoices] == [ids[0]]
    recent = sdk.accounting.get_invoices(tenant_id, if_modified_since=before, page=1)
    assert set(ids) <= {i.invoice_id for i in recent.invoices}
    authorised = sdk.accounting.get_invoices(tenant_id, where='Status=="AUTHORISED"', i_ds=ids)
    assert [i.invoice_id for i in authorised.invoices] == [ids[1]]


def test_unknown_invoice_is_404(sdk, tenant_id):
    with pytest.raises(NotFoundException):
        sdk.accounting.get_invoice(tenant_id, str(uuid.uuid4()))


def test_tenants_are_isolated(sdk, tenant_id, second_tenant_id, customer):
    invoice = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_invoice(customer["ContactID"])])).invoices[
        0
    ]
    with pytest.raises(NotFoundException):
        sdk.accounting.get_invoice(second_tenant_id, invoice.invoice_id)
    with pytest.raises(NotFoundException):
        sdk.accounting.get_contact(second_tenant_id, customer["ContactID"])
    with pytest.raises(AccountingBadRequestException, match="could not be found"):
        sdk.accounting.create_invoices(second_tenant_id, Invoices(invoices=[_invoice(customer["ContactID"])]))
    assert invoice.invoice_id not in {i["InvoiceID"] for i in sdk_invoices_of(sdk, second_tenant_id)}


def sdk_invoices_of(sdk, tenant_id):
    return [{"InvoiceID": i.invoice_id} for i in sdk.accounting.get_invoices(tenant_id).invoices]


def test_update_by_id_rewrites_a_draft_in_place(sandbox, sdk, tenant_id, customer):
    """POST /Invoices/{InvoiceID} (updateInvoice): the lines sent replace the draft's, Xero recomputes its totals
    and keeps its id and number."""
    draft = sdk.accounting.create_invoices(
        tenant_id, Invoices(invoices=[_invoice(customer["ContactID"], status="DRAFT")])
    ).invoices[0]
    lines = [LineItem(description="Design", quantity=3, unit_amount=50, account_code="200")]
    updated = sdk.accounting.update_invoice(
        tenant_id, draft.invoice_id, Invoices(invoices=[Invoice(line_items=lines, reference="EDITED")])
    ).invoices[0]
    assert (updated.invoice_id, updated.invoice_number, _value(updated.status)) == (
        draft.invoice_id,
        draft.invoice_number,
        "DRAFT",
    )
    assert (float(updated.sub_total), float(updated.total_tax), float(updated.total)) == (150.0, 22.5, 172.5)
    stored = {i["InvoiceID"]: i for i in sandbox.control.invoices(tenant_id)}[draft.invoice_id]
    assert [line["Description"] for line in stored["LineItems"]] == ["Design"]
    assert (stored["Reference"], stored["Total"]) == ("EDITED", 172.5)


@pytest.mark.parametrize("status", ["PAID", "VOIDED", "DELETED"])
def test_update_by_id_refuses_a_closed_invoice_and_keeps_it(sandbox, sdk, tenant_id, customer, status):
    created = sdk.accounting.create_invoices(
        tenant_id,
        Invoices(invoices=[_invoice(customer["ContactID"], status="DRAFT" if status == "DELETED" else "AUTHORISED")]),
    ).invoices[0]
    if status == "PAID":
        sandbox.control.record_payment(tenant_id, created.invoice_id)
    else:
        _set_status(sdk, tenant_id, created.invoice_id, status)
    before = {i["InvoiceID"]: i for i in sandbox.control.invoices(tenant_id)}[created.invoice_id]
    lines = [LineItem(description="Design", quantity=3, unit_amount=50, account_code="200")]
    with pytest.raises(AccountingBadRequestException, match="not of valid status for modification"):
        sdk.accounting.update_invoice(tenant_id, created.invoice_id, Invoices(invoices=[Invoice(line_items=lines)]))
    after = {i["InvoiceID"]: i for i in sandbox.control.invoices(tenant_id)}[created.invoice_id]
    assert after == before
