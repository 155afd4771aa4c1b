"""Invoice attachments (raw upload, IncludeOnline, list, download, HasAttachments) and
TrackingCategories (seeded, includeArchived, invoice lines' Tracking validated) through xero-python."""

import datetime as dt
import uuid

import pytest
from xero_python.accounting import Contact, Invoice, Invoices, LineItem, LineItemTracking
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

PDF = b"%PDF-1.4\n% timesheets behind the invoice\n%%EOF\n"


def _value(field):
    return getattr(field, "value", field)


@pytest.fixture
def invoice(sandbox, sdk, tenant_id):
    contact = sandbox.control.add_contact(tenant_id, name=f"Attached Customer {uuid.uuid4().hex[:8]}")
    new = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact["ContactID"]),
        line_items=[LineItem(description="Consulting", quantity=1, unit_amount=100, account_code="200")],
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status="AUTHORISED",
    )
    return sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[new])).invoices[0]


def test_upload_list_and_download_an_invoice_attachment(sandbox, sdk, tenant_id, invoice, recorder):
    assert invoice.has_attachments is False
    uploaded = sdk.accounting.create_invoice_attachment_by_file_name(
        tenant_id, invoice.invoice_id, "timesheets.pdf", PDF, include_online=True
    ).attachments[0]
    assert (uploaded.file_name, uploaded.mime_type, uploaded.content_length) == (
        "timesheets.pdf",
        "application/pdf",
        len(PDF),
    )
    assert uploaded.include_online is True
    assert sdk.accounting.get_invoice(tenant_id, invoice.invoice_id).invoices[0].has_attachments is True
    listed = sdk.accounting.get_invoice_attachments(tenant_id, invoice.invoice_id).attachments
    assert [a.attachment_id for a in listed] == [uploaded.attachment_id]
    replaced = sdk.accounting.update_invoice_attachment_by_file_name(
        tenant_id, invoice.invoice_id, "timesheets.pdf", PDF + b"v2"
    ).attachments[0]
    assert replaced.attachment_id == uploaded.attachment_id and replaced.content_length == len(PDF) + 2
    assert replaced.include_online is False
    # The spec declares the download as application/octet-stream only; Xero answers with the file's own
    # MIME type (the ContentType request header names it), so this exchange is not spec-checked.
    with recorder.exempt():
        status, headers, body = _download(sandbox, tenant_id, invoice.invoice_id, "timesheets.pdf")
    assert status == 200 and body == PDF + b"v2" and headers["Content-Type"] == "application/pdf"


def _download(sandbox, tenant_id, invoice_id, name):
    import urllib3

    from conftest import connect

    token = connect(sandbox, scope="offline_access accounting.attachments.read", tenant_ids=[tenant_id])
    response = urllib3.PoolManager(retries=False).request(
        "GET",
        f"{sandbox.url}/api.xro/2.0/Invoices/{invoice_id}/Attachments/{name}",
        headers={"Authorization": f"Bearer {token['access_token']}", "xero-tenant-id": tenant_id},
    )
    return response.status, response.headers, response.data


def test_attachments_need_the_attachments_scope_and_a_known_invoice(sandbox, sdk, kit, tenant_id, invoice, recorder):
    token = kit.connect(sandbox, scope="offline_access accounting.invoices", tenant_ids=[tenant_id])
    path = f"/api.xro/2.0/Invoices/{invoice.invoice_id}/Attachments"
    assert kit.raw(sandbox, "GET", path, token["access_token"], tenant_id)[0] == 401
    with pytest.raises(NotFoundException):
        sdk.accounting.get_invoice_attachments(tenant_id, str(uuid.uuid4()))
    with recorder.exempt(), pytest.raises(AccountingBadRequestException, match="empty"):  # deliberately no body
        sdk.accounting.create_invoice_attachment_by_file_name(tenant_id, invoice.invoice_id, "empty.pdf", b"")


def test_seeded_tracking_categories(sdk, tenant_id):
    active = sdk.accounting.get_tracking_categories(tenant_id).tracking_categories
    assert [c.name for c in active] == ["Region", "Department"]
    assert [o.name for o in active[0].options] == ["North", "South", "East"]
    everything = sdk.accounting.get_tracking_categories(tenant_id, include_archived=True).tracking_categories
    assert [c.name for c in everything] == ["Region", "Department", "Legacy Cost Centre"]
    assert "West" in [o.name for o in everything[0].options]
    ordered = sdk.accounting.get_tracking_categories(tenant_id, where='Name=="Department"', order="Name")
    assert [c.name for c in ordered.tracking_categories] == ["Department"]


def _tracked_invoice(contact_id, tracking):
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        line_items=[LineItem(description="Tracked", quantity=1, unit_amount=10, account_code="200", tracking=tracking)],
        date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 3, 31),
        status="DRAFT",
    )


def test_invoice_lines_tracking_is_validated(sdk, tenant_id, invoice):
    contact_id = invoice.contact.contact_id
    good = [LineItemTracking(name="Region", option="north"), LineItemTracking(name="Department", option="Support")]
    saved = sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_tracked_invoice(contact_id, good)])).invoices[
        0
    ]
    tracking = saved.line_items[0].tracking
    assert [(t.name, t.option) for t in tracking] == [("Region", "North"), ("Department", "Support")]
    assert all(t.tracking_category_id and t.tracking_option_id for t in tracking)
    for bad, message in (
        ([LineItemTracking(name="Region", option="West")], "tracking option 'West'"),
        ([LineItemTracking(name="Legacy Cost Centre", option="Old")], "tracking category 'Legacy Cost Centre'"),
        ([LineItemTracking(name="Colour", option="Red")], "tracking category 'Colour'"),
    ):
        with pytest.raises(AccountingBadRequestException, match=message):
            sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_tracked_invoice(contact_id, bad)]))


def test_control_archives_and_restores_tracking_options_and_categories(sandbox, sdk, tenant_id, invoice):
    contact_id = invoice.contact.contact_id
    sandbox.control.set_tracking_status(tenant_id, "Region", "North")
    active = sdk.accounting.get_tracking_categories(tenant_id).tracking_categories
    assert [o.name for o in active[0].options] == ["South", "East"]
    with pytest.raises(AccountingBadRequestException, match="tracking option 'North'"):
        tracked = [LineItemTracking(name="Region", option="North")]
        sdk.accounting.create_invoices(tenant_id, Invoices(invoices=[_tracked_invoice(contact_id, tracked)]))
    sandbox.control.set_tracking_status(tenant_id, "Region", "North", status="ACTIVE")
    sandbox.control.set_tracking_status(tenant_id, "Department")
    try:
        active = sdk.accounting.get_tracking_categories(tenant_id).tracking_categories
        assert [(c.name, [o.name for o in c.options]) for c in active] == [("Region", ["North", "South", "East"])]
        everything = sandbox.control.tracking_categories(tenant_id)
        assert [(c["Name"], c["Status"]) for c in everything][:2] == [("Region", "ACTIVE"), ("Department", "ARCHIVED")]
    finally:  # the session's sandbox is shared by the other tests
        sandbox.control.set_tracking_status(tenant_id, "Department", status="ACTIVE")
