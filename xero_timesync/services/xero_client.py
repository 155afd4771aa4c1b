"""The one door to Xero: every call goes through the official xero-python SDK via :class:`XeroClient`.

The client owns the token lifecycle (refresh shortly before expiry, through a caller-provided store
that serialises rotations), rate limits (``Retry-After`` on 429), bounded retries of transient
failures, and paging. Models never import the SDK; they receive plain value objects.
"""

import json
import logging
import math
import time
import warnings
from collections.abc import Callable
from datetime import timezone
from urllib.parse import urlsplit

import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import ApiException, HTTPStatusException, OAuth2Error
from xero_python.identity import IdentityApi
from xero_python.project import ProjectApi

from .. import const
from .errors import (
    TRANSIENT_STATUSES,
    XeroAuthError,
    XeroError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroTimeUp,
    XeroTransientError,
    XeroValidationError,
    _lt,
    error_from_status,
)
from .oauth import _TokenApi, normalize_token
from .paging import iter_batches
from .payroll import PayrollClient, organisation_country
from .values import (
    CallStats,
    XeroAccount,
    XeroInvoiceResult,
    XeroTaxRate,
    XeroTenant,
    clean_text,
    contact_from_json,
    credit_note_from_json,
    invoice_from_json,
    invoice_result_from_json,
    payment_from_json,
    tracking_category_from_json,
)

_logger = logging.getLogger(__name__)

# xero-python 15.2 reads response headers through urllib3's deprecated getheaders() (xero_python.rest and
# xero_python.api_client); Odoo logs that DeprecationWarning with a 30-line stack on every call (Connect,
# Unlink...). Silence exactly that warning, raised from the SDK's own modules; any other deprecation shows.
warnings.filterwarnings(
    "ignore",
    message=r"HTTPResponse\.getheaders\(\) is deprecated",
    category=DeprecationWarning,
    module=r"xero_python(\.|$)",
)

TIMEOUT = const.XERO_TIMEOUT
CORRELATION = "Xero-Correlation-Id"
NETWORK_ERRORS = (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)
CONTACT_IDS_PER_CALL = 100  # keeps GET /Contacts?IDs=... well under URL length limits


class XeroClient:
    """Xero for one connection.

    ``token_rotator(refresh, stale_access_token)`` must return a fresh token dict; it is given
    ``refresh(old_token) -> new_token`` and is responsible for serialising rotations (row lock),
    skipping the refresh when another worker already replaced ``stale_access_token``, and persisting
    the result in its own transaction. Without a rotator the client cannot refresh (e.g. right after the code
    exchange, when the token is brand new).
    """

    def __init__(
        self,
        endpoints,
        client_id,
        client_secret,
        token=None,
        tenant_id=None,
        token_rotator: Callable | None = None,
        throttle: Callable | None = None,
        max_retries=4,
        max_wait=60.0,
        sleep=None,
        deadline=None,
    ):
        self.endpoints = endpoints
        self.client_id = client_id
        self._client_secret = client_secret
        self._token = normalize_token(token) if token else None
        self.tenant_id = tenant_id
        self._token_rotator = token_rotator
        self._throttle = throttle
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._sleep = sleep or time.sleep
        self.deadline = deadline  # time.monotonic() after which no call starts and no wait begins (None: never)
        self.stats = CallStats()
        self._api_client = self._build_api_client()
        self._accounting = AccountingApi(self._api_client, base_url=endpoints.accounting_url)
        self._identity = IdentityApi(self._api_client, base_url=endpoints.api_url)
        self._projects = ProjectApi(self._api_client, base_url=endpoints.projects_url)

    def __repr__(self):  # never show tokens
        return f"<XeroClient {self.endpoints.api_url} tenant={self.tenant_id}>"

    @property
    def token(self):
        return self._token

    def _build_api_client(self):
        # No client secret on the SDK's OAuth2Token: the SDK must never refresh on its own (it would
        # call identity.xero.com and lose the rotated token); we refresh in _ensure_fresh_token.
        config = Configuration()
        # Configuration() hands out copies of the first instance ever built and ignores its arguments:
        # give each client its own token holder, or concurrent clients would share one
        config.oauth2_token = OAuth2Token(expiration_buffer=0)
        api_client = ApiClient(
            config,
            pool_threads=1,
            oauth2_token_getter=lambda: self._token or {},
            oauth2_token_saver=lambda token: None,
        )
        # urllib3 would silently wait out Retry-After and re-send PUTs on dropped connections; the
        # retry policy is ours (see _call).
        api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        api_client.rest_client.request = _logged(api_client.rest_client.request)
        return api_client

    # -- OAuth ------------------------------------------------------------------------------------
    def _token_api(self):
        return _TokenApi(self._api_client, self.client_id, self._client_secret, self.endpoints)

    def exchange_code(self, code, code_verifier, redirect_uri):
        token = self._call(lambda: self._token_api().exchange_code(code, code_verifier, redirect_uri), auth=False)
        self._token = normalize_token(token)
        return self._token

    def refresh(self, token):
        """One refresh at Xero; rotates the refresh token. Used by the token rotator."""
        if not token or not token.get("refresh_token"):
            raise XeroAuthError(
                _lt("There is no refresh token; the connection must be re-authorised."), "no_refresh_token"
            )
        new = self._call(
            lambda: self._token_api().refresh_token(token["refresh_token"], token.get("scope") or []), auth=False
        )
        return normalize_token(new)

    def revoke(self):
        if self._token and self._token.get("refresh_token"):
            self._call(lambda: self._token_api().revoke_token(self._token["refresh_token"]), auth=False)

    def _ensure_fresh_token(self, force=False, margin=const.TOKEN_REFRESH_MARGIN_SECONDS):
        if self._token is None:
            raise XeroAuthError(_lt("This connection has no token; enable the integration again."), "no_token")
        expires_at = self._token.get("expires_at") or 0
        if not force and expires_at - time.time() > margin:
            return
        if self._token_rotator is None:
            raise XeroAuthError(_lt("The access token expired and cannot be refreshed here."), "token_expired")
        self._token = normalize_token(self._token_rotator(self.refresh, self._token.get("access_token")))

    def refresh_ahead(self):
        """Refresh now if the token could expire during the next request (before handing it to a thread)."""
        self._ensure_fresh_token(margin=const.PREFETCH_TOKEN_MARGIN_SECONDS)

    # -- identity ---------------------------------------------------------------------------------
    def connections(self, auth_event_id=None):
        kwargs = {"auth_event_id": auth_event_id} if auth_event_id else {}
        result = self._call(lambda: self._identity.get_connections(_request_timeout=self._timeout(), **kwargs))
        return [
            XeroTenant(
                connection_id=str(c.id),
                tenant_id=str(c.tenant_id),
                name=c.tenant_name or "",
                tenant_type=c.tenant_type or "",
                auth_event_id=str(c.auth_event_id) if c.auth_event_id else None,
            )
            for c in result or []
        ]

    def delete_connection(self, connection_id):
        try:
            self._call(lambda: self._identity.delete_connection(connection_id, _request_timeout=self._timeout()))
        except XeroNotFoundError:
            _logger.info("Xero connection %s was already gone", connection_id)

    # -- accounting -------------------------------------------------------------------------------
    def organisation(self):
        result = self._call(
            lambda: self._accounting.get_organisations(self._tenant(), _request_timeout=self._timeout())
        )
        org = result.organisations[0]
        return {
            "name": org.name,
            "short_code": org.short_code,
            "base_currency": str(org.base_currency.value) if org.base_currency else None,
        }

    def accounts(self, account_class=None, active_only=True):
        clauses = []
        if active_only:
            clauses.append('Status=="ACTIVE"')
        if account_class:
            clauses.append(f'Class=="{account_class}"')
        kwargs = {"where": " AND ".join(clauses)} if clauses else {}
        result = self._call(
            lambda: self._accounting.get_accounts(self._tenant(), _request_timeout=self._timeout(), **kwargs)
        )
        return [
            XeroAccount(
                account_id=str(a.account_id),
                code=a.code or "",
                name=a.name or "",
                type=_enum(a.type),
                account_class=_enum(a._class),
                status=_enum(a.status),
            )
            for a in result.accounts or []
        ]

    def tax_rates(self):
        """The organisation's tax rates (every status), with their display rate and where they apply."""
        result = self._call(lambda: self._accounting.get_tax_rates(self._tenant(), _request_timeout=self._timeout()))
        return [
            XeroTaxRate(
                tax_type=t.tax_type or "",
                name=t.name or "",
                rate=float(t.display_tax_rate if t.display_tax_rate is not None else t.effective_rate or 0.0),
                status=_enum(t.status),
                can_apply_to_revenue=bool(t.can_apply_to_revenue),
                can_apply_to_expenses=bool(t.can_apply_to_expenses),
            )
            for t in result.tax_rates or []
        ]

    def iter_contact_pages(self, modified_since=None, page_size=None, start_page=1):
        """Yield ``(page_number, [XeroContact], item_count)``, archived contacts included, up to the last page.

        ``item_count`` is the total Xero announces in ``pagination`` (None when it does not say). The
        last page is the one ``pagination.pageCount`` names (so N contacts cost ceil(N / page size)
        calls, and no change one call), or without it the first short page.
        """
        page_size = page_size or const.CONTACTS_PAGE_SIZE
        kwargs = {"include_archived": True}
        if modified_since:
            kwargs["if_modified_since"] = _as_naive_utc(modified_since)
        # raw JSON through the SDK's own HTTP call: the SDK's models refuse names over 255 characters
        # (one such contact would fail the whole page) and building them costs more than the import
        pages = self._pages(
            self._accounting.get_contacts, "Contacts", contact_from_json, page_size, start_page, **kwargs
        )
        for page, contacts, pagination in pages:
            yield page, contacts, pagination.get("itemCount")

    def contacts_by_ids(self, contact_ids):
        """The given contacts (archived included), ``CONTACT_IDS_PER_CALL`` per call."""
        contacts = []
        for batch in iter_batches(list(contact_ids), CONTACT_IDS_PER_CALL):
            response = self._call(
                lambda b=batch: self._accounting.get_contacts(
                    self._tenant(),
                    i_ds=b,
                    include_archived=True,
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                )
            )
            contacts += [contact_from_json(c) for c in _json_body(response).get("Contacts") or []]
        return contacts

    def find_contacts(self, where):
        """Active contacts matching a ``where`` clause, in summary form, every page (``CONTACTS_PAGE_SIZE`` each).

        A high-volume organisation refuses clauses on other fields than Name, EmailAddress and AccountNumber
        (``XeroValidationError`` with code ``high_volume``)."""
        return self._contact_matches(where=where)

    def search_contacts(self, term):
        """Active contacts whose Name, FirstName, LastName, ContactNumber, CompanyNumber or EmailAddress contains
        ``term`` (Xero's ``searchTerm``: case-insensitive, allowed in high-volume organisations), every page."""
        return self._contact_matches(search_term=term)

    def _contact_matches(self, **query):
        pages = self._pages(
            self._accounting.get_contacts,
            "Contacts",
            contact_from_json,
            const.CONTACTS_PAGE_SIZE,
            summary_only=True,
            **query,
        )
        return [contact for _page, contacts, _pagination in pages for contact in contacts]

    def contact_groups(self):
        """The organisation's active ContactGroups: ``[(ContactGroupID, Name)]`` by name."""
        response = self._call(
            lambda: self._accounting.get_contact_groups(
                self._tenant(),
                where='Status=="ACTIVE"',
                order="Name",
                _preload_content=False,
                _request_timeout=self._timeout(),
            )
        )
        groups = _json_body(response).get("ContactGroups") or []
        return [(g["ContactGroupID"], clean_text(g.get("Name")) or "") for g in groups if g.get("ContactGroupID")]

    def contact_group_members(self, group_ids):
        """ContactIDs of the contacts in any of ``group_ids`` (one call per group)."""
        members = set()
        for group_id in group_ids:
            response = self._call(
                lambda g=group_id: self._accounting.get_contact_group(
                    self._tenant(), g, _preload_content=False, _request_timeout=self._timeout()
                )
            )
            for group in _json_body(response).get("ContactGroups") or []:
                members.update(c["ContactID"] for c in group.get("Contacts") or [] if c.get("ContactID"))
        return members

    def tracking_categories(self):
        """The organisation's active TrackingCategories with their active options, by name:
        ``[XeroTrackingCategory]`` (archived or deleted categories and options are left out)."""
        response = self._call(
            lambda: self._accounting.get_tracking_categories(
                self._tenant(), order="Name", _preload_content=False, _request_timeout=self._timeout()
            )
        )
        return [
            tracking_category_from_json(c)
            for c in _json_body(response).get("TrackingCategories") or []
            if c.get("TrackingCategoryID") and (c.get("Status") or "ACTIVE") == "ACTIVE"
        ]

    def branding_themes(self):
        """The organisation's invoice branding themes: ``[(BrandingThemeID, Name)]`` in Xero's order."""
        response = self._call(
            lambda: self._accounting.get_branding_themes(
                self._tenant(), _preload_content=False, _request_timeout=self._timeout()
            )
        )
        themes = sorted(_json_body(response).get("BrandingThemes") or [], key=lambda t: t.get("SortOrder") or 0)
        return [(t["BrandingThemeID"], clean_text(t.get("Name")) or "") for t in themes if t.get("BrandingThemeID")]

    def iter_active_contact_pages(self, page_size=None):
        """Active contacts in summary form (no archived ones): ``(contacts, item_count)`` per page."""
        page_size = page_size or const.CONTACTS_PAGE_SIZE
        pages = self._pages(self._accounting.get_contacts, "Contacts", contact_from_json, page_size, summary_only=True)
        for _page, contacts, pagination in pages:
            yield contacts, pagination.get("itemCount")

    def _pages(self, get, collection, parse, page_size, start_page=1, **kwargs):
        """Yield ``(page_number, [parsed item], pagination)`` of a paged GET, read as raw JSON, up to the page
        ``pagination.pageCount`` names or, when Xero does not say, the first short page."""
        page = start_page
        while True:
            body = _json_body(
                self._call(
                    lambda p=page: get(
                        self._tenant(),
                        page=p,
                        page_size=page_size,
                        _preload_content=False,
                        _request_timeout=self._timeout(),
                        **kwargs,
                    )
                )
            )
            items = [parse(item) for item in body.get(collection) or []]
            pagination = body.get("pagination") or {}
            yield page, items, pagination
            page_count = pagination.get("pageCount")
            if (page >= page_count) if isinstance(page_count, int) else len(items) < page_size:
                return
            page += 1

    def _tenant(self):
        if not self.tenant_id:
            raise XeroError(_lt("No Xero organisation is selected for this connection."), "no_tenant")
        return self.tenant_id

    # -- the caller's time -------------------------------------------------------------------------
    def _time_left(self):
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def _check_time(self, needed=0.0):
        """Refuse to start what cannot end before the deadline (a call needs at least a second)."""
        if self._time_left() <= max(needed, 1.0):
            raise XeroTimeUp(_lt("This run's time is up; the next run continues where it stopped."))

    def _timeout(self):
        """The SDK's (connect, read) timeout: Xero's, or what is left before the deadline when that is less."""
        left = self._time_left()
        if left >= TIMEOUT[1]:
            return TIMEOUT
        self._check_time()
        return (min(TIMEOUT[0], left), left)

    # -- the choke point --------------------------------------------------------------------------
    def _call(self, fn, auth=True):
        """Run one SDK call with our retry policy; returns its result or raises a XeroError."""
        attempt = 0
        refreshed = False
        while True:
            self._check_time()
            if auth:
                self._ensure_fresh_token()
                self._wait_for_budget()
            self.stats.calls += 1
            try:
                result = fn()
                self._record_limits(_headers_of(getattr(self._api_client, "last_response", None)))
                return result
            except HTTPStatusException as error:
                status = error.status
                self._record_limits(error.headers)
                if status == 429:
                    wait, problem = _retry_after(error)
                    if problem == "day" or wait > self.max_wait or attempt >= self.max_retries:
                        raise XeroRateLimitError(
                            _lt(
                                "Xero's %(limit)s rate limit was reached; retry in %(seconds)s s.",
                                limit=problem or "minute",
                                seconds=f"{wait:.0f}",
                            ),
                            retry_after=wait,
                            problem=problem,
                        ) from None
                elif status == 401 and auth and not refreshed and self._token_rotator:
                    self._ensure_fresh_token(force=True)
                    refreshed = True
                    continue
                elif status in TRANSIENT_STATUSES and attempt < self.max_retries:
                    wait = _backoff(attempt)
                else:
                    raise error_from_status(error) from None
            except NETWORK_ERRORS as error:
                if attempt >= self.max_retries:
                    raise XeroTransientError(
                        _lt("Xero could not be reached: %s", type(error).__name__), "unreachable"
                    ) from None
                wait = _backoff(attempt)
            except ApiException as error:  # SSL errors and other non-HTTP failures of the SDK
                raise XeroTransientError(_lt("Xero call failed: %s", error.reason), "sdk_failure") from None
            except OAuth2Error as error:
                raise XeroAuthError(str(error), "oauth") from None
            except json.JSONDecodeError:  # e.g. a truncated token-endpoint answer, parsed inside the SDK
                if attempt >= self.max_retries:
                    raise XeroTransientError(
                        _lt("Xero sent a response that is not valid JSON."), "invalid_json"
                    ) from None
                wait = _backoff(attempt)
            attempt += 1
            self._check_time(wait)
            self.stats.retries += 1
            self.stats.waited += wait
            self._sleep(wait)

    def _wait_for_budget(self):
        """``throttle()`` counts the call against the organisation's shared budget: wait while this minute's
        is spent, refuse when the day's is."""
        while self._throttle:
            wait, day_spent = self._throttle()
            if day_spent:
                raise XeroRateLimitError(
                    _lt("Xero's daily call limit for this organisation is spent; synchronization resumes tomorrow."),
                    retry_after=0,
                    problem="day",
                )
            if not wait:
                return
            self._check_time(wait)
            self.stats.waited += wait
            self._sleep(wait)

    def _record_limits(self, headers):
        for name in ("X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining"):
            value = headers.get(name) if headers else None
            if value is not None:
                self.stats.rate_limit_remaining[name] = value

    # -- invoices ---------------------------------------------------------------------------------
    # Plain Xero-cased dicts go in (the SDK serialises dicts as they are) and raw JSON comes back,
    # so no SDK model leaks out and the SDK's date/length quirks stay out of the way.
    def create_invoices(self, payloads, idempotency_key, batch_size=None):
        """PUT /Invoices in batches; returns one :class:`XeroInvoiceResult` per payload, in order.

        Every batch carries ``Idempotency-Key: <idempotency_key>-<batch number>``, so the retries of
        ``_call`` (and a caller's retry with the same key) replay instead of creating twice. A batch
        that fails as a whole gives each of its elements the error; ``outcome_unknown`` marks the
        elements whose request may have reached Xero (network failure) and must be looked up later.
        """
        results = []
        for number, batch in enumerate(iter_batches(list(payloads), batch_size or const.INVOICES_BATCH_SIZE), 1):
            key = f"{idempotency_key}-{number}"[:128]
            try:
                body = self._call(
                    lambda b=batch, k=key: _json_body(
                        self._accounting.create_invoices(
                            self._tenant(),
                            {"Invoices": b},
                            summarize_errors=False,
                            unitdp=4,
                            idempotency_key=k,
                            _preload_content=False,
                            _request_timeout=self._timeout(),
                        )
                    )
                )
            except XeroValidationError as error:  # the request itself was refused: nothing was created
                results += [XeroInvoiceResult(reference=p.get("Reference"), errors=[str(error)]) for p in batch]
                continue
            except XeroAuthError:
                raise  # the grant, not these invoices: nothing more can be sent (batches sent are looked up later)
            except XeroError as error:
                unknown = isinstance(error, XeroTransientError)
                results += [
                    XeroInvoiceResult(reference=p.get("Reference"), errors=[str(error)], outcome_unknown=unknown)
                    for p in batch
                ]
                continue
            elements = body.get("Invoices") or []
            for index, payload in enumerate(batch):
                element = elements[index] if index < len(elements) else {}
                results.append(invoice_result_from_json(element, payload.get("Reference")))
        return results

    def get_invoices(self, modified_since=None, ids=None, references=None, page=1, page_size=100):
        """One page of ACCREC invoices (without line items); returns ``([XeroInvoice], more)``."""
        clauses = ['Type=="ACCREC"']
        if references:
            clauses.append("(" + " OR ".join(f'Reference=="{_where_text(r)}"' for r in references) + ")")
        kwargs = {"where": " AND ".join(clauses), "page": page, "page_size": page_size, "summary_only": True}
        if ids:
            kwargs["i_ds"] = list(ids)
        if modified_since:
            kwargs["if_modified_since"] = _as_naive_utc(modified_since)
        body = self._call(
            lambda: _json_body(
                self._accounting.get_invoices(
                    self._tenant(), _preload_content=False, _request_timeout=self._timeout(), **kwargs
                )
            )
        )
        invoices = [invoice_from_json(i) for i in body.get("Invoices") or []]
        return invoices, len(invoices) >= page_size

    def iter_invoice_pages(self, modified_since=None, ids=None, references=None, page_size=100):
        page = 1
        while True:
            invoices, more = self.get_invoices(modified_since, ids, references, page=page, page_size=page_size)
            yield invoices
            if not more:
                return
            page += 1

    def update_invoice_status(self, invoice_id, status, idempotency_key=None):
        """DELETED (drafts), VOIDED (authorised, unpaid), AUTHORISED...; returns the updated XeroInvoice."""
        kwargs = {"idempotency_key": idempotency_key} if idempotency_key else {}
        body = self._call(
            lambda: _json_body(
                self._accounting.update_invoice(
                    self._tenant(),
                    invoice_id,
                    {"Invoices": [{"InvoiceID": invoice_id, "Status": status}]},
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                    **kwargs,
                )
            )
        )
        return invoice_from_json((body.get("Invoices") or [{}])[0])

    def update_invoice(self, invoice_id, payload, idempotency_key):
        """POST /Invoices/{InvoiceID} with the whole invoice (its lines replace Xero's); returns the XeroInvoice
        as Xero stored it. Xero's refusal raises XeroValidationError."""
        body = self._call(
            lambda: _json_body(
                self._accounting.update_invoice(
                    self._tenant(),
                    invoice_id,
                    {"Invoices": [dict(payload, InvoiceID=invoice_id)]},
                    unitdp=4,
                    idempotency_key=idempotency_key[:128],
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                )
            )
        )
        return invoice_from_json((body.get("Invoices") or [{}])[0])

    def online_invoice_url(self, invoice_id):
        """The customer-facing URL (not available for drafts: Xero answers a validation error)."""
        body = self._call(
            lambda: _json_body(
                self._accounting.get_online_invoice(
                    self._tenant(), invoice_id, _preload_content=False, _request_timeout=self._timeout()
                )
            )
        )
        found = body.get("OnlineInvoices") or [{}]
        return found[0].get("OnlineInvoiceUrl")

    def create_contacts(self, payloads, idempotency_key):
        """PUT /Contacts (one request, summarizeErrors=false); returns ``[(contact_id or None, errors)]``."""
        body = self._call(
            lambda: _json_body(
                self._accounting.create_contacts(
                    self._tenant(),
                    {"Contacts": list(payloads)},
                    summarize_errors=False,
                    idempotency_key=idempotency_key[:128],
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                )
            )
        )
        results = []
        for element in body.get("Contacts") or []:
            errors = [e.get("Message") for e in element.get("ValidationErrors") or [] if e.get("Message")]
            ok = not errors and element.get("StatusAttributeString", "OK") != "ERROR"
            results.append((element.get("ContactID") if ok else None, errors))
        return results

    # -- the money coming back (issue 15) ---------------------------------------------------------
    def iter_payment_pages(self, modified_since=None, page_size=None):
        """Yield pages of ACCREC payments ([XeroPayment]), deleted ones included (Status DELETED).

        One call per ``page_size`` payments (Xero's maximum, 1,000) changed since ``modified_since``.
        """
        kwargs = {"where": 'PaymentType=="ACCRECPAYMENT"'}
        if modified_since:
            kwargs["if_modified_since"] = _as_naive_utc(modified_since)
        page_size = page_size or const.PAYMENTS_PAGE_SIZE
        for _page, payments, _pagination in self._pages(
            self._accounting.get_payments, "Payments", payment_from_json, page_size, **kwargs
        ):
            yield payments

    def get_full_invoices(self, ids):
        """ACCREC invoices by InvoiceID with their payments and credit notes (a paged read: Xero only
        lists those on paged or by-id reads); one call per ``INVOICE_IDS_PER_CALL`` ids."""
        invoices = []
        for batch in iter_batches(list(ids), const.INVOICE_IDS_PER_CALL):
            body = self._call(
                lambda b=batch: _json_body(
                    self._accounting.get_invoices(
                        self._tenant(),
                        i_ds=b,
                        page=1,
                        page_size=len(b),
                        _preload_content=False,
                        _request_timeout=self._timeout(),
                    )
                )
            )
            invoices += [invoice_from_json(i) for i in body.get("Invoices") or []]
        return invoices

    def iter_credit_note_pages(self, modified_since=None, ids=None, references=None, page_size=None):
        """Yield pages of ACCRECCREDIT credit notes ([XeroCreditNote]) with lines and allocations."""
        clauses = ['Type=="ACCRECCREDIT"']
        if ids:
            clauses.append("(" + " OR ".join(f'CreditNoteID==Guid("{_where_text(i)}")' for i in ids) + ")")
        if references:
            clauses.append("(" + " OR ".join(f'Reference=="{_where_text(r)}"' for r in references) + ")")
        kwargs = {"where": " AND ".join(clauses)}
        if modified_since:
            kwargs["if_modified_since"] = _as_naive_utc(modified_since)
        page_size = page_size or const.PAYMENTS_PAGE_SIZE
        for _page, notes, _pagination in self._pages(
            self._accounting.get_credit_notes, "CreditNotes", credit_note_from_json, page_size, **kwargs
        ):
            yield notes

    def create_credit_note(self, payload, idempotency_key):
        """PUT /CreditNotes with one credit note; returns ``(XeroCreditNote or None, errors, outcome_unknown)``."""
        try:
            body = self._call(
                lambda: _json_body(
                    self._accounting.create_credit_notes(
                        self._tenant(),
                        {"CreditNotes": [payload]},
                        summarize_errors=False,
                        unitdp=4,
                        idempotency_key=idempotency_key[:128],
                        _preload_content=False,
                        _request_timeout=self._timeout(),
                    )
                )
            )
        except XeroValidationError as error:
            return None, [str(error)], False
        except XeroTransientError as error:
            return None, [str(error)], True
        element = (body.get("CreditNotes") or [{}])[0]
        errors = [e.get("Message") for e in element.get("ValidationErrors") or [] if e.get("Message")]
        if errors or element.get("StatusAttributeString") == "ERROR" or not element.get("CreditNoteID"):
            return None, errors or ["Xero did not create the credit note."], False
        return credit_note_from_json(element), [], False

    def allocate_credit_note(self, credit_note_id, invoice_id, amount, day, idempotency_key):
        """PUT /CreditNotes/{id}/Allocations: ``amount`` of the credit note against the invoice."""
        allocation = {"Invoice": {"InvoiceID": invoice_id}, "Amount": amount, "Date": str(day)}
        return self._call(
            lambda: _json_body(
                self._accounting.create_credit_note_allocation(
                    self._tenant(),
                    credit_note_id,
                    {"Allocations": [allocation]},
                    idempotency_key=idempotency_key[:128],
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                )
            )
        )

    def attach_to_invoice(self, invoice_id, file_name, content, include_online=True):
        """PUT /Invoices/{id}/Attachments/{file_name} (the same name replaces the file: idempotent)."""
        body = self._call(
            lambda: _json_body(
                self._accounting.create_invoice_attachment_by_file_name(
                    self._tenant(),
                    invoice_id,
                    file_name,
                    content,
                    include_online=include_online,
                    _preload_content=False,
                    _request_timeout=self._timeout(),
                )
            )
        )
        return (body.get("Attachments") or [{}])[0]

    # -- Xero Payroll (issue 26) ------------------------------------------------------------------
    def payroll(self, country=None):
        """The organisation's Xero Payroll (its region from ``country``, else from GET /Organisation)."""
        return PayrollClient(self, country or organisation_country(self))

    # -- the reconciliation (issue 22) ---------------------------------------------------------------
    def invoices_by_ids(self, ids, per_call=const.COMPARE_IDS_PER_CALL):
        """ACCREC invoices by InvoiceID in summary form (status, totals, amount due; no lines): exactly one
        ``GET /Invoices?IDs=`` per ``per_call`` ids, each a single page as large as its batch."""
        invoices = []
        for batch in iter_batches(list(ids), per_call):
            found, _more = self.get_invoices(ids=batch, page=1, page_size=len(batch))
            invoices += found
        return invoices

    def credit_notes_by_ids(self, ids, per_call=const.WHERE_IDS_PER_CALL):
        """ACCRECCREDIT credit notes by CreditNoteID (GET /CreditNotes has no IDs filter: a ``where`` on the ids,
        kept to a URL length Xero takes): exactly one call per ``per_call`` ids, each a single page."""
        notes = []
        for batch in iter_batches(list(ids), per_call):
            notes += next(self.iter_credit_note_pages(ids=batch, page_size=len(batch)), [])
        return notes

    # -- Xero Projects (issue 26) ---------------------------------------------------------------------
    # camelCase dicts go in as the Projects API spells them, raw JSON comes back (as for invoices). Every write
    # carries an Idempotency-Key: the retries of ``_call`` after a lost answer replay it, never create twice.
    def projects_users(self):
        """Every projects user of the organisation: ``[{"user_id", "name", "email"}]`` (500 a page)."""
        pages = self._pages(self._projects.get_project_users, "items", _projects_user, const.PROJECTS_PAGE_SIZE)
        return [user for _page, users, _pagination in pages for user in users]

    def create_project(self, name, contact_id, idempotency_key):
        """POST /Projects for a contact; returns the new ProjectId."""
        body = {"name": (name or "").strip()[:100] or contact_id, "contactId": contact_id}
        return self._projects_write(self._projects.create_project, (body,), idempotency_key)["projectId"]

    def get_project(self, project_id):
        """The project as Xero keeps it (its ``status``: INPROGRESS or CLOSED, its totals)."""
        return self._call(
            lambda: _json_body(
                self._projects.get_project(
                    self._tenant(), project_id, _preload_content=False, _request_timeout=self._timeout()
                )
            )
        )

    def projects_tasks(self, project_id):
        """Every task of a project, as raw JSON (``taskId``, ``name``, ``chargeType``, ``status``...)."""
        pages = self._pages(
            lambda tenant, **kwargs: self._projects.get_tasks(tenant, project_id, **kwargs),
            "items",
            dict,
            const.PROJECTS_PAGE_SIZE,
        )
        return [task for _page, tasks, _pagination in pages for task in tasks]

    def project_time_entries(self, project_id, date_after, date_before):
        """The project's time entries dated from ``date_after`` to ``date_before`` (ISO UTC date times), as raw
        JSON (``timeEntryId``, ``userId``, ``taskId``, ``dateUtc``, ``duration``, ``description``...)."""
        pages = self._pages(
            lambda tenant, **kwargs: self._projects.get_time_entries(tenant, project_id, **kwargs),
            "items",
            dict,
            const.PROJECTS_PAGE_SIZE,
            date_after_utc=date_after,
            date_before_utc=date_before,
        )
        return [entry for _page, entries, _pagination in pages for entry in entries]

    def create_project_task(self, project_id, name, rate, currency, chargeable, idempotency_key):
        """POST /Projects/{id}/Tasks, charged by the hour (or non-chargeable); returns the new TaskId."""
        body = {
            "name": (name or "").strip()[:100] or "-",
            "rate": {"currency": currency, "value": round(rate or 0.0, 2)},
            "chargeType": "TIME" if chargeable else "NON_CHARGEABLE",
        }
        return self._projects_write(self._projects.create_task, (project_id, body), idempotency_key)["taskId"]

    def create_time_entry(self, project_id, entry, idempotency_key):
        """POST /Projects/{id}/Time; ``entry``: userId, taskId, dateUtc, duration (minutes), description.
        Returns the new TimeEntryId."""
        return self._projects_write(self._projects.create_time_entry, (project_id, entry), idempotency_key)[
            "timeEntryId"
        ]

    def update_time_entry(self, project_id, time_entry_id, entry, idempotency_key):
        """PUT /Projects/{id}/Time/{timeEntryId} (refused by Xero once the entry is INVOICED or LOCKED)."""
        self._projects_write(self._projects.update_time_entry, (project_id, time_entry_id, entry), idempotency_key)

    def delete_time_entry(self, project_id, time_entry_id):
        """DELETE /Projects/{id}/Time/{timeEntryId}; an entry Xero no longer has counts as deleted."""
        try:
            self._call(
                lambda: self._projects.delete_time_entry(
                    self._tenant(), project_id, time_entry_id, _preload_content=False, _request_timeout=self._timeout()
                )
            )
        except XeroNotFoundError:
            _logger.info("Xero Projects time entry %s was already gone", time_entry_id)

    def _projects_write(self, method, args, idempotency_key):
        """One POST or PUT of the Projects API; returns its JSON answer ({} for a 204)."""
        response = self._call(
            lambda: method(
                self._tenant(),
                *args,
                idempotency_key=idempotency_key[:128],
                _preload_content=False,
                _request_timeout=self._timeout(),
            )
        )
        return _json_body(response) if response.data else {}


# --- helpers of the choke point ---------------------------------------------------------------------
def _logged(request):
    """The SDK's one HTTP entry point, logged at debug level: method, path, status and Xero's correlation
    id, never headers, query strings or bodies (they carry tokens and personal data)."""

    def logged_request(method, url, *args, **kwargs):
        path = urlsplit(url).path
        try:
            response = request(method, url, *args, **kwargs)
        except HTTPStatusException as error:
            headers = error.headers or {}
            _logger.debug("Xero %s %s → %s (correlation %s)", method, path, error.status, headers.get(CORRELATION))
            raise
        headers = _headers_of(response) or {}
        _logger.debug("Xero %s %s → %s (correlation %s)", method, path, response.status, headers.get(CORRELATION))
        return response

    return logged_request


def _headers_of(response):
    """Headers of the SDK's last response: a RESTResponse, or a raw urllib3 response."""
    response = getattr(response, "urllib3_response", response)
    return getattr(response, "headers", None)


def _projects_user(item):
    return {
        "user_id": item.get("userId"),
        "name": clean_text(item.get("name")) or "",
        "email": (item.get("email") or "").strip().lower(),
    }


def _enum(value):
    return str(getattr(value, "value", value) or "")


def _as_naive_utc(moment):
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _backoff(attempt):
    return min(0.5 * (2**attempt), 8.0)


def _retry_after(error):
    headers = error.headers or {}
    try:
        wait = float(headers.get("Retry-After", 1))
    except (TypeError, ValueError):
        wait = 1.0
    return wait, headers.get("X-Rate-Limit-Problem")


def _json_body(response):
    try:
        return json.loads(response.data)
    except (TypeError, ValueError):
        raise XeroTransientError(_lt("Xero sent a response that is not valid JSON."), "invalid_json") from None


def _where_text(value):
    """A string literal inside a Xero ``where`` clause."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"')
