"""Contacts, Organisation, Accounts, TaxRates through xero-python, and the seeded data."""

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
import urllib3
from xero_python.accounting import Contact, Contacts
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_sandbox.formats import parse_ms_json
from xero_sandbox.testing import SandboxServer


def contacts_json(sdk, tenant_id, **query) -> dict:
    """GET /Contacts built and sent by the SDK, parsed as JSON: the SDK's Contact model refuses the
    seed's 500-character names (see test_sdk_models_refuse_names_over_255_characters)."""
    return json.loads(sdk.accounting.get_contacts(tenant_id, _preload_content=False, **query).data)


def _value(field):
    """xero-python gives some enums as Enum members and others as plain strings."""
    return getattr(field, "value", field)


def _short_named(contacts):
    return [c for c in contacts if len(c["Name"]) <= 255]


def _all_contacts_paged(sdk, tenant_id, **query):
    contacts, page = [], 1
    while True:
        result = contacts_json(sdk, tenant_id, page=page, page_size=1000, **query)
        contacts += result["Contacts"]
        if len(result["Contacts"]) < 1000:
            return contacts, result["pagination"]
        page += 1


def test_paging_through_ten_thousand_contacts_with_the_sdk(sandbox, sdk, tenant_id, kit):
    contacts, pagination = _all_contacts_paged(sdk, tenant_id, include_archived=True)
    expected = sandbox.control.contacts(tenant_id)
    assert len(contacts) == len(expected) >= kit.SESSION_CONTACTS
    assert len({c["ContactID"] for c in contacts}) == len(contacts)
    assert {c["ContactID"] for c in contacts} == {c["ContactID"] for c in expected}
    assert pagination["pageSize"] == 1000 and pagination["itemCount"] == len(expected)
    assert pagination["pageCount"] == -(-len(expected) // 1000)


def test_sdk_models_refuse_names_over_255_characters(sandbox, sdk, tenant_id):
    long_named = next(c for c in sandbox.control.contacts(tenant_id) if len(c["Name"]) > 255)
    with pytest.raises(ValueError, match="255"):
        sdk.accounting.get_contacts(tenant_id, i_ds=[long_named["ContactID"]])
    raw = contacts_json(sdk, tenant_id, i_ds=[long_named["ContactID"]])
    assert raw["Contacts"][0]["Name"] == long_named["Name"]


def test_default_page_is_100_and_page_size_is_capped_at_1000(sdk, tenant_id):
    assert len(contacts_json(sdk, tenant_id, page=1)["Contacts"]) == 100
    capped = contacts_json(sdk, tenant_id, page=1, page_size=5000)
    assert capped["pagination"]["pageSize"] == 1000 and len(capped["Contacts"]) == 1000


def test_archived_contacts_only_with_include_archived(sandbox, sdk, tenant_id):
    everyone = sandbox.control.contacts(tenant_id)
    archived = {c["ContactID"] for c in everyone if c["ContactStatus"] == "ARCHIVED"}
    assert 0.03 * len(everyone) < len(archived) < 0.08 * len(everyone), "about 5% of the seed is archived"
    default, _ = _all_contacts_paged(sdk, tenant_id)
    assert not archived & {c["ContactID"] for c in default}
    assert len(default) == len(everyone) - len(archived)


def test_if_modified_since_returns_only_later_changes(sandbox, sdk, tenant_id):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    created = sandbox.control.add_contact(tenant_id, name="Modified Since Ltd", email="ims@example.com")
    renamed_id = sandbox.control.contacts(tenant_id)[0]["ContactID"]
    sandbox.control.rename_contact(tenant_id, renamed_id, "Renamed For IMS")
    naive_utc = before.replace(tzinfo=None)  # xero-python sends isoformat(); naive means UTC
    for since in (naive_utc, before, before.astimezone(dt.timezone(dt.timedelta(hours=13)))):
        changed = sdk.accounting.get_contacts(tenant_id, if_modified_since=since, page=1, include_archived=True)
        assert {c.contact_id for c in changed.contacts} >= {created["ContactID"], renamed_id}
        assert all(c.updated_date_utc >= before for c in changed.contacts)
    header = sandbox.control.requests("/api.xro/2.0/Contacts")[-3]["headers"]["If-Modified-Since"]
    assert header == naive_utc.isoformat()


def test_if_modified_since_in_the_future_returns_nothing(sdk, tenant_id):
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert sdk.accounting.get_contacts(tenant_id, if_modified_since=future, page=1).contacts == []


@pytest.mark.parametrize(
    "where, check",
    [
        ('ContactStatus=="ARCHIVED"', lambda c: c["ContactStatus"] == "ARCHIVED"),
        ('ContactStatus=="ACTIVE" AND IsCustomer==true', lambda c: c["ContactStatus"] == "ACTIVE" and c["IsCustomer"]),
        ('Name.StartsWith("Acme")', lambda c: c["Name"].startswith("Acme")),
        ("EmailAddress!=null", lambda c: bool(c.get("EmailAddress"))),
        ('IsSupplier==true OR Name=="x"', lambda c: c["IsSupplier"]),
    ],
)
def test_where_filters(sdk, tenant_id, where, check):
    result = contacts_json(sdk, tenant_id, where=where, page=1, include_archived=True)
    assert result["Contacts"] and all(check(contact) for contact in result["Contacts"])


def test_where_on_exact_name_email_and_contact_number(sandbox, sdk, tenant_id):
    target = next(
        c for c in _short_named(sandbox.control.contacts(tenant_id)) if c.get("ContactNumber") and c.get("EmailAddress")
    )
    for field, value in (("Name", target["Name"]), ("EmailAddress", target["EmailAddress"])):
        found = sdk.accounting.get_contacts(tenant_id, where=f'{field}=="{value}"', include_archived=True)
        assert target["ContactID"] in {c.contact_id for c in found.contacts}
    found = sdk.accounting.get_contacts(tenant_id, where=f'ContactNumber=="{target["ContactNumber"]}"', page=1)
    assert [c.contact_id for c in found.contacts] in ([target["ContactID"]], [])  # [] when archived


def test_unknown_where_field_is_a_query_parse_exception(sdk, tenant_id):
    with pytest.raises(AccountingBadRequestException) as raised:
        sdk.accounting.get_contacts(tenant_id, where='Colour=="red"', page=1)
    assert raised.value.error_data["Type"] == "QueryParseException"
    assert "Colour" in raised.value.error_data["Message"]


def test_ids_search_term_and_summary_only(sandbox, sdk, tenant_id):
    seeded = _short_named(sandbox.control.contacts(tenant_id))[:3]
    by_ids = sdk.accounting.get_contacts(tenant_id, i_ds=[c["ContactID"] for c in seeded])
    assert {c.contact_id for c in by_ids.contacts} == {c["ContactID"] for c in seeded}
    assert by_ids.pagination is None, "no pagination element without page"
    term = seeded[0]["Name"][:6].upper()
    searched = contacts_json(sdk, tenant_id, search_term=term, page=1, include_archived=True)["Contacts"]
    assert searched and all(_mentions(c, term) for c in searched)
    summary = contacts_json(sdk, tenant_id, page=1, summary_only=True)["Contacts"]
    full = contacts_json(sdk, tenant_id, page=1)["Contacts"]
    assert any("Balances" in c for c in full) and not any("Balances" in c for c in summary)


def test_search_term_is_a_case_insensitive_contains_on_xeros_six_fields(sandbox, sdk, tenant_id):
    fields = {
        "Name": "Lookup Nameonly Ltd",
        "FirstName": "Firstonly",
        "LastName": "Lastonly",
        "ContactNumber": "NUMBERONLY-7",
        "CompanyNumber": "COMPANYONLY-9",
        "EmailAddress": "mailonly@lookup.example",
    }
    contact_id = sandbox.control.add_contact(tenant_id, fields["Name"], fields=fields)["ContactID"]
    for term in ("nameonly", "FIRSTONLY", "lastOnly", "numberonly-", "companyonly", "MailOnly@Lookup"):
        searched = contacts_json(sdk, tenant_id, search_term=term, page=1)["Contacts"]
        assert [c["ContactID"] for c in searched] == [contact_id], term
    assert contacts_json(sdk, tenant_id, search_term="Lookup Nameonly Limited", page=1)["Contacts"] == []


def _mentions(contact, term):
    fields = ("Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress")
    return any(term.lower() in (contact.get(field) or "").lower() for field in fields)


def test_get_contact_by_id_and_404(sandbox, sdk, tenant_id):
    seeded = _short_named(sandbox.control.contacts(tenant_id))[5]
    contact = sdk.accounting.get_contact(tenant_id, seeded["ContactID"]).contacts[0]
    assert contact.name == seeded["Name"]
    assert contact.updated_date_utc == dt.datetime.fromtimestamp(
        parse_ms_json(seeded["UpdatedDateUTC"]) / 1000, dt.timezone.utc
    )
    with pytest.raises(NotFoundException):
        sdk.accounting.get_contact(tenant_id, "00000000-0000-0000-0000-000000000001")


def test_create_and_update_contacts_through_the_api(sandbox, sdk, tenant_id):
    created = sdk.accounting.create_contacts(
        tenant_id, Contacts(contacts=[Contact(name="API Made Ltd", email_address="api@made.example")])
    ).contacts[0]
    assert _value(created.contact_status) == "ACTIVE" and created.contact_id
    updated = sdk.accounting.update_contact(
        tenant_id, created.contact_id, Contacts(contacts=[Contact(name="API Made (renamed) Ltd")])
    ).contacts[0]
    assert updated.name == "API Made (renamed) Ltd"
    assert updated.updated_date_utc > created.updated_date_utc
    stored = {c["ContactID"]: c for c in sandbox.control.contacts(tenant_id)}[created.contact_id]
    assert stored["EmailAddress"] == "api@made.example"


def test_contact_validation_errors_have_xeros_shape(sdk, tenant_id):
    with pytest.raises(AccountingBadRequestException) as raised:
        sdk.accounting.create_contacts(tenant_id, Contacts(contacts=[Contact(name="")]))
    error = raised.value.error_data
    assert (error["ErrorNumber"], error["Type"], error["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    assert error["Elements"][0]["ValidationErrors"] == [{"Message": "Contact Name cannot be empty."}]
    duplicates = sdk.accounting.create_contacts(
        tenant_id, Contacts(contacts=[Contact(name="Twin Co"), Contact(name="Twin Co")]), summarize_errors=False
    ).contacts
    assert [c.status_attribute_string for c in duplicates] == ["OK", "ERROR"]
    assert "must be unique" in duplicates[1].validation_errors[0].message


def test_control_changes_bump_updated_date(sandbox, tenant_id):
    control = sandbox.control
    contact = control.contacts(tenant_id, include_archived=False)[0]
    archived = control.archive_contact(tenant_id, contact["ContactID"])
    restored = control.restore_contact(tenant_id, contact["ContactID"])
    assert archived["ContactStatus"] == "ARCHIVED" and restored["ContactStatus"] == "ACTIVE"
    stamps = [parse_ms_json(c["UpdatedDateUTC"]) for c in (contact, archived, restored)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_organisation_accounts_and_tax_rates(sdk, tenant_id, second_tenant_id):
    organisation = sdk.accounting.get_organisations(tenant_id).organisations[0]
    assert (organisation.name, _value(organisation.base_currency), organisation.organisation_id) == (
        "Demo Company (NZ)",
        "NZD",
        tenant_id,
    )
    assert _value(sdk.accounting.get_organisations(second_tenant_id).organisations[0].base_currency) == "USD"
    revenue = sdk.accounting.get_accounts(tenant_id, where='Status=="ACTIVE" AND Class=="REVENUE"').accounts
    assert {"200", "260"} <= {a.code for a in revenue} and "250" not in {a.code for a in revenue}
    assert all(_value(a.status) == "ACTIVE" and _value(a._class) == "REVENUE" for a in revenue)
    expenses = sdk.accounting.get_accounts(tenant_id, where='Type=="EXPENSE"').accounts
    assert {"400", "429"} <= {a.code for a in expenses}
    everything = sdk.accounting.get_accounts(tenant_id).accounts
    assert any(_value(a.status) == "ARCHIVED" and _value(a._class) == "REVENUE" for a in everything)
    assert any(_value(a.type) == "BANK" for a in everything) and any(a.system_account for a in everything)
    tax_types = {rate.tax_type: rate for rate in sdk.accounting.get_tax_rates(tenant_id).tax_rates}
    assert {"OUTPUT2", "INPUT2", "NONE", "EXEMPTOUTPUT"} <= set(tax_types)
    assert float(tax_types["OUTPUT2"].effective_rate) == 15.0


def test_seed_covers_the_awkward_cases(sandbox, tenant_id):
    contacts = sandbox.control.contacts(tenant_id)
    names = [c["Name"] for c in contacts]
    assert "Ünïcødé Ltd 日本" in names
    assert any(len(name) == 500 for name in names)
    assert len(set(names)) < len(names)
    assert any("EmailAddress" not in c for c in contacts)
    assert any(c["IsSupplier"] and not c["IsCustomer"] for c in contacts)
    assert any(c["IsCustomer"] for c in contacts)
    with_street = [c for c in contacts if any(a.get("AddressLine1") for a in c["Addresses"])]
    assert {a["AddressType"] for c in with_street for a in c["Addresses"]} == {"POBOX", "STREET"}
    assert any(c.get("TaxNumber") for c in contacts) and any(c.get("Website") for c in contacts)
    assert any(c.get("ContactNumber") for c in contacts)


def test_the_seed_is_deterministic():
    def snapshot(seed):
        with SandboxServer(contacts=30, seed=seed, orgs=2) as server:
            return server.tenants, [server.control.contacts(t["tenant_id"]) for t in server.tenants]

    first = snapshot(9)
    assert first == snapshot(9)
    assert first[0] != snapshot(10)[0]


def test_a_full_page_of_seeded_contacts_conforms_to_the_spec(sandbox, session_token, tenant_id, kit, accounting_spec):
    """The per-test check samples large lists; this one validates 1000 seeded contacts in full."""
    query = [("page", "2"), ("pageSize", "1000"), ("includeArchived", "true")]
    response = urllib3.PoolManager(retries=False).request(
        "GET",
        f"{sandbox.url}/api.xro/2.0/Contacts?{urlencode(query)}",
        headers={"Authorization": f"Bearer {session_token['access_token']}", "xero-tenant-id": tenant_id},
    )
    assert response.status == 200 and len(json.loads(response.data)["Contacts"]) == 1000
    problems = kit.full_response_problems(
        accounting_spec, "/api.xro/2.0/Contacts", query, response.status, dict(response.headers), response.data
    )
    assert problems == []
