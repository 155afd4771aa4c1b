"""The WSGI application: one host:port serving login.xero.com, identity.xero.com and api.xero.com.

Routing, request logging and fault injection live here; the endpoints themselves are in
``identity``, ``accounting`` and ``control``.
"""

import logging
import socket
import time

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import control, errors, families
from .accounting import API_PREFIX, AccountingEndpoints
from .config import SandboxConfig
from .control import ControlEndpoints
from .core import Sandbox
from .identity import AUTHORIZE_PATH, IdentityEndpoints

_logger = logging.getLogger(__name__)


def _accounting_rules() -> list:
    api = API_PREFIX
    return [
        Rule(f"{api}/Organisation", endpoint="api:organisation", methods=["GET"]),
        Rule(f"{api}/Accounts", endpoint="api:accounts", methods=["GET"]),
        Rule(f"{api}/Accounts/<account_id>", endpoint="api:account", methods=["GET"]),
        Rule(f"{api}/TaxRates", endpoint="api:tax_rates", methods=["GET"]),
        Rule(f"{api}/Contacts", endpoint="api:contacts", methods=["GET"]),
        Rule(f"{api}/Contacts", endpoint="api:contacts_put", methods=["PUT"]),
        Rule(f"{api}/Contacts", endpoint="api:contacts_post", methods=["POST"]),
        Rule(f"{api}/Contacts/<contact_id>", endpoint="api:contact", methods=["GET"]),
        Rule(f"{api}/Contacts/<contact_id>", endpoint="api:contact_post", methods=["POST"]),
        Rule(f"{api}/Invoices", endpoint="api:invoices", methods=["GET"]),
        Rule(f"{api}/Invoices", endpoint="api:invoices_put", methods=["PUT"]),
        Rule(f"{api}/Invoices", endpoint="api:invoices_post", methods=["POST"]),
        Rule(f"{api}/Invoices/<invoice_id>", endpoint="api:invoice", methods=["GET"]),
        Rule(f"{api}/Invoices/<invoice_id>", endpoint="api:invoice_post", methods=["POST"]),
        Rule(f"{api}/Invoices/<invoice_id>/OnlineInvoice", endpoint="api:online_invoice", methods=["GET"]),
    ]


def _identity_rules() -> list:
    return [
        Rule(AUTHORIZE_PATH, endpoint="identity:authorize_page", methods=["GET"]),
        Rule(AUTHORIZE_PATH, endpoint="identity:authorize_submit", methods=["POST"]),
        Rule("/connect/token", endpoint="identity:token", methods=["POST"]),
        Rule("/connect/revocation", endpoint="identity:revocation", methods=["POST"]),
        Rule("/.well-known/openid-configuration", endpoint="identity:openid_configuration", methods=["GET"]),
        Rule("/favicon.ico", endpoint="identity:favicon", methods=["GET"]),
        Rule("/connections", endpoint="identity:list_connections", methods=["GET"]),
        Rule("/Connections", endpoint="identity:list_connections", methods=["GET"]),
        Rule("/connections/<connection_id>", endpoint="identity:delete_connection", methods=["DELETE"]),
        Rule("/Connections/<connection_id>", endpoint="identity:delete_connection", methods=["DELETE"]),
    ]


class SandboxApp:
    """WSGI callable. ``sandbox`` holds all state; the app itself only routes."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.identity = IdentityEndpoints(sandbox.oauth, sandbox.store, sandbox.config.app.name)
        self.accounting = AccountingEndpoints(sandbox)
        self.control = ControlEndpoints(sandbox)
        self.url_map = Map(
            _identity_rules()
            + _accounting_rules()
            + families.rules()
            + control.rules()
            + [Rule("/", endpoint="index", methods=["GET"])],
            strict_slashes=False,
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        is_control = request.path.startswith(control.PREFIX)
        tenant = request.headers.get("Xero-Tenant-Id", "")
        fault = None if is_control else self.sandbox.faults.take(request.method, request.path, tenant)
        if fault is not None and fault.kind == "error":
            response = _fault_error(fault.status)
        else:
            response = self._route(request, fault)
            response = self._apply_fault_after_processing(fault, response)
        if not is_control:
            status = "dropped" if fault is not None and fault.kind == "drop" else response.status_code
            self.sandbox.request_log.record(request, status, self.sandbox.clock.now_ms())
        if fault is not None and fault.kind == "drop":
            _drop_connection(environ)
        return response(environ, start_response)

    def _route(self, request, fault) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as exc:
            return exc.get_response()
        except NotFound:
            return errors.not_found()
        except HTTPException as exc:  # e.g. a redirect for a trailing slash
            return exc.get_response()
        area, _, name = endpoint.partition(":")
        if fault is not None and fault.kind == "slow" and area != "api":
            time.sleep(fault.delay)
        if area == "api":
            return self.accounting.dispatch(request, name, fault, **args)
        if area == "identity":
            return getattr(self.identity, name)(request, **args)
        if area == "control":
            return self.control.dispatch(request, endpoint, **args)
        return errors.json_response({"name": "xero_sandbox", "tenants": self.sandbox.tenants()})

    @staticmethod
    def _apply_fault_after_processing(fault, response: Response) -> Response:
        if fault is None:
            return response
        if fault.kind == "malformed":
            body = response.get_data()
            truncated = body[: max(1, len(body) // 2)] if body else b'{"Id":'
            return Response(truncated, status=response.status_code, content_type=errors.JSON)
        if fault.kind == "error_after_processing":
            return _fault_error(fault.status)
        return response


def _fault_error(status: int) -> Response:
    if status == 503:
        return Response("The service is unavailable.", status=503, content_type="text/plain")
    return errors.json_response(
        {
            "ErrorNumber": status,
            "Type": "UnknownErrorException",
            "Message": "An error occurred in Xero. Check the API Status page http://status.developer.xero.com "
            "for current service status.",
        },
        status=status,
    )


def _drop_connection(environ) -> None:
    """Close the client socket without a response; werkzeug treats the raise as a dropped client."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("xero_sandbox fault: connection dropped after processing")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the per-request access log line."""

    def log_request(self, code="-", size="-") -> None:
        pass

    def log(self, type, message, *args) -> None:
        if type == "error":
            _logger.error(message.rstrip(), *args)


def create_app(config: SandboxConfig = None) -> SandboxApp:
    return SandboxApp(Sandbox(config or SandboxConfig()))


def create_server(app, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
    """A threaded werkzeug server for ``app`` (port 0 picks a free port)."""
    return make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler if quiet else None)
