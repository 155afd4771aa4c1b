import base64
import hashlib
import hmac
import json
import logging

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
        """Xero's contact events: verify, note which organisations changed, let the cron do the work.

        Xero's "Intent to Receive" check wants 401 for a bad or missing signature and 200 for a good
        one, so a missing key fails closed.
        """
        body = request.httprequest.get_data()
        key = request.env["ir.config_parameter"].sudo().get_param(const.PARAM_WEBHOOK_KEY)
        if not key or not valid_signature(body, key, request.httprequest.headers.get("x-xero-signature")):
            _logger.warning("Xero webhook with a missing or wrong signature refused")
            return request.make_response("", status=401)
        try:
            events = json.loads(body).get("events") or []
        except (ValueError, AttributeError):
            return request.make_response("", status=400)
        tenants = {e.get("tenantId") for e in events if e.get("eventCategory") == "CONTACT" and e.get("tenantId")}
        if tenants:
            request.env["xero.connection"].sudo()._xero_contacts_changed_at_xero(tenants)
        return request.make_response("", status=200)
