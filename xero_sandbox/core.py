"""The sandbox as a whole: configuration, clock, data, OAuth, limits, faults and webhooks.

``Sandbox`` also owns the operations that change contacts, because every change, whether it comes
from the accounting API or the control API, must bump UpdatedDateUTC and may emit a webhook event.
"""

import copy
from dataclasses import replace

from .clock import Clock
from .config import IDEMPOTENCY_RETENTION, SandboxConfig
from .contacts import control_fields, created_contact, terms_errors, updated_contact
from .faults import FaultInjector
from .idempotency import IdempotencyCache
from .oauth import OAuthServer
from .ratelimit import RateLimiter
from .requestlog import RequestLog
from .store import Store
from .webhooks import WebhookService


class SandboxError(ValueError):
    """A control-API request the sandbox cannot honour (unknown tenant/contact, bad value)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class Sandbox:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self._initial_limits = replace(config.limits)
        self._initial_tokens = replace(config.tokens)
        self.clock = Clock()
        self.store = Store(config.seed, config.orgs, config.contacts, config.demo_terms)
        self.oauth = OAuthServer.for_seed(config.app, config.tokens, self.clock, config.seed)
        self.limiter = RateLimiter(config.limits, self.clock)
        self.faults = FaultInjector()
        self.idempotency = IdempotencyCache(self.clock, IDEMPOTENCY_RETENTION)
        self.webhooks = WebhookService(self.clock)
        self.request_log = RequestLog()

    def reset(self, revoke_tokens: bool = False) -> None:
        """Back to the seeded state: data, limits, faults, clock, logs and webhooks.

        Grants, tokens and connections survive (a test class can connect once and reset before
        each test) unless ``revoke_tokens``.
        """
        self.store.reseed()
        self.config.limits.update(**self._initial_limits.as_dict())
        self.config.tokens.update(**self._initial_tokens.as_dict())
        self.limiter.reset()
        self.faults.clear()
        self.idempotency.reset()
        self.webhooks.reset()
        self.request_log.clear()
        self.clock.set_offset(0)
        if revoke_tokens:
            self.oauth.reset()

    def tenants(self) -> list:
        return [tenant.summary() for tenant in self.store.tenant_list()]

    def tenant_or_fail(self, tenant_id: str):
        tenant = self.store.tenant(tenant_id)
        if tenant is None:
            raise SandboxError(f"unknown tenant {tenant_id!r}", status=404)
        return tenant

    # --- contact changes (callers hold store.lock where they batch several) ---------------------------
    def save_contact(self, tenant, fields: dict, existing, control=False):
        """Create (``existing`` None) or update a contact from Xero-shaped fields (``control``: the control API's,
        which may also set what only Xero's own screens set)."""
        with self.store.lock:
            now = self.clock.tick_ms()
            if existing is None:
                record = tenant.put_contact(created_contact(fields, now, control))
                event = "CREATE"
            else:
                record = tenant.put_contact(updated_contact(existing.data, fields, now, control))
                event = "UPDATE"
        self._notify(tenant, record.contact_id, event)
        return record

    def add_contact(self, tenant_id: str, fields: dict) -> dict:
        tenant = self.tenant_or_fail(tenant_id)
        if not fields.get("Name"):
            raise SandboxError("name is required")
        fields = self._control_fields(tenant, fields)
        return copy.deepcopy(self.save_contact(tenant, fields, None, control=True).data)

    def change_contact(self, tenant_id: str, contact_id: str, fields: dict) -> dict:
        tenant = self.tenant_or_fail(tenant_id)
        with self.store.lock:
            record = tenant.contacts.get((contact_id or "").lower())
            if record is None:
                raise SandboxError(f"unknown contact {contact_id!r}", status=404)
            fields = self._control_fields(tenant, fields)
            return copy.deepcopy(self.save_contact(tenant, fields, record, control=True).data)

    @staticmethod
    def _control_fields(tenant, fields):
        problems = terms_errors(tenant, fields)
        if problems:
            raise SandboxError("; ".join(problems))
        try:
            return control_fields(tenant, fields)
        except ValueError as error:
            raise SandboxError(str(error)) from None

    def mark_contact_role(self, tenant, invoice: dict) -> None:
        """Xero sets IsCustomer/IsSupplier once a sales/purchase document exists for the contact.

        Whether that bumps UpdatedDateUTC is unconfirmed; the sandbox leaves it unchanged.
        """
        role = "IsCustomer" if invoice["Type"] == "ACCREC" else "IsSupplier"
        record = tenant.contacts.get(invoice["Contact"]["ContactID"])
        if record is not None and not record.data.get(role):
            record.replace(dict(record.data, **{role: True}))

    def contacts_json(self, tenant_id: str, include_archived: bool = True) -> bytes:
        """Every contact as a JSON array, in creation order, from the cached serialisations."""
        tenant = self.tenant_or_fail(tenant_id)
        with self.store.lock:
            chunks = [r.full_json() for r in tenant.contacts.values() if include_archived or r.status != "ARCHIVED"]
        return b"[" + b",".join(chunks) + b"]"

    def accounts(self, tenant_id: str) -> list:
        return copy.deepcopy(self.tenant_or_fail(tenant_id).accounts)

    def invoices(self, tenant_id: str) -> list:
        tenant = self.tenant_or_fail(tenant_id)
        with self.store.lock:
            return copy.deepcopy(list(tenant.invoices.values()))

    def _notify(self, tenant, contact_id: str, event_type: str) -> None:
        if self.webhooks.auto:
            self.webhooks.deliver_in_background([self.webhooks.contact_event(tenant.tenant_id, contact_id, event_type)])

    def contact_webhook_events(self, tenant_id: str, contact_ids: list, event_type: str) -> list:
        tenant = self.tenant_or_fail(tenant_id)
        if event_type not in ("CREATE", "UPDATE"):
            raise SandboxError("event_type must be CREATE or UPDATE")
        for contact_id in contact_ids:
            if contact_id.lower() not in tenant.contacts:
                raise SandboxError(f"unknown contact {contact_id!r}", status=404)
        return [self.webhooks.contact_event(tenant.tenant_id, cid.lower(), event_type) for cid in contact_ids]
