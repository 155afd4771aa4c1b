from werkzeug.wrappers import Response

from odoo.tests import HttpCase, tagged

from .common import XeroSandboxMixin

# The user on Xero's consent page: finds the "Allow access" button and clicks it.
ALLOW_ACCESS_USER = """
<script>
window.addEventListener("load", () => {
    const button = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Allow access");
    if (!button) {
        console.error("Xero's consent page has no Allow access button");
        return;
    }
    setTimeout(() => button.click(), 200);
});
</script>
"""


def allow_access_user(app):
    """WSGI middleware around the sandbox: adds the scripted user to the consent page."""

    def middleware(environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or environ["PATH_INFO"] != "/identity/connect/authorize":
            return app(environ, start_response)
        response = Response.from_app(app, environ)
        if response.mimetype == "text/html":
            response.set_data(response.get_data(as_text=True).replace("</body>", ALLOW_ACCESS_USER + "</body>"))
        return response(environ, start_response)

    return middleware


@tagged("post_install", "-at_install")
class TestEnableIntegrationTour(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 12, "seed": 5, "orgs": 1}
    sandbox_middleware = staticmethod(allow_access_user)

    def test_enable_integration_in_the_browser(self):
        """Consent, back on Settings → Xero with the wizard on top, Save, Close: the settings show the connection."""
        self.start_tour("/odoo/action-xero_timesync.xero_settings_action", "xero_enable_integration", login="admin")
        connection = self.env["xero.connection"]._xero_for_company()
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.last_sync_log_id.trigger, "wizard")
        contacts = self.sandbox.control.contacts(self.tenant["tenant_id"])
        self.assertEqual(len(self.xero_tasks(connection)), len(contacts))
        consent_pages = self.sandbox.control.requests("/identity/connect/authorize")
        self.assertEqual(
            [r["method"] for r in consent_pages], ["GET", "POST"], "the consent page was shown and allowed"
        )

    def test_enable_integration_then_open_the_project(self):
        self.start_tour(
            "/odoo/action-xero_timesync.xero_settings_action", "xero_enable_integration_open_project", login="admin"
        )
        connection = self.env["xero.connection"]._xero_for_company()
        self.assertEqual(connection.state, "connected")
