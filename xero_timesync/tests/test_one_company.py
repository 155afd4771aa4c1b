"""One company per Xero organisation (issue 23): linking an organisation another company has linked is refused
with that company's name, by the wizard and the model (and a unique index against racing transactions), and
Unlink in one company never revokes the grant the other still relies on."""

import re

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import XeroSandboxCase, load_migration, query_of


@tagged("post_install", "-at_install")
class TestOneCompanyPerOrganisation(XeroSandboxCase):
    sandbox_options = {"contacts": 3, "seed": 11, "orgs": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.env.user.company_ids |= cls.company_b
        (cls.tenant_a, cls.name_a), (cls.tenant_b, cls.name_b) = (
            (t["tenant_id"], t["name"]) for t in cls.sandbox.tenants[:2]
        )
        cls.conn_b = cls.connect(company=cls.company_b, tenant_ids=[cls.tenant_b])
        cls.admin_a = new_test_user(
            cls.env, "oc_admin_a", groups="base.group_user,base.group_system", company_id=cls.company_a.id
        )

    def calls(self):
        return [(r["method"], r["path"].lower()) for r in self.sandbox.control.requests()]

    def connection_a(self):
        return self.env["xero.connection"]._xero_for_company(self.company_a)

    def assert_b_works(self):
        self.assertEqual(self.env["xero.service"]._xero_client(self.conn_b).organisation()["name"], self.name_b)
        self.assertEqual(self.conn_b.state, "connected")

    def set_state(self, connection, state):
        self.env.cr.execute("UPDATE xero_connection SET state = %s WHERE id = %s", [state, connection.id])
        connection.invalidate_recordset()

    def test_the_wizard_shows_another_companys_organisation_and_next_refuses_it(self):
        wizard = self.start_wizard()
        self.sandbox.control.clear_requests()
        self.consent(wizard, tenant_ids=[self.tenant_b])
        self.assertEqual(
            wizard.step, "organisation", "the only organisation authorised is Company B's: no accounts read"
        )
        line = wizard.tenant_line_ids
        self.assertEqual(line.used_by_company_id, self.company_b)
        self.assertEqual(line.display_name, f"{self.name_b} (linked to Company B)")
        wizard.tenant_line_id = line
        with self.assertRaisesRegex(UserError, re.escape(f"“{self.name_b}” is already linked to Company B")):
            wizard.action_select_organisation()
        self.assertEqual(wizard.step, "organisation")
        self.assertFalse(wizard.account_line_ids)
        self.assertFalse(self.connection_a())
        calls = self.calls()
        self.assertIn(("GET", "/connections"), calls)
        self.assertFalse([c for c in calls if "api.xro" in c[1] or c[0] == "DELETE" or "revocation" in c[1]], calls)
        self.assert_b_works()

    def test_a_consent_for_another_companys_organisation_shows_none_of_its_data(self):
        """Company A's admin authorises Company B's organisation at Xero: its data stays Company B's alone."""
        Event = self.env["xero.invoice.event"].sudo()
        event = Event.create({"tenant_id": self.tenant_b, "category": "INVOICE", "resource_id": "B-1"})
        wizard = self.env["xero.connect.wizard"].with_user(self.admin_a).create({"company_id": self.company_a.id})
        action = wizard.action_connect()
        params = query_of(self.sandbox.consent(action["url"], tenant_ids=[self.tenant_b]))
        wizard._complete_oauth(code=params.get("code"), error=params.get("error"))
        self.assertEqual(wizard.tenant_line_ids.tenant_id, self.tenant_b)
        as_a = Event.with_user(self.admin_a).with_company(self.company_a)
        self.assertFalse(as_a.search([("id", "=", event.id)]))
        with self.assertRaises(AccessError):
            as_a.browse(event.id).unlink()
        self.assertTrue(event.exists())

    def test_save_refuses_an_organisation_another_company_linked_meanwhile(self):
        """A second wizard racing the first: Company B links the organisation while A's wizard is at its accounts."""
        self.set_state(self.conn_b, "unlinked")
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[self.tenant_b])
        self.assertEqual(wizard.step, "accounts")
        self.set_state(self.conn_b, "connected")
        self.sandbox.control.clear_requests()
        with self.assertRaisesRegex(UserError, "already linked to Company B"):
            wizard.action_save()
        self.assertFalse(self.calls(), "refused before any call to Xero")
        self.assertFalse(self.connection_a())
        self.assertFalse(
            self.env["project.task"].search_count(
                [("company_id", "=", self.company_a.id), ("xero_contact_id", "!=", False)]
            )
        )
        self.assert_b_works()

    def test_the_model_refuses_a_second_link_whatever_the_path(self):
        Connection = self.env["xero.connection"].with_user(self.admin_a)
        with self.assertRaises(UserError):  # the organisation is Xero's to set: refused to any client
            Connection.create({"company_id": self.company_a.id, "tenant_id": self.tenant_b})
        self.assertFalse(self.connection_a())
        # Company A linked the organisation once, unlinked it, Company B linked it since: A's link stays unlinked
        earlier = (
            self.env["xero.connection"]
            .sudo()
            .create({"company_id": self.company_a.id, "tenant_id": self.tenant_b, "state": "unlinked"})
            .with_user(self.admin_a)
        )
        # over RPC (a client, or a second wizard racing the first): the index refuses, and the message Odoo's RPC
        # turns it into names the company
        with self.assertRaises(psycopg2.IntegrityError) as caught, mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                earlier.write({"state": "connected"})
                earlier.flush_recordset()
        self.assertIn("already linked to Company B", Connection._sql_error_to_message(caught.exception))
        with self.assertRaisesRegex(UserError, "already linked to Company B"):
            self.env["xero.connection"]._xero_link(
                self.company_a, type("T", (), {"tenant_id": self.tenant_b, "name": self.name_b})(), {}, self.admin_a
            )
        earlier.invalidate_recordset()
        self.assertEqual(earlier.state, "unlinked")
        self.assert_b_works()

    def test_unlink_in_one_company_leaves_the_other_working(self):
        """The same Xero user ticks both organisations in A's consent: B's stays connected, and A's Unlink only
        disconnects A's organisation (revoking the grant would remove every connection of that user)."""
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[self.tenant_a, self.tenant_b])
        self.assertEqual(wizard.step, "organisation")
        lines = wizard.tenant_line_ids
        self.assertEqual(lines.mapped("used_by_company_id"), self.company_b)
        self.assertFalse(lines.filtered(lambda line: line.tenant_id == self.tenant_a).used_by_company_id)
        wizard.tenant_line_id = lines.filtered(lambda line: line.tenant_id == self.tenant_a)
        wizard.action_select_organisation()
        wizard.action_save()
        conn_a = self.connection_a()
        self.assertEqual((conn_a.tenant_id, conn_a.state), (self.tenant_a, "connected"))
        self.assertFalse([c for c in self.calls() if c[0] == "DELETE"], "Company B's organisation stays connected")
        self.assert_b_works()

        self.sandbox.control.clear_requests()
        conn_a.action_xero_unlink()
        calls = self.calls()
        self.assertIn(("DELETE", f"/connections/{conn_a.xero_connection_uuid}".lower()), calls)
        self.assertNotIn(("POST", "/connect/revocation"), calls)
        self.assertEqual(conn_a.state, "unlinked")
        self.assertFalse(conn_a.sudo().token_id.sudo().refresh_token)
        log = self.env["xero.contact.sync"]._xero_sync(self.conn_b, "manual")
        self.assertEqual(log.state, "done")
        self.assert_b_works()

    def test_upgrade_keeps_the_older_link_and_unlinks_the_other_with_an_activity(self):
        cr = self.env.cr
        cr.execute("DROP INDEX xero_connection_tenant_linked_uniq")  # a database from before 19.0.1.6.0
        later = self.env["xero.connection"].create({"company_id": self.company_a.id, "state": "unlinked"})
        later._xero_store_token({"access_token": "a", "refresh_token": "r", "expires_at": 1.0})
        self.env.flush_all()
        cr.execute(
            "UPDATE xero_connection SET tenant_id = %s, tenant_name = %s, state = 'connected', owner_id = %s,"
            " connected_since = %s + interval '1 day' WHERE id = %s",
            [self.tenant_b, self.name_b, self.env.uid, self.conn_b.connected_since, later.id],
        )
        self.env.invalidate_all()
        load_migration("19.0.1.6.0", "pre-migrate").migrate(cr, "19.0.1.5.0")
        load_migration("19.0.1.6.0", "post-migrate").migrate(cr, "19.0.1.5.0")
        self.env.invalidate_all()
        self.assertEqual((later.state, self.conn_b.state), ("unlinked", "connected"))
        self.assertFalse(later.sudo().token_id.sudo().refresh_token)
        activity = later.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("Company B", activity.note)
        self.assertIn("Company B linked it first and keeps it", later.message_ids[:1].body)
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param("xero_timesync.migration_1_6_0_detached"))
        self.env["xero.connection"]._table_objects["xero_connection_tenant_linked_uniq"].apply_to_database(
            self.env["xero.connection"]
        )
        cr.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'xero_connection_tenant_linked_uniq'")
        self.assertTrue(cr.fetchone(), "the index is created on the migrated data")
        self.assert_b_works()
