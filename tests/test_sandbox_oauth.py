"""Login/identity: consent page, PKCE code exchange, refresh rotation, revocation, connections, 401/403."""

import base64
import json
import time

import pytest
from xero_python.api_client.oauth2 import TokenApi
from xero_python.exceptions import HTTPStatusException

from xero_sandbox.identity import FAVICON_ICO
from xero_sandbox.oauth import decode_jwt_payload
from xero_sandbox.testing import ConsentError


def test_consent_page_offers_every_organisation_with_the_first_ticked(sandbox, kit):
    status, headers, page = kit.raw(sandbox, "GET", kit.authorize_url(sandbox)[len(sandbox.url) :])
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    first, second = sandbox.tenants
    assert f'type="checkbox" name="tenant_id" value="{first["tenant_id"]}" checked' in page
    assert f'type="checkbox" name="tenant_id" value="{second["tenant_id"]}">' in page
    assert 'method="post" action="/identity/connect/authorize"' in page
    assert "Allow access" in page and ">Cancel</a>" in page


def test_consent_page_looks_like_a_consent_page_and_has_a_favicon(sandbox, kit):
    """The first thing a demo user sees of "Xero": styled, the app, the user, what it may do, two actions."""
    status, _headers, page = kit.raw(sandbox, "GET", kit.authorize_url(sandbox)[len(sandbox.url) :])
    assert status == 200
    assert "<style>" in page and "background:#13b5ea" in page, "inline CSS, Xero's blue"
    assert '<meta name="viewport"' in page, "usable on a phone"
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<fieldset class="orgs"><legend>Select the organisations to connect</legend>' in page
    assert "View and manage your contacts" in page and "<code>accounting.contacts</code>" in page, "scopes in words"
    assert '<div class="actions">\n<button type="submit" name="action" value="allow">Allow access</button>' in page
    status, headers, _icon = kit.raw(sandbox, "GET", "/favicon.ico")
    assert status == 200 and headers["Content-Type"] == "image/x-icon"
    assert FAVICON_ICO[:4] == b"\x00\x00\x01\x00" and FAVICON_ICO[22:26] == b"\x89PNG", "an ICO holding a PNG"


def test_pkce_code_exchange_gives_xero_shaped_tokens(sandbox, kit):
    before = time.time()
    token = kit.connect(sandbox)
    after = time.time()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 1800
    assert set(token["scope"]) == set(kit.ALL_SCOPES.split())
    assert token["refresh_token"] and token["id_token"]
    assert len(token["access_token"].split(".")) == 3
    claims = decode_jwt_payload(token["access_token"])
    assert {"exp", "xero_userid", "authentication_event_id", "scope", "client_id"} <= set(claims)
    # issued while connect() ran (exp is whole seconds), however long that took on a loaded machine
    assert int(before) + 1800 <= claims["exp"] <= after + 1800
    assert claims["client_id"] == kit.CLIENT_ID
    identity = decode_jwt_payload(token["id_token"])
    assert identity["aud"] == kit.CLIENT_ID and identity["email"]


def test_openid_and_offline_access_decide_which_tokens_are_issued(sandbox, kit):
    token = kit.connect(sandbox, scope="accounting.contacts.read")
    assert "id_token" not in token
    assert "refresh_token" not in token
    assert token["scope"] == ["accounting.contacts.read"]


def test_connections_list_the_consented_tenants_and_filter_by_auth_event(sandbox, kit):
    first, second = sandbox.tenants
    both = kit.connect(sandbox, tenant_ids=[first["tenant_id"], second["tenant_id"]])
    sdk = kit.sdk_for(sandbox, both)
    connections = sdk.identity.get_connections()
    assert {c.tenant_id for c in connections} == {first["tenant_id"], second["tenant_id"]}
    assert all(c.tenant_type == "ORGANISATION" and c.tenant_name for c in connections)
    event = decode_jwt_payload(both["access_token"])["authentication_event_id"]
    assert {c.auth_event_id for c in sdk.identity.get_connections(auth_event_id=event)} == {event}
    later = kit.connect(sandbox, tenant_ids=[first["tenant_id"]])  # re-consent moves that tenant's connection
    remaining = sdk.identity.get_connections(auth_event_id=event)
    assert [c.tenant_id for c in remaining] == [second["tenant_id"]]
    status, _, lowercase = kit.raw(sandbox, "GET", "/connections", token=later["access_token"])
    assert status == 200 and {c["tenantId"] for c in lowercase} == {first["tenant_id"], second["tenant_id"]}


def test_cancel_on_the_consent_page_returns_access_denied(sandbox, kit):
    redirect = sandbox.consent(kit.authorize_url(sandbox, state="s-1"), allow=False)
    assert redirect.startswith(kit.REDIRECT_URI)
    assert kit.query_of(redirect) == {"error": "access_denied", "state": "s-1"}


@pytest.mark.parametrize(
    "override",
    [{"client_id": "someone-else"}, {"redirect_uri": "http://127.0.0.1:8069/not/registered"}],
    ids=["unknown client", "unregistered redirect"],
)
def test_unknown_client_or_redirect_gets_an_error_page_without_redirect(sandbox, kit, override):
    with pytest.raises(ConsentError, match="HTTP 400"):
        sandbox.consent(kit.authorize_url(sandbox, **override))


def test_invalid_scope_is_reported_through_the_redirect(sandbox, kit):
    redirect = sandbox.consent(kit.authorize_url(sandbox, scope="openid accounting.everything", state="s-2"))
    assert kit.query_of(redirect) == {"error": "invalid_scope", "state": "s-2"}


def test_consent_for_several_organisations_at_once(sandbox, kit):
    redirect = sandbox.consent(kit.authorize_url(sandbox), tenant_ids=[t["tenant_id"] for t in sandbox.tenants])
    params = kit.query_of(redirect)
    assert params["state"] == "state-123" and params["code"] and params["scope"] == kit.ALL_SCOPES


def _code(sandbox, kit, challenge):
    return kit.query_of(sandbox.consent(kit.authorize_url(sandbox, challenge=challenge)))["code"]


def test_wrong_pkce_verifier_is_rejected_and_burns_the_code(sandbox, kit):
    verifier, challenge = kit.pkce_pair()
    code = _code(sandbox, kit, challenge)
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": kit.REDIRECT_URI}
    assert kit.token_request(sandbox, **exchange, code_verifier=verifier[:-1] + "!") == (
        400,
        {"error": "invalid_grant"},
    )
    assert kit.token_request(sandbox, **exchange, code_verifier=verifier)[1] == {"error": "invalid_grant"}


def test_missing_verifier_is_rejected(sandbox, kit):
    _, challenge = kit.pkce_pair()
    code = _code(sandbox, kit, challenge)
    status, body = kit.token_request(sandbox, grant_type="authorization_code", code=code, redirect_uri=kit.REDIRECT_URI)
    assert (status, body) == (400, {"error": "invalid_grant"})


def test_a_code_is_single_use(sandbox, kit):
    verifier, challenge = kit.pkce_pair()
    exchange = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, kit, challenge),
        "redirect_uri": kit.REDIRECT_URI,
        "code_verifier": verifier,
    }
    assert kit.token_request(sandbox, **exchange)[0] == 200
    assert kit.token_request(sandbox, **exchange) == (400, {"error": "invalid_grant"})


def test_a_code_expires(sandbox, kit):
    verifier, challenge = kit.pkce_pair()
    code = _code(sandbox, kit, challenge)
    sandbox.control.advance_clock(301)
    status, body = kit.token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=kit.REDIRECT_URI, code_verifier=verifier
    )
    assert (status, body) == (400, {"error": "invalid_grant"})


def test_code_expiry_is_configurable(sandbox, kit):
    sandbox.control.set_token_settings(code_ttl=5)
    verifier, challenge = kit.pkce_pair()
    code = _code(sandbox, kit, challenge)
    sandbox.control.advance_clock(6)
    status, _ = kit.token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=kit.REDIRECT_URI, code_verifier=verifier
    )
    assert status == 400


def test_redirect_uri_must_match_the_authorize_request(sandbox, kit):
    verifier, challenge = kit.pkce_pair()
    code = _code(sandbox, kit, challenge)
    status, body = kit.token_request(
        sandbox, grant_type="authorization_code", code=code, redirect_uri=kit.OTHER_REDIRECT_URI, code_verifier=verifier
    )
    assert (status, body) == (400, {"error": "invalid_grant"})


def test_client_may_authenticate_with_form_fields_but_not_a_wrong_secret(sandbox, kit):
    import urllib3

    http = urllib3.PoolManager(retries=False)
    verifier, challenge = kit.pkce_pair()
    form = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, kit, challenge),
        "redirect_uri": kit.REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": kit.CLIENT_ID,
    }
    wrong = http.request(
        "POST", f"{sandbox.url}/connect/token", fields=dict(form, client_secret="nope"), encode_multipart=False
    )
    assert (wrong.status, json.loads(wrong.data)) == (400, {"error": "invalid_client"})
    right = http.request(
        "POST",
        f"{sandbox.url}/connect/token",
        fields=dict(form, client_secret=kit.CLIENT_SECRET),
        encode_multipart=False,
    )
    assert right.status == 200, right.data  # the failed client check did not consume the code


def test_sdk_refreshes_an_expired_token_and_the_refresh_token_rotates(sandbox, kit, tenant_id):
    token = kit.connect(sandbox)
    sdk = kit.sdk_for(sandbox, token)
    sdk.token_store["expires_at"] = time.time() - 1  # the SDK decides to refresh from its own clock
    sdk.accounting.get_organisations(tenant_id)
    assert sdk.token_store["refresh_token"] != token["refresh_token"]
    assert sdk.token_store["access_token"] != token["access_token"]
    assert sdk.token_store["scope"] == token["scope"]
    refreshes = sandbox.control.requests("/connect/token")
    assert refreshes[-1]["status"] == 200 and refreshes[-1]["headers"].get("Authorization") in (None, "[REDACTED]")


def test_rotated_refresh_token_works_during_the_grace_period_then_gives_invalid_grant(sandbox, kit):
    old = kit.connect(sandbox)["refresh_token"]
    status, new = kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)
    assert status == 200 and new["refresh_token"] != old
    sandbox.control.advance_clock(29 * 60)
    status, retried = kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)
    assert status == 200, "a lost response may be retried with the old token within 30 minutes"
    sandbox.control.advance_clock(2 * 60)
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old) == (
        400,
        {"error": "invalid_grant"},
    )
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token=retried["refresh_token"])[0] == 200


def test_refresh_grace_is_configurable(sandbox, kit):
    sandbox.control.set_token_settings(refresh_grace=0)
    old = kit.connect(sandbox)["refresh_token"]
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)[0] == 200
    sandbox.control.advance_clock(1)
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)[0] == 400


def test_token_endpoint_failure_after_rotation_is_recoverable_with_the_old_token(sandbox, kit, recorder):
    old = kit.connect(sandbox)["refresh_token"]
    sandbox.control.inject_fault("POST", "/connect/token", "error_after_processing", status=500)
    with recorder.exempt():
        status, _ = kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)
    assert status == 500
    assert sandbox.control.oauth_state()["refresh_tokens"] >= 2, "the server rotated before failing"
    status, recovered = kit.token_request(sandbox, grant_type="refresh_token", refresh_token=old)
    assert status == 200 and recovered["refresh_token"]


def test_unknown_grant_type_and_refresh_token(sandbox, kit):
    assert kit.token_request(sandbox, grant_type="password", username="x")[1] == {"error": "unsupported_grant_type"}
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token="nope")[1] == {"error": "invalid_grant"}


def test_revocation_removes_the_grants_connections(private_sandbox, kit):
    sandbox = private_sandbox
    second_tenant_id = sandbox.tenants[1]["tenant_id"]
    token = kit.connect(sandbox, tenant_ids=[second_tenant_id])
    sdk = kit.sdk_for(sandbox, token)
    assert [c.tenant_id for c in sdk.identity.get_connections(auth_event_id=_event(token))] == [second_tenant_id]
    token_api = TokenApi(sdk.api_client, kit.CLIENT_ID, kit.CLIENT_SECRET)
    token_api.revoke_token_url = f"{sandbox.url}/connect/revocation"  # instance attribute, not the class's
    assert token_api.revoke_token(token["refresh_token"]) == 200
    status, _, body = kit.raw(sandbox, "GET", "/connections", token=token["access_token"])
    assert status == 401 and body["Detail"] == "AuthenticationUnsuccessful"
    fresh = kit.connect(sandbox)
    connections = kit.raw(sandbox, "GET", "/connections", fresh["access_token"])[2]
    assert second_tenant_id not in {c["tenantId"] for c in connections}
    assert kit.token_request(sandbox, grant_type="refresh_token", refresh_token=token["refresh_token"])[0] == 400


def _event(token):
    return decode_jwt_payload(token["access_token"])["authentication_event_id"]


def test_delete_connection_then_404_for_an_unknown_one(private_sandbox, kit):
    sandbox = private_sandbox
    second_tenant_id = sandbox.tenants[1]["tenant_id"]
    token = kit.connect(sandbox, tenant_ids=[second_tenant_id])
    sdk = kit.sdk_for(sandbox, token)
    connection = next(c for c in sdk.identity.get_connections() if c.tenant_id == second_tenant_id)
    sdk.identity.delete_connection(connection.id)
    assert second_tenant_id not in {c.tenant_id for c in sdk.identity.get_connections()}
    with pytest.raises(HTTPStatusException) as raised:
        sdk.identity.delete_connection(connection.id)
    assert raised.value.status == 404
    status, _, _ = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token["access_token"], second_tenant_id)
    assert status == 403, "a deleted connection no longer gives access to the tenant"


def _unauthorised_shape(body, detail):
    assert body["Type"] is None and body["Title"] == "Unauthorized" and body["Status"] == 401
    assert body["Detail"].startswith(detail)
    assert "Instance" in body and body["Extensions"] == {}


def test_missing_or_invalid_bearer_token_is_401(sandbox, kit, tenant_id):
    for token in (None, "not-a-token", "a.b.c"):
        status, headers, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token, tenant_id)
        assert status == 401
        _unauthorised_shape(body, "AuthenticationUnsuccessful")
        assert "X-MinLimit-Remaining" in headers


def test_expired_access_token_is_401_token_expired(sandbox, kit, tenant_id):
    token = kit.connect(sandbox)
    sandbox.control.set_clock_offset(1801)
    status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", token["access_token"], tenant_id)
    assert status == 401
    _unauthorised_shape(body, "TokenExpired")


def test_access_token_lifetime_is_configurable(private_sandbox, kit):
    private_sandbox.control.set_token_settings(access_token_ttl=60)
    token = kit.connect(private_sandbox)
    assert token["expires_in"] == 60
    private_sandbox.control.advance_clock(61)
    tenant = private_sandbox.tenants[0]["tenant_id"]
    assert kit.raw(private_sandbox, "GET", "/api.xro/2.0/Organisation", token["access_token"], tenant)[0] == 401


def test_tenant_header_missing_is_400_and_unconnected_tenant_is_403(private_sandbox, kit):
    sandbox = private_sandbox
    tenant_id, second_tenant_id = (tenant["tenant_id"] for tenant in sandbox.tenants)
    only_first = kit.connect(sandbox, tenant_ids=[tenant_id])
    status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", only_first["access_token"])
    assert status == 400 and body["Status"] == 400
    status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", only_first["access_token"], second_tenant_id)
    assert status == 403 and body["Title"] == "Forbidden"
    status, _, _ = kit.raw(sandbox, "GET", "/api.xro/2.0/Organisation", only_first["access_token"], "not-a-guid")
    assert status == 400


def test_missing_scope_is_401_authorization_unsuccessful(sandbox, kit, tenant_id):
    token = kit.connect(sandbox, scope="offline_access accounting.contacts.read", tenant_ids=[tenant_id])
    status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/Invoices", token["access_token"], tenant_id)
    assert status == 401
    _unauthorised_shape(body, "AuthorizationUnsuccessful")
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/Contacts?page=1", token["access_token"], tenant_id)[0] == 200


def test_token_endpoint_answers_basic_auth_failure_with_invalid_client(sandbox):
    import urllib3

    http = urllib3.PoolManager(retries=False)
    credentials = base64.b64encode(b"someone:else").decode()
    response = http.request(
        "POST",
        f"{sandbox.url}/connect/token",
        fields={"grant_type": "refresh_token", "refresh_token": "x"},
        encode_multipart=False,
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert (response.status, json.loads(response.data)) == (400, {"error": "invalid_client"})
