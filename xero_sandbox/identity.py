"""HTTP side of login.xero.com / identity.xero.com and api.xero.com/connections.

* ``GET /identity/connect/authorize``: the consent page (organisation picker, Allow / Cancel);
* ``POST /identity/connect/authorize``: the consent form's submission, answered with a 302 to the
  registered redirect URI carrying ``code``, ``scope``, ``state`` and ``session_state``;
* ``POST /connect/token``: ``authorization_code`` (with PKCE S256) and ``refresh_token`` grants;
* ``POST /connect/revocation``;
* ``GET /connections`` (``/Connections``) and ``DELETE /connections/{id}``.
"""

import base64
import html
import struct
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Response

from . import errors
from .formats import iso_identity
from .oauth import IDENTITY_SCOPES, ISSUER, KNOWN_SCOPES, OAuthError

AUTHORIZE_PATH = "/identity/connect/authorize"
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)

# What each scope lets the app do, as Xero's consent page words it.
SCOPE_LABELS = {
    "openid": "Know who you are",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay connected when you are not using it",
    "accounting.settings": "View and manage your organisation settings",
    "accounting.settings.read": "View your organisation settings (accounts, tax rates)",
    "accounting.contacts": "View and manage your contacts",
    "accounting.contacts.read": "View your contacts",
    "accounting.transactions": "View and manage your business transactions (invoices, payments)",
    "accounting.transactions.read": "View your business transactions",
    "accounting.invoices": "View and manage your invoices",
    "accounting.attachments": "View and manage your attachments",
    "accounting.attachments.read": "View your attachments",
    "payroll.timesheets": "View and manage your payroll timesheets",
    "payroll.timesheets.read": "View your payroll timesheets",
    "payroll.employees": "View and manage your payroll employees",
    "payroll.employees.read": "View your payroll employees",
    "payroll.settings": "View and manage your payroll settings",
    "payroll.settings.read": "View your payroll settings (calendars, earnings rates)",
    "projects": "View and manage your projects and time entries",
    "projects.read": "View your projects and time entries",
}

CONSENT_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f2f4f7;color:#1f2d3d;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
.bar{display:flex;align-items:center;gap:.5rem;background:#13b5ea;color:#fff;padding:.7rem 1.5rem}
.logo{display:inline-flex;align-items:center;justify-content:center;width:2rem;height:2rem;border-radius:50%;
background:#fff;color:#13b5ea;font-weight:700;font-size:1.2rem}
.brand{font-weight:700;font-size:1.3rem;letter-spacing:.02em}
.sandbox{margin-left:auto;font-size:.75rem;text-transform:uppercase;letter-spacing:.08em;opacity:.85}
.card{max-width:34rem;margin:2.5rem auto;background:#fff;border-radius:.5rem;padding:2rem 2.25rem;
box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 .5rem}
.who{color:#5a6b7b;margin:0 0 1.25rem}
.error{background:#fdecea;color:#a32020;border-radius:.35rem;padding:.6rem .8rem}
fieldset.orgs{border:1px solid #d5dbe1;border-radius:.4rem;padding:.5rem .9rem .7rem;margin:0 0 1.25rem}
legend{font-weight:600;padding:0 .3rem}
label.org{display:flex;align-items:center;gap:.55rem;padding:.35rem 0;cursor:pointer}
input[type=checkbox]{width:1.05rem;height:1.05rem;accent-color:#13b5ea}
.org-one{background:#f5f8fa;border-radius:.4rem;padding:.6rem .9rem}
.lead{font-weight:600;margin:1rem 0 .4rem}
.scopes{list-style:none;padding:0;margin:0 0 1rem}
.scopes li{padding:.35rem 0 .35rem 1.6rem;position:relative;border-bottom:1px solid #eef1f4}
.scopes li:before{content:"\\2713";position:absolute;left:.2rem;color:#13b5ea;font-weight:700}
.scopes code{display:block;color:#8a99a8;font-size:.78rem}
.fine{color:#5a6b7b;font-size:.85rem}
.actions{display:flex;align-items:center;gap:1.25rem;margin-top:1.5rem}
button{background:#13b5ea;color:#fff;border:0;border-radius:.35rem;padding:.65rem 1.6rem;font-size:1rem;
font-weight:600;cursor:pointer}
button:hover,button:focus{background:#0e9fcf}
#cancel{color:#1f2d3d;text-decoration:none;font-weight:600}
#cancel:hover{text-decoration:underline}
@media (max-width:36rem){.card{margin:0;border-radius:0;padding:1.5rem 1.25rem}}
"""


def _favicon_ico() -> bytes:
    """A 32×32 icon (a white-on-blue circle), built once: PNG inside an ICO, so no binary file to ship."""
    size = 32
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            dx, dy = x - 15.5, y - 15.5
            distance = (dx * dx + dy * dy) ** 0.5
            if distance > 15.5:
                row += b"\x00\x00\x00\x00"
            elif 5.5 < distance < 9 and abs(dx) > 2.5:  # a light ring, cut at top and bottom
                row += b"\xff\xff\xff\xff"
            else:
                row += b"\x13\xb5\xea\xff"
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


FAVICON_ICO = _favicon_ico()


class IdentityEndpoints:
    def __init__(self, oauth, store, app_name: str):
        self.oauth = oauth
        self.store = store
        self.app_name = app_name

    # --- consent -----------------------------------------------------------------------------------
    def authorize_page(self, request) -> Response:
        params = {name: request.args.get(name, "") for name in AUTHORIZE_PARAMS}
        refusal = self._refuse_authorize(params)
        if refusal is not None:
            return refusal
        return self._consent_page(params)

    def authorize_submit(self, request) -> Response:
        params = {name: request.form.get(name, "") for name in AUTHORIZE_PARAMS}
        refusal = self._refuse_authorize(params)
        if refusal is not None:
            return refusal
        if request.form.get("action") != "allow":
            return _redirect_with(params["redirect_uri"], error="access_denied", state=params["state"])
        scopes = params["scope"].split()
        tenants = [self.store.tenant(tenant_id) for tenant_id in request.form.getlist("tenant_id")]
        tenants = [tenant for tenant in tenants if tenant is not None]
        if not tenants and not set(scopes) <= IDENTITY_SCOPES:
            return self._consent_page(params, problem="Select at least one organisation to connect.")
        code, grant = self.oauth.authorise(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scopes=scopes,
            tenants=tenants,
            code_challenge=params["code_challenge"],
            code_challenge_method=params["code_challenge_method"],
            nonce=params["nonce"],
        )
        return _redirect_with(
            params["redirect_uri"],
            code=code.code,
            scope=" ".join(scopes),
            state=params["state"],
            session_state=grant.session_id,
        )

    def _refuse_authorize(self, params):
        """Xero shows its own error page (no redirect) for an unknown client or redirect URI;
        other problems are reported to the client through the redirect."""
        if not self.oauth.is_registered_client(params["client_id"]):
            return _error_page("unauthorized_client", "Unknown client or client not enabled")
        if not self.oauth.is_registered_redirect(params["redirect_uri"]):
            return _error_page("invalid_request", "Invalid redirect_uri")
        redirect, state = params["redirect_uri"], params["state"]
        if params["response_type"] != "code":
            return _redirect_with(redirect, error="unsupported_response_type", state=state)
        scopes = params["scope"].split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            return _redirect_with(redirect, error="invalid_scope", state=state)
        if params["code_challenge"] and params["code_challenge_method"] != "S256":
            return _redirect_with(
                redirect, error="invalid_request", error_description="code_challenge_method", state=state
            )
        return None

    def _consent_page(self, params, problem: str = "") -> Response:
        tenants = self.store.tenant_list()
        scopes = params["scope"].split()
        needs_tenant = not set(scopes) <= IDENTITY_SCOPES
        hidden = "\n".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in AUTHORIZE_PARAMS
            if params[name]
        )
        picker = _organisation_picker(tenants) if needs_tenant else ""
        cancel = html.escape(_with_query(params["redirect_uri"], error="access_denied", state=params["state"]))
        scope_items = "".join(
            f'<li><span class="what">{html.escape(SCOPE_LABELS.get(scope, scope))}</span>'
            f" <code>{html.escape(scope)}</code></li>"
            for scope in scopes
        )
        user = self.oauth.user
        notice = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
        app = html.escape(self.app_name)
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Xero | Authorise {app}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico" sizes="32x32">
<style>{CONSENT_CSS}</style></head>
<body>
<header class="bar"><span class="logo" aria-hidden="true">x</span><span class="brand">xero</span>
<span class="sandbox">sandbox</span></header>
<main class="card">
<h1>{app} wants access to your Xero data</h1>
<p class="who">Signed in as <strong>{html.escape(user.given_name)} {html.escape(user.family_name)}</strong>
({html.escape(user.email)})</p>
{notice}
<form method="post" action="{AUTHORIZE_PATH}" id="consent">
{hidden}
{picker}
<p class="lead">This app will be able to:</p><ul class="scopes">{scope_items}</ul>
<p class="fine">You can disconnect {app} at any time in Xero under <em>Settings → Connected apps</em>.</p>
<div class="actions">
<button type="submit" name="action" value="allow">Allow access</button>
<a href="{cancel}" id="cancel">Cancel</a>
</div>
</form>
</main>
</body></html>"""
        return Response(page, status=400 if problem else 200, content_type="text/html; charset=utf-8")

    # --- token endpoint ----------------------------------------------------------------------------
    def token(self, request) -> Response:
        try:
            client_id = self._authenticated_client(request)
            grant_type = request.form.get("grant_type", "")
            if grant_type == "authorization_code":
                payload = self.oauth.exchange_code(
                    client_id,
                    request.form.get("code", ""),
                    request.form.get("redirect_uri", ""),
                    request.form.get("code_verifier", ""),
                )
            elif grant_type == "refresh_token":
                payload = self.oauth.refresh(
                    client_id, request.form.get("refresh_token", ""), request.form.get("scope", "")
                )
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return errors.oauth_error(exc.error, exc.status, exc.description)
        return errors.json_response(payload, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def revocation(self, request) -> Response:
        try:
            self._authenticated_client(request)
        except OAuthError as exc:
            return errors.oauth_error(exc.error, exc.status)
        self.oauth.revoke(request.form.get("token", ""))
        return Response(b"", status=200)

    def _authenticated_client(self, request) -> str:
        client_id, client_secret = _basic_credentials(request.headers.get("Authorization", ""))
        if client_id is None:
            client_id = request.form.get("client_id", "")
            client_secret = request.form.get("client_secret", "")
        self.oauth.authenticate_client(client_id, client_secret)
        return client_id

    def openid_configuration(self, request) -> Response:
        return errors.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": request.host_url.rstrip("/") + AUTHORIZE_PATH,
                "token_endpoint": request.host_url + "connect/token",
                "revocation_endpoint": request.host_url + "connect/revocation",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": sorted(KNOWN_SCOPES),
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    def favicon(self, request) -> Response:
        return Response(FAVICON_ICO, content_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    # --- connections --------------------------------------------------------------------------------
    def list_connections(self, request) -> Response:
        check = self.oauth.check_bearer(request.headers.get("Authorization"))
        if check.token is None:
            return errors.unauthorized(check.detail)
        connections = self.oauth.user_connections(check.grant, request.args.get("authEventId"))
        return errors.json_response([connection_json(connection) for connection in connections])

    def delete_connection(self, request, connection_id: str) -> Response:
        check = self.oauth.check_bearer(request.headers.get("Authorization"))
        if check.token is None:
            return errors.unauthorized(check.detail)
        if not self.oauth.delete_connection(check.grant, connection_id):
            return Response(b"", status=404)
        return Response(b"", status=204)


def connection_json(connection) -> dict:
    return {
        "id": connection.id,
        "authEventId": connection.auth_event_id,
        "tenantId": connection.tenant_id,
        "tenantType": connection.tenant_type,
        "tenantName": connection.tenant_name,
        "createdDateUtc": iso_identity(connection.created_ms),
        "updatedDateUtc": iso_identity(connection.updated_ms),
    }


def _organisation_picker(tenants) -> str:
    if len(tenants) == 1:
        tenant = tenants[0]
        return (
            f'<p class="org-one">Organisation: <strong>{html.escape(tenant.name)}</strong></p>'
            f'<input type="hidden" name="tenant_id" value="{tenant.tenant_id}">'
        )
    boxes = "\n".join(
        f'<label><input type="checkbox" name="tenant_id" value="{tenant.tenant_id}"{" checked" if i == 0 else ""}>'
        f" {html.escape(tenant.name)}</label>"
        for i, tenant in enumerate(tenants)
    )
    return f'<fieldset class="orgs"><legend>Select the organisations to connect</legend>\n{boxes}\n</fieldset>'


def _error_page(error: str, description: str) -> Response:
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Xero | Error</title></head><body>'
        f'<h1>Sorry, something went wrong</h1><p id="error">{html.escape(error)}</p>'
        f"<p>{html.escape(description)}</p></body></html>"
    )
    return Response(page, status=400, content_type="text/html; charset=utf-8")


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect_with(url: str, **params) -> Response:
    return Response(b"", status=302, headers={"Location": _with_query(url, **params)})


def _basic_credentials(header: str):
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret
