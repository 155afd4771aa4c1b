"""OAuth 2.0 authorisation server state: codes, grants, tokens and connections.

Models Xero's identity service (an IdentityServer deployment):
* an authorisation code is single use and is consumed as soon as a token request presents it,
  even when that request then fails (wrong PKCE verifier, wrong redirect_uri...);
* refresh tokens rotate on every use; the rotated token stays usable for a grace period
  (Xero: 30 minutes), after which it gives ``invalid_grant``; unused refresh tokens expire after
  60 days;
* a connection links (app, user, tenant); it records the auth event that last authorised it.
  Revoking a grant's refresh token removes the connections that grant authorised.
Access tokens look like Xero's (a JWT with ``exp``, ``xero_userid``, ``authentication_event_id``,
``scope``...) but are signed with HMAC and checked by lookup: they can't be verified with Xero's JWKS.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import secrets
import threading
import uuid
from dataclasses import dataclass, field

ISSUER = "https://identity.xero.com"
IDENTITY_SCOPES = frozenset(("openid", "profile", "email", "offline_access"))
_READ_WRITE_SCOPES = (
    "accounting.transactions",
    "accounting.invoices",
    "accounting.payments",
    "accounting.banktransactions",
    "accounting.manualjournals",
    "accounting.settings",
    "accounting.contacts",
    "accounting.attachments",
    "projects",
    "files",
    "assets",
    "payroll.employees",
    "payroll.payruns",
    "payroll.payslip",
    "payroll.timesheets",
    "payroll.settings",
)
_READ_ONLY_SCOPES = (
    "accounting.reports.read",
    "accounting.reports.aged.read",
    "accounting.reports.balancesheet.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.budgetsummary.read",
    "accounting.reports.executivesummary.read",
    "accounting.reports.profitandloss.read",
    "accounting.reports.taxreports.read",
    "accounting.reports.tenninetynine.read",
    "accounting.reports.trialbalance.read",
    "accounting.journals.read",
    "accounting.budgets.read",
)
KNOWN_SCOPES = (
    IDENTITY_SCOPES
    | frozenset(_READ_WRITE_SCOPES)
    | frozenset(f"{scope}.read" for scope in _READ_WRITE_SCOPES)
    | frozenset(_READ_ONLY_SCOPES)
    | frozenset(("paymentservices", "bankfeeds", "marketplace.billing"))
)


class OAuthError(Exception):
    """An OAuth error response: ``{"error": code}`` with an HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


@dataclass(frozen=True)
class SandboxUser:
    user_id: str  # Xero's xero_userid
    subject: str  # the OIDC "sub"
    given_name: str = "Sandbox"
    family_name: str = "User"
    email: str = "sandbox.user@example.com"


@dataclass
class AuthorisationCode:
    code: str
    client_id: str
    redirect_uri: str
    grant_id: str
    code_challenge: str
    code_challenge_method: str
    nonce: str
    expires_at: float


@dataclass
class Grant:
    """One consent (Xero's "authentication event"): a user authorising the app for some tenants."""

    grant_id: str  # also the authentication_event_id
    client_id: str
    user: SandboxUser
    scopes: tuple
    tenant_ids: tuple
    auth_time: float
    session_id: str
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    grant_id: str
    client_id: str
    issued_at: float
    rotated_at: float = None


@dataclass
class AccessToken:
    token: str
    grant_id: str
    client_id: str
    expires_at: float
    scopes: tuple
    revoked: bool = False


@dataclass
class Connection:
    id: str
    client_id: str
    user_id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created_ms: int
    updated_ms: int
    tenant_type: str = "ORGANISATION"


@dataclass
class AccessCheck:
    """Result of checking a bearer token: either ``token`` or an error ``detail`` (for the 401)."""

    token: AccessToken = None
    grant: Grant = None
    detail: str = ""


@dataclass
class OAuthServer:
    app: object  # config.AppRegistration
    settings: object  # config.TokenSettings
    clock: object
    user: SandboxUser
    codes: dict = field(default_factory=dict)
    grants: dict = field(default_factory=dict)
    refresh_tokens: dict = field(default_factory=dict)
    access_tokens: dict = field(default_factory=dict)
    connections: dict = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def for_seed(cls, app, settings, clock, seed: int) -> "OAuthServer":
        rng = random.Random(f"xero-sandbox:{seed}:user")
        user = SandboxUser(
            user_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            subject=uuid.UUID(int=rng.getrandbits(128), version=4).hex,
        )
        return cls(app=app, settings=settings, clock=clock, user=user)

    def reset(self) -> None:
        with self.lock:
            self.codes.clear()
            self.grants.clear()
            self.refresh_tokens.clear()
            self.access_tokens.clear()
            self.connections.clear()

    # --- client checks --------------------------------------------------------------------------
    def is_registered_client(self, client_id: str) -> bool:
        return hmac.compare_digest(client_id or "", self.app.client_id)

    def is_registered_redirect(self, redirect_uri: str) -> bool:
        return redirect_uri in self.app.redirect_uris

    def authenticate_client(self, client_id: str, client_secret: str) -> None:
        if not (
            self.is_registered_client(client_id) and hmac.compare_digest(client_secret or "", self.app.client_secret)
        ):
            raise OAuthError("invalid_client")

    # --- authorisation ----------------------------------------------------------------------------
    def authorise(self, client_id, redirect_uri, scopes, tenants, code_challenge, code_challenge_method, nonce):
        """Record the user's consent: a new grant, its connections, and a code to exchange."""
        now = self.clock.now()
        grant = Grant(
            grant_id=str(uuid.uuid4()),
            client_id=client_id,
            user=self.user,
            scopes=tuple(scopes),
            tenant_ids=tuple(tenant.tenant_id for tenant in tenants),
            auth_time=now,
            session_id=secrets.token_hex(16),
        )
        code = AuthorisationCode(
            code=secrets.token_urlsafe(32),
            client_id=client_id,
            redirect_uri=redirect_uri,
            grant_id=grant.grant_id,
            code_challenge=code_challenge or "",
            code_challenge_method=code_challenge_method or "",
            nonce=nonce or "",
            expires_at=now + self.settings.code_ttl,
        )
        with self.lock:
            self.grants[grant.grant_id] = grant
            self.codes[code.code] = code
            for tenant in tenants:
                self._connect(grant, tenant)
        return code, grant

    def _connect(self, grant: Grant, tenant) -> None:
        now_ms = self.clock.now_ms()
        for connection in self.connections.values():
            if (connection.client_id, connection.user_id, connection.tenant_id) == (
                grant.client_id,
                grant.user.user_id,
                tenant.tenant_id,
            ):
                connection.auth_event_id = grant.grant_id
                connection.updated_ms = now_ms
                connection.tenant_name = tenant.name
                return
        connection = Connection(
            id=str(uuid.uuid4()),
            client_id=grant.client_id,
            user_id=grant.user.user_id,
            tenant_id=tenant.tenant_id,
            tenant_name=tenant.name,
            auth_event_id=grant.grant_id,
            created_ms=now_ms,
            updated_ms=now_ms,
        )
        self.connections[connection.id] = connection

    # --- token endpoint -----------------------------------------------------------------------------
    def exchange_code(self, client_id: str, code: str, redirect_uri: str, code_verifier: str) -> dict:
        with self.lock:
            record = self.codes.pop(code or "", None)  # consumed by any presentation, as IdentityServer does
            if record is None or record.client_id != client_id:
                raise OAuthError("invalid_grant")
            if self.clock.now() > record.expires_at:
                raise OAuthError("invalid_grant")
            if record.redirect_uri != redirect_uri:
                raise OAuthError("invalid_grant")
            if record.code_challenge and not pkce_matches(record.code_challenge, code_verifier):
                raise OAuthError("invalid_grant")
            grant = self.grants[record.grant_id]
            if grant.revoked:
                raise OAuthError("invalid_grant")
            return self._token_response(grant, nonce=record.nonce)

    def refresh(self, client_id: str, refresh_token: str, requested_scope: str) -> dict:
        with self.lock:
            record = self.refresh_tokens.get(refresh_token or "")
            if record is None or record.client_id != client_id:
                raise OAuthError("invalid_grant")
            grant = self.grants[record.grant_id]
            now = self.clock.now()
            if grant.revoked or now > record.issued_at + self.settings.refresh_token_ttl:
                raise OAuthError("invalid_grant")
            if record.rotated_at is not None and now > record.rotated_at + self.settings.refresh_grace:
                raise OAuthError("invalid_grant")
            if requested_scope and not set(requested_scope.split()) <= set(grant.scopes):
                raise OAuthError("invalid_scope")
            if record.rotated_at is None:
                record.rotated_at = now
            return self._token_response(grant)

    def revoke(self, token: str) -> None:
        """RFC 7009: unknown tokens are not an error."""
        with self.lock:
            record = self.refresh_tokens.get(token or "")
            if record is not None:
                self._revoke_grant(self.grants[record.grant_id])
                return
            access = self.access_tokens.get(token or "")
            if access is not None:
                access.revoked = True

    def _revoke_grant(self, grant: Grant) -> None:
        grant.revoked = True
        for connection_id in [cid for cid, c in self.connections.items() if c.auth_event_id == grant.grant_id]:
            del self.connections[connection_id]

    def _token_response(self, grant: Grant, nonce: str = "") -> dict:
        now = self.clock.now()
        ttl = self.settings.access_token_ttl
        access = AccessToken(
            token=self._access_jwt(grant, now, ttl),
            grant_id=grant.grant_id,
            client_id=grant.client_id,
            expires_at=now + ttl,
            scopes=grant.scopes,
        )
        self.access_tokens[access.token] = access
        response = {"access_token": access.token, "expires_in": ttl, "token_type": "Bearer"}
        if "offline_access" in grant.scopes:
            refresh = RefreshToken(
                token=secrets.token_hex(32), grant_id=grant.grant_id, client_id=grant.client_id, issued_at=now
            )
            self.refresh_tokens[refresh.token] = refresh
            response["refresh_token"] = refresh.token
        if "openid" in grant.scopes:
            response["id_token"] = self._id_token(grant, now, nonce)
        response["scope"] = " ".join(grant.scopes)
        return response

    def _access_jwt(self, grant: Grant, now: float, ttl: int) -> str:
        claims = {
            "nbf": int(now),
            "exp": int(now + ttl),
            "iss": ISSUER,
            "aud": f"{ISSUER}/resources",
            "client_id": grant.client_id,
            "sub": grant.user.subject,
            "auth_time": int(grant.auth_time),
            "xero_userid": grant.user.user_id,
            "global_session_id": grant.session_id,
            "sid": grant.session_id,
            "jti": secrets.token_hex(16),
            "authentication_event_id": grant.grant_id,
            "scope": list(grant.scopes),
            "amr": ["pwd"],
        }
        return self._jwt(claims)

    def _id_token(self, grant: Grant, now: float, nonce: str) -> str:
        user = grant.user
        claims = {
            "nbf": int(now),
            "exp": int(now + 300),
            "iss": ISSUER,
            "aud": grant.client_id,
            "iat": int(now),
            "auth_time": int(grant.auth_time),
            "sub": user.subject,
            "sid": grant.session_id,
            "xero_userid": user.user_id,
            "global_session_id": grant.session_id,
            "amr": ["pwd"],
        }
        if "email" in grant.scopes:
            claims.update(email=user.email, preferred_username=user.email)
        if "profile" in grant.scopes:
            claims.update(
                given_name=user.given_name, family_name=user.family_name, name=f"{user.given_name} {user.family_name}"
            )
        if nonce:
            claims["nonce"] = nonce
        return self._jwt(claims)

    def _jwt(self, claims: dict) -> str:
        header = _b64url(json.dumps({"alg": "RS256", "kid": "xero-sandbox", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64url(hmac.new(self.signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    # --- resource server side -------------------------------------------------------------------------
    def check_bearer(self, authorization: str) -> AccessCheck:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return AccessCheck(detail="AuthenticationUnsuccessful")
        with self.lock:
            access = self.access_tokens.get(token.strip())
            if access is None or access.revoked:
                return AccessCheck(detail="AuthenticationUnsuccessful")
            grant = self.grants[access.grant_id]
            if grant.revoked:
                return AccessCheck(detail="AuthenticationUnsuccessful")
            if self.clock.now() >= access.expires_at:
                return AccessCheck(detail=f"TokenExpired: token expired at {_dotnet_time(access.expires_at)}")
            return AccessCheck(token=access, grant=grant)

    def user_connections(self, grant: Grant, auth_event_id: str = None) -> list:
        with self.lock:
            connections = [
                connection
                for connection in self.connections.values()
                if connection.client_id == grant.client_id and connection.user_id == grant.user.user_id
            ]
        if auth_event_id:
            connections = [c for c in connections if c.auth_event_id.lower() == auth_event_id.lower()]
        return sorted(connections, key=lambda connection: (connection.created_ms, connection.tenant_name))

    def has_connection(self, grant: Grant, tenant_id: str) -> bool:
        tenant_id = (tenant_id or "").lower()
        return any(connection.tenant_id == tenant_id for connection in self.user_connections(grant))

    def delete_connection(self, grant: Grant, connection_id: str) -> bool:
        with self.lock:
            connection = self.connections.get((connection_id or "").lower())
            if (
                connection is None
                or connection.client_id != grant.client_id
                or connection.user_id != grant.user.user_id
            ):
                return False
            del self.connections[connection.id]
            return True

    def snapshot(self) -> dict:
        """Token bookkeeping for the control API (never the token values themselves)."""
        with self.lock:
            return {
                "grants": len(self.grants),
                "active_grants": sum(1 for grant in self.grants.values() if not grant.revoked),
                "refresh_tokens": len(self.refresh_tokens),
                "access_tokens": len(self.access_tokens),
                "connections": len(self.connections),
            }


def pkce_matches(challenge: str, verifier: str) -> bool:
    if not verifier or not 43 <= len(verifier) <= 128:
        return False
    expected = _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    return hmac.compare_digest(expected, challenge)


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def decode_jwt_payload(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _dotnet_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
