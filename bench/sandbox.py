"""How fast xero_sandbox serves contacts: a 10,000-contact paged read (pageSize 1000).

    .cache/venv/bin/python bench/sandbox.py [--contacts 10000] [--rounds 3]

Measured three ways, best of ``--rounds``:
* xero-python: ``AccountingApi.get_contacts(page=..., page_size=1000)`` over real HTTP. The SDK's
  Contact model refuses names over 255 characters (the seed has 500-character ones), so, like the
  addon, the SDK call uses ``_preload_content=False`` and the body is parsed with ``json.loads``;
* raw HTTP + json.loads: urllib3, keep-alive;
* raw HTTP bytes: what the server alone delivers.
It also reports how long seeding 100,000 contacts takes.
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xero_python.accounting import AccountingApi  # noqa: E402
from xero_python.api_client import ApiClient, Configuration  # noqa: E402
from xero_python.api_client.oauth2 import OAuth2Token  # noqa: E402

from xero_sandbox.store import Store  # noqa: E402
from xero_sandbox.testing import SandboxServer  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
REDIRECT_URI = "http://127.0.0.1:8069/xero_timesync/oauth/callback"
PAGE_SIZE = 1000


def connect(server: SandboxServer) -> dict:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "offline_access accounting.contacts.read",
            "state": "bench",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    redirect = server.consent(f"{server.url}/identity/connect/authorize?{query}")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect).query))["code"]
    response = urllib3.PoolManager().request(
        "POST",
        f"{server.url}/connect/token",
        fields={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        encode_multipart=False,
    )
    token = json.loads(response.data)
    token["scope"] = token["scope"].split()
    return token


def read_with_sdk(server, token, tenant_id) -> int:
    api_client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)),
        oauth2_token_getter=lambda: token,
        oauth2_token_saver=lambda new: None,
    )
    api_client.set_oauth2_token(token)
    accounting = AccountingApi(api_client, base_url=f"{server.url}/api.xro/2.0")
    count, page = 0, 1
    while True:
        response = accounting.get_contacts(
            tenant_id, page=page, page_size=PAGE_SIZE, include_archived=True, _preload_content=False
        )
        contacts = json.loads(response.data)["Contacts"]
        count += len(contacts)
        if len(contacts) < PAGE_SIZE:
            return count
        page += 1


def read_raw(server, token, tenant_id, parse: bool) -> int:
    http = urllib3.PoolManager()
    headers = {"Authorization": f"Bearer {token['access_token']}", "xero-tenant-id": tenant_id}
    count, page = 0, 1
    while True:
        url = f"{server.url}/api.xro/2.0/Contacts?page={page}&pageSize={PAGE_SIZE}&includeArchived=true"
        body = http.request("GET", url, headers=headers).data
        returned = len(json.loads(body)["Contacts"]) if parse else body.count(b'"ContactID"')
        count += returned
        if returned < PAGE_SIZE:
            return count
        page += 1


def best_rate(label: str, read, expected: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        count = read()
        best = min(best, time.perf_counter() - started)
        if count != expected:
            raise SystemExit(f"{label}: read {count} contacts, expected {expected}")
    rate = expected / best
    print(f"{label:<34} {rate:>10,.0f} contacts/s  ({best * 1000:.0f} ms for {expected:,})")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    started = time.perf_counter()
    Store(seed=0, orgs=1, contacts=100_000)
    print(f"{'seeding 100,000 contacts':<34} {time.perf_counter() - started:>10.2f} s")

    with SandboxServer(
        contacts=arguments.contacts,
        orgs=1,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI],
        rate_limits={"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1},
    ) as server:
        tenant_id = server.tenants[0]["tenant_id"]
        token = connect(server)
        read_raw(server, token, tenant_id, parse=False)  # warm the per-contact JSON cache and the sort order
        total = arguments.contacts
        rounds = arguments.rounds
        best_rate("xero-python get_contacts", lambda: read_with_sdk(server, token, tenant_id), total, rounds)
        best_rate("raw HTTP + json.loads", lambda: read_raw(server, token, tenant_id, parse=True), total, rounds)
        best_rate("raw HTTP bytes", lambda: read_raw(server, token, tenant_id, parse=False), total, rounds)


if __name__ == "__main__":
    main()
