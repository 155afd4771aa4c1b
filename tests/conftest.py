"""Fixtures for the xero_sandbox suites (tests/test_sandbox_*.py).

Every HTTP exchange with the session sandbox is recorded by a WSGI middleware, and after each test
the exchanges are checked against Xero's official OpenAPI specs (``tests/xero-openapi``, copied unchanged), so
every test that talks to the sandbox is also a conformance test. Where the spec disagrees with real
Xero (or with what the official SDK sends), the tolerated difference is listed in
``KNOWN_SPEC_GAPS`` with the reason.

No Odoo here: these suites run on the plain virtualenv, also inside the project's main pytest run.
"""

import base64
import contextlib
import hashlib
import io
import json
import secrets
import sys
import threading
import urllib.parse
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
import urllib3
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xero_python.accounting import AccountingApi  # noqa: E402
from xero_python.api_client import ApiClient, Configuration  # noqa: E402
from xero_python.api_client.oauth2 import OAuth2Token  # noqa: E402
from xero_python.identity import IdentityApi  # noqa: E402

from xero_sandbox.testing import SandboxServer  # noqa: E402

SPEC_DIR = Path(__file__).resolve().parent / "xero-openapi"
CLIENT_ID = "sandbox-suite-client"
CLIENT_SECRET = "sandbox-suite-secret"
REDIRECT_URI = "http://127.0.0.1:8069/xero_timesync/oauth/callback"
OTHER_REDIRECT_URI = "https://odoo.example.com/xero_timesync/oauth/callback"
ALL_SCOPES = (
    "openid profile email offline_access accounting.settings accounting.contacts accounting.transactions "
    "accounting.invoices accounting.attachments"
)
SESSION_CONTACTS = 10000
API_HOST = "https://api.xero.com"
MAX_CHECKS_PER_ROUTE = 3  # per test and (method, path, status)
MAX_VALIDATED_ITEMS = 60  # larger collections are validated on a sample (schema checks cost ~2 ms per contact)

# (description, predicate over a jsonschema error) for differences between the spec and the wire.
KNOWN_SPEC_GAPS = (
    (
        "Connection.createdDateUtc/updatedDateUtc are 'date-time' in xero-identity.yaml, but Xero sends them "
        "without an offset and with 7 fractional digits (the spec's own example: 2019-12-07T18:46:19.5165400)",
        lambda error: error.validator == "format" and _path_ends(error, "createdDateUtc", "updatedDateUtc"),
    ),
    (
        "If-Modified-Since is 'date-time' in the spec, but xero-python sends datetime.isoformat(), which has no "
        "offset for a naive datetime, and Xero documents the header as a UTC 'yyyy-mm-ddThh:mm:ss' timestamp",
        lambda error: error.validator == "format" and "If-Modified-Since" in getattr(error, "_parameter", ""),
    ),
    (
        "The {InvoiceID} path parameter is a 'uuid' in the spec, but Xero is widely relied on to accept an "
        "InvoiceNumber there too (e.g. MCP servers' get_invoice by number; not confirmed on an official page), "
        "so the sandbox accepts both and the tests use it once",
        lambda error: error.validator == "format" and getattr(error, "_parameter", "") == "InvoiceID",
    ),
    (
        "Invoice.HasAttachments is readOnly, but xero-python's Invoice model defaults it to False and so sends it "
        "in every PUT/POST /Invoices (Xero ignores it)",
        lambda error: error.validator == "readOnly" and _path_ends(error, "HasAttachments"),
    ),
    (
        "Webhook eventDateUtc is 'date-time' in xero-webhooks.yaml, but the spec's own example and Xero's "
        "deliveries carry no offset (2025-12-02T00:44:09.923, UTC)",
        lambda error: error.validator == "format" and _path_ends(error, "eventDateUtc"),
    ),
    (
        "Attachment uploads are 'string'/'byte' (base64) in the spec, but xero-python and Xero send the raw file "
        "bytes as application/octet-stream",
        lambda error: error.validator == "format" and error.validator_value == "byte" and not error.path,
    ),
    (
        "Payroll NZ/UK/AU v2 dates are 'date' and timestamps 'date-time' in the specs, but the specs' own examples "
        "and Xero send dates as 2020-04-13T00:00:00 and timestamps without an offset (UTC), which xero-python reads",
        lambda error: error.validator == "format" and _path_ends(error, *PAYROLL_DATE_FIELDS),
    ),
    (
        "DELETE /Timesheets/{id} and /Timesheets/{id}/Lines/{lineId} answer 200 typed as a TimesheetLine in the "
        "payroll specs (whose date, earningsRateID and numberOfUnits are required), but nothing is left to return: "
        "Xero answers the bare envelope",
        lambda error: error.validator == "required"
        and not error.path
        and list(error.validator_value) == ["date", "earningsRateID", "numberOfUnits"],
    ),
    (
        "Projects' Task.rate, totalAmount, amountToBeInvoiced and amountInvoiced are '$ref: Amount' with a sibling "
        "'type: number', which OpenAPI 3.0 says to ignore but openapi-core applies; xero-python sends and reads "
        "Amount objects ({currency, value})",
        lambda error: error.validator == "type"
        and error.validator_value == "number"
        and isinstance(error.instance, dict)
        and set(error.instance) <= {"currency", "value"},
    ),
    (
        "Contact.Name has maxLength 255, but the sandbox deliberately seeds some 500-character names "
        "(robustness data asked for by the project; not a claim about Xero)",
        lambda error: error.validator == "maxLength" and _path_ends(error, "Name") and "Contacts" in error.path,
    ),
)


PAYROLL_DATE_FIELDS = (
    "startDate", "endDate", "date", "updatedDateUTC", "createdDateUTC", "dateOfBirth", "periodStartDate",
    "periodEndDate", "paymentDate",
)  # fmt: skip


def _path_ends(error, *names) -> bool:
    return bool(error.path) and error.path[-1] in names


# --- recording ---------------------------------------------------------------------------------------------
@dataclass
class Exchange:
    method: str
    path: str
    query: list
    headers: dict
    body: bytes
    status: int = None  # None when the sandbox dropped the connection
    response_headers: dict = field(default_factory=dict)
    response_body: bytes = b""
    exempt: bool = False


class Recorder:
    """Keeps every request/response pair of the sandboxes it wraps (WSGI middleware)."""

    def __init__(self):
        self.exchanges = []
        self.exempt_depth = 0
        self.lock = threading.Lock()

    def wrap(self, app):
        return lambda environ, start_response: self.record(app, environ, start_response)

    def record(self, app, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        exchange = Exchange(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers,
            body,
            exempt=self.exempt_depth > 0,
        )
        with self.lock:
            self.exchanges.append(exchange)

        def recording_start_response(status, response_headers, exc_info=None):
            exchange.status = int(status.split()[0])
            exchange.response_headers = dict(response_headers)
            return start_response(status, response_headers, exc_info)

        chunks = list(app(environ, recording_start_response))
        exchange.response_body = b"".join(chunks)
        return chunks

    def take(self) -> list:
        with self.lock:
            taken, self.exchanges = self.exchanges, []
        return taken

    @contextlib.contextmanager
    def exempt(self):
        """Exchanges inside are not spec-checked (deliberately broken requests, injected faults)."""
        self.exempt_depth += 1
        try:
            yield
        finally:
            self.exempt_depth -= 1


# --- spec checking -----------------------------------------------------------------------------------------
class _SpecRequest:
    def __init__(self, exchange: Exchange, path: str):
        self.host_url = API_HOST
        self.path = path
        self.method = exchange.method.lower()
        # xero-python sends booleans as Python's "True"/"False"; the spec's booleans (and openapi-core's
        # caster) want "true"/"false". Xero accepts both, so compare the lower-cased form.
        query = [(name, value.lower() if value in ("True", "False") else value) for name, value in exchange.query]
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(exchange.headers),
            cookie=ImmutableMultiDict(),
            path={},
        )
        self.body = exchange.body or None
        self.content_type = exchange.headers.get("Content-Type", "")


class _SpecResponse:
    def __init__(self, exchange: Exchange, body: bytes):
        self.status_code = exchange.status
        self.data = body
        self.content_type = exchange.response_headers.get("Content-Type", "").split(";")[0]
        self.headers = Headers(exchange.response_headers)


class SpecChecker:
    """Checks recorded exchanges against the accounting and identity specs."""

    def __init__(self, accounting: OpenAPI, identity: OpenAPI):
        self.accounting = accounting
        self.identity = identity
        # Filled by the payroll/projects fixtures (their specs are loaded only by the modules that use them):
        # payroll region (NZ/UK/AU) -> spec, tenant id -> region, and the Projects spec.
        self.payroll_specs = {}
        self.payroll_regions = {}
        self.projects = None
        identity_schemas = identity.spec.contents()["components"]["schemas"]
        self.access_token_validator = OAS30Validator(identity_schemas["AccessToken"])
        accounting_schemas = accounting.spec.contents()["components"]["schemas"]
        self.error_validator = OAS30Validator(
            {**accounting_schemas["Error"], "components": {"schemas": accounting_schemas}},
        )

    def problems(self, exchanges: list) -> list:
        found, seen = [], {}
        for exchange in exchanges:
            if exchange.exempt or exchange.status is None:
                continue
            route = (exchange.method, exchange.path, exchange.status)
            seen[route] = seen.get(route, 0) + 1
            if seen[route] > MAX_CHECKS_PER_ROUTE:  # e.g. the 10th page of a paging loop adds nothing
                continue
            for problem in self.check(exchange):
                found.append(f"{exchange.method} {exchange.path} -> {exchange.status}: {problem}")
        return found

    def check(self, exchange: Exchange) -> list:
        if exchange.path.startswith("/api.xro/2.0/"):
            return self._check_openapi(self.accounting, exchange, exchange.path)
        if exchange.path.startswith("/payroll.xro/2.0/"):
            tenant = exchange.headers.get("Xero-Tenant-Id", "").lower()
            spec = self.payroll_specs.get(self.payroll_regions.get(tenant))
            return self._check_openapi(spec, exchange, exchange.path) if spec else []
        if exchange.path.startswith("/projects.xro/2.0/") and self.projects is not None:
            return self._check_openapi(self.projects, exchange, exchange.path)
        if exchange.path.lower().startswith("/connections"):
            spec_path = "/Connections" + exchange.path[len("/connections") :]
            return self._check_openapi(self.identity, exchange, spec_path)
        if exchange.path == "/connect/token" and exchange.status == 200:
            return [e.message for e in self.access_token_validator.iter_errors(json.loads(exchange.response_body))]
        return []

    def _check_openapi(self, spec: OpenAPI, exchange: Exchange, path: str) -> list:
        request = _SpecRequest(exchange, path)
        problems = []
        if exchange.headers.get("User-Agent", "").startswith("xero-python"):
            problems += _unexplained(spec.validate_request, request)
        undeclared = exchange.status in (401, 403, 404, 405, 429) or exchange.status >= 500
        if undeclared or (exchange.status == 400 and request.method == "get"):
            # Xero's gateway/error answers the spec does not declare; their shape is checked by the tests.
            problems += self._undeclared_response(exchange)
            return problems
        response = _SpecResponse(exchange, _sampled(exchange.response_body))
        try:
            problems += _unexplained(spec.validate_response, request, response)
        except ResponseNotFound:
            problems.append(f"status {exchange.status} is not declared by the spec")
        return problems

    def _undeclared_response(self, exchange: Exchange) -> list:
        if exchange.status == 400 and exchange.response_body.startswith(b'{"ErrorNumber"'):
            return [e.message for e in self.error_validator.iter_errors(json.loads(exchange.response_body))]
        if exchange.status == 400 and exchange.path.startswith("/payroll.xro/2.0/"):
            body = json.loads(exchange.response_body)
            return [] if body.get("problem", {}).get("invalidFields") else ["a payroll 400 without invalidFields"]
        return []


def full_response_problems(spec: OpenAPI, path: str, query: list, status: int, headers: dict, body: bytes) -> list:
    """Validate one GET response in full (no sampling); only documented gaps may be left."""
    exchange = Exchange("GET", path, query, {}, b"", status, dict(headers), body)
    return _unexplained(spec.validate_response, _SpecRequest(exchange, path), _SpecResponse(exchange, body))


def _sampled(body: bytes) -> bytes:
    """Large collections are validated on their first items (and every very long name among them)."""
    if not body or not body.startswith(b"{"):
        return body
    payload = json.loads(body)
    for key, value in payload.items():
        if isinstance(value, list) and len(value) > MAX_VALIDATED_ITEMS:
            payload[key] = value[:MAX_VALIDATED_ITEMS]
    return json.dumps(payload).encode()


def _unexplained(validate, *args) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openapi-core warns that it cannot check OAuth2 security schemes
        try:
            validate(*args)
        except ResponseNotFound:
            raise
        except Exception as exc:  # openapi-core's validation errors
            return _explain(exc)
    return []


def _explain(exc: Exception) -> list:
    cause = exc.__cause__
    errors = list(getattr(cause, "schema_errors", None) or [])
    parameter = getattr(exc, "name", "") or ""
    for error in errors:
        error._parameter = parameter
    unexplained = [error for error in errors if not any(known(error) for _, known in KNOWN_SPEC_GAPS)]
    if errors and not unexplained:
        return []
    if not errors:
        return [f"{type(exc).__name__}: {str(exc)[:300]}"]
    return [f"{'/'.join(map(str, error.path))}: {error.message[:200]} ({error.validator})" for error in unexplained]


# --- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def accounting_spec() -> OpenAPI:
    # The spec itself does not pass openapi-spec-validator: several booleans have string defaults
    # (e.g. Account.HasAttachments: default "false"), so spec checking is switched off.
    return OpenAPI.from_file_path(SPEC_DIR / "xero_accounting.yaml", config=Config(spec_validator_cls=None))


@pytest.fixture(scope="session")
def identity_spec() -> OpenAPI:
    return OpenAPI.from_file_path(SPEC_DIR / "xero-identity.yaml", config=Config(spec_validator_cls=None))


@pytest.fixture(scope="session")
def webhooks_spec() -> OpenAPI:
    return OpenAPI.from_file_path(SPEC_DIR / "xero-webhooks.yaml", config=Config(spec_validator_cls=None))


def _spec(name: str) -> OpenAPI:
    return OpenAPI.from_file_path(SPEC_DIR / name, config=Config(spec_validator_cls=None))


@pytest.fixture(scope="session")
def payroll_specs(spec_checker) -> dict:
    """Payroll region -> spec; also checks the payroll exchanges from then on (``payroll_regions`` tells the
    checker which organisation is in which region)."""
    names = {"NZ": "xero-payroll-nz.yaml", "UK": "xero-payroll-uk.yaml", "AU": "xero-payroll-au-v2.yaml"}
    spec_checker.payroll_specs.update({region: _spec(name) for region, name in names.items()})
    return spec_checker.payroll_specs


@pytest.fixture(scope="session")
def projects_spec(spec_checker) -> OpenAPI:
    spec_checker.projects = _spec("xero-projects.yaml")
    return spec_checker.projects


@pytest.fixture(scope="session")
def spec_checker(accounting_spec, identity_spec) -> SpecChecker:
    return SpecChecker(accounting_spec, identity_spec)


@pytest.fixture(scope="session")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="session")
def sandbox(recorder):
    server = SandboxServer(
        contacts=SESSION_CONTACTS,
        seed=42,
        orgs=2,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI, OTHER_REDIRECT_URI],
        rate_limits={"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1},
        wsgi_middleware=recorder.wrap,
    )
    with server:
        yield server


@pytest.fixture
def private_sandbox(recorder):
    """A small sandbox of its own, for tests that revoke, disconnect or would disturb the session one."""
    server = SandboxServer(
        contacts=20,
        seed=5,
        orgs=2,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI],
        wsgi_middleware=recorder.wrap,
    )
    with server:
        yield server


@pytest.fixture(autouse=True)
def conforms_to_spec(recorder, spec_checker):
    """After each test, every exchange it caused must match the official specs."""
    recorder.take()
    yield
    problems = spec_checker.problems(recorder.take())
    assert not problems, "responses/requests not conforming to the Xero OpenAPI specs:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def fresh_behaviour(request):
    """Each test starts without faults, with the clock at now, no limits and default token lifetimes."""
    if "sandbox" not in request.fixturenames:
        yield
        return
    sandbox = request.getfixturevalue("sandbox")
    _restore_behaviour(sandbox)
    yield
    _restore_behaviour(sandbox)


def _restore_behaviour(sandbox) -> None:
    control = sandbox.control
    control.clear_faults()
    control.set_clock_offset(0)
    control.set_rate_limits(minute=-1, day=-1, concurrent=-1, app_minute=-1)
    control.set_token_settings(access_token_ttl=1800, code_ttl=300, refresh_grace=1800)


# --- OAuth and SDK helpers -----------------------------------------------------------------------------------
def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(sandbox, scope=ALL_SCOPES, state="state-123", challenge=None, **overrides) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(overrides)
    return f"{sandbox.url}/identity/connect/authorize?{urllib.parse.urlencode(params)}"


def query_of(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def token_request(sandbox, **form):
    """POST /connect/token with HTTP Basic client authentication; returns (status, json)."""
    http = urllib3.PoolManager(retries=False)
    credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = http.request(
        "POST",
        f"{sandbox.url}/connect/token",
        fields=form,
        encode_multipart=False,
        headers={"Authorization": f"Basic {credentials}"},
    )
    return response.status, json.loads(response.data or b"null")


def connect(sandbox, scope=ALL_SCOPES, tenant_ids=None) -> dict:
    """The whole consent + PKCE code exchange; returns the token response (scope as a list)."""
    verifier, challenge = pkce_pair()
    redirect = sandbox.consent(authorize_url(sandbox, scope=scope, challenge=challenge), tenant_ids=tenant_ids)
    status, token = token_request(
        sandbox,
        grant_type="authorization_code",
        code=query_of(redirect)["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert status == 200, token
    token["scope"] = token["scope"].split()
    return token


class SandboxOAuth2Token(OAuth2Token):
    """xero-python's token, refreshing at the sandbox: TokenApi's URLs are class attributes pointing at
    identity.xero.com, so they are set on the TokenApi instance here, never globally."""

    def __init__(self, identity_url: str, **kwargs):
        super().__init__(**kwargs)
        self.identity_url = identity_url

    def call_refresh_token_api(self, token_api):
        token_api.refresh_token_url = f"{self.identity_url}/connect/token"
        return super().call_refresh_token_api(token_api)


@dataclass
class Sdk:
    api_client: ApiClient
    accounting: AccountingApi
    identity: IdentityApi
    token_store: dict


def sdk_for(sandbox, token: dict, retries=False) -> Sdk:
    """xero-python clients on the sandbox. ``retries=False`` turns off urllib3's hidden retries (which
    would otherwise wait out Retry-After and repeat dropped PUTs); ``None`` keeps the SDK's default."""
    store = dict(token)
    oauth2_token = SandboxOAuth2Token(sandbox.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    api_client = ApiClient(
        _configuration(oauth2_token),
        oauth2_token_getter=lambda: store,
        oauth2_token_saver=lambda new_token: store.update(new_token),
    )
    if retries is not None:
        api_client.rest_client.pool_manager = urllib3.PoolManager(num_pools=4, maxsize=8, retries=retries)
    api_client.set_oauth2_token(store)
    return Sdk(
        api_client,
        AccountingApi(api_client, base_url=f"{sandbox.url}/api.xro/2.0"),
        IdentityApi(api_client, base_url=sandbox.url),
        store,
    )


@pytest.fixture(scope="session")
def session_token(sandbox) -> dict:
    tenant_ids = [tenant["tenant_id"] for tenant in sandbox.tenants]
    return connect(sandbox, tenant_ids=tenant_ids)


@pytest.fixture
def sdk(sandbox, session_token) -> Sdk:
    return sdk_for(sandbox, session_token)


@pytest.fixture(scope="session")
def tenant_id(sandbox) -> str:
    return sandbox.tenants[0]["tenant_id"]


@pytest.fixture(scope="session")
def second_tenant_id(sandbox) -> str:
    return sandbox.tenants[1]["tenant_id"]


def raw(sandbox, method: str, path: str, token: str = None, tenant_id: str = None, headers=None, body=None):
    """A plain HTTP call (no SDK): returns (status, headers, parsed JSON or text)."""
    http = urllib3.PoolManager(retries=False)
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if tenant_id:
        all_headers["xero-tenant-id"] = tenant_id
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        all_headers.setdefault("Content-Type", "application/json")
    response = http.request(method, f"{sandbox.url}{path}", body=data, headers=all_headers)
    text = response.data.decode("utf-8", "replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return response.status, response.headers, parsed


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (which should not import conftest)."""
    return SimpleNamespace(
        CLIENT_ID=CLIENT_ID,
        CLIENT_SECRET=CLIENT_SECRET,
        REDIRECT_URI=REDIRECT_URI,
        OTHER_REDIRECT_URI=OTHER_REDIRECT_URI,
        ALL_SCOPES=ALL_SCOPES,
        SESSION_CONTACTS=SESSION_CONTACTS,
        pkce_pair=pkce_pair,
        authorize_url=authorize_url,
        query_of=query_of,
        token_request=token_request,
        connect=connect,
        sdk_for=sdk_for,
        raw=raw,
        full_response_problems=full_response_problems,
        explain=_explain,
        Exchange=Exchange,
    )


def _configuration(oauth2_token):
    """xero-python's Configuration() returns copies of the first instance built in the process and
    ignores its arguments; set the token holder on the copy."""
    config = Configuration()
    config.oauth2_token = oauth2_token
    return config
