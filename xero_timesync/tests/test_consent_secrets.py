"""Grants and secrets that outlive what they were for (issue 21, item 7): an abandoned consent is revoked at Xero
and wiped, tokens are readable by the code only, and Odoo's neutralization clears every grant and secret."""

import json
from contextlib import contextmanager

from odoo.exceptions import AccessError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import new_test_user, tagged

from odoo.addons.xero_timesync import const
from odoo.addons.xero_timesync.hooks import uninstall_hook
from odoo.addons.xero_timesync.services.errors import XeroAuthError

from .common import XeroSandboxCase, query_of

WEBHOOK_KEY = "neutralize-me-webhook-key"


@tagged("post_install", "-at_install")
class TestConsentSecrets(XeroSandboxCase):
    sandbox_options = {"contacts": 3, "seed": 21, "orgs": 1}

    def setUp(self):
        super().setUp()
        self.admin = self.env.ref("base.user_admin")  # a Settings administrator, not the superuser
        self.Wizard = self.env["xero.connect.wizard"]

    # -- helpers -----------------------------------------------------------------------------------
    def abandoned_consent(self):
        """The admin consented at Xero, came back to the accounts step and never pressed Save."""
        wizard = self.start_wizard()
        self.consent(wizard)
        self.assertEqual(wizard.step, "accounts")
        return wizard, json.loads(wizard.sudo().token_json)

    def assertGrantDead(self, token, client=None):
        """Xero no longer honours this grant: its refresh token is refused."""
        with self.assertRaises(XeroAuthError):
            (client or self.env["xero.service"]._xero_new_client()).refresh(token)

    def active_grants(self):
        return self.sandbox.control.oauth_state()["active_grants"]

    @contextmanager
    def addon_logs(self):
        """Every record the addon logs, debug included (the SDK calls are logged at debug)."""
        with self.assertLogs("odoo.addons.xero_timesync", level="DEBUG") as logged:
            yield logged

    def age(self, wizards, hours):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE xero_connect_wizard SET write_date = write_date - %s * interval '1 hour' WHERE id IN %s",
            [hours, tuple(wizards.ids)],
        )
        wizards.invalidate_recordset()

    # -- 6. abandoned consents -----------------------------------------------------------------------
    def test_an_abandoned_consent_is_revoked_at_xero_and_wiped_when_vacuumed(self):
        wizard, token = self.abandoned_consent()
        grants = self.active_grants()
        self.age(wizard, hours=self.Wizard._transient_max_hours + 1)
        with self.addon_logs() as logged:
            self.Wizard._transient_vacuum()
        self.assertFalse(wizard.exists())
        self.assertEqual(self.active_grants(), grants - 1, "given back to Xero")
        self.assertGrantDead(token)
        for secret in (token["refresh_token"], token["access_token"]):
            self.assertNotIn(secret, "\n".join(logged.output), "secrets never in logs")

    def test_a_consent_abandoned_before_xero_answered_leaves_nothing(self):
        wizard = self.start_wizard()
        wizard.action_connect()  # went to Xero, never came back: a state and a PKCE verifier, no grant
        grants = self.active_grants()
        self.age(wizard, hours=self.Wizard._transient_max_hours + 1)
        self.Wizard._transient_vacuum()
        self.assertFalse(wizard.exists())
        self.assertEqual(self.active_grants(), grants)

    def test_a_newer_consent_saved_revokes_and_wipes_the_one_left_behind(self):
        left, token = self.abandoned_consent()
        connection = self.connect()  # a newer wizard of the same company, completed with Save
        self.assertIs(bool(left.sudo().token_json), False, "wiped from the wizard left behind")
        self.assertGrantDead(token)
        self.assertEqual(connection.state, "connected")
        self.assertEqual(
            self.env["xero.service"]._xero_client(connection).organisation()["name"],
            self.tenant["name"],
            "the new one lives",
        )

    def test_a_failed_consent_gives_its_grant_back(self):
        wizard, token = self.abandoned_consent()
        grants = self.active_grants()
        wizard._fail("Xero's chart of accounts could not be read")
        self.assertIs(bool(wizard.sudo().token_json), False)
        self.assertEqual(self.active_grants(), grants - 1)
        self.assertGrantDead(token)

    def test_xero_unreachable_still_wipes_the_grant_without_logging_it(self):
        wizard, token = self.abandoned_consent()
        self.sandbox.control.inject_fault("POST", "/connect/revocation", "error", status=503, count=10)
        with self.addon_logs() as logged:
            wizard.unlink()
        self.assertFalse(wizard.exists())
        self.assertIn("could not revoke", "\n".join(logged.output))
        for secret in (token["refresh_token"], token["access_token"]):
            self.assertNotIn(secret, "\n".join(logged.output))

    def test_deleting_someone_elses_wizard_gives_nothing_back_to_xero(self):
        """unlink over RPC reaches the method before Odoo checks rights (and nobody may delete these wizards):
        an employee or another administrator must not revoke the admin's pending consent at Xero."""
        wizard = self.Wizard.with_user(self.admin).create({"company_id": self.env.company.id})
        action = wizard.action_connect()
        params = query_of(self.sandbox.consent(action["url"]))
        wizard._complete_oauth(code=params["code"])
        self.assertEqual(wizard.step, "accounts")
        token_json = wizard.sudo().token_json
        self.assertTrue(token_json, "the admin's wizard holds the grant until Save")
        employee = new_test_user(self.env, "xero_wizard_employee", groups="base.group_user")
        other_admin = new_test_user(self.env, "xero_wizard_admin2", groups="base.group_user,base.group_system")
        grants = self.active_grants()
        self.sandbox.control.clear_requests()
        for user in (employee, other_admin, self.admin):
            with self.subTest(user=user.login):
                # a refused RPC call rolls its transaction back: the savepoint does the same here
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    self.Wizard.with_user(user).browse(wizard.id).unlink()
                self.env.invalidate_all()
                self.assertFalse(self.sandbox.control.requests("/connect/revocation"), "nothing revoked at Xero")
                self.assertEqual(self.active_grants(), grants)
                self.assertTrue(wizard.exists())
                self.assertEqual(wizard.sudo().token_json, token_json)
        # the vacuum (the superuser) still gives it back
        wizard.sudo().unlink()
        self.assertEqual(self.active_grants(), grants - 1)
        self.assertGrantDead(json.loads(token_json))

    def test_uninstalling_gives_back_the_grants_of_unsaved_consents(self):
        _wizard, token = self.abandoned_consent()
        self.addCleanup(self.env.registry.clear_cache)  # the hook deletes the addon's system parameters
        client = self.env["xero.service"]._xero_new_client()  # the hook removes the app's credentials
        uninstall_hook(self.env)
        self.assertGrantDead(token, client)

    def test_tokens_are_readable_by_the_code_only(self):
        connection = self.connect()
        # the admin's own wizard (the creator rule shows it to them only), holding a grant and a consent in flight
        wizard = self.Wizard.with_user(self.admin).create({"company_id": self.env.company.id})
        wizard.sudo().write(
            {"token_json": "{}", "oauth_state": "a-state", "code_verifier": "a-verifier", "session_fingerprint": "fp"}
        )
        secrets_of = {
            "xero.connect.wizard": (wizard, ["token_json", "oauth_state", "code_verifier", "session_fingerprint"]),
            "xero.token": (connection.sudo().token_id, ["access_token", "refresh_token"]),
        }
        for model, (record, names) in secrets_of.items():
            as_admin = record.with_user(self.admin)
            self.assertFalse(set(names) & set(as_admin.fields_get()), f"{model}: not even listed to an admin")
            self.assertFalse(set(names) & set(as_admin.read()[0]), f"{model}: not in a plain read")
            for name in names:
                with self.subTest(model=model, field=name), self.assertRaises(AccessError):
                    as_admin.read([name])
        self.assertTrue(connection.sudo().token_id.refresh_token, "the code still reads it")

    # -- 7. neutralization ---------------------------------------------------------------------------
    def test_neutralize_clears_every_grant_and_secret(self):
        connection = self.connect()
        self.abandoned_consent()  # a wizard holding a live grant
        self.start_wizard().action_connect()  # a wizard holding a state and a PKCE verifier
        self.Wizard.create({"step": "credentials", "client_secret": "typed-in-the-wizard"})
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(const.PARAM_WEBHOOK_KEY, WEBHOOK_KEY)
        self.env["res.config.settings"].create({"xero_client_secret": "in-settings", "xero_webhook_key": "in-too"})
        self.env.flush_all()
        self.addCleanup(self.env.registry.clear_cache)  # the parameters' cache saw the rows this test deletes
        cr = self.env.cr

        def count(query):
            cr.execute(query)
            return cr.fetchone()[0]

        secrets = {
            "tokens": "SELECT count(*) FROM xero_token WHERE access_token IS NOT NULL OR refresh_token IS NOT NULL",
            "wizard grants, states and verifiers": """
                SELECT count(*) FROM xero_connect_wizard
                 WHERE token_json IS NOT NULL OR oauth_state IS NOT NULL OR code_verifier IS NOT NULL
                    OR session_fingerprint IS NOT NULL OR client_secret IS NOT NULL""",
            "settings rows": """
                SELECT count(*) FROM res_config_settings
                 WHERE xero_client_secret IS NOT NULL OR xero_webhook_key IS NOT NULL""",
            "system parameters": f"""
                SELECT count(*) FROM ir_config_parameter
                 WHERE key IN ('{const.PARAM_CLIENT_SECRET}', '{const.PARAM_WEBHOOK_KEY}') AND value != ''""",
            "live connections": "SELECT count(*) FROM xero_connection WHERE state != 'unlinked'",
        }
        for name, query in secrets.items():
            self.assertTrue(count(query), f"{name}: something to neutralize")
        crons = connection.sudo().sync_cron_id | self.env["ir.cron"].sudo().search(
            [("model_id.model", "in", ["xero.contact.sync", "xero.invoice.sync", "xero.invoice.event"])]
        )
        self.assertTrue(crons and all(crons.mapped("active")))

        neutralize_database(cr)

        self.env.invalidate_all()
        for name, query in secrets.items():
            with self.subTest(name):
                self.assertEqual(count(query), 0)
        self.assertFalse(any(crons.mapped("active")), "no job calls Xero")
