"""The test-only control API under ``/_sandbox/`` (JSON in, JSON out).

It is deliberately outside every Xero path so that nothing an SDK does can reach it by accident.
See ``control_client.SandboxControl`` for the Python client and the full list of operations.
"""

import html
import json

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import control_extra
from .core import SandboxError
from .errors import json_response
from .events import trigger_events

PREFIX = "/_sandbox"
# Control-API argument names -> Xero contact fields.
CONTACT_ARGUMENTS = {
    "name": "Name",
    "email": "EmailAddress",
    "first_name": "FirstName",
    "last_name": "LastName",
    "contact_number": "ContactNumber",
    "account_number": "AccountNumber",
    "tax_number": "TaxNumber",
    "website": "Website",
}


def rules() -> list:
    """Fresh Rule objects (a werkzeug Rule binds to one Map, and each sandbox has its own Map)."""
    return [
        Rule(f"{PREFIX}/", endpoint="control:overview", methods=["GET"]),
        Rule(f"{PREFIX}/tenants", endpoint="control:tenants", methods=["GET"]),
        Rule(f"{PREFIX}/tenants/<tenant_id>/contacts", endpoint="control:list_contacts", methods=["GET"]),
        Rule(f"{PREFIX}/tenants/<tenant_id>/contacts", endpoint="control:add_contact", methods=["POST"]),
        Rule(
            f"{PREFIX}/tenants/<tenant_id>/contacts/<contact_id>/<any(rename, archive, restore, update):action>",
            endpoint="control:change_contact",
            methods=["POST"],
        ),
        Rule(f"{PREFIX}/tenants/<tenant_id>/invoices", endpoint="control:invoices", methods=["GET"]),
        Rule(f"{PREFIX}/tenants/<tenant_id>/accounts", endpoint="control:accounts", methods=["GET"]),
        Rule(f"{PREFIX}/requests", endpoint="control:requests", methods=["GET"]),
        Rule(f"{PREFIX}/requests", endpoint="control:clear_requests", methods=["DELETE"]),
        Rule(f"{PREFIX}/rate-limits", endpoint="control:rate_limits", methods=["GET", "POST"]),
        Rule(f"{PREFIX}/faults", endpoint="control:faults", methods=["GET", "POST", "DELETE"]),
        Rule(f"{PREFIX}/webhooks/config", endpoint="control:webhook_config", methods=["GET", "POST"]),
        Rule(f"{PREFIX}/webhooks/trigger", endpoint="control:trigger_webhook", methods=["POST"]),
        Rule(f"{PREFIX}/webhooks/deliveries", endpoint="control:webhook_deliveries", methods=["GET"]),
        Rule(f"{PREFIX}/webhooks/intent-to-receive", endpoint="control:intent_to_receive", methods=["POST"]),
        Rule(f"{PREFIX}/clock", endpoint="control:clock", methods=["GET", "POST"]),
        Rule(f"{PREFIX}/token-settings", endpoint="control:token_settings", methods=["GET", "POST"]),
        Rule(f"{PREFIX}/oauth", endpoint="control:oauth", methods=["GET"]),
        Rule(f"{PREFIX}/reset", endpoint="control:reset", methods=["POST"]),
        Rule(f"{PREFIX}/online-invoices/<invoice_id>", endpoint="control:online_invoice", methods=["GET"]),
    ] + control_extra.rules(PREFIX)


class ControlEndpoints:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def dispatch(self, request, endpoint: str, **args) -> Response:
        name = endpoint.split(":", 1)[1]
        try:
            body = _json_body(request)
            if name in control_extra.HANDLERS:
                result = control_extra.HANDLERS[name](self.sandbox, request, body, **args)
            else:
                result = getattr(self, name)(request, body, **args)
        except SandboxError as exc:
            return json_response({"error": str(exc)}, status=exc.status)
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": f"bad request: {exc}"}, status=400)
        return result if isinstance(result, Response) else json_response(result)

    # --- data --------------------------------------------------------------------------------------------
    def overview(self, request, body):
        config = self.sandbox.config
        return {
            "tenants": self.sandbox.tenants(),
            "client_id": config.app.client_id,
            "redirect_uris": list(config.app.redirect_uris),
            "contacts_per_tenant": config.contacts,
            "seed": config.seed,
            "rate_limits": config.limits.as_dict(),
            "token_settings": config.tokens.as_dict(),
            "clock_offset": self.sandbox.clock.offset,
        }

    def tenants(self, request, body):
        return self.sandbox.tenants()

    def list_contacts(self, request, body, tenant_id):
        include_archived = request.args.get("include_archived", "true").lower() != "false"
        return json_response(self.sandbox.contacts_json(tenant_id, include_archived))

    def add_contact(self, request, body, tenant_id):
        return self.sandbox.add_contact(tenant_id, _contact_fields(body))

    def change_contact(self, request, body, tenant_id, contact_id, action):
        if action == "rename":
            if not body.get("name"):
                raise SandboxError("name is required")
            fields = {"Name": body["name"]}
        elif action == "archive":
            fields = {"ContactStatus": "ARCHIVED"}
        elif action == "restore":
            fields = {"ContactStatus": "ACTIVE"}
        else:
            fields = _contact_fields(body)
        return self.sandbox.change_contact(tenant_id, contact_id, fields)

    def invoices(self, request, body, tenant_id):
        return self.sandbox.invoices(tenant_id)

    def accounts(self, request, body, tenant_id):
        return self.sandbox.accounts(tenant_id)

    def online_invoice(self, request, body, invoice_id):
        for tenant in self.sandbox.store.tenant_list():
            invoice = tenant.invoices.get(invoice_id.lower())
            if invoice is not None:
                return _online_invoice_page(tenant, invoice)
        return Response("Invoice not found", status=404, content_type="text/plain")

    # --- observation -------------------------------------------------------------------------------------
    def requests(self, request, body):
        return self.sandbox.request_log.entries(request.args.get("path_prefix"), request.args.get("method"))

    def clear_requests(self, request, body):
        self.sandbox.request_log.clear()
        return {"cleared": True}

    def oauth(self, request, body):
        return self.sandbox.oauth.snapshot()

    # --- behaviour -----------------------------------------------------------------------------------------
    def rate_limits(self, request, body):
        if request.method == "POST":
            reset_counters = body.pop("reset_counters", True)
            self.sandbox.config.limits.update(**body)
            if reset_counters:
                self.sandbox.limiter.reset()
        return self.sandbox.config.limits.as_dict()

    def faults(self, request, body):
        if request.method == "POST":
            self.sandbox.faults.add(
                body.get("method", "*"),
                body["path_prefix"],
                body["kind"],
                count=int(body.get("count", 1)),
                delay=float(body.get("delay", 0)),
                status=int(body.get("status", 500)),
                after=int(body.get("after", 0)),
                tenant=body.get("tenant") or "",
            )
        elif request.method == "DELETE":
            self.sandbox.faults.clear()
        return self.sandbox.faults.pending()

    def clock(self, request, body):
        if request.method == "POST":
            if "advance" in body:
                self.sandbox.clock.set_offset(self.sandbox.clock.offset + float(body["advance"]))
            else:
                self.sandbox.clock.set_offset(float(body["offset"]))
        return {"offset": self.sandbox.clock.offset, "now_ms": self.sandbox.clock.now_ms()}

    def token_settings(self, request, body):
        if request.method == "POST":
            self.sandbox.config.tokens.update(**body)
        return self.sandbox.config.tokens.as_dict()

    def reset(self, request, body):
        self.sandbox.reset(revoke_tokens=bool(body.get("revoke_tokens", False)))
        return {"reset": True, "tenants": self.sandbox.tenants()}

    # --- webhooks ----------------------------------------------------------------------------------------------
    def webhook_config(self, request, body):
        if request.method == "POST":
            self.sandbox.webhooks.configure(url=body.get("url"), key=body.get("key"), auto=body.get("auto"))
        return self.sandbox.webhooks.config()

    def trigger_webhook(self, request, body):
        category = body.get("event_category") or "CONTACT"
        event_type = body.get("event_type", "UPDATE")
        if category == "CONTACT":
            contact_ids = body.get("contact_ids") or body.get("resource_ids") or [body["contact_id"]]
            events = self.sandbox.contact_webhook_events(body["tenant_id"], contact_ids, event_type)
        else:
            resource_ids = body.get("resource_ids") or [body["resource_id"]]
            events = trigger_events(self.sandbox, body["tenant_id"], category, resource_ids, event_type)
        delivery = self.sandbox.webhooks.deliver(events, url=body.get("url"), key=body.get("key"))
        return dict(delivery.as_dict(), events=events)

    def webhook_deliveries(self, request, body):
        return [delivery.as_dict() for delivery in self.sandbox.webhooks.deliveries]

    def intent_to_receive(self, request, body):
        return self.sandbox.webhooks.intent_to_receive(url=body.get("url"), key=body.get("key"))


def _json_body(request) -> dict:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _contact_fields(body: dict) -> dict:
    fields = dict(body.get("fields") or {})
    for argument, field in CONTACT_ARGUMENTS.items():
        if body.get(argument) is not None:
            fields[field] = body[argument]
    return fields


def _online_invoice_page(tenant, invoice) -> Response:
    rows = "".join(
        f"<tr><td>{html.escape(line['Description'])}</td><td>{line['Quantity']}</td>"
        f"<td>{line['UnitAmount']:.2f}</td><td>{line['LineAmount']:.2f}</td></tr>"
        for line in invoice["LineItems"]
    )
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Invoice {html.escape(invoice['InvoiceNumber'])} from {html.escape(tenant.name)}</title></head><body>
<h1>Invoice {html.escape(invoice['InvoiceNumber'])}</h1>
<p>From {html.escape(tenant.name)} to {html.escape(invoice['Contact']['Name'])}. Status: {invoice['Status']}</p>
<table><tr><th>Description</th><th>Qty</th><th>Unit</th><th>Amount</th></tr>{rows}</table>
<p>Total {invoice['Total']:.2f} {invoice['CurrencyCode']} &middot; Amount due {invoice['AmountDue']:.2f}</p>
</body></html>"""
    return Response(page, content_type="text/html; charset=utf-8")
