import logging
import re

from markupsafe import Markup, escape
from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.http import request

from .. import const

_logger = logging.getLogger(__name__)

# RFC 6749 (appendix A): state, code and error are printable ASCII; ours and Xero's are far shorter than these
PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
MAX_LENGTHS = {"state": 128, "code": 2048, "error": 128}


def well_formed(**values):
    """Whether every given callback parameter is absent or printable ASCII of a sane length."""
    return all(
        value is None or (len(value) <= MAX_LENGTHS[name] and PRINTABLE_ASCII.fullmatch(value))
        for name, value in values.items()
    )


class XeroOAuthController(http.Controller):
    @http.route(const.OAUTH_CALLBACK_PATH, type="http", auth="user", methods=["GET"], readonly=False)
    def xero_oauth_callback(self, state=None, code=None, error=None, **kwargs):
        """Xero sends the admin back here after the consent page."""
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        if not well_formed(state=state, code=code, error=error):
            _logger.warning("Xero OAuth callback with a malformed state, code or error refused")
            return self._retry_page(_("This answer from Xero could not be read. Start again with Enable integration."))
        wizard = request.env["xero.connect.wizard"]._from_oauth_state(state)
        if not wizard:
            _logger.warning("Xero OAuth callback with an unknown, used or foreign state")
            return self._retry_page(
                _(
                    "This Xero sign-in link is not valid any more (it was already used, it expired, or it was started"
                    " from another session). Start again with Enable integration."
                )
            )
        wizard._complete_oauth(code=code, error=error)
        # Settings → Xero with the wizard on top (static/src/connect/connect_return.js), not the wizard alone
        return request.redirect(f"{const.CONNECT_RETURN_URL}?wizard_id={wizard.id}")

    def _retry_page(self, message):
        body = Markup(
            "<html><head><title>Xero</title></head><body style='font-family:sans-serif;max-width:40em;margin:4em auto'>"
            "<h1>{title}</h1><p>{message}</p><p><a href='{url}'>{retry}</a>"
            "</p></body></html>"
        ).format(
            title=escape(_("Xero connection")),
            message=escape(message),
            retry=escape(_("Enable integration")),
            url=const.CONNECT_RETURN_URL,
        )
        return request.make_response(body, headers=[("Content-Type", "text/html; charset=utf-8")], status=400)
