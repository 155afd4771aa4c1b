"""xero_sandbox: a local, spec-conformant stand-in for Xero's identity, accounting, payroll, projects and webhook APIs.

One host:port serves what Xero spreads over login.xero.com, identity.xero.com and api.xero.com,
with Xero's own paths, so the official xero-python SDK talks to it over real HTTP with only its
base URLs changed:

* ``GET|POST /identity/connect/authorize`` (consent page), ``POST /connect/token``,
  ``POST /connect/revocation``;
* ``GET /connections``, ``DELETE /connections/{id}``;
* ``/api.xro/2.0/Organisation``, ``Accounts``, ``TaxRates``, ``Contacts``, ``Invoices``,
  ``Invoices/{id}/OnlineInvoice``;
* ``/payroll.xro/2.0`` (Payroll NZ, UK and AU v2 timesheets; NZ/UK Employees, PayRunCalendars,
  EarningsRates) and ``/payroll.xro/1.0`` (AU v1 Employees, PayrollCalendars, PayItems), the organisation's
  country picking the API (``payroll_api``);
* ``/projects.xro/2.0``: Projects, ProjectsUsers, Tasks and Time (``projects_api``);
* webhook deliveries and Xero's "Intent to Receive" check, driven from the control API;
* a test-only control API under ``/_sandbox/`` (see ``xero_sandbox.control_client``).

Run it with ``python -m xero_sandbox --help``. Demo defaults: client id ``demo-client-id``, secret
``demo-client-secret``, redirect URI ``http://127.0.0.1:8069/xero_timesync/oauth/callback``, port
8070, 40 contacts in each of 2 organisations: "Demo Company (NZ)" (base currency NZD) and
"Demo Company (US)" (USD); further organisations are AU (AUD), UK (GBP), then repeat.

In tests use ``xero_sandbox.testing.SandboxServer``.
"""

from .config import AppRegistration, RateLimits, SandboxConfig, TokenSettings
from .server import SandboxApp, create_app, create_server

__all__ = [
    "AppRegistration",
    "RateLimits",
    "SandboxApp",
    "SandboxConfig",
    "TokenSettings",
    "create_app",
    "create_server",
]
