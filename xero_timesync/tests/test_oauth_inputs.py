"""The OAuth callback against garbage in its query (issue 21, item 7): the retry page, never a server error, and
the admin's waiting consent untouched."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .common import XeroSandboxMixin, query_of, wizard_of_admin_session

CALLBACK = const.OAUTH_CALLBACK_PATH


@tagged("post_install", "-at_install")
class TestOAuthCallbackInputs(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 3, "seed": 21, "orgs": 1}

    @mute_logger("odoo.addons.xero_timesync.controllers.main", "odoo.http")
    def test_garbage_in_the_callback_gets_the_retry_page_and_changes_nothing(self):
        wizard, url = wizard_of_admin_session(self)
        redirect = self.sandbox.consent(url)
        state, code = query_of(redirect)["state"], query_of(redirect)["code"]
        queries = {
            "a non-ASCII state": "state=%C3%A9t%C3%A9&code=x",
            "a state of invalid UTF-8": "state=%FF%FE&code=x",
            "a state with a NUL": "state=ab%00cd&code=x",
            "a state with a line break": "state=ab%0D%0Acd&code=x",
            "an overlong state": f"state={'a' * 5000}&code=x",
            "the right state with a non-ASCII tail": f"state={state}%C3%A9&code={code}",
            "a non-ASCII code": f"state={state}&code=%C3%A9",
            "a code with a NUL": f"state={state}&code=ab%00",
            "an overlong code": f"state={state}&code={'c' * 5000}",
            "a non-ASCII error": f"state={state}&error=%C3%A9",
            "an error with a line break": f"state={state}&error=access_denied%0Aforged",
            "an overlong error": f"state={state}&error={'e' * 5000}",
        }
        for name, query in queries.items():
            with self.subTest(name):
                response = self.url_open(f"{CALLBACK}?{query}", allow_redirects=False)
                self.assertEqual(response.status_code, 400)
                self.assertIn("Enable integration", response.text, "the retry page")
                wizard.invalidate_recordset()
                self.assertEqual(wizard.step, "connect", "the admin's consent still waits")
                self.assertEqual(wizard.sudo().oauth_state, state)
        admin = self.env.ref("base.user_admin")
        Wizard = self.env["xero.connect.wizard"].with_user(admin)
        self.assertFalse(Wizard._from_oauth_state(state + "é"), "nor does the lookup itself fail on it")
        self.assertFalse(Wizard._from_oauth_state(["a", "list"]))
        response = self.url_open(f"{CALLBACK}?{redirect.split('?', 1)[1]}", allow_redirects=False)
        self.assertEqual(response.status_code, 303, "the genuine answer still completes it")
        wizard.invalidate_recordset()
        self.assertEqual(wizard.step, "accounts")
