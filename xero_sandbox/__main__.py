"""Command line: ``python -m xero_sandbox [options]`` runs a sandbox until interrupted.

Prints ``xero_sandbox listening on http://HOST:PORT`` on its first stdout line (``--port 0``
picks a free port; ``SandboxServer(subprocess=True)`` reads that line).
"""

import argparse
import sys

from .config import (
    ACCESS_TOKEN_TTL,
    AUTH_CODE_TTL,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTACTS,
    DEMO_ORGS,
    DEMO_PORT,
    DEMO_REDIRECT_URI,
    REFRESH_GRACE,
    AppRegistration,
    RateLimits,
    SandboxConfig,
    TokenSettings,
)
from .server import create_app, create_server

DESCRIPTION = f"""\
A local stand-in for Xero's identity, accounting and webhook APIs (one host:port, Xero's paths).

Demo defaults:
  client id      {DEMO_CLIENT_ID}
  client secret  {DEMO_CLIENT_SECRET}
  redirect URI   {DEMO_REDIRECT_URI}
  port           {DEMO_PORT}
  organisations  {DEMO_ORGS}, {DEMO_CONTACTS} contacts each
Organisations, in order: "Demo Company (NZ)" base currency NZD, "Demo Company (US)" USD,
"Demo Company (AU)" AUD, "Demo Company (UK)" GBP, then the same again with a number.
Control API for tests: /_sandbox/ (see xero_sandbox.control_client).
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m xero_sandbox",
        description=DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=DEMO_PORT, help="port (0 = any free port)")
    parser.add_argument("--contacts", type=int, default=DEMO_CONTACTS, help="seeded contacts per organisation")
    parser.add_argument("--seed", type=int, default=0, help="seed of all generated data")
    parser.add_argument("--orgs", type=int, default=DEMO_ORGS, help="number of organisations (tenants)")
    parser.add_argument(
        "--no-terms", action="store_true", help="seed no customer with sales terms of its own (payment terms, ...)"
    )
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID, help="the registered app's client id")
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET, help="the registered app's client secret")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help=f"a registered redirect URI, repeatable (default: {DEMO_REDIRECT_URI})",
    )
    parser.add_argument("--access-token-ttl", type=int, default=ACCESS_TOKEN_TTL, help="access token lifetime (s)")
    parser.add_argument("--code-ttl", type=int, default=AUTH_CODE_TTL, help="authorisation code lifetime (s)")
    parser.add_argument(
        "--refresh-grace", type=int, default=REFRESH_GRACE, help="reuse window of a rotated refresh token (s)"
    )
    parser.add_argument("--limit-minute", type=int, default=60, help="calls per tenant per minute (-1 = off)")
    parser.add_argument("--limit-day", type=int, default=5000, help="calls per tenant per day (-1 = off)")
    parser.add_argument("--limit-concurrent", type=int, default=5, help="calls in flight per tenant (-1 = off)")
    parser.add_argument("--limit-app-minute", type=int, default=10000, help="calls per minute, whole app (-1 = off)")
    return parser.parse_args(argv)


def config_from_arguments(arguments: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        contacts=arguments.contacts,
        seed=arguments.seed,
        orgs=arguments.orgs,
        demo_terms=not arguments.no_terms,
        app=AppRegistration(
            client_id=arguments.client_id,
            client_secret=arguments.client_secret,
            redirect_uris=tuple(arguments.redirect_uris or (DEMO_REDIRECT_URI,)),
        ),
        tokens=TokenSettings(
            access_token_ttl=arguments.access_token_ttl,
            code_ttl=arguments.code_ttl,
            refresh_grace=arguments.refresh_grace,
        ),
        limits=RateLimits(
            minute=arguments.limit_minute,
            day=arguments.limit_day,
            concurrent=arguments.limit_concurrent,
            app_minute=arguments.limit_app_minute,
        ),
    )


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    app = create_app(config_from_arguments(arguments))
    server = create_server(app, arguments.host, arguments.port)
    print(f"xero_sandbox listening on http://{arguments.host}:{server.server_port}", flush=True)
    for tenant in app.sandbox.tenants():
        print(f"  tenant {tenant['tenant_id']}  {tenant['name']} ({tenant['base_currency']})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
