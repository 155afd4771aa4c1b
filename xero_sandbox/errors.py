"""Xero's error bodies, and the JSON response helper every handler uses.

Two shapes exist on Xero's wire:
* the API gateway's problem-details body (401/403/400 before the request reaches the accounting
  service): ``{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful",
  "Instance":"<uuid>","Extensions":{}}``;
* the accounting service's ``Error`` schema: ``{"ErrorNumber":10,"Type":"ValidationException",
  "Message":"A validation exception occurred","Elements":[...]}``.
"""

import uuid

from werkzeug.wrappers import Response

from .formats import dumps

JSON = "application/json; charset=utf-8"


def json_response(payload, status: int = 200, headers=None) -> Response:
    body = payload if isinstance(payload, bytes) else dumps(payload)
    return Response(body, status=status, headers=headers, content_type=JSON)


def problem(status: int, title: str, detail: str, headers=None) -> Response:
    return json_response(
        {
            "Type": None,
            "Title": title,
            "Status": status,
            "Detail": detail,
            "Instance": str(uuid.uuid4()),
            "Extensions": {},
        },
        status=status,
        headers=headers,
    )


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> Response:
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(detail: str = "AuthenticationUnsuccessful") -> Response:
    return problem(403, "Forbidden", detail)


def missing_tenant_header() -> Response:
    return problem(400, "BadRequest", "xero-tenant-id header is missing or not a valid tenant id")


def validation_exception(elements: list) -> Response:
    return json_response(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
        status=400,
    )


def single_validation_error(message: str) -> Response:
    """A ValidationException about the request as a whole (no entity to attach it to)."""
    return validation_exception([{"ValidationErrors": [{"Message": message}]}])


def query_parse_exception(message: str) -> Response:
    return json_response({"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}, status=400)


def not_found() -> Response:
    # Xero answers unknown resource ids with a bare 404 and a plain-text sentence.
    return Response("The resource you're looking for cannot be found", status=404, content_type="text/plain")


def oauth_error(error: str, status: int = 400, description: str = None) -> Response:
    payload = {"error": error}
    if description:
        payload["error_description"] = description
    return json_response(payload, status=status, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
