import base64
import hashlib
import hmac
import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from .. import const

_logger = logging.getLogger(__name__)


def valid_signature(body, key, signature):
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature or "")


class XeroWebhookController(http.Controller):
    @http.route(const.WEBHOOK_PATH, type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def xero_webhook(self):
        """Xero's contact, invoice and credit note events: verify, drop replays, note which organisations changed, let the cron work.

        Xero's "Intent to Receive" check wants 401 for a bad or missing signature and 200 for a good
        one, so a missing key fails closed. A replayed delivery is answered 200 (Xero must not retry
        it) and ignored.
        """
        httprequest = request.httprequest
        httprequest.max_content_length = const.WEBHOOK_MAX_BODY_BYTES  # also caps chunked bodies while reading
        try:
            if (httprequest.content_length or 0) > const.WEBHOOK_MAX_BODY_BYTES:
                raise RequestEntityTooLarge()
            body = httprequest.get_data()
        except RequestEntityTooLarge:
            _logger.warning("Xero webhook refused: a body over %s bytes", const.WEBHOOK_MAX_BODY_BYTES)
            return request.make_response("", status=413)
        key = request.env["ir.config_parameter"].sudo().get_param(const.PARAM_WEBHOOK_KEY)
        if not key or not valid_signature(body, key, httprequest.headers.get("x-xero-signature")):
            _logger.warning("Xero webhook with a missing or wrong signature refused")
            return request.make_response("", status=401)
        try:
            events = json.loads(body).get("events") or []
        except (ValueError, AttributeError):
            return request.make_response("", status=400)
        if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
            return request.make_response("", status=400)
        tenants = request.env["xero.webhook.delivery"].sudo()._receive(body, events)
        if tenants is None:
            _logger.info("Xero webhook replay ignored")
        else:
            if tenants:
                request.env["xero.contact.sync"].sudo()._xero_contacts_changed_at_xero(tenants)
            request.env["xero.invoice.event"].sudo()._xero_receive(events)  # INVOICE/CREDITNOTE: fetched by cron
        return request.make_response("", status=200)
