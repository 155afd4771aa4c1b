import base64
import hashlib
import hmac
import json
import logging
import re

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from .. import const

_logger = logging.getLogger(__name__)


SIGNATURE_MAX_LENGTH = 128  # base64 of an HMAC-SHA256 is 44 characters
# the ids the addon stores and sends back to Xero (GUIDs; tests use short ones)
XERO_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
ID_KEYS = ("tenantId", "resourceId")
TEXT_KEYS = ("eventCategory", "eventType")


def valid_signature(body, key, signature):
    """Whether ``signature`` (the header, as the WSGI server decoded it) is the body's HMAC-SHA256 with ``key``."""
    if not signature or len(signature) > SIGNATURE_MAX_LENGTH or not signature.isascii():
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii"))


def parse_events(body):
    """The events of a signed delivery, or None when the body is not the shape Xero sends.

    Xero always sends a JSON object with an ``events`` list (empty for its "Intent to Receive" check); the
    keys the addon reads must be text, and the ids it stores plain ASCII ids.
    """
    try:
        payload = json.loads(body)  # invalid UTF-8 is a ValueError too
    except (ValueError, RecursionError):
        return None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(map(_well_formed, events)):
        return None
    return events


def _well_formed(event):
    return (
        isinstance(event, dict)
        and all(event.get(key) is None or isinstance(event[key], str) for key in TEXT_KEYS)
        and all(
            event.get(key) is None or (isinstance(event[key], str) and XERO_ID.fullmatch(event[key])) for key in ID_KEYS
        )
    )


class XeroWebhookController(http.Controller):
    @http.route(
        const.WEBHOOK_PATH,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # before Odoo reads anything: a form body over it is refused unparsed, a chunked one cut there
        max_content_length=const.WEBHOOK_MAX_BODY_BYTES,
    )
    def xero_webhook(self, **_form):  # a form body is not Xero's: refused by its signature, not a 500
        """Xero's contact, invoice and credit note events: verify, drop replays, note which organisations changed, let the cron work.

        Xero's "Intent to Receive" check wants 401 for a bad or missing signature and 200 for a good
        one, so a missing key fails closed. A replayed delivery is answered 200 (Xero must not retry
        it) and ignored.
        """
        httprequest = request.httprequest
        try:
            body = httprequest.get_data()
        except RequestEntityTooLarge:
            body = None
        if body is None or len(body) >= const.WEBHOOK_MAX_BODY_BYTES:  # werkzeug stops a chunked body at the cap
            _logger.warning("Xero webhook refused: a body over %s bytes", const.WEBHOOK_MAX_BODY_BYTES)
            return request.make_response("", status=413)
        key = request.env["ir.config_parameter"].sudo().get_param(const.PARAM_WEBHOOK_KEY)
        if not key or not valid_signature(body, key, httprequest.headers.get("x-xero-signature")):
            _logger.warning("Xero webhook with a missing or wrong signature refused")
            return request.make_response("", status=401)
        events = parse_events(body)
        if events is None:
            _logger.warning("Xero webhook with a signed but malformed body refused")
            return request.make_response("", status=400)
        tenants = request.env["xero.webhook.delivery"].sudo()._receive(body, events)
        if tenants is None:
            _logger.info("Xero webhook replay ignored")
        else:
            if tenants:
                request.env["xero.contact.sync"].sudo()._xero_contacts_changed_at_xero(tenants)
            request.env["xero.invoice.event"].sudo()._xero_receive(events)  # INVOICE/CREDITNOTE: fetched by cron
        return request.make_response("", status=200)
