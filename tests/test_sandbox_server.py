"""The testing helper, the command line, the control API, and the spec checker itself."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3

from xero_sandbox.control_client import SandboxControl, SandboxControlError
from xero_sandbox.testing import SandboxServer

REPO = Path(__file__).resolve().parents[1]


def test_in_thread_server_starts_and_stops_cleanly(kit):
    server = SandboxServer(contacts=50, seed=1, orgs=1, client_id="test-client", client_secret="test-secret").start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.tenants == [{"tenant_id": server.tenants[0]["tenant_id"], "name": "Demo Company (NZ)"}]
        assert len(server.control.contacts(server.tenants[0]["tenant_id"])) == 50
        assert server.sandbox.store.tenant(server.tenants[0]["tenant_id"]) is not None
    finally:
        server.stop()
    with pytest.raises(urllib3.exceptions.HTTPError):
        urllib3.PoolManager(retries=False).request("GET", server.url + "/_sandbox/tenants", timeout=1)


def test_subprocess_mode_serves_the_same_api(kit):
    with SandboxServer(
        contacts=5,
        seed=2,
        orgs=2,
        client_id=kit.CLIENT_ID,
        client_secret=kit.CLIENT_SECRET,
        redirect_uris=[kit.REDIRECT_URI],
        subprocess=True,
    ) as server:
        assert server.sandbox is None and [t["name"] for t in server.tenants] == [
            "Demo Company (NZ)",
            "Demo Company (US)",
        ]
        token = kit.connect(server)
        status, _, body = kit.raw(server, "GET", "/connections", token["access_token"])
        assert status == 200 and body[0]["tenantId"] == server.tenants[0]["tenant_id"]
        process = server._process
    assert process.poll() is not None


def test_command_line_help_documents_the_demo_defaults():
    output = subprocess.run(
        [sys.executable, "-m", "xero_sandbox", "--help"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for default in ("demo-client-id", "demo-client-secret", "8070", "/xero_timesync/oauth/callback", "NZD", "USD"):
        assert default in output


def test_consent_accepts_the_real_xero_authorize_host(private_sandbox, kit):
    url = kit.authorize_url(private_sandbox).replace(private_sandbox.url, "https://login.xero.com")
    assert kit.query_of(private_sandbox.consent(url))["code"]


def test_reset_restores_the_seed_and_keeps_grants_unless_asked(private_sandbox, kit):
    sandbox = private_sandbox
    tenant_id = sandbox.tenants[0]["tenant_id"]
    seeded = sandbox.control.contacts(tenant_id)
    token = kit.connect(sandbox)
    sandbox.control.add_contact(tenant_id, name="Temporary")
    sandbox.control.rename_contact(tenant_id, seeded[0]["ContactID"], "Renamed")
    sandbox.control.set_rate_limits(minute=1)
    sandbox.control.inject_fault("GET", "/connections", "500")
    sandbox.control.set_clock_offset(99)
    sandbox.control.reset()
    assert sandbox.control.contacts(tenant_id) == seeded
    assert sandbox.control.faults() == [] and sandbox.control.requests() == []
    assert sandbox.control.overview()["clock_offset"] == 0
    assert sandbox.control.overview()["rate_limits"]["minute"] == 60
    assert kit.raw(sandbox, "GET", "/connections", token["access_token"])[0] == 200
    sandbox.control.reset(revoke_tokens=True)
    assert kit.raw(sandbox, "GET", "/connections", token["access_token"])[0] == 401


def test_control_client_works_from_a_base_url_and_reports_errors(private_sandbox):
    control = SandboxControl(private_sandbox.url + "/")
    tenant_id = control.tenants()[0]["tenant_id"]
    assert {a["Code"] for a in control.accounts(tenant_id)} >= {"200", "260", "400", "429"}
    contact = control.add_contact(tenant_id, name="Control Co", email="c@example.com", contact_number="CC-1")
    assert (contact["EmailAddress"], contact["ContactNumber"]) == ("c@example.com", "CC-1")
    updated = control.update_contact(tenant_id, contact["ContactID"], first_name="Cora")
    assert updated["FirstName"] == "Cora"
    with pytest.raises(SandboxControlError) as unknown:
        control.rename_contact("00000000-0000-4000-8000-000000000000", contact["ContactID"], "x")
    assert unknown.value.status == 404
    with pytest.raises(SandboxControlError) as bad_kind:
        control.inject_fault("GET", "/connections", "explode")
    assert bad_kind.value.status == 400
    assert control.set_token_settings(code_ttl=10)["code_ttl"] == 10
    assert control.oauth_state()["grants"] == 0


def test_unknown_paths_and_methods(private_sandbox):
    http = urllib3.PoolManager(retries=False)
    assert http.request("GET", private_sandbox.url + "/api.xro/2.0/Nope").status == 404
    assert http.request("DELETE", private_sandbox.url + "/api.xro/2.0/Contacts").status == 405
    index = json.loads(http.request("GET", private_sandbox.url + "/").data)
    assert index["name"] == "xero_sandbox" and len(index["tenants"]) == 2
    discovery = json.loads(http.request("GET", private_sandbox.url + "/.well-known/openid-configuration").data)
    assert discovery["code_challenge_methods_supported"] == ["S256"]


def test_the_spec_checker_catches_a_non_conforming_response(spec_checker, kit):
    """Guards the guard: a response that breaks the accounting spec must be reported."""
    body = {"Organisations": [{"OrganisationID": "not-a-uuid", "BaseCurrency": "XXX", "Timezone": "MARS"}]}
    exchange = kit.Exchange(
        "GET",
        "/api.xro/2.0/Organisation",
        [],
        {"xero-tenant-id": "t", "User-Agent": "xero-python (15.2.0)"},
        b"",
        200,
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
    )
    problems = " ".join(spec_checker.check(exchange))
    assert "OrganisationID" in problems and "BaseCurrency" in problems and "Timezone" in problems
    exchange.response_body = json.dumps({"Organisations": [{"Name": "Fine", "PaysTax": True}]}).encode()
    assert spec_checker.check(exchange) == []
