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
        scope_items = "".join(f"<li>{html.escape(scope)}</li>" for scope in scopes)
        user = self.oauth.user
        notice = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Xero | Authorise {html.escape(self.app_name)}</title></head>
<body>
<h1>{html.escape(self.app_name)} wants access to your Xero data</h1>
<p>Signed in as {html.escape(user.given_name)} {html.escape(user.family_name)} ({html.escape(user.email)})</p>
{notice}
<form method="post" action="{AUTHORIZE_PATH}" id="consent">
{hidden}
{picker}
<p>This app will be able to:</p><ul>{scope_items}</ul>
<button type="submit" name="action" value="allow">Allow access</button>
<a href="{cancel}" id="cancel">Cancel</a>
</form>
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
            f"<p>Organisation: <strong>{html.escape(tenant.name)}</strong></p>"
            f'<input type="hidden" name="tenant_id" value="{tenant.tenant_id}">'
        )
    boxes = "\n".join(
        f'<label><input type="checkbox" name="tenant_id" value="{tenant.tenant_id}"{" checked" if i == 0 else ""}>'
        f" {html.escape(tenant.name)}</label><br>"
        for i, tenant in enumerate(tenants)
    )
    return f"<fieldset><legend>Select the organisations to connect</legend>\n{boxes}\n</fieldset>"


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
