"""Start-up configuration of a sandbox: the registered Xero app, the seed and the limits."""

from dataclasses import dataclass, field

DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_REDIRECT_URI = "http://127.0.0.1:8069/xero_timesync/oauth/callback"
DEMO_PORT = 8070
DEMO_CONTACTS = 40
DEMO_ORGS = 2

ACCESS_TOKEN_TTL = 1800  # Xero: 30 minutes
AUTH_CODE_TTL = 300  # Xero does not document it; 5 minutes is the sandbox default
REFRESH_GRACE = 1800  # Xero: a rotated refresh token may be reused for 30 minutes
REFRESH_TOKEN_TTL = 60 * 24 * 3600  # Xero: unused refresh tokens expire after 60 days
IDEMPOTENCY_RETENTION = 6 * 60  # Xero keeps Idempotency-Key results for about 6 minutes


@dataclass
class RateLimits:
    """Xero's documented limits. 0 allows no call at all (tests use it); a negative value disables a limit."""

    minute: int = 60  # per tenant, rolling minute
    day: int = 5000  # per tenant, rolling 24 hours
    concurrent: int = 5  # per tenant, calls in flight
    app_minute: int = 10000  # whole app, rolling minute

    def update(self, **values) -> None:
        for name, value in values.items():
            if value is None:
                continue
            if not hasattr(self, name):
                raise ValueError(f"unknown rate limit {name!r}")
            setattr(self, name, int(value))

    def as_dict(self) -> dict:
        return {"minute": self.minute, "day": self.day, "concurrent": self.concurrent, "app_minute": self.app_minute}


@dataclass
class AppRegistration:
    """The one Xero app (client) registered with this sandbox. Checked exactly, as Xero does."""

    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET
    redirect_uris: tuple = (DEMO_REDIRECT_URI,)
    name: str = "xero_timesync (sandbox)"


@dataclass
class TokenSettings:
    access_token_ttl: int = ACCESS_TOKEN_TTL
    code_ttl: int = AUTH_CODE_TTL
    refresh_grace: int = REFRESH_GRACE
    refresh_token_ttl: int = REFRESH_TOKEN_TTL

    def update(self, **values) -> None:
        for name, value in values.items():
            if value is None:
                continue
            if not hasattr(self, name):
                raise ValueError(f"unknown token setting {name!r}")
            setattr(self, name, int(value))

    def as_dict(self) -> dict:
        return {
            "access_token_ttl": self.access_token_ttl,
            "code_ttl": self.code_ttl,
            "refresh_grace": self.refresh_grace,
            "refresh_token_ttl": self.refresh_token_ttl,
        }


@dataclass
class SandboxConfig:
    contacts: int = DEMO_CONTACTS  # per organisation
    seed: int = 0
    orgs: int = DEMO_ORGS
    demo_terms: bool = False  # a few customers with sales terms of their own (extras.seed_demo_terms)
    app: AppRegistration = field(default_factory=AppRegistration)
    tokens: TokenSettings = field(default_factory=TokenSettings)
    limits: RateLimits = field(default_factory=RateLimits)
