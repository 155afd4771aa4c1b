"""Webhook events for changes other than contacts (invoices, credit notes), and control-API triggers."""

CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")


def notify(sandbox, tenant, category: str, resource_id: str, event_type: str) -> None:
    """Deliver one event in the background when auto webhooks are on."""
    if sandbox.webhooks.auto:
        sandbox.webhooks.deliver_in_background([event_for(sandbox, tenant, category, resource_id, event_type)])


def event_for(sandbox, tenant, category: str, resource_id: str, event_type: str) -> dict:
    data = None
    if category == "CREDITNOTE":
        credit_note = tenant.credit_notes[resource_id]
        data = {"Type": credit_note["Type"], "Status": credit_note["Status"]}
    return sandbox.webhooks.resource_event(tenant.tenant_id, category, resource_id, event_type, data)


def trigger_events(sandbox, tenant_id: str, category: str, resource_ids: list, event_type: str) -> list:
    """Events for the control API's trigger_webhook; every resource must exist in the tenant."""
    from .core import SandboxError

    tenant = sandbox.tenant_or_fail(tenant_id)
    if category not in CATEGORIES:
        raise SandboxError(f"event_category must be one of {', '.join(CATEGORIES)}")
    if event_type not in ("CREATE", "UPDATE"):
        raise SandboxError("event_type must be CREATE or UPDATE")
    resources = {"CONTACT": tenant.contacts, "INVOICE": tenant.invoices, "CREDITNOTE": tenant.credit_notes}[category]
    events = []
    for resource_id in resource_ids:
        key = str(resource_id).lower()
        if key not in resources:
            raise SandboxError(f"unknown {category.lower()} {resource_id!r}", status=404)
        events.append(event_for(sandbox, tenant, category, key, event_type))
    return events
