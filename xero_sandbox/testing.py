"""Run a sandbox from tests (pytest suites, Odoo addon tests in the same process)::

    from xero_sandbox.testing import SandboxServer

    with SandboxServer(contacts=50, seed=1, orgs=1, client_id="test-client", client_secret="test-secret",
                       redirect_uris=["http://127.0.0.1:8069/xero_timesync/oauth/callback"]) as sb:
        sb.url        # "http://127.0.0.1:<free port>"
        sb.tenants    # [{"tenant_id": ..., "name": ..., "base_currency": ...}]
        redirect = sb.consent(authorize_url)          # the user clicks "Allow access"
        sb.control.add_contact(sb.tenants[0]["tenant_id"], name="X")

By default the server runs in a daemon thread of this process (``sb.sandbox`` is then the live
state); ``subprocess=True`` runs ``python -m xero_sandbox`` instead. Either way ``sb.control``
talks HTTP.
"""

import os
import subprocess as subprocess_module
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from .config import (
    ACCESS_TOKEN_TTL,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTACTS,
    DEMO_ORGS,
    DEMO_REDIRECT_URI,
    AppRegistration,
    RateLimits,
    SandboxConfig,
    TokenSettings,
)
from .control_client import SandboxControl, SandboxControlError
from .server import create_app, create_server

__all__ = ["ConsentError", "SandboxControl", "SandboxControlError", "SandboxServer"]


class ConsentError(RuntimeError):
    """The authorize URL led to Xero's error page (unknown client, unregistered redirect URI...)."""


class SandboxServer:
    def __init__(
        self,
        contacts: int = DEMO_CONTACTS,
        seed: int = 0,
        orgs: int = DEMO_ORGS,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        redirect_uris=(DEMO_REDIRECT_URI,),
        access_token_ttl: int = ACCESS_TOKEN_TTL,
        host: str = "127.0.0.1",
        port: int = 0,
        subprocess: bool = False,
        rate_limits: dict = None,
        wsgi_middleware=None,
    ):
        """``wsgi_middleware(app) -> app`` wraps the WSGI app (in-thread mode only), e.g. to record
        traffic for spec validation. ``rate_limits``: {minute, day, concurrent, app_minute}."""
        self.config = SandboxConfig(
            contacts=contacts,
            seed=seed,
            orgs=orgs,
            app=AppRegistration(client_id=client_id, client_secret=client_secret, redirect_uris=tuple(redirect_uris)),
            tokens=TokenSettings(access_token_ttl=access_token_ttl),
            limits=RateLimits(**(rate_limits or {})),
        )
        self.host = host
        self.port = port
        self.use_subprocess = subprocess
        self.wsgi_middleware = wsgi_middleware
        self.url = None
        self.control = None
        self.tenants = []
        self.sandbox = None  # the live state, in-thread mode only
        self._server = None
        self._thread = None
        self._process = None

    # --- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> "SandboxServer":
        if self.use_subprocess:
            self._start_subprocess()
        else:
            self._start_thread()
        self.control = SandboxControl(self.url)
        self.tenants = [{"tenant_id": t["tenant_id"], "name": t["name"]} for t in self.control.tenants()]
        return self

    def _start_thread(self) -> None:
        app = create_app(self.config)
        self.sandbox = app.sandbox
        wsgi_app = self.wsgi_middleware(app) if self.wsgi_middleware else app
        self._server = create_server(wsgi_app, self.host, self.port)
        self.url = f"http://{self.host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="xero-sandbox", daemon=True
        )
        self._thread.start()

    def _start_subprocess(self) -> None:
        app = self.config.app
        command = [sys.executable, "-m", "xero_sandbox", "--host", self.host, "--port", str(self.port)]
        command += ["--contacts", str(self.config.contacts), "--seed", str(self.config.seed)]
        command += ["--orgs", str(self.config.orgs), "--client-id", app.client_id, "--client-secret", app.client_secret]
        command += ["--access-token-ttl", str(self.config.tokens.access_token_ttl)]
        limits = self.config.limits
        command += ["--limit-minute", str(limits.minute), "--limit-day", str(limits.day)]
        command += ["--limit-concurrent", str(limits.concurrent), "--limit-app-minute", str(limits.app_minute)]
        for uri in app.redirect_uris:
            command += ["--redirect-uri", uri]
        env = dict(os.environ)
        package_parent = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_parent, env.get("PYTHONPATH"))))
        self._process = subprocess_module.Popen(
            command, stdout=subprocess_module.PIPE, stderr=subprocess_module.PIPE, text=True, env=env
        )
        first_line = self._process.stdout.readline()
        if "listening on " not in first_line:
            self._process.kill()
            raise RuntimeError(f"xero_sandbox did not start: {first_line}{self._process.stderr.read()}")
        self.url = first_line.rsplit("listening on ", 1)[1].strip()
        # Keep reading stdout so the child never blocks on a full pipe.
        threading.Thread(target=self._process.stdout.read, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess_module.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- the user on the consent page ---------------------------------------------------------------
    def consent(self, authorize_url: str, tenant_ids=None, allow: bool = True) -> str:
        """Open ``authorize_url`` (its path and query are sent to this sandbox, whatever its host),
        then click **Allow access** (ticking exactly ``tenant_ids`` when given, else the defaults)
        or **Cancel**. Returns the URL Xero redirects the browser to (with code & state, or error).
        """
        parts = urllib.parse.urlsplit(authorize_url)
        status, headers, page = _fetch(f"{self.url}{parts.path}?{parts.query}")
        if status in (301, 302, 303):
            return headers["Location"]
        if status != 200:
            raise ConsentError(f"consent page answered HTTP {status}: {page}")
        form = _ConsentForm.parse(page)
        if not allow:
            return form.cancel_href
        fields = list(form.hidden)
        chosen = list(tenant_ids) if tenant_ids is not None else form.checked_tenants
        fields += [("tenant_id", tenant_id) for tenant_id in chosen]
        fields.append(("action", "allow"))
        status, headers, page = _fetch(urllib.parse.urljoin(self.url, form.action), urllib.parse.urlencode(fields))
        if status not in (301, 302, 303):
            raise ConsentError(f"consent submission answered HTTP {status}: {page}")
        return headers["Location"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _fetch(url: str, form_body: str = None):
    data = form_body.encode() if form_body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


class _ConsentForm(HTMLParser):
    """Reads the consent page the way a browser would submit it."""

    def __init__(self):
        super().__init__()
        self.action = ""
        self.hidden = []
        self.checked_tenants = []
        self.cancel_href = ""

    @classmethod
    def parse(cls, page: str) -> "_ConsentForm":
        form = cls()
        form.feed(page)
        return form

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            if attributes.get("name") == "tenant_id":
                self.checked_tenants.append(attributes.get("value", ""))
            else:
                self.hidden.append((attributes.get("name"), attributes.get("value", "")))
        elif tag == "input" and attributes.get("type") == "checkbox" and "checked" in attributes:
            self.checked_tenants.append(attributes.get("value", ""))
        elif tag == "a" and attributes.get("id") == "cancel":
            self.cancel_href = attributes.get("href", "")
