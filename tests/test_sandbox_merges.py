"""Contact merges (MergedToContactID on paged and by-id reads only), IsCustomer after the first sales
document, and the HighVolumeException for unoptimised Contacts filters on large organisations."""

import datetime as dt
import json
import time
import uuid

import pytest
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import AccountingBadRequestException

from xero_sandbox.control_client import SandboxControlError


def _raw_contacts(sdk, tenant_id, **query):
    return json.loads(sdk.accounting.get_contacts(tenant_id, _preload_content=False, **query).data)["Contacts"]


def _pair(sandbox, tenant_id):
    suffix = uuid.uuid4().hex[:8]
    return (
        sandbox.control.add_contact(tenant_id, name=f"Merged Away {suffix}"),
        sandbox.control.add_contact(tenant_id, name=f"Survivor {suffix}"),
    )


def _invoice(contact_id):
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        line_items=[LineItem(description="Work", quantity=1, unit_amount=100, account_code="200")],
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status="AUTHORISED",
    )


def test_merge_archives_the_contact_with_merged_to_on_paged_and_by_id_reads(sandbox, sdk, tenant_id):
    merged, survivor = _pair(sandbox, tenant_id)
    invoice = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_invoice(merged["ContactID"])])).invoices[0]
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    result = sandbox.control.merge_contact(tenant_id, merged["ContactID"], survivor["ContactID"])
    assert result["merged"]["ContactStatus"] == "ARCHIVED" and result["moved_invoice_ids"] == [invoice.invoice_id]
    by_id = sdk.accounting.get_contact(tenant_id, merged["ContactID"]).contacts[0]
    assert (
        by_id.merged_to_contact_id == survivor["ContactID"]
        and getattr(by_id.contact_status, "value", by_id.contact_status) == "ARCHIVED"
    )
    assert by_id.updated_date_utc >= before
    paged = _raw_contacts(sdk, tenant_id, if_modified_since=before, include_archived=True, page=1)
    mine = next(c for c in paged if c["ContactID"] == merged["ContactID"])
    assert mine["MergedToContactID"] == survivor["ContactID"]
    unpaged = _raw_contacts(sdk, tenant_id, if_modified_since=before, include_archived=True)
    mine = next(c for c in unpaged if c["ContactID"] == merged["ContactID"])
    assert "MergedToContactID" not in mine and mine["ContactStatus"] == "ARCHIVED"
    summary = _raw_contacts(sdk, tenant_id, i_ds=[merged["ContactID"]], summary_only=True)
    assert "MergedToContactID" not in summary[0]
    moved = sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0]
    assert moved.contact.contact_id == survivor["ContactID"]
    assert sdk.accounting.get_contact(tenant_id, survivor["ContactID"]).contacts[0].is_customer is True


def test_merge_refuses_nonsense(sandbox, tenant_id):
    merged, survivor = _pair(sandbox, tenant_id)
    for from_id, into_id, status in (
        (merged["ContactID"], merged["ContactID"], 400),
        (merged["ContactID"], str(uuid.uuid4()), 404),
    ):
        with pytest.raises(SandboxControlError) as raised:
            sandbox.control.merge_contact(tenant_id, from_id, into_id)
        assert raised.value.status == status
    sandbox.control.merge_contact(tenant_id, merged["ContactID"], survivor["ContactID"])
    with pytest.raises(SandboxControlError, match="already merged"):
        sandbox.control.merge_contact(tenant_id, merged["ContactID"], survivor["ContactID"])


def test_merge_fires_a_contact_webhook_when_auto_is_on(sandbox, tenant_id):
    from test_sandbox_webhooks import KEY, Receiver

    merged, survivor = _pair(sandbox, tenant_id)
    with Receiver() as receiver:
        sandbox.control.set_webhook(url=receiver.url, key=KEY, auto=True)
        try:
            sandbox.control.merge_contact(tenant_id, merged["ContactID"], survivor["ContactID"])
            deadline = time.monotonic() + 5
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            sandbox.control.set_webhook(auto=False)
    event = json.loads(receiver.received[0]["body"])["events"][0]
    assert (event["eventCategory"], event["eventType"], event["resourceId"]) == (
        "CONTACT",
        "UPDATE",
        merged["ContactID"],
    )


def test_new_contact_is_not_a_customer_until_its_first_sales_invoice(sandbox, sdk, tenant_id):
    contact = sandbox.control.add_contact(tenant_id, name=f"Not Yet Customer {uuid.uuid4().hex[:8]}")
    fetched = sdk.accounting.get_contact(tenant_id, contact["ContactID"]).contacts[0]
    assert (fetched.is_customer, fetched.is_supplier) == (False, False)
    where = f'IsCustomer==true AND Name=="{contact["Name"]}"'
    assert _raw_contacts(sdk, tenant_id, where=where) == []
    sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_invoice(contact["ContactID"])]))
    assert sdk.accounting.get_contact(tenant_id, contact["ContactID"]).contacts[0].is_customer is True
    assert [c["ContactID"] for c in _raw_contacts(sdk, tenant_id, where=where)] == [contact["ContactID"]]


@pytest.fixture
def high_volume(sandbox, tenant_id):
    sandbox.control.set_high_volume_threshold(tenant_id, 1000)
    yield
    sandbox.control.set_high_volume_threshold(tenant_id, 100000)


@pytest.mark.parametrize(
    "query",
    [
        {"where": "IsCustomer==true"},
        {"where": 'ContactNumber=="CUST-000001" || ContactNumber=="CUST-000002"'},
        {"where": 'Name=="Acme" AND IsSupplier==false'},
        {"order": "EmailAddress"},
    ],
    ids=["is-customer", "contact-numbers", "name-and-flag", "order-by-email"],
)
def test_large_organisations_refuse_unoptimised_filters(sdk, tenant_id, high_volume, query):
    with pytest.raises(AccountingBadRequestException) as raised:
        sdk.accounting.get_contacts(tenant_id, page=1, **query)
    body = raised.value.error_data
    assert (body["ErrorNumber"], body["Type"]) == (51, "HighVolumeException")
    assert body["Message"].startswith("Your request is not filtering Contacts efficiently")


@pytest.mark.parametrize(
    "query",
    [
        {"where": 'Name=="Acme Builders Ltd"'},
        {"where": 'EmailAddress=="x@example.com" OR AccountNumber=="AN0000001"'},
        {"where": 'Name.StartsWith("Acme")', "order": "UpdatedDateUTC DESC"},
        {"search_term": "acme", "order": "Name"},
        {"where": 'EmailAddress=="x@example.com" OR Name.Contains("acme") OR Name.Contains("globex")'},
        {},
    ],
    ids=["name", "email-or-account", "starts-with", "search-term", "email-or-name-contains", "plain"],
)
def test_large_organisations_accept_optimised_filters(sdk, tenant_id, high_volume, query):
    assert isinstance(_raw_contacts(sdk, tenant_id, page=1, **query), list)


def test_small_organisations_accept_any_filter(sdk, tenant_id):
    assert _raw_contacts(sdk, tenant_id, page=1, page_size=5, where="IsCustomer==true")
