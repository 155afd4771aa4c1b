"""Rate limits (429 + Retry-After), remaining-limit headers, fault injection, and the request log."""

import datetime as dt
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import urllib3
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import HTTPStatusException, RateLimitException

from xero_sandbox import accounting


def test_minute_limit_gives_429_with_retry_after(sandbox, sdk, tenant_id):
    sandbox.control.set_rate_limits(minute=3)
    for _ in range(3):
        sdk.accounting.get_organisations(tenant_id)
    with pytest.raises(RateLimitException) as raised:
        sdk.accounting.get_organisations(tenant_id)
    assert raised.value.rate_limit == "minute"
    assert 1 <= int(raised.value.headers["Retry-After"]) <= 60
    sandbox.control.advance_clock(61)
    assert sdk.accounting.get_organisations(tenant_id).organisations


def test_day_limit_of_zero_refuses_every_call(sandbox, kit, session_token, tenant_id):
    sandbox.control.set_rate_limits(day=0)
    status, headers, body = kit.raw(
        sandbox, "GET", "/api.xro/2.0/Organisation", session_token["access_token"], tenant_id
    )
    assert status == 429 and headers["X-Rate-Limit-Problem"] == "day"
    assert int(headers["Retry-After"]) == 86400
    assert headers["X-DayLimit-Remaining"] == "0" and body["Status"] == 429


def test_limits_are_per_tenant_but_the_app_minute_limit_is_shared(
    sandbox, kit, session_token, tenant_id, second_tenant_id
):
    token = session_token["access_token"]
    sandbox.control.set_rate_limits(minute=1)
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)[0] == 200
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, second_tenant_id)[0] == 200
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)[0] == 429
    sandbox.control.set_rate_limits(minute=-1, app_minute=2)
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)[0] == 200
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)[0] == 200
    status, headers, _ = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, second_tenant_id)
    assert (status, headers["X-Rate-Limit-Problem"]) == (429, "appminute")


def test_concurrent_limit(sandbox, kit, session_token, tenant_id, monkeypatch):
    sandbox.control.set_rate_limits(concurrent=1)
    sandbox.control.inject_fault("GET", "/api.xro/2.0/Organisation", "slow", delay=1.0)
    # the slow call holds the only slot until the second call is answered, not for a time a loaded machine
    # could let pass before the second call arrives
    answered = threading.Event()
    monkeypatch.setattr(accounting, "time", SimpleNamespace(sleep=lambda seconds: answered.wait(60)))
    token = session_token["access_token"]
    results = []
    slow = threading.Thread(
        target=lambda: results.append(kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)[0])
    )
    slow.start()
    deadline = time.monotonic() + 60
    while sandbox.sandbox.limiter.in_flight(tenant_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the slow call holds the only slot
    status, headers, _ = kit.raw(sandbox, "GET", "/api.xro/2.0/Accounts", token, tenant_id)
    answered.set()
    slow.join()
    assert results == [200]
    assert (status, headers["X-Rate-Limit-Problem"], headers["Retry-After"]) == (429, "concurrent", "1")


def test_every_accounting_response_carries_the_remaining_limits(sandbox, kit, session_token, tenant_id):
    sandbox.control.set_rate_limits(minute=10, day=100, app_minute=1000)
    first = kit.raw(sandbox, "GET", "/api.xro/2.0/TaxRates", session_token["access_token"], tenant_id)[1]
    second = kit.raw(sandbox, "GET", "/api.xro/2.0/Contacts/nope", session_token["access_token"], tenant_id)[1]
    assert (first["X-MinLimit-Remaining"], first["X-DayLimit-Remaining"], first["X-AppMinLimit-Remaining"]) == (
        "9",
        "99",
        "999",
    )
    assert (second["X-MinLimit-Remaining"], second["X-DayLimit-Remaining"]) == ("8", "98")


def test_sdk_default_retries_wait_out_retry_after(sandbox, kit, session_token, tenant_id):
    """urllib3 under xero-python silently honours Retry-After on 429 (the trap in xero-api.md §10)."""
    sandbox.control.set_rate_limits(concurrent=0)
    sdk = kit.sdk_for(sandbox, session_token, retries=None)
    started = time.perf_counter()
    threading.Timer(0.5, lambda: sandbox.control.set_rate_limits(concurrent=-1, reset_counters=False)).start()
    assert sdk.accounting.get_organisations(tenant_id).organisations
    assert time.perf_counter() - started >= 0.9, "the SDK waited Retry-After: 1 without telling the caller"


@pytest.mark.parametrize("kind, status", [("error", 500), ("503", 503), ("error", 502)])
def test_error_faults(sandbox, sdk, tenant_id, kind, status):
    sandbox.control.inject_fault("GET", "/api.xro/2.0/Organisation", kind, status=status)
    with pytest.raises(HTTPStatusException) as raised:
        sdk.accounting.get_organisations(tenant_id)
    assert raised.value.status == status
    assert sdk.accounting.get_organisations(tenant_id).organisations, "only the next request was faulted"


def test_faults_can_start_after_some_requests_and_last_several(sandbox, kit, session_token, tenant_id):
    sandbox.control.inject_fault("GET", "/api.xro/2.0/Accounts", "500", count=2, after=1)
    statuses = [
        kit.raw(sandbox, "GET", "/api.xro/2.0/Accounts", session_token["access_token"], tenant_id)[0] for _ in range(4)
    ]
    assert statuses == [200, 500, 500, 200]
    assert sandbox.control.faults() == []


def test_a_fault_can_concern_one_organisation(sandbox, kit, session_token, tenant_id, second_tenant_id):
    token = session_token["access_token"]
    sandbox.control.inject_fault("GET", "/api.xro/2.0/Accounts", "503", count=2, tenant=second_tenant_id)
    statuses = [kit.raw(sandbox, "GET", "/api.xro/2.0/Accounts", token, tenant)[0] for tenant in (tenant_id,) * 2]
    assert statuses == [200, 200], "the other organisation's requests are not faulted"
    statuses = [kit.raw(sandbox, "GET", "/api.xro/2.0/Accounts", token, second_tenant_id)[0] for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_slow_fault(sandbox, sdk, tenant_id):
    sandbox.control.inject_fault("GET", "/api.xro/2.0/TaxRates", "slow", delay=0.4)
    started = time.perf_counter()
    sdk.accounting.get_tax_rates(tenant_id)
    assert time.perf_counter() - started >= 0.4


def test_malformed_json_fault(sandbox, kit, sdk, session_token, tenant_id, recorder):
    sandbox.control.inject_fault("GET", "/api.xro/2.0/Organisation", "malformed", count=2)
    with recorder.exempt():
        status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", session_token["access_token"], tenant_id)
        assert status == 200 and isinstance(body, str) and body.startswith('{"Id":')
        with pytest.raises(Exception):  # noqa: B017 - what the SDK raises for broken JSON is its own business
            organisations = sdk.accounting.get_organisations(tenant_id)
            assert organisations.organisations[0].name  # in case the SDK swallowed the error


def _invoice(contact_id, reference):
    return Invoices(
        invoices=[
            Invoice(
                type="ACCREC",
                contact=Contact(contact_id=contact_id),
                line_items=[LineItem(description="Hours", quantity=1, unit_amount=80, account_code="200")],
                date=dt.date(2025, 4, 1),
                due_date=dt.date(2025, 4, 30),
                status="AUTHORISED",
                reference=reference,
            )
        ]
    )


def _invoices_with(sandbox, tenant_id, reference):
    return [invoice for invoice in sandbox.control.invoices(tenant_id) if invoice["Reference"] == reference]


@pytest.fixture
def contact_id(sandbox, tenant_id):
    return sandbox.control.add_contact(tenant_id, name=f"Drop Test {uuid.uuid4().hex[:8]}")["ContactID"]


def test_dropped_response_after_the_invoice_was_created(sandbox, sdk, tenant_id, contact_id):
    sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop")
    reference = f"DROP-{uuid.uuid4().hex[:6]}"
    with pytest.raises(urllib3.exceptions.HTTPError):
        sdk.accounting.create_invoices(tenant_id, _invoice(contact_id, reference))
    assert len(_invoices_with(sandbox, tenant_id, reference)) == 1, "Xero created it; only the response was lost"
    assert sandbox.control.requests("/api.xro/2.0/Invoices", method="PUT")[-1]["status"] == "dropped"


def test_sdk_hidden_retry_duplicates_a_dropped_put_without_idempotency_key(
    sandbox, kit, session_token, tenant_id, contact_id
):
    sdk = kit.sdk_for(sandbox, session_token, retries=None)  # xero-python's default urllib3 retries
    sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop")
    reference = f"DUP-{uuid.uuid4().hex[:6]}"
    sdk.accounting.create_invoices(tenant_id, _invoice(contact_id, reference))
    assert len(_invoices_with(sandbox, tenant_id, reference)) == 2


def test_idempotency_key_makes_the_hidden_retry_safe(sandbox, kit, session_token, tenant_id, contact_id):
    sdk = kit.sdk_for(sandbox, session_token, retries=None)
    sandbox.control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop")
    reference = f"ONCE-{uuid.uuid4().hex[:6]}"
    created = sdk.accounting.create_invoices(tenant_id, _invoice(contact_id, reference), idempotency_key=reference)
    stored = _invoices_with(sandbox, tenant_id, reference)
    assert [invoice["InvoiceID"] for invoice in stored] == [created.invoices[0].invoice_id]


def test_request_log_redacts_secrets(sandbox, kit, session_token, tenant_id):
    sandbox.control.clear_requests()
    kit.raw(sandbox, "GET", "/api.xro/2.0/Contacts?page=1&pageSize=2", session_token["access_token"], tenant_id)
    kit.token_request(sandbox, grant_type="refresh_token", refresh_token=session_token["refresh_token"] + "x")
    entries = sandbox.control.requests()
    contacts = next(entry for entry in entries if entry["path"] == "/api.xro/2.0/Contacts")
    assert contacts["query"] == "page=1&pageSize=2" and contacts["status"] == 200
    assert contacts["headers"]["Authorization"] == "[REDACTED]"
    assert contacts["headers"]["Xero-Tenant-Id"] == tenant_id
    logged = repr(entries)
    assert session_token["access_token"] not in logged and session_token["refresh_token"] not in logged
    assert kit.CLIENT_SECRET not in logged
    assert [entry["path"] for entry in sandbox.control.requests(path_prefix="/connect/")] == ["/connect/token"]
