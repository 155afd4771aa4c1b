"""A contact's own sales terms (PaymentTerms, DefaultCurrency, AccountsReceivableTaxType, SalesDefaultAccountCode,
SalesTrackingCategories, BrandingTheme, Discount), BrandingThemes, and an invoice's BrandingThemeID, through
xero-python (every exchange checked against the spec by conftest)."""

import datetime as dt
import json
import uuid

import pytest
from xero_python.accounting import Bill, Contact, Contacts, Invoice, Invoices, LineItem, PaymentTerm, PaymentTermType
from xero_python.exceptions import AccountingBadRequestException

from xero_sandbox.config import SandboxConfig
from xero_sandbox.core import Sandbox


def _value(field):
    return getattr(field, "value", field)


def _terms_fields(theme_id):
    return {
        "PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
        "DefaultCurrency": "EUR",
        "AccountsReceivableTaxType": "OUTPUT2",
        "SalesDefaultAccountCode": "200",
        "SalesTrackingCategories": [{"TrackingCategoryName": "Region", "TrackingOptionName": "North"}],
        "BrandingTheme": {"BrandingThemeID": theme_id},
        "Discount": 7.5,
    }


def test_a_contacts_terms_come_in_its_page_and_by_id(sandbox, sdk, tenant_id):
    themes = sdk.accounting.get_branding_themes(tenant_id).branding_themes
    assert [t.name for t in themes] == ["Standard", "Special Projects", "Very orange invoice!"]
    assert [t.sort_order for t in themes] == [0, 1, 2]
    theme = themes[1]
    name = f"Terms Ltd {uuid.uuid4().hex[:8]}"
    created = sandbox.control.add_contact(tenant_id, name=name, fields=_terms_fields(str(theme.branding_theme_id)))
    page = json.loads(
        sdk.accounting.get_contacts(tenant_id, page=1, where=f'Name=="{name}"', _preload_content=False).data
    )["Contacts"]
    by_id = sdk.accounting.get_contact(tenant_id, created["ContactID"]).contacts[0]
    for contact in (page[0], created):
        assert contact["PaymentTerms"] == {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}
        assert contact["BrandingTheme"] == {"BrandingThemeID": str(theme.branding_theme_id), "Name": "Special Projects"}
        assert (contact["DefaultCurrency"], contact["AccountsReceivableTaxType"], contact["Discount"]) == (
            "EUR",
            "OUTPUT2",
            7.5,
        )
        assert contact["SalesDefaultAccountCode"] == "200"
        assert contact["SalesTrackingCategories"] == [{"TrackingCategoryName": "Region", "TrackingOptionName": "North"}]
    assert (by_id.payment_terms.sales.day, _value(by_id.payment_terms.sales.type)) == (20, "OFFOLLOWINGMONTH")
    assert str(by_id.branding_theme.branding_theme_id) == str(theme.branding_theme_id)
    assert by_id.discount == 7.5 and by_id.sales_default_account_code == "200"
    assert by_id.sales_tracking_categories[0].tracking_option_name == "North"
    assert sdk.accounting.get_branding_theme(tenant_id, theme.branding_theme_id).branding_themes[0].name == (
        "Special Projects"
    )


def test_payment_terms_are_set_through_the_api_and_checked(sandbox, sdk, tenant_id):
    contact = Contact(
        name=f"API Terms {uuid.uuid4().hex[:8]}",
        payment_terms=PaymentTerm(sales=Bill(day=14, type=PaymentTermType.DAYSAFTERBILLDATE)),
        sales_default_account_code="200",
    )
    saved = sdk.accounting.create_contacts(tenant_id, Contacts(contacts=[contact])).contacts[0]
    stored = next(c for c in sandbox.control.contacts(tenant_id) if c["ContactID"] == str(saved.contact_id))
    assert stored["PaymentTerms"] == {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}}
    with pytest.raises(AccountingBadRequestException):
        sdk.accounting.update_contact(
            tenant_id,
            saved.contact_id,
            Contacts(contacts=[Contact(contact_id=saved.contact_id, sales_default_account_code="NOPE")]),
        )
    stored = next(c for c in sandbox.control.contacts(tenant_id) if c["ContactID"] == str(saved.contact_id))
    assert stored["SalesDefaultAccountCode"] == "200", "a refused update changes nothing"


def test_an_invoice_keeps_its_branding_theme_and_refuses_an_unknown_one(sandbox, sdk, tenant_id):
    theme_id = sandbox.control.branding_themes(tenant_id)[2]["BrandingThemeID"]
    contact = sandbox.control.add_contact(tenant_id, name=f"Branded {uuid.uuid4().hex[:8]}")

    def invoice(branding_theme_id):
        return Invoice(
            type="ACCREC",
            contact=Contact(contact_id=contact["ContactID"]),
            line_items=[LineItem(description="Work", quantity=1, unit_amount=100, account_code="200")],
            date=dt.date(2025, 3, 1),
            due_date=dt.date(2025, 3, 31),
            branding_theme_id=branding_theme_id,
        )

    saved = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[invoice(theme_id)])).invoices[0]
    assert str(saved.branding_theme_id) == theme_id
    count = len(sandbox.control.invoices(tenant_id))
    with pytest.raises(AccountingBadRequestException):
        sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[invoice(str(uuid.uuid4()))]))
    assert len(sandbox.control.invoices(tenant_id)) == count


def test_the_demo_seeds_customers_with_terms_and_tests_do_not():
    demo = Sandbox(SandboxConfig(contacts=30, seed=1, orgs=1, demo_terms=True)).store.tenant_list()[0]
    plain = Sandbox(SandboxConfig(contacts=30, seed=1, orgs=1)).store.tenant_list()[0]
    with_terms = [r.data for r in demo.contacts.values() if r.data.get("PaymentTerms")]
    assert sorted(c["PaymentTerms"]["Sales"]["Type"] for c in with_terms) == [
        "DAYSAFTERBILLDATE",
        "DAYSAFTERBILLMONTH",
        "OFCURRENTMONTH",
        "OFFOLLOWINGMONTH",
    ]
    assert any(c.get("BrandingTheme") and c.get("SalesTrackingCategories") for c in with_terms)
    assert not any(r.data.get("PaymentTerms") for r in plain.contacts.values())
