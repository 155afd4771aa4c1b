import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import XeroSandboxCase, query_of


@tagged("post_install", "-at_install")
class TestEnableIntegration(XeroSandboxCase):
    def test_authorize_url_uses_pkce_state_and_least_privilege_scopes(self):
        action = self.start_wizard().action_connect()
        params = query_of(action["url"])
        self.assertTrue(action["url"].startswith(self.sandbox.url + "/identity/connect/authorize?"))
        self.assertEqual(params["response_type"], "code")
        self.assertEqual(params["code_challenge_method"], "S256")
        self.assertGreaterEqual(len(params["state"]), 32)
        self.assertEqual(
            params["scope"].split(),
            [
                "offline_access",
                "accounting.contacts",
                "accounting.settings.read",
                "accounting.invoices",
                "accounting.payments.read",
                "accounting.attachments",
            ],
        )

    def test_happy_path_connects_creates_project_and_imports_every_contact(self):
        connection = self.connect()
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.tenant_id, self.tenant["tenant_id"])
        self.assertEqual(connection.tenant_name, self.tenant["name"])
        self.assertEqual(connection.owner_id, self.env.user)
        self.assertTrue(connection.revenue_account_code and connection.expense_account_code)
        self.assertEqual(connection.project_id.name, "Xero")
        contacts = self.sandbox.control.contacts(self.tenant["tenant_id"])
        tasks = self.xero_tasks(connection)
        self.assertEqual(sorted(tasks.mapped("xero_contact_id")), sorted(c["ContactID"] for c in contacts))
        archived = {c["ContactID"] for c in contacts if c["ContactStatus"] == "ARCHIVED"}
        self.assertTrue(archived, "the seeded organisation has archived contacts")
        self.assertEqual(set(tasks.filtered(lambda t: not t.active).mapped("xero_contact_id")), archived)
        self.assertEqual(connection.last_sync_state, "done")
        self.assertEqual(connection.last_sync_log_id.trigger, "wizard")

    def test_accounts_step_offers_active_revenue_and_expense_accounts_with_defaults(self):
        wizard = self.start_wizard()
        self.consent(wizard)
        self.assertEqual(wizard.step, "accounts")
        revenue = wizard.account_line_ids.filtered(lambda a: a.account_class == "REVENUE")
        expense = wizard.account_line_ids.filtered(lambda a: a.account_class == "EXPENSE")
        self.assertTrue(revenue and expense)
        self.assertIn(wizard.revenue_line_id, revenue)
        self.assertIn(wizard.expense_line_id, expense)
        with wizard._xero_calls() as client:
            every_account = client.accounts(active_only=False)
        archived = {a.code for a in every_account if a.status != "ACTIVE"}
        self.assertTrue(archived, "the seeded chart has an archived account")
        self.assertFalse(archived & set(wizard.account_line_ids.mapped("code")), "archived accounts are not offered")

    def test_denied_consent_ends_in_a_message_and_leaves_nothing_connected(self):
        wizard = self.start_wizard()
        self.consent(wizard, allow=False)
        self.assertEqual(wizard.step, "error")
        self.assertIn("Allow access", wizard.error_message)
        self.assertFalse(self.env["xero.connection"]._xero_for_company())
        self.assertFalse(wizard.sudo().token_json)
        wizard.action_retry()
        self.assertEqual(wizard.step, "connect")

    def test_forged_reused_and_foreign_session_states_are_refused(self):
        wizard = self.start_wizard()
        action = wizard.action_connect()
        state = query_of(action["url"])["state"]
        Wizard = self.env["xero.connect.wizard"]
        self.assertFalse(Wizard._from_oauth_state("forged-" + state))
        self.assertFalse(Wizard._from_oauth_state(None))
        with patch("odoo.addons.xero_timesync.wizards.xero_connect_wizard._session_fingerprint", return_value="other"):
            self.assertFalse(Wizard._from_oauth_state(state), "a state is bound to the session that started it")
        other_admin = new_test_user(self.env, "other_admin", groups="base.group_system")
        self.assertFalse(Wizard.with_user(other_admin)._from_oauth_state(state), "and to the user")
        self.assertEqual(Wizard._from_oauth_state(state), wizard)
        wizard._complete_oauth(error="access_denied")
        self.assertFalse(Wizard._from_oauth_state(state), "a state is single-use")

    def test_stale_attempt_is_refused(self):
        wizard = self.start_wizard()
        action = wizard.action_connect()
        redirect = self.sandbox.consent(action["url"])
        wizard.oauth_started = fields.Datetime.now() - timedelta(hours=1)
        wizard._complete_oauth(code=query_of(redirect)["code"])
        self.assertEqual(wizard.step, "error")
        self.assertIn("expired", wizard.error_message)

    def test_expired_code_is_reported_by_xero(self):
        wizard = self.start_wizard()
        action = wizard.action_connect()
        redirect = self.sandbox.consent(action["url"])
        self.sandbox.control.set_clock_offset(3600)  # the code is long dead at Xero
        wizard._complete_oauth(code=query_of(redirect)["code"])
        self.assertEqual(wizard.step, "error")
        self.assertIn("invalid_grant", wizard.error_message)
        self.assertFalse(self.env["xero.connection"]._xero_for_company())

    def test_unlink_revokes_at_xero_wipes_tokens_and_keeps_records(self):
        connection = self.connect()
        tasks_before = self.xero_tasks(connection)
        connection.action_xero_unlink()
        self.assertEqual(connection.state, "unlinked")
        token = connection.sudo().token_id.sudo()
        self.assertFalse(token.access_token or token.refresh_token)
        paths = [(r["method"], r["path"]) for r in self.sandbox.control.requests()]
        self.assertIn(("POST", "/connect/revocation"), paths)
        self.assertIn(
            ("DELETE", f"/connections/{connection.xero_connection_uuid}".lower()), [(m, p.lower()) for m, p in paths]
        )
        self.assertEqual(self.xero_tasks(connection), tasks_before)
        self.assertTrue(all(self.xero_tasks(connection).mapped("partner_id")))
        with self.assertRaises(UserError):
            self.env["xero.service"]._xero_client(connection)

    def test_reenable_same_organisation_relinks_without_duplicates(self):
        connection = self.connect()
        tasks = self.xero_tasks(connection)
        partners = tasks.partner_id
        project = connection.project_id
        connection.action_xero_unlink()
        relinked = self.connect()
        self.assertEqual(relinked, connection)
        self.assertEqual(relinked.state, "connected")
        self.assertEqual(relinked.project_id, project)
        self.assertEqual(self.xero_tasks(relinked), tasks)
        self.assertEqual(self.xero_tasks(relinked).partner_id, partners)
        log = relinked.last_sync_log_id
        self.assertEqual((log.created_count, log.state), (0, "done"))

    def test_reenable_same_organisation_preselects_its_previous_accounts(self):
        """Issue 12, defect 3: Unlink, Enable again, a plain Save keeps the accounts chosen before."""
        wizard = self.start_wizard()
        self.consent(wizard)
        lines = wizard.account_line_ids
        revenue = (lines.filtered(lambda a: a.account_class == "REVENUE") - wizard.revenue_line_id)[:1]
        expense = (lines.filtered(lambda a: a.account_class == "EXPENSE") - wizard.expense_line_id)[:1]
        self.assertTrue(revenue and expense, "the seeded chart offers a second choice of each")
        wizard.write({"revenue_line_id": revenue.id, "expense_line_id": expense.id})
        wizard.action_save()
        connection = self.env["xero.connection"]._xero_for_company()
        connection.action_xero_unlink()

        again = self.start_wizard()
        self.consent(again)
        self.assertEqual(again.step, "accounts")
        self.assertEqual((again.revenue_line_id.code, again.expense_line_id.code), (revenue.code, expense.code))
        again.action_save()
        self.assertRecordValues(
            connection, [{"revenue_account_code": revenue.code, "expense_account_code": expense.code}]
        )

    def test_non_admin_is_denied_at_every_step(self):
        connection = self.connect()
        employee = new_test_user(self.env, "emp", groups="base.group_user,hr_timesheet.group_hr_timesheet_user")
        with self.assertRaises(AccessError):
            self.env["xero.connect.wizard"].with_user(employee).create({})
        with self.assertRaises(AccessError):
            connection.with_user(employee).read(["tenant_name"])
        with self.assertRaises(AccessError):
            connection.sudo().token_id.with_user(employee).read(["refresh_token"])
        with self.assertRaises(AccessError):
            connection.with_user(employee).action_xero_unlink()
        with self.assertRaises(AccessError):
            connection.with_user(employee).action_xero_force_sync()
        self.assertEqual(connection.state, "connected")


@tagged("post_install", "-at_install")
class TestSeveralOrganisations(XeroSandboxCase):
    sandbox_options = {"contacts": 6, "seed": 11, "orgs": 2}

    def test_organisation_step_when_several_were_authorised(self):
        first, second = self.sandbox.tenants[:2]
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[first["tenant_id"], second["tenant_id"]])
        self.assertEqual(wizard.step, "organisation")
        self.assertEqual(set(wizard.tenant_line_ids.mapped("tenant_id")), {first["tenant_id"], second["tenant_id"]})
        wizard.tenant_line_id = wizard.tenant_line_ids.filtered(lambda t: t.tenant_id == second["tenant_id"])
        wizard.action_select_organisation()
        wizard.action_save()
        connection = self.env["xero.connection"]._xero_for_company()
        self.assertEqual(connection.tenant_id, second["tenant_id"])
        deletes = [r for r in self.sandbox.control.requests() if r["method"] == "DELETE"]
        self.assertEqual(len(deletes), 1, "the organisation not chosen is disconnected again")

    def test_a_different_organisation_is_refused_while_old_tasks_are_active(self):
        first, second = self.sandbox.tenants[:2]
        connection = self.connect(tenant_ids=[first["tenant_id"]])
        connection.action_xero_unlink()
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[second["tenant_id"]])
        with self.assertRaisesRegex(UserError, "Archive them"):
            wizard.action_save()
        self.xero_tasks(connection).with_context(xero_sync=True).action_archive()
        wizard.action_save()
        self.assertEqual(connection.tenant_id, second["tenant_id"])

    def test_each_company_has_its_own_organisation(self):
        first, second = self.sandbox.tenants[:2]
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.env.user.company_ids |= other_company
        mine = self.connect(tenant_ids=[first["tenant_id"]])
        theirs = self.connect(company=other_company, tenant_ids=[second["tenant_id"]])
        self.assertNotEqual(mine, theirs)
        self.assertEqual(theirs.company_id, other_company)
        self.assertNotEqual(mine.project_id, theirs.project_id)
        self.assertFalse(
            set(self.xero_tasks(mine).mapped("xero_contact_id"))
            & set(self.xero_tasks(theirs).mapped("xero_contact_id"))
        )
        self.assertEqual(self.xero_tasks(theirs).company_id, other_company)


@tagged("post_install", "-at_install")
class TestTokens(XeroSandboxCase):
    def _expire_access_token(self, connection):
        connection.sudo().token_id.sudo().expires_at = time.time() - 10

    def test_refresh_rotates_and_persists_the_refresh_token(self):
        connection = self.connect()
        token = connection.sudo().token_id.sudo()
        old_refresh = token.refresh_token
        self._expire_access_token(connection)
        self.env["xero.service"]._xero_client(connection).organisation()
        self.assertNotEqual(token.refresh_token, old_refresh)
        self.assertGreater(token.expires_at, time.time() + 600)

    def test_each_client_has_its_own_token_holder(self):
        connection = self.connect()
        first, second = (
            self.env["xero.service"]._xero_client(connection),
            self.env["xero.service"]._xero_client(connection),
        )
        self.assertIsNot(first._api_client.configuration.oauth2_token, second._api_client.configuration.oauth2_token)

    def test_concurrent_refresh_spends_the_refresh_token_once(self):
        connection = self.connect()
        self._expire_access_token(connection)
        self.sandbox.control.clear_requests()
        first = self.env["xero.service"]._xero_client(connection)
        second = self.env["xero.service"]._xero_client(connection)  # built from the same stale token
        first.organisation()
        second.organisation()  # finds the rotated token under the lock instead of refreshing again
        refreshes = self.sandbox.control.requests("/connect/token", method="POST")
        self.assertEqual(len(refreshes), 1)
        self.assertEqual(connection.state, "connected")

    def test_invalid_grant_needs_reauthorisation_without_crashing(self):
        connection = self.connect()
        token = connection.sudo().token_id.sudo()
        token.refresh_token = "revoked-or-reused"
        self._expire_access_token(connection)
        log = self.env["xero.contact.sync"]._xero_sync(connection, "manual")
        self.assertEqual(log.state, "failed")
        self.assertEqual(connection.state, "needs_reauth")
        self.assertFalse(token.refresh_token)
        self.env["xero.contact.sync"]._cron_xero_sync_connection(connection.id)  # returns at once, no crash loop
        self.assertEqual(connection.last_sync_log_id, log)

    def test_owner_losing_admin_rights_is_shown(self):
        owner = new_test_user(self.env, "owner_admin", groups="base.group_system")
        connection = self.connect()
        connection.owner_id = owner
        self.assertFalse(connection.owner_warning)
        owner.group_ids = [(6, 0, [self.env.ref("base.group_user").id])]
        self.assertIn("no longer an administrator", connection.owner_warning)
        owner.active = False
        connection.invalidate_recordset(["owner_warning"])
        self.assertIn("archived", connection.owner_warning)
