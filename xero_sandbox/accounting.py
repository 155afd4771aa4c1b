"""api.xero.com/api.xro/2.0: Organisation, Accounts, TaxRates, Contacts, Invoices.

Every call goes through ``AccountingEndpoints.dispatch``, which applies Xero's gateway checks in
order: bearer token (401), ``xero-tenant-id`` present (400) and connected to the token (403), scope
(401 AuthorizationUnsuccessful), rate limits (429), then Idempotency-Key replay for writes. Every
response carries the ``X-*Limit-Remaining`` headers once the tenant is known.
"""

import functools
import json
import time
import uuid
from dataclasses import dataclass

from werkzeug.wrappers import Response

from . import errors
from .contacts import (
    contact_errors,
    paginate,
    paging,
    query_contacts,
    truthy,
)
from .events import notify
from .formats import dumps, envelope_datetime, parse_if_modified_since, parse_ms_json
from .highvolume import high_volume_refusal
from .idempotency import MAX_KEY_LENGTH, request_fingerprint
from .invoices import (
    INVOICE_FIELDS,
    BatchState,
    attach_contact,
    build_invoice,
    failed_element,
    invoice_without_lines,
)
from .ratelimit import Rejection
from .store import parse_order
from .where import WhereError, compile_where

API_PREFIX = "/api.xro/2.0"
SETTINGS_READ = frozenset(("accounting.settings", "accounting.settings.read"))
CONTACTS_READ = frozenset(("accounting.contacts", "accounting.contacts.read"))
CONTACTS_WRITE = frozenset(("accounting.contacts",))
INVOICES_READ = frozenset(
    ("accounting.transactions", "accounting.transactions.read", "accounting.invoices", "accounting.invoices.read")
)
INVOICES_WRITE = frozenset(("accounting.transactions", "accounting.invoices"))

# endpoint name -> (scopes any of which is enough, handler method name)
ENDPOINTS = {
    "organisation": (SETTINGS_READ, "get_organisation"),
    "accounts": (SETTINGS_READ, "get_accounts"),
    "account": (SETTINGS_READ, "get_account"),
    "tax_rates": (SETTINGS_READ, "get_tax_rates"),
    "contacts": (CONTACTS_READ, "get_contacts"),
    "contact": (CONTACTS_READ, "get_contact"),
    "contacts_put": (CONTACTS_WRITE, "create_contacts"),
    "contacts_post": (CONTACTS_WRITE, "create_or_update_contacts"),
    "contact_post": (CONTACTS_WRITE, "update_contact"),
    "invoices": (INVOICES_READ, "get_invoices"),
    "invoice": (INVOICES_READ, "get_invoice"),
    "invoices_put": (INVOICES_WRITE, "create_invoices"),
    "invoices_post": (INVOICES_WRITE, "create_or_update_invoices"),
    "invoice_post": (INVOICES_WRITE, "update_invoice"),
    "online_invoice": (INVOICES_READ, "get_online_invoice"),
}
# Endpoints added by other modules (groups, payments, credit notes...): name -> (scopes, function(api, call, ...)).
EXTRA_ENDPOINTS = {}


# Path prefix -> function(api, message) answering a refused Idempotency-Key in that API's own error shape.
KEY_REFUSALS = {}


def register(name: str, scopes: frozenset, function) -> None:
    EXTRA_ENDPOINTS[name] = (scopes, function)


def _key_refusal(api, call, message: str) -> Response:
    for prefix, refusal in KEY_REFUSALS.items():
        if call.request.path.startswith(prefix):
            return refusal(api, message)
    return errors.single_validation_error(message)


INVOICE_ORDER_FIELDS = {
    "invoicenumber": "InvoiceNumber",
    "date": "Date",
    "duedate": "DueDate",
    "updateddateutc": "UpdatedDateUTC",
    "total": "Total",
    "status": "Status",
    "reference": "Reference",
}


@dataclass
class Call:
    request: object
    tenant: object
    grant: object
    now_ms: int
    modified_since_ms: int = None


class AccountingEndpoints:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.store = sandbox.store
        self.oauth = sandbox.oauth
        self.limiter = sandbox.limiter
        self.idempotency = sandbox.idempotency

    # --- gateway ------------------------------------------------------------------------------------
    def dispatch(self, request, endpoint: str, fault, **path_args) -> Response:
        scopes, handler_name = ENDPOINTS.get(endpoint) or EXTRA_ENDPOINTS[endpoint]
        tenant_id = (request.headers.get("xero-tenant-id") or "").strip().lower()
        tenant = self.store.tenant(tenant_id)
        response = self._admit_and_run(request, tenant_id, tenant, scopes, handler_name, fault, path_args)
        if tenant is not None:
            response.headers.extend(self.limiter.remaining_headers(tenant.tenant_id))
        return response

    def _admit_and_run(self, request, tenant_id, tenant, scopes, handler_name, fault, path_args) -> Response:
        check = self.oauth.check_bearer(request.headers.get("Authorization"))
        if check.token is None:
            return errors.unauthorized(check.detail)
        if not tenant_id or not _looks_like_guid(tenant_id):
            return errors.missing_tenant_header()
        if tenant is None or not self.oauth.has_connection(check.grant, tenant_id):
            return errors.forbidden()
        if not scopes & set(check.grant.scopes):
            return errors.unauthorized("AuthorizationUnsuccessful")
        admission = self.limiter.admit(tenant.tenant_id)
        if isinstance(admission, Rejection):
            return _too_many_requests(admission)
        try:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            call = Call(request, tenant, check.grant, self.sandbox.clock.now_ms())
            modified_since = request.headers.get("If-Modified-Since")
            if modified_since:
                try:
                    call.modified_since_ms = parse_if_modified_since(modified_since)
                except ValueError:
                    return errors.single_validation_error(f"'{modified_since}' is not a valid If-Modified-Since")
            if isinstance(handler_name, str):
                handler = getattr(self, handler_name)
            else:
                handler = functools.partial(handler_name, self)
            if request.method in ("PUT", "POST"):
                return self._idempotent(call, handler, path_args)
            return handler(call, **path_args)
        finally:
            admission.release()

    def _idempotent(self, call: Call, handler, path_args) -> Response:
        key = call.request.headers.get("Idempotency-Key")
        if not key:
            return handler(call, **path_args)
        if len(key) > MAX_KEY_LENGTH:
            return _key_refusal(self, call, "Idempotency-Key must be 128 characters or fewer.")
        scope = (call.grant.client_id, call.tenant.tenant_id, key)
        fingerprint = request_fingerprint(call.request)
        with self.idempotency.key_lock(scope):
            stored = self.idempotency.lookup(scope)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return _key_refusal(
                        self, call, "The Idempotency-Key has already been used for a different request."
                    )
                return Response(stored.body, status=stored.status, content_type=stored.content_type)
            response = handler(call, **path_args)
            if response.status_code < 500:
                self.idempotency.remember(
                    scope, fingerprint, response.status_code, response.get_data(), response.content_type
                )
            return response

    # --- envelope -------------------------------------------------------------------------------------
    def envelope(self, collection: str, items: list, pagination: dict = None) -> Response:
        payload = self._envelope_head()
        if pagination is not None:
            payload["pagination"] = pagination
        payload[collection] = items
        return errors.json_response(payload)

    def _envelope_head(self) -> dict:
        return {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": self.sandbox.config.app.name,
            "DateTimeUTC": envelope_datetime(self.sandbox.clock.now_ms()),
        }

    def envelope_of_json(self, collection: str, chunks: list, pagination: dict = None) -> Response:
        """The envelope around already-serialised items: a join, no per-request encoding."""
        head = dumps(self._envelope_head())[:-1]
        if pagination is not None:
            head += b',"pagination":' + dumps(pagination)
        body = b"".join((head, b',"', collection.encode(), b'":[', b",".join(chunks), b"]}"))
        return errors.json_response(body)

    # --- settings -------------------------------------------------------------------------------------
    def get_organisation(self, call: Call) -> Response:
        return self.envelope("Organisations", [call.tenant.organisation])

    def get_accounts(self, call: Call) -> Response:
        accounts = call.tenant.accounts
        try:
            accounts = _filter_where(accounts, call.request.args.get("where"), "Account", _ACCOUNT_FIELDS)
            accounts = _order(accounts, call.request.args.get("order"), _ACCOUNT_ORDER_FIELDS, "Account")
        except WhereError as exc:
            return errors.query_parse_exception(str(exc))
        accounts = _modified_since(accounts, call.modified_since_ms)
        return self.envelope("Accounts", accounts)

    def get_account(self, call: Call, account_id: str) -> Response:
        account = call.tenant.accounts_by_id.get(account_id.lower())
        if account is None:
            return errors.not_found()
        return self.envelope("Accounts", [account])

    def get_tax_rates(self, call: Call) -> Response:
        rates = call.tenant.tax_rates
        tax_type = call.request.args.get("TaxType")
        if tax_type:
            rates = [rate for rate in rates if rate["TaxType"] == tax_type]
        try:
            rates = _filter_where(rates, call.request.args.get("where"), "TaxRate", _TAX_RATE_FIELDS)
        except WhereError as exc:
            return errors.query_parse_exception(str(exc))
        return self.envelope("TaxRates", rates)

    # --- contacts ---------------------------------------------------------------------------------------
    def get_contacts(self, call: Call) -> Response:
        summary = truthy(call.request.args.get("summaryOnly", "false"))
        refusal = high_volume_refusal(call.tenant, call.request.args)
        if refusal is not None:
            return refusal
        paged = "page" in call.request.args
        with self.store.lock:
            try:
                page = query_contacts(call.tenant, call.request.args, call.modified_since_ms)
            except WhereError as exc:
                return errors.query_parse_exception(str(exc))
            except ValueError as exc:
                return errors.query_parse_exception(str(exc))
            if paged:
                chunks = [record.summary_json() if summary else record.full_json() for record in page.records]
            else:  # MergedToContactID and ContactGroups come only on paged and by-id reads
                chunks = [record.unpaged_json(summary) for record in page.records]
        return self.envelope_of_json("Contacts", chunks, page.pagination)

    def get_contact(self, call: Call, contact_id: str) -> Response:
        with self.store.lock:
            record = call.tenant.contacts.get(contact_id.lower()) or call.tenant.contact_by_number(contact_id)
            if record is None:
                return errors.not_found()
            return self.envelope_of_json("Contacts", [record.full_json()])

    def create_contacts(self, call: Call) -> Response:
        return self._write_contacts(call, allow_update=False)

    def create_or_update_contacts(self, call: Call) -> Response:
        return self._write_contacts(call, allow_update=True)

    def update_contact(self, call: Call, contact_id: str) -> Response:
        return self._write_contacts(call, allow_update=True, path_id=contact_id)

    def _write_contacts(self, call: Call, allow_update: bool, path_id: str = None) -> Response:
        elements, problem = _collection(call.request, "Contacts")
        if problem is not None:
            return problem
        summarize = truthy(call.request.args.get("summarizeErrors", "true"))
        with self.store.lock:
            plans, batch_names = [], set()
            for element in elements:
                existing = self._contact_target(call.tenant, element, path_id, allow_update)
                if existing == "missing":
                    return errors.not_found()
                problems = contact_errors(call.tenant, element, existing, batch_names)
                if not problems and existing is None:
                    batch_names.add(element["Name"].casefold())
                plans.append((element, existing, problems))
            if summarize and any(problems for _, _, problems in plans):
                return errors.validation_exception(
                    [_failed_contact(element, problems) for element, _, problems in plans if problems]
                )
            results = []
            for element, existing, problems in plans:
                if problems:
                    results.append(_failed_contact(element, problems))
                    continue
                record = self.sandbox.save_contact(call.tenant, element, existing)
                results.append(dict(record.data, StatusAttributeString="OK"))
        return self.envelope("Contacts", results)

    @staticmethod
    def _contact_target(tenant, element, path_id, allow_update):
        """The stored contact an element updates, None for a create, or "missing" for an unknown id."""
        contact_id = path_id or element.get("ContactID")
        if contact_id:
            # Xero treats a ContactID in PUT /Contacts as an update too.
            record = tenant.contacts.get(str(contact_id).lower())
            return "missing" if record is None else record
        if allow_update and element.get("ContactNumber"):
            return tenant.contact_by_number(element["ContactNumber"])
        return None

    # --- invoices ---------------------------------------------------------------------------------------
    def get_invoices(self, call: Call) -> Response:
        args = call.request.args
        with self.store.lock:
            invoices = list(call.tenant.invoices.values())
        try:
            invoices = _filter_invoices(invoices, args, call.modified_since_ms)
            invoices = _order(invoices, args.get("order"), INVOICE_ORDER_FIELDS, "Invoice")
        except WhereError as exc:
            return errors.query_parse_exception(str(exc))
        page, page_size = paging(args)
        result = paginate(invoices, page, page_size)
        # Xero leaves LineItems out of unpaged and summary listings.
        if page is None or truthy(args.get("summaryOnly", "false")):
            items = [invoice_without_lines(invoice) for invoice in result.records]
        else:
            items = result.records
        return self.envelope("Invoices", items, result.pagination)

    def get_invoice(self, call: Call, invoice_id: str) -> Response:
        with self.store.lock:
            invoice = call.tenant.find_invoice(invoice_id)
        if invoice is None:
            return errors.not_found()
        return self.envelope("Invoices", [invoice])

    def get_online_invoice(self, call: Call, invoice_id: str) -> Response:
        with self.store.lock:
            invoice = call.tenant.find_invoice(invoice_id)
        if invoice is None:
            return errors.not_found()
        if invoice["Type"] != "ACCREC" or invoice["Status"] in ("DRAFT", "DELETED"):
            return errors.single_validation_error(
                f"Online invoice is not available for {invoice['Status'].lower()} {invoice['Type']} invoices."
            )
        url = f"{call.request.host_url}_sandbox/online-invoices/{invoice['InvoiceID']}"
        return self.envelope("OnlineInvoices", [{"OnlineInvoiceUrl": url}])

    def create_invoices(self, call: Call) -> Response:
        return self._write_invoices(call, allow_update=False)

    def create_or_update_invoices(self, call: Call) -> Response:
        return self._write_invoices(call, allow_update=True)

    def update_invoice(self, call: Call, invoice_id: str) -> Response:
        return self._write_invoices(call, allow_update=True, path_id=invoice_id)

    def _write_invoices(self, call: Call, allow_update: bool, path_id: str = None) -> Response:
        elements, problem = _collection(call.request, "Invoices")
        if problem is not None:
            return problem
        summarize = truthy(call.request.args.get("summarizeErrors", "true"))
        unitdp = 4 if call.request.args.get("unitdp") == "4" else 2
        batch = BatchState()
        with self.store.lock:
            plans = []
            for element in elements:
                existing = self._invoice_target(call.tenant, element, path_id, allow_update)
                if existing == "missing":
                    return errors.not_found()
                outcome = build_invoice(call.tenant, element, existing, self.sandbox.clock.tick_ms(), unitdp, batch)
                plans.append((element, outcome))
            if summarize and any(outcome.errors for _, outcome in plans):
                return errors.validation_exception(
                    [_failed_invoice_element(element, outcome.errors) for element, outcome in plans if outcome.errors]
                )
            results = []
            for element, outcome in plans:
                if outcome.errors:
                    results.append(failed_element(element, outcome.errors))
                else:
                    results.append(dict(self._save_invoice(call.tenant, outcome), StatusAttributeString="OK"))
        return self.envelope("Invoices", results)

    @staticmethod
    def _invoice_target(tenant, element, path_id, allow_update):
        invoice_id = path_id or element.get("InvoiceID")
        if invoice_id:
            invoice = tenant.find_invoice(str(invoice_id))
            return "missing" if invoice is None else invoice
        number = element.get("InvoiceNumber")
        if allow_update and number and element.get("Type", "ACCREC") == "ACCREC":
            return tenant.find_invoice(number)
        return None

    def _save_invoice(self, tenant, outcome) -> dict:
        invoice = outcome.invoice
        if outcome.contact_to_create is not None:
            record = self.sandbox.save_contact(tenant, outcome.contact_to_create, None)
            attach_contact(invoice, record.data)
        if not invoice["InvoiceNumber"] and invoice["Type"] == "ACCREC":
            invoice["InvoiceNumber"] = tenant.take_invoice_number()
        created = invoice["InvoiceID"] not in tenant.invoices
        tenant.invoices[invoice["InvoiceID"]] = invoice
        self.sandbox.mark_contact_role(tenant, invoice)
        notify(self.sandbox, tenant, "INVOICE", invoice["InvoiceID"], "CREATE" if created else "UPDATE")
        return invoice


def _too_many_requests(rejection: Rejection) -> Response:
    response = errors.problem(429, "Too Many Requests", f"Rate limit exceeded: {rejection.problem}")
    response.headers["Retry-After"] = str(rejection.retry_after)
    response.headers["X-Rate-Limit-Problem"] = rejection.problem
    return response


def _looks_like_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _collection(request, key: str):
    """The list under ``key`` in a JSON body (a bare object is accepted as a one-element batch)."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return None, errors.json_response(
            {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": "Invalid Json data"}, status=400
        )
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key], None
    if isinstance(body, dict) and body:
        return [body], None
    return None, errors.json_response(
        {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": f"No {key} were found in the request"},
        status=400,
    )


def _failed_contact(element: dict, problems: list) -> dict:
    failed = dict(element)
    failed.update(
        HasValidationErrors=True,
        StatusAttributeString="ERROR",
        ValidationErrors=[{"Message": message} for message in problems],
    )
    return failed


def _failed_invoice_element(element: dict, problems: list) -> dict:
    failed = dict(element)
    failed["ValidationErrors"] = [{"Message": message} for message in problems]
    return failed


def _filter_where(items: list, where: str, entity: str, fields: frozenset) -> list:
    if not where:
        return items
    predicate = compile_where(where, entity, fields)
    return [item for item in items if predicate(item)]


def _order(items: list, order: str, allowed: dict, entity: str) -> list:
    if not order:
        return items
    try:
        field, descending = parse_order(order, allowed)
    except ValueError as exc:
        raise WhereError(str(exc).replace("'Contact'", f"'{entity}'")) from exc
    return sorted(items, key=lambda item: _sort_value(item.get(field)), reverse=descending)


def _sort_value(value):
    if isinstance(value, str):
        ms = parse_ms_json(value)
        return (1, ms) if ms is not None else (2, value.casefold())
    return (0, value or 0)


def _modified_since(items: list, since_ms) -> list:
    if since_ms is None:
        return items
    return [item for item in items if (parse_ms_json(item.get("UpdatedDateUTC", "")) or 0) >= since_ms]


def list_paged(api, call, records: list, entity: str, fields: frozenset, order_fields: dict, collection: str):
    """A paged GET of a collection: If-Modified-Since, ``where``, ``order``, then ``page``/``pageSize``."""
    args = call.request.args
    try:
        records = _modified_since(records, call.modified_since_ms)
        records = _filter_where(records, args.get("where"), entity, fields)
        records = _order(records, args.get("order"), order_fields, entity)
    except WhereError as exc:
        return errors.query_parse_exception(str(exc))
    page, page_size = paging(args)
    result = paginate(records, page, page_size)
    return api.envelope(collection, result.records, result.pagination)


def _csv(args, name: str) -> set:
    return {value.strip().lower() for value in args.get(name, "").split(",") if value.strip()}


def _filter_invoices(invoices: list, args, since_ms) -> list:
    ids, numbers = _csv(args, "IDs"), _csv(args, "InvoiceNumbers")
    contact_ids, statuses = _csv(args, "ContactIDs"), {s.upper() for s in _csv(args, "Statuses")}
    term = args.get("searchTerm", "").strip().casefold()
    invoices = _modified_since(invoices, since_ms)
    invoices = _filter_where(invoices, args.get("where"), "Invoice", INVOICE_FIELDS)
    return [
        invoice
        for invoice in invoices
        if (not ids or invoice["InvoiceID"] in ids)
        and (not numbers or invoice["InvoiceNumber"].lower() in numbers)
        and (not contact_ids or (invoice["Contact"] or {}).get("ContactID") in contact_ids)
        and (not statuses or invoice["Status"] in statuses)
        and (not term or term in invoice["InvoiceNumber"].casefold() or term in invoice["Reference"].casefold())
    ]


_ACCOUNT_FIELDS = frozenset(
    (
        "Code", "Name", "AccountID", "Type", "BankAccountNumber", "Status", "Description", "BankAccountType",
        "CurrencyCode", "TaxType", "EnablePaymentsToAccount", "ShowInExpenseClaims", "Class", "SystemAccount",
        "ReportingCode", "ReportingCodeName", "HasAttachments", "UpdatedDateUTC", "AddToWatchlist",
    )
)  # fmt: skip
_ACCOUNT_ORDER_FIELDS = {name.lower(): name for name in _ACCOUNT_FIELDS}
_TAX_RATE_FIELDS = frozenset(
    ("Name", "TaxType", "Status", "ReportTaxType", "DisplayTaxRate", "EffectiveRate", "CanApplyToRevenue")
)
