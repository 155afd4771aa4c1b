"""One company never sees another's Xero data (issue 21, item 6).

Two companies, each connected to its own Xero organisation. Users of company B (an employee, an
accountant, a Settings administrator), accountants and a Settings administrator of A, a "Xero
administrator" without Settings, and a user of both companies. Every test judges by effect: what a
search returns, that a read hands out nothing, that a record is unchanged afterwards.
"""

from contextlib import suppress
from datetime import date

from odoo import api
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import XeroSandboxCase, query_of

# refused by rights, rules or a business rule (AccessError and ValidationError are UserErrors)
REFUSED = UserError

# model, the fixture attribute holding (A's record, B's record or None), the role of company B that has an ACL on it
PER_COMPANY = (
    ("xero.connection", "connection", "admin_b"),
    ("xero.token", "token", "admin_b"),
    ("xero.sync.log", "log", "admin_b"),
    ("xero.contact.refusal", "refusal", "admin_b"),
    ("xero.contact.group", "contact_group", "admin_b"),
    ("xero.webhook.delivery", "delivery", "admin_b"),
    ("xero.invoice.event", "event", "admin_b"),
    ("xero.rate.budget", "budget", "admin_b"),
    ("xero.project.member", "member", "employee_b"),
    ("xero.tax.rate", "tax_rate", "employee_b"),
    ("xero.push.attempt", "attempt", "accountant_b"),
    ("xero.ledger.line", "ledger_line", "accountant_b"),
    ("xero.tracking.category", "category", "accountant_b"),
    ("xero.tracking.option", "option", "accountant_b"),
    ("xero.invoice.wizard", "invoice_wizard", "accountant_b"),
    ("xero.invoice.wizard.account", "invoice_wizard_line", "accountant_b"),
    ("xero.account.mapping", "account_mapping", "admin_b"),
    ("xero.account.mapping.line", "account_mapping_line", "admin_b"),
    ("xero.contact.choose", "choose_wizard", "accountant_b"),
    ("xero.contact.choose.line", "choose_wizard_line", "accountant_b"),
    ("xero.timesheet.submission", "submission", "admin_b"),
)


class TwoCompaniesMixin:
    sandbox_options = {"contacts": 4, "seed": 11, "orgs": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.env.user.company_ids |= cls.company_b
        cls.tenant_a, cls.tenant_b = (t["tenant_id"] for t in cls.sandbox.tenants[:2])
        cls.conn_a = cls.connect(tenant_ids=[cls.tenant_a])
        cls.conn_b = cls.connect(company=cls.company_b, tenant_ids=[cls.tenant_b])

        def user(login, groups, *companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=[(6, 0, [c.id for c in companies])],
            )

        invoicing = "base.group_user,account.group_account_invoice"
        a, b = cls.company_a, cls.company_b
        cls.employee_b = user("co_employee_b", "base.group_user", b)
        cls.accountant_a = user("co_accountant_a", invoicing, a)
        cls.accountant_a2 = user("co_accountant_a2", invoicing, a)
        cls.accountant_b = user("co_accountant_b", invoicing, b)
        cls.admin_a = user("co_admin_a", "base.group_user,base.group_system", a)
        cls.admin_b = user("co_admin_b", "base.group_user,base.group_system", b)
        cls.admin_b2 = user("co_admin_b2", "base.group_user,base.group_system", b)
        cls.xero_admin = user("co_xero_admin", "base.group_user,xero_timesync.group_xero_admin", a)
        cls.both = user("co_both", "base.group_user,base.group_system,account.group_account_invoice", a, b)
        cls.records = {name: cls._company_records(conn) for name, conn in (("a", cls.conn_a), ("b", cls.conn_b))}

    @classmethod
    def _company_records(cls, connection):
        """One record of every per-company model, for the company of ``connection`` (made as the system)."""
        env = cls.env
        connection = connection.sudo()
        company, tenant = connection.company_id, connection.tenant_id
        mark = company.id
        category = env["xero.tracking.category"].create(
            {
                "tenant_id": tenant,
                "xero_category_id": f"cat-{mark}",
                "name": f"Region {company.name}",
                "option_ids": [(0, 0, {"xero_option_id": f"opt-{mark}", "name": f"North {company.name}"})],
            }
        )
        digest = f"{mark:064d}"
        env.cr.execute(
            "INSERT INTO xero_webhook_delivery (digest, tenant_ids, event_count, pending) VALUES (%s, %s, 1, false)",
            [digest, tenant],
        )
        records = {
            "connection": connection,
            "token": connection.token_id,
            "log": connection.sync_log_ids[:1],
            "refusal": env["xero.contact.refusal"].create(
                {"connection_id": connection.id, "xero_contact_id": f"refused-{mark}", "name": "Refused Ltd"}
            ),
            "contact_group": env["xero.contact.group"].create(
                {"tenant_id": tenant, "xero_group_id": f"group-{mark}", "name": f"VIP {company.name}"}
            ),
            "delivery": env["xero.webhook.delivery"].search([("digest", "=", digest)]),
            "event": env["xero.invoice.event"].create(
                {"tenant_id": tenant, "category": "INVOICE", "resource_id": f"invoice-{mark}"}
            ),
            "budget": env["xero.rate.budget"].search([("tenant_id", "=", tenant)]),
            "member": connection.project_id.xero_member_ids[:1],
            "tax_rate": env["xero.tax.rate"].create(
                {"connection_id": connection.id, "tax_type": f"XTS{mark}", "name": "GST on Income", "rate": 15.0}
            ),
            "category": category,
            "option": category.option_ids,
            "submission": env["xero.timesheet.submission"].create(
                {
                    "company_id": company.id,
                    "employee_id": env["hr.employee"].create({"name": f"Em {mark}", "company_id": company.id}).id,
                    "project_id": connection.project_id.id,
                    "date_from": date(2026, 3, 2),
                    "date_to": date(2026, 3, 8),
                }
            ),
        }
        if company == cls.company_a:  # company B has no chart of accounts: no invoice, no invoice wizard
            partner = cls.xero_tasks(connection, active=True)[:1].partner_id
            move = (
                env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": 100.0})],
                    }
                )
            )
            records["attempt"] = env["xero.push.attempt"].create({"move_id": move.id, "nonce": "nonce-a"})
            records["ledger_line"] = env["xero.ledger.line"].create({"move_id": move.id, "tenant_id": tenant})
            wizard = env["xero.invoice.wizard"].with_user(cls.accountant_a).create({"partner_id": partner.id})
            wizard._load_accounts()
            records["invoice_wizard"] = wizard.sudo()
            records["invoice_wizard_line"] = wizard.sudo().account_line_ids[:1]
            action = env["xero.account.mapping"].with_user(cls.admin_a)._xero_open(company)
            records["account_mapping"] = env["xero.account.mapping"].browse(action["res_id"])
            records["account_mapping_line"] = records["account_mapping"].line_ids[:1]
            choose = env["xero.contact.choose"].with_user(cls.accountant_a).create({"partner_id": partner.id})
            records["choose_wizard"] = choose.sudo()
            records["choose_wizard_line"] = env["xero.contact.choose.line"].create(
                {"wizard_id": choose.id, "contact_id": f"contact-{mark}", "name": "Twin Ltd"}
            )
        for name, record in records.items():
            assert len(record) == 1, f"the fixture needs one {name} of {company.name}, got {record}"
        return records

    def snapshot(self, connection):
        """What a relink or an edit would change: the connection's identity, owner, choices and grant."""
        self.env.invalidate_all()
        connection = connection.sudo()
        return (
            connection.company_id,
            connection.tenant_id,
            connection.xero_connection_uuid,
            connection.state,
            connection.owner_id,
            connection.revenue_account_code,
            connection.expense_account_code,
            connection.contact_scope,
            connection.contact_group_ids,
            connection.token_id.refresh_token,
        )

    def consent_as(self, wizard, tenant_ids):
        """Connect to Xero → the sandbox's consent page → the callback, as the wizard's user, in an environment
        as bare as the callback's request (no current company)."""
        action = wizard.action_connect()
        params = query_of(self.sandbox.consent(action["url"], tenant_ids=tenant_ids))
        callback = api.Environment(self.env.cr, wizard.env.uid, {})
        found = callback["xero.connect.wizard"]._from_oauth_state(params.get("state"))
        self.assertEqual(found, wizard, "the callback finds the wizard of the user who started it")
        found._complete_oauth(code=params.get("code"), error=params.get("error"))


@tagged("post_install", "-at_install")
class TestCompanyRules(TwoCompaniesMixin, XeroSandboxCase):
    def test_users_of_company_b_see_nothing_of_company_a(self):
        for model, key, role in PER_COMPANY:
            with self.subTest(model=model, role=role):
                mine, theirs = self.records["b"].get(key), self.records["a"][key]
                Model = self.env[model].with_user(getattr(self, role)).with_context(active_test=False)
                found = Model.search([])
                self.assertNotIn(theirs.id, found.ids, f"{role} finds company A's {model}")
                if mine:
                    self.assertIn(mine.id, found.ids, f"{role} no longer finds company B's own {model}")
                with self.assertRaises(AccessError):
                    Model.browse(theirs.id).read(["create_date"])

    def test_a_user_of_both_companies_sees_both(self):
        for model, key, _role in PER_COMPANY:
            with self.subTest(model=model):
                records = self.records["a"][key] | (self.records["b"].get(key) or self.records["a"][key])
                if model.startswith(("xero.invoice.wizard", "xero.account.mapping", "xero.contact.choose")):
                    continue  # a wizard is its creator's only (TestCreatorRules)
                both = (
                    self.env[model]
                    .with_user(self.both)
                    .with_context(active_test=False, allowed_company_ids=[self.company_a.id, self.company_b.id])
                )
                self.assertEqual(both.search([("id", "in", records.ids)]), records.with_env(both.env))
                only_b = both.with_context(allowed_company_ids=[self.company_b.id])
                self.assertNotIn(self.records["a"][key].id, only_b.search([]).ids)

    def test_admin_of_b_cannot_write_or_delete_company_a_records(self):
        token = self.records["a"]["token"]
        refresh = token.refresh_token
        for model, key in (("xero.token", "token"), ("xero.contact.refusal", "refusal"), ("xero.sync.log", "log")):
            with self.subTest(model=model):
                record = self.records["a"][key]
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.admin_b).browse(record.id).unlink()
                self.assertTrue(record.exists())
        with self.assertRaises(AccessError):
            self.env["xero.token"].with_user(self.admin_b).browse(token.id).write({"refresh_token": "stolen"})
        self.env.invalidate_all()
        self.assertEqual(token.refresh_token, refresh)

    def test_admin_of_b_cannot_act_on_company_a_connection_by_id(self):
        """Buttons called over RPC with A's connection id: nothing unlinks, synchronizes or spends A's quota."""
        before = self.snapshot(self.conn_a)
        logs = self.conn_a.sudo().sync_log_ids
        calls = len(self.sandbox.control.requests())
        Connection = self.env["xero.connection"].with_user(self.admin_b)
        for method in ("action_xero_unlink", "action_xero_force_sync", "action_xero_retry_refused"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(Connection.browse(self.conn_a.id), method)()
        self.assertEqual(self.snapshot(self.conn_a), before)
        self.assertEqual(self.conn_a.sudo().sync_log_ids, logs)
        self.assertEqual(len(self.sandbox.control.requests()), calls, "no call reached Xero")

    def test_admin_of_b_cannot_match_company_a_tracking_by_name(self):
        """_check_xero_admin judges the user, whatever environment the connection it is given carries: the
        connection lookups return superuser records, on which Odoo's access check does nothing."""
        category = self.records["a"]["category"]
        self.company_a.write({"xero_tracking_dimension": "employee", "xero_tracking_category_id": category.id})
        Mapping = self.env["xero.tracking.mapping"].sudo()
        mappings = Mapping.search_read([], ["company_id", "dimension", "employee_id", "option_id"])
        options = category.option_ids.read(["name", "active"])
        calls = len(self.sandbox.control.requests())
        with self.assertRaises(AccessError):
            self.conn_a.with_user(self.admin_b).sudo()._check_xero_admin()
        as_admin_b = self.env["xero.tracking.mapping"].with_user(self.admin_b)
        for how, Model in (
            ("over RPC with company A", as_admin_b.with_company(self.company_a)),
            ("from code running as the system for B's admin", as_admin_b.sudo().with_company(self.company_a)),
        ):
            with self.subTest(how=how), self.assertRaises(AccessError), self.env.cr.savepoint():
                Model.action_xero_match_by_name()
        self.env.invalidate_all()
        self.assertEqual(len(self.sandbox.control.requests()), calls, "no call reached Xero")
        self.assertEqual(Mapping.search_read([], ["company_id", "dimension", "employee_id", "option_id"]), mappings)
        self.assertEqual(category.option_ids.read(["name", "active"]), options)
        # company A's own administrator still matches
        self.env["xero.tracking.mapping"].with_user(self.admin_a).action_xero_match_by_name()
        self.assertGreater(len(self.sandbox.control.requests()), calls)

    def test_admin_of_b_reads_no_company_a_connection_through_company_or_settings(self):
        company_a = self.env["res.company"].with_user(self.admin_b).browse(self.company_a.id)
        self.assertFalse(company_a.xero_connection_id, "Settings administrators read every company record")
        settings = self.env["res.config.settings"].with_user(self.admin_b).create({"company_id": self.company_a.id})
        values = settings.read(["xero_connection_id", "xero_tenant_name", "xero_revenue_account_code", "xero_state"])
        self.assertEqual(
            [values[0][name] for name in ("xero_connection_id", "xero_tenant_name", "xero_revenue_account_code")],
            [False, False, False],
        )
        before = self.snapshot(self.conn_a)
        for method in ("action_xero_unlink", "action_xero_force_sync", "action_xero_change_accounts"):
            with self.subTest(method=method), self.env.cr.savepoint(), suppress(REFUSED):
                getattr(settings, method)()  # refused, or acts on no connection
        self.assertEqual(self.snapshot(self.conn_a), before)
        # the user of both companies still reads it from either
        for company in (self.company_a, self.company_b):
            mine = self.env["res.company"].with_user(self.both).browse(company.id)
            self.assertEqual(mine.xero_connection_id.id, company.xero_connection_id.id)


@tagged("post_install", "-at_install")
class TestCreatorRules(TwoCompaniesMixin, XeroSandboxCase):
    def test_an_accountant_cannot_read_or_write_another_accountants_invoice_wizard(self):
        wizard, line = self.records["a"]["invoice_wizard"], self.records["a"]["invoice_wizard_line"]
        date_to, code = wizard.date_to, line.code
        Wizard = self.env["xero.invoice.wizard"].with_user(self.accountant_a2)
        Line = self.env["xero.invoice.wizard.account"].with_user(self.accountant_a2)
        self.assertNotIn(wizard.id, Wizard.search([]).ids)
        self.assertNotIn(line.id, Line.search([]).ids)
        with self.assertRaises(AccessError):
            Wizard.browse(wizard.id).read(["partner_id", "amount_total", "timesheet_ids"])
        with self.assertRaises(AccessError):
            Line.browse(line.id).read(["code"])
        with self.assertRaises(AccessError):
            Wizard.browse(wizard.id).write({"date_to": date(2020, 1, 1)})
        with self.assertRaises(AccessError):
            Line.browse(line.id).write({"code": "999"})
        with self.assertRaises(AccessError):
            Line.browse(line.id).unlink()
        self.env.invalidate_all()
        self.assertEqual((wizard.date_to, line.exists().code), (date_to, code))
        # its creator still works with it
        self.assertEqual(Wizard.with_user(self.accountant_a).browse(wizard.id).date_to, date_to)

    def test_an_admin_cannot_read_another_admins_connect_wizard(self):
        wizard = self.env["xero.connect.wizard"].with_user(self.admin_b).create({"company_id": self.company_b.id})
        self.consent_as(wizard, [self.tenant_b])
        self.assertEqual(wizard.step, "accounts")
        secrets = wizard.sudo().read(["token_json"])[0]["token_json"]
        self.assertTrue(secrets, "the wizard holds the grant until Save")
        for other in (self.admin_b2, self.admin_a):
            with self.subTest(user=other.login):
                for model, records in (
                    ("xero.connect.wizard", wizard),
                    ("xero.connect.wizard.tenant", wizard.sudo().tenant_line_ids),
                    ("xero.connect.wizard.account", wizard.sudo().account_line_ids),
                ):
                    Model = self.env[model].with_user(other)
                    self.assertFalse(set(records.ids) & set(Model.search([]).ids), model)
                    with self.assertRaises(AccessError):
                        Model.browse(records.ids).read(["create_date"])
                with self.assertRaises(AccessError):
                    self.env["xero.connect.wizard"].with_user(other).browse(wizard.id).read(["token_json"])
                with self.assertRaises(AccessError):
                    self.env["xero.connect.wizard"].with_user(other).browse(wizard.id).action_save()
        self.env.invalidate_all()
        self.assertEqual(wizard.sudo().token_json, secrets)
        self.assertEqual(wizard.step, "accounts")

    def test_a_user_of_both_companies_connects_the_other_one(self):
        """The wizard's company rule lets a user of both companies finish connecting the one that is not their
        default, from a callback request that knows no current company (Odoo then allows all their companies)."""
        self.assertEqual(self.both.company_id, self.company_a)
        Wizard = self.env["xero.connect.wizard"].with_user(self.both)
        wizard = Wizard.with_context(allowed_company_ids=[self.company_b.id, self.company_a.id]).create({})
        self.assertEqual(wizard.company_id, self.company_b)
        self.consent_as(wizard, [self.tenant_b])
        self.assertEqual(wizard.step, "accounts", wizard.sudo().error_message)
        wizard.action_save()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(self.conn_b.sudo().owner_id, self.both)
        self.assertEqual(self.conn_a.sudo().owner_id, self.env.user)


@tagged("post_install", "-at_install")
class TestConnectWizardAcrossCompanies(TwoCompaniesMixin, XeroSandboxCase):
    def test_admin_of_b_cannot_relink_company_a_with_a_wizard_for_a(self):
        before = self.snapshot(self.conn_a)
        with self.assertRaises(REFUSED):
            wizard = self.env["xero.connect.wizard"].with_user(self.admin_b).create({"company_id": self.company_a.id})
            self.consent_as(wizard, [self.tenant_a])  # B's admin has a Xero login to A's organisation too
            wizard.action_save()
        self.assertEqual(self.snapshot(self.conn_a), before)

    def test_admin_of_b_cannot_change_company_a_connection_through_its_id(self):
        before = self.snapshot(self.conn_a)
        Wizard = self.env["xero.connect.wizard"].with_user(self.admin_b)

        def change_accounts(wizard):
            wizard.read(["connection_id", "tenant_id", "scope_preview"])
            wizard.write(
                {
                    "contact_scope": "all",
                    "account_line_ids": [
                        (0, 0, {"account_class": "REVENUE", "code": "666", "name": "Hijacked revenue"}),
                        (0, 0, {"account_class": "EXPENSE", "code": "667", "name": "Hijacked expense"}),
                    ],
                }
            )
            revenue, expense = wizard.account_line_ids.sorted("code")
            wizard.write({"revenue_line_id": revenue.id, "expense_line_id": expense.id})
            wizard.action_save()

        with self.subTest(how="create"), self.assertRaises(REFUSED):
            change_accounts(
                Wizard.create({"company_id": self.company_b.id, "connection_id": self.conn_a.id, "step": "accounts"})
            )
        self.assertEqual(self.snapshot(self.conn_a), before)
        with self.subTest(how="write"), self.assertRaises(REFUSED):
            wizard = Wizard.create({"company_id": self.company_b.id})
            wizard.write({"connection_id": self.conn_a.id, "step": "accounts"})
            change_accounts(wizard)
        self.assertEqual(self.snapshot(self.conn_a), before)

    def test_admin_of_b_cannot_choose_an_organisation_that_xero_did_not_authorise(self):
        """Tenant lines come from Xero's consent only; a wizard uses its own lines."""
        theirs = self.env["xero.connect.wizard"].with_user(self.admin_a).create({"company_id": self.company_a.id})
        self.consent_as(theirs, [self.tenant_a])
        wizard = self.env["xero.connect.wizard"].with_user(self.admin_b).create({"company_id": self.company_b.id})
        self.consent_as(wizard, [self.tenant_b])
        own_lines = wizard.sudo().tenant_line_ids
        chosen = wizard.tenant_line_id
        forged = {"name": "Company A's org", "tenant_id": self.tenant_a, "xero_connection_uuid": "forged"}
        attempts = {
            "a line created": lambda: self.env["xero.connect.wizard.tenant"]
            .with_user(self.admin_b)
            .create({**forged, "wizard_id": wizard.id}),
            "a line added": lambda: wizard.write({"tenant_line_ids": [(0, 0, forged)]}),
            "a line edited": lambda: own_lines.with_user(self.admin_b).write({"tenant_id": self.tenant_a}),
            "another wizard's line": lambda: wizard.write({"tenant_line_id": theirs.sudo().tenant_line_ids[:1].id}),
        }
        for how, attempt in attempts.items():
            with self.subTest(how=how), self.assertRaises(REFUSED):
                attempt()
            self.env.invalidate_all()
            self.assertEqual(wizard.sudo().tenant_line_ids, own_lines)
            self.assertEqual(own_lines.mapped("tenant_id"), [self.tenant_b])
            self.assertEqual(wizard.tenant_line_id, chosen)

    def test_contact_groups_of_another_organisation_are_refused(self):
        before = self.snapshot(self.conn_b)
        group_a = self.records["a"]["contact_group"]
        connection = self.env["xero.connection"].with_user(self.admin_b).browse(self.conn_b.id)
        with self.assertRaises(REFUSED):
            connection.write({"contact_scope": "groups", "contact_group_ids": [(6, 0, group_a.ids)]})
        self.assertEqual(self.snapshot(self.conn_b), before)

    def test_an_accountant_of_b_reads_no_company_a_time_through_an_invoice_wizard(self):
        task = self.xero_tasks(self.conn_a, active=True)[:1]
        employee = self.env["hr.employee"].create({"name": "Ana A", "company_id": self.company_a.id})
        timesheet = self.env["account.analytic.line"].create(
            {"name": "A's work", "project_id": task.project_id.id, "task_id": task.id, "employee_id": employee.id,
             "unit_amount": 7.5}
        )  # fmt: skip
        Wizard = self.env["xero.invoice.wizard"].with_user(self.accountant_b)
        with self.assertRaises(REFUSED):
            Wizard.create({"company_id": self.company_a.id, "partner_id": task.partner_id.id})
        wizard = Wizard.create({"date_from": date(2000, 1, 1)})
        with self.assertRaises(REFUSED):
            wizard.write({"timesheet_ids": [(6, 0, timesheet.ids)]})
        self.env.invalidate_all()
        self.assertEqual((wizard.hours_total, wizard.line_count), (0.0, 0))
        self.assertFalse(wizard.sudo().timesheet_ids)

    def test_an_accountant_of_b_compares_only_company_b_with_xero(self):
        line_a = self.records["a"]["ledger_line"]
        self.sandbox.control.clear_requests()
        self.env["xero.ledger.line"].with_user(self.accountant_b).action_xero_compare()
        self.assertFalse(line_a.compared_at, "company A's documents are not compared")
        self.assertFalse(self.sandbox.control.requests("/api.xro"), "company B has nothing in Xero to compare")


@tagged("post_install", "-at_install")
class TestXeroAdministratorReadsOnly(TwoCompaniesMixin, XeroSandboxCase):
    """A Xero administrator without Settings reads health, sync logs, refusals and contact groups; nothing else."""

    def test_reads_health_logs_refusals_and_groups(self):
        env = self.env(user=self.xero_admin)
        connection = env["xero.connection"].browse(self.conn_a.id)
        health = connection.read(["state", "tenant_name", "last_success_date", "token_days_left", "refused_count"])
        self.assertEqual(health[0]["state"], "connected")
        self.assertTrue(health[0]["last_success_date"])
        self.assertEqual(health[0]["refused_count"], 1)
        self.assertIn(self.records["a"]["log"], env["xero.sync.log"].search([]).sudo())
        self.assertIn(self.records["a"]["refusal"], env["xero.contact.refusal"].search([]).sudo())
        self.assertIn(self.records["a"]["contact_group"], env["xero.contact.group"].search([]).sudo())

    def test_cannot_change_the_connection_or_delete_logs_and_refusals(self):
        before = self.snapshot(self.conn_a)
        env = self.env(user=self.xero_admin)
        connection = env["xero.connection"].browse(self.conn_a.id)
        other_project = self.env["project.project"].create({"name": "Elsewhere"})
        for vals in (
            {"tenant_id": self.tenant_b},
            {"project_id": other_project.id},
            {"state": "unlinked"},
            {"owner_id": self.xero_admin.id},
            {"revenue_account_code": "999"},
            {"contact_scope": "customers"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                connection.write(vals)
        with self.assertRaises(AccessError):
            env["xero.connection"].create({"company_id": self.company_b.id, "tenant_id": "x"})
        for record in (self.records["a"]["log"], self.records["a"]["refusal"], self.records["a"]["contact_group"]):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                env[record._name].browse(record.id).unlink()
            self.assertTrue(record.exists())
        with self.assertRaises(AccessError):
            env["xero.contact.group"].browse(self.records["a"]["contact_group"].id).write({"name": "Renamed"})
        calls = len(self.sandbox.control.requests())
        for method in ("action_xero_unlink", "action_xero_force_sync", "action_xero_retry_refused"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(connection, method)()
        with self.assertRaises(AccessError):
            env["xero.connect.wizard"].create({"company_id": self.company_a.id})
        self.assertEqual(len(self.sandbox.control.requests()), calls, "no call reached Xero")
        self.assertEqual(self.snapshot(self.conn_a), before)
        self.assertEqual(self.records["a"]["contact_group"].name, "VIP " + self.company_a.name)

    def test_finds_the_sync_logs_in_its_menu_and_nothing_that_acts(self):
        """The role reads the sync logs: Timesheets → Xero → Sync logs shows them; Force synchronization and the
        Xero settings stay the Settings administrators'."""
        visible = self.env["ir.ui.menu"].with_user(self.xero_admin)._visible_menu_ids()
        self.assertIn(self.env.ref("xero_timesync.xero_sync_logs_menu").id, visible)
        self.assertNotIn(self.env.ref("xero_timesync.xero_force_sync_menu").id, visible)
        self.assertNotIn(self.env.ref("xero_timesync.xero_settings_menu").id, visible)
