"""OAuth2 with Xero: PKCE, the authorize URL, the consent behind a token, and the SDK's token API on our URLs."""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from xero_python.api_client.oauth2 import TokenApi

from .. import const


def new_pkce_pair():
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(endpoints, client_id, redirect_uri, scopes, state, code_challenge):
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoints.login_url}/identity/connect/authorize?{query}"


def auth_event_id(token):
    """The consent that issued this access token (a claim of Xero's JWT), to list only its organisations."""
    try:
        payload = token["access_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return claims.get("authentication_event_id")


def normalize_token(token, now=None):
    """Token response → what we store: scope as a list (the SDK joins it), absolute expiry."""
    token = dict(token)
    token.setdefault("token_type", "Bearer")
    if isinstance(token.get("scope"), str):
        token["scope"] = token["scope"].split()
    if "expires_at" not in token and token.get("expires_in"):
        token["expires_at"] = (now or time.time()) + float(token["expires_in"])
    if "expires_in" not in token:  # the SDK's OAuth2Token wants it, even though we use expires_at
        token["expires_in"] = max(int((token.get("expires_at") or 0) - (now or time.time())), 0)
    return token


class _TokenApi(TokenApi):
    """The SDK's token API with this connection's identity URLs (the SDK hard-codes Xero's)."""

    def __init__(self, api_client, client_id, client_secret, endpoints):
        super().__init__(api_client, client_id, client_secret)
        self.refresh_token_url = endpoints.token_url
        self.revoke_token_url = endpoints.revocation_url

    def exchange_code(self, code, code_verifier, redirect_uri):
        response, _status, _headers = self.api_client.call_api(
            self.refresh_token_url,
            "POST",
            header_params={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            post_params={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            auth_settings=None,
            _preload_content=False,
            _request_timeout=const.XERO_TIMEOUT,
        )
        return self.parse_token_response(response)
