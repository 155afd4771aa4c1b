from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .common import XeroSandboxMixin, query_of, wizard_of_admin_session

CALLBACK = const.OAUTH_CALLBACK_PATH


@tagged("post_install", "-at_install")
class TestOAuthCallback(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 5, "seed": 2, "orgs": 1}

    def test_callback_completes_the_connection_and_returns_to_the_wizard(self):
        wizard, url = wizard_of_admin_session(self)
        redirect = self.sandbox.consent(url)
        response = self.url_open(CALLBACK + "?" + redirect.split("?", 1)[1], allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(f"{const.CONNECT_RETURN_URL}?wizard_id={wizard.id}"),
            "back to Settings → Xero with the wizard on top (the tour checks what the browser shows)",
        )
        wizard.invalidate_recordset()
        self.assertEqual(wizard.step, "accounts")

    def test_denied_consent_comes_back_with_a_message(self):
        wizard, url = wizard_of_admin_session(self)
        redirect = self.sandbox.consent(url, allow=False)
        self.assertEqual(query_of(redirect)["error"], "access_denied")
        self.url_open(CALLBACK + "?" + redirect.split("?", 1)[1], allow_redirects=False)
        wizard.invalidate_recordset()
        self.assertEqual(wizard.step, "error")
        self.assertFalse(self.env["xero.connection"]._xero_for_company())

    @mute_logger("odoo.addons.xero_timesync.controllers.main")
    def test_forged_or_replayed_state_gets_a_retry_page(self):
        wizard, url = wizard_of_admin_session(self)
        redirect = self.sandbox.consent(url)
        params = query_of(redirect)
        forged = self.url_open(f"{CALLBACK}?code={params['code']}&state=forged")
        self.assertEqual(forged.status_code, 400)
        self.assertIn("Enable integration", forged.text)
        self.url_open(CALLBACK + "?" + redirect.split("?", 1)[1], allow_redirects=False)
        replayed = self.url_open(CALLBACK + "?" + redirect.split("?", 1)[1], allow_redirects=False)
        self.assertEqual(replayed.status_code, 400, "a state is single-use")

    def test_state_is_bound_to_the_browser_session(self):
        _wizard, url = wizard_of_admin_session(self)
        redirect = self.sandbox.consent(url)
        self.authenticate("admin", "admin")  # a new session of the same user
        response = self.url_open(CALLBACK + "?" + redirect.split("?", 1)[1], allow_redirects=False)
        self.assertEqual(response.status_code, 400)

    def test_non_admin_is_denied_over_http_and_rpc(self):
        new_test_user(self.env, "employee_rpc", password="employee_rpc", groups="base.group_user")
        self.authenticate("employee_rpc", "employee_rpc")
        self.assertEqual(self.url_open(f"{CALLBACK}?code=x&state=y").status_code, 403)
        with mute_logger("odoo.http"):
            for model, method, args in (
                ("xero.connect.wizard", "create", [{}]),
                ("xero.connection", "search_read", [[]]),
                ("xero.token", "search_read", [[]]),
                ("xero.sync.log", "search_read", [[]]),
            ):
                with self.subTest(model=model, method=method), self.assertRaises(Exception) as caught:
                    self.make_jsonrpc_request(
                        f"/web/dataset/call_kw/{model}/{method}",
                        {"model": model, "method": method, "args": args, "kwargs": {}},
                    )
                self.assertIn("AccessError", str(caught.exception))

    def test_client_secret_is_not_readable_by_employees(self):
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_CLIENT_SECRET, "s3cret-value")
        new_test_user(self.env, "employee_secret", password="employee_secret", groups="base.group_user")
        self.authenticate("employee_secret", "employee_secret")
        with mute_logger("odoo.http"), self.assertRaises(Exception) as caught:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/ir.config_parameter/search_read",
                {"model": "ir.config_parameter", "method": "search_read", "args": [[]], "kwargs": {}},
            )
        self.assertNotIn("s3cret-value", str(caught.exception))
