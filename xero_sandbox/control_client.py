"""Python client of the ``/_sandbox/`` control API; needs only the sandbox's base URL.

Works the same against an in-process ``SandboxServer``, a subprocess, or the demo sandbox started
by ``./dev demo``::

    control = SandboxControl("http://127.0.0.1:8070")
    tenant_id = control.tenants()[0]["tenant_id"]
    contact = control.add_contact(tenant_id, name="New Customer Ltd", email="ap@new.example")
    control.inject_fault("PUT", "/api.xro/2.0/Invoices", "drop")
"""

import json
import urllib.error
import urllib.parse
import urllib.request


class SandboxControlError(RuntimeError):
    def __init__(self, status: int, body: str):
        super().__init__(f"sandbox control call failed with HTTP {status}: {body}")
        self.status = status
        self.body = body


class SandboxControl:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict = None, query: dict = None):
        url = f"{self.base_url}/_sandbox{path}"
        query = {name: value for name, value in (query or {}).items() if value is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SandboxControlError(exc.code, exc.read().decode("utf-8", "replace")) from None

    # --- organisations and data ----------------------------------------------------------------------
    def overview(self) -> dict:
        return self._call("GET", "/")

    def tenants(self) -> list:
        """[{tenant_id, name, base_currency}, ...] in seed order."""
        return self._call("GET", "/tenants")

    def contacts(self, tenant_id: str, include_archived: bool = True) -> list:
        return self._call(
            "GET", f"/tenants/{tenant_id}/contacts", query={"include_archived": str(include_archived).lower()}
        )

    def add_contact(self, tenant_id: str, name: str, email: str = None, **fields) -> dict:
        """Create a contact; ``fields`` takes first_name, last_name, contact_number, account_number,
        tax_number, website, or ``fields={...}`` with Xero-cased contact fields."""
        return self._call("POST", f"/tenants/{tenant_id}/contacts", dict(fields, name=name, email=email))

    def rename_contact(self, tenant_id: str, contact_id: str, name: str) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/contacts/{contact_id}/rename", {"name": name})

    def archive_contact(self, tenant_id: str, contact_id: str) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/contacts/{contact_id}/archive", {})

    def restore_contact(self, tenant_id: str, contact_id: str) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/contacts/{contact_id}/restore", {})

    def update_contact(self, tenant_id: str, contact_id: str, **fields) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/contacts/{contact_id}/update", fields)

    def accounts(self, tenant_id: str) -> list:
        """The tenant's chart of accounts (Xero-shaped dicts)."""
        return self._call("GET", f"/tenants/{tenant_id}/accounts")

    def invoices(self, tenant_id: str) -> list:
        """Every invoice the tenant received, as stored (Xero-shaped dicts)."""
        return self._call("GET", f"/tenants/{tenant_id}/invoices")

    def merge_contact(self, tenant_id: str, from_id: str, into_id: str) -> dict:
        """Merge contact ``from_id`` into ``into_id`` as Xero does: the first becomes ARCHIVED with
        MergedToContactID (on paged and by-id reads only) and a new UpdatedDateUTC; its invoices and
        credit notes move to the second. Returns {merged, into, moved_invoice_ids, moved_credit_note_ids}."""
        return self._call("POST", f"/tenants/{tenant_id}/contacts/{from_id}/merge", {"into_id": into_id})

    def contact_groups(self, tenant_id: str) -> list:
        """Every contact group with its Contacts [{ContactID, Name}] (deleted groups included)."""
        return self._call("GET", f"/tenants/{tenant_id}/contact-groups")

    def create_contact_group(self, tenant_id: str, name: str, contact_ids=()) -> dict:
        return self._call(
            "POST", f"/tenants/{tenant_id}/contact-groups", {"name": name, "contact_ids": list(contact_ids)}
        )

    def add_to_group(self, tenant_id: str, group_id: str, contact_ids) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/contact-groups/{group_id}/members", {"add": list(contact_ids)})

    def remove_from_group(self, tenant_id: str, group_id: str, contact_ids) -> dict:
        body = {"remove": list(contact_ids)}
        return self._call("POST", f"/tenants/{tenant_id}/contact-groups/{group_id}/members", body)

    def set_high_volume_threshold(self, tenant_id: str, threshold: int) -> dict:
        """Above ``threshold`` contacts the tenant refuses unoptimised Contacts where/order with
        Xero's 400 HighVolumeException (default 100,000; reset() restores it)."""
        return self._call("POST", f"/tenants/{tenant_id}/high-volume", {"threshold": threshold})

    def payments(self, tenant_id: str) -> list:
        """Every payment of the tenant as stored (deleted ones with Status DELETED)."""
        return self._call("GET", f"/tenants/{tenant_id}/payments")

    def record_payment(
        self, tenant_id: str, invoice_id: str, amount=None, date: str = None, account_code="090", reference=""
    ) -> dict:
        """A payment recorded at Xero on an AUTHORISED invoice (id or number): ``amount`` defaults to the
        amount due (full payment -> PAID), ``date`` (YYYY-MM-DD) to today. Returns the Payment."""
        body = {"amount": amount, "date": date, "account_code": account_code, "reference": reference}
        return self._call("POST", f"/tenants/{tenant_id}/invoices/{invoice_id}/payments", body)

    def delete_payment(self, tenant_id: str, payment_id: str) -> dict:
        """Delete a payment at Xero: Status DELETED, the invoice's amount due comes back."""
        return self._call("POST", f"/tenants/{tenant_id}/payments/{payment_id}/delete", {})

    def credit_notes(self, tenant_id: str) -> list:
        return self._call("GET", f"/tenants/{tenant_id}/credit-notes")

    def create_credit_note(
        self, tenant_id: str, invoice_id: str, amount=None, allocate: bool = True, date=None, description=None
    ) -> dict:
        """An AUTHORISED ACCRECCREDIT made at Xero against an invoice (id or number), tax-inclusive
        ``amount`` (default: the amount due), allocated to it unless ``allocate`` is false.
        Returns {credit_note, allocation}."""
        body = {"amount": amount, "allocate": allocate, "date": date, "description": description}
        return self._call("POST", f"/tenants/{tenant_id}/invoices/{invoice_id}/credit-notes", body)

    def set_invoice_status(self, tenant_id: str, invoice_id: str, status: str) -> dict:
        """Void (``VOIDED``) or delete (``DELETED``) an invoice at Xero, as its users do: Xero's transitions apply
        (drafts are deleted, authorised invoices voided, one with payments is refused). Sends INVOICE UPDATE
        when auto webhooks are on. Returns the Invoice."""
        return self._call("POST", f"/tenants/{tenant_id}/invoices/{invoice_id}/status", {"status": status})

    def set_credit_note_status(self, tenant_id: str, credit_note_id: str, status: str) -> dict:
        """Void or delete a credit note at Xero (refused while it is allocated); CREDITNOTE UPDATE webhook."""
        return self._call("POST", f"/tenants/{tenant_id}/credit-notes/{credit_note_id}/status", {"status": status})

    def tracking_categories(self, tenant_id: str) -> list:
        """Every tracking category of the tenant with all its options (archived ones included)."""
        return self._call("GET", f"/tenants/{tenant_id}/tracking-categories")

    def branding_themes(self, tenant_id: str) -> list:
        """The tenant's branding themes (as GET /BrandingThemes lists them)."""
        return self._call("GET", f"/tenants/{tenant_id}/branding-themes")

    def set_tracking_status(self, tenant_id: str, category: str, option: str = None, status="ARCHIVED") -> dict:
        """Archive (or restore with ``status="ACTIVE"``) a tracking category, or one of its options when
        ``option`` is given, at Xero (both by name). Returns the category with all its options."""
        body = {"category": category, "option": option, "status": status}
        return self._call("POST", f"/tenants/{tenant_id}/tracking-status", body)

    def add_tax_rate(self, tenant_id: str, tax_type: str, rate: float, name: str = None) -> dict:
        """A sales tax rate (``rate`` in percent) added to the organisation; reset() removes it."""
        return self._call("POST", f"/tenants/{tenant_id}/tax-rates", {"tax_type": tax_type, "rate": rate, "name": name})

    # --- observation ------------------------------------------------------------------------------------
    def requests(self, path_prefix: str = None, method: str = None) -> list:
        """Requests received (method, path, query, redacted headers, status), oldest first."""
        return self._call("GET", "/requests", query={"path_prefix": path_prefix, "method": method})

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def oauth_state(self) -> dict:
        return self._call("GET", "/oauth")

    # --- behaviour ---------------------------------------------------------------------------------------
    def set_rate_limits(
        self, minute: int = None, day: int = None, concurrent: int = None, app_minute: int = None, reset_counters=True
    ) -> dict:
        limits = {"minute": minute, "day": day, "concurrent": concurrent, "app_minute": app_minute}
        body = {name: value for name, value in limits.items() if value is not None}
        return self._call("POST", "/rate-limits", dict(body, reset_counters=reset_counters))

    def inject_fault(
        self,
        method: str,
        path_prefix: str,
        kind: str,
        count: int = 1,
        delay: float = 0,
        status: int = 500,
        after=0,
        tenant: str = "",
    ) -> list:
        """Fault the next ``count`` requests matching method + path prefix (and, with ``tenant``, that
        organisation's Xero-Tenant-Id), after letting ``after`` of them through. kind: error | slow | drop |
        malformed | error_after_processing, or an HTTP status such as "503" (= error with that status). See
        xero_sandbox.faults."""
        body = {"method": method, "path_prefix": path_prefix, "kind": kind, "count": count, "after": after}
        if tenant:
            body["tenant"] = tenant
        return self._call("POST", "/faults", dict(body, delay=delay, status=status))

    def faults(self) -> list:
        return self._call("GET", "/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_clock_offset(self, seconds: float) -> dict:
        return self._call("POST", "/clock", {"offset": seconds})

    def advance_clock(self, seconds: float) -> dict:
        return self._call("POST", "/clock", {"advance": seconds})

    def set_token_settings(
        self, access_token_ttl: int = None, code_ttl: int = None, refresh_grace: int = None, refresh_token_ttl=None
    ) -> dict:
        settings = {
            "access_token_ttl": access_token_ttl,
            "code_ttl": code_ttl,
            "refresh_grace": refresh_grace,
            "refresh_token_ttl": refresh_token_ttl,
        }
        return self._call("POST", "/token-settings", {k: v for k, v in settings.items() if v is not None})

    def reset(self, revoke_tokens: bool = False) -> dict:
        """Back to the seeded data with default limits, no faults, clock offset 0, empty logs.
        Grants, tokens and connections are kept unless ``revoke_tokens``."""
        return self._call("POST", "/reset", {"revoke_tokens": revoke_tokens})

    # --- webhooks ----------------------------------------------------------------------------------------------
    def set_webhook(self, url: str = None, key: str = None, auto: bool = None) -> dict:
        """Where and with which signing key to deliver; ``auto`` sends an event on every contact change."""
        return self._call("POST", "/webhooks/config", {"url": url, "key": key, "auto": auto})

    def trigger_webhook(
        self,
        tenant_id: str,
        contact_id: str = None,
        event_type: str = "UPDATE",
        contact_ids=None,
        url=None,
        key=None,
        event_category: str = "CONTACT",
        resource_ids=None,
    ) -> dict:
        """Deliver one signed payload with one event per resource; returns the delivery result and
        the events. ``event_category`` CONTACT (``contact_id(s)``), INVOICE or CREDITNOTE
        (``resource_ids``: InvoiceIDs / CreditNoteIDs; CREDITNOTE events carry data {Type, Status})."""
        body = {"tenant_id": tenant_id, "event_type": event_type, "url": url, "key": key}
        body["event_category"] = event_category
        if event_category == "CONTACT":
            body["contact_ids"] = list(contact_ids or resource_ids or [contact_id])
        else:
            body["resource_ids"] = list(resource_ids or [contact_id])
        return self._call("POST", "/webhooks/trigger", body)

    def webhook_deliveries(self) -> list:
        return self._call("GET", "/webhooks/deliveries")

    def intent_to_receive(self, url: str = None, key: str = None) -> dict:
        """Run Xero's Intent to Receive check; returns {"passed": bool, "checks": [...]}."""
        return self._call("POST", "/webhooks/intent-to-receive", {"url": url, "key": key})

    # --- Xero Payroll and Xero Projects ---------------------------------------------------------------------
    def payroll(self, tenant_id: str) -> dict:
        """{region, employees, calendars, earnings_rates, timesheets} as stored (snake_case, ISO dates);
        region is NZ, UK, AU or None (no Xero Payroll)."""
        return self._call("GET", f"/tenants/{tenant_id}/payroll")

    def add_payroll_employee(
        self, tenant_id: str, first_name: str, last_name: str, email: str = None, calendar_id: str = None, **extra
    ) -> dict:
        """A payroll employee on ``calendar_id`` (default: the first calendar); ``extra``: gender, start_date."""
        body = dict(extra, first_name=first_name, last_name=last_name, email=email, calendar_id=calendar_id)
        return self._call("POST", f"/tenants/{tenant_id}/payroll/employees", body)

    def terminate_payroll_employee(self, tenant_id: str, employee_id: str, end_date: str) -> dict:
        return self._call(
            "POST", f"/tenants/{tenant_id}/payroll/employees/{employee_id}/terminate", {"end_date": end_date}
        )

    def add_payroll_calendar(self, tenant_id: str, calendar_type: str, period_start: str, name: str = None) -> dict:
        """calendar_type: Weekly, Fortnightly, FourWeekly, Monthly, Quarterly, Annual (NZ, UK) or TwiceMonthly (NZ, AU):
        as the region's CalendarType allows; period_start ISO (a twice-monthly calendar: the first half's start)."""
        body = {"calendar_type": calendar_type, "period_start": period_start, "name": name}
        return self._call("POST", f"/tenants/{tenant_id}/payroll/calendars", body)

    def add_earnings_rate(
        self, tenant_id: str, name: str, earnings_type: str = "RegularEarnings", multiple=None, current=True
    ) -> dict:
        body = {"name": name, "earnings_type": earnings_type, "multiple": multiple, "current": current}
        return self._call("POST", f"/tenants/{tenant_id}/payroll/earnings-rates", body)

    def set_timesheet_status(self, tenant_id: str, timesheet_id: str, status: str) -> dict:
        """What Xero does itself, e.g. ``Completed`` when a pay run including the timesheet is posted."""
        return self._call("POST", f"/tenants/{tenant_id}/payroll/timesheets/{timesheet_id}/status", {"status": status})

    def projects(self, tenant_id: str) -> dict:
        """{users, projects, tasks, time_entries} as stored (the Projects API's own field names)."""
        return self._call("GET", f"/tenants/{tenant_id}/projects")

    def add_projects_user(self, tenant_id: str, name: str, email: str = None) -> dict:
        return self._call("POST", f"/tenants/{tenant_id}/projects/users", {"name": name, "email": email})

    def set_time_entry_status(self, tenant_id: str, time_entry_id: str, status: str) -> dict:
        """ACTIVE, LOCKED or INVOICED (Xero sets these itself while invoicing from Projects)."""
        return self._call("POST", f"/tenants/{tenant_id}/projects/time/{time_entry_id}/status", {"status": status})
