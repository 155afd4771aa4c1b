import logging

from markupsafe import Markup, escape
from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.http import request

from .. import const

_logger = logging.getLogger(__name__)


class XeroOAuthController(http.Controller):
    @http.route(const.OAUTH_CALLBACK_PATH, type="http", auth="user", methods=["GET"], readonly=False)
    def xero_oauth_callback(self, state=None, code=None, error=None, **kwargs):
        """Xero sends the admin back here after the consent page."""
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
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
