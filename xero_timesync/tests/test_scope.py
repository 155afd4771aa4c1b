"""The admin chooses which Xero contacts become tasks: all, customers only, or chosen contact groups."""

from odoo.tests import tagged

from .common import XeroSandboxCase


@tagged("post_install", "-at_install")
class TestContactScope(XeroSandboxCase):
    sandbox_options = {"contacts": 60, "seed": 3, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the seeded contacts, which every test starts from (the sandbox is reset to them)
        cls.contacts = cls.sandbox.control.contacts(cls.tenant_id)
        cls.active = [c for c in cls.contacts if c["ContactStatus"] == "ACTIVE"]
        cls.suppliers_only = {c["ContactID"] for c in cls.active if c.get("IsSupplier") and not c.get("IsCustomer")}
        cls.groups = {g["Name"]: g for g in cls.sandbox.control.contact_groups(cls.tenant_id)}

    def accounts_step(self, **vals):
        wizard = self.start_wizard()
        self.consent(wizard)
        self.assertEqual(wizard.step, "accounts", wizard.error_message)
        wizard.write(vals)
        return wizard

    def group(self, name):
        return self.env["xero.contact.group"].search([("tenant_id", "=", self.tenant_id), ("name", "=", name)])

    def active_task_ids(self, connection):
        return set(self.xero_tasks(connection, active=True).mapped("xero_contact_id"))

    def test_preview_before_save_then_customers_only(self):
        self.assertTrue(self.suppliers_only, "the seed has pure suppliers")
        wizard = self.accounts_step()
        self.assertEqual(wizard.scope_preview, f"{len(self.active)} active contacts → {len(self.active)} tasks")
        wizard.contact_scope = "customers"
        expected = len(self.active) - len(self.suppliers_only)
        self.assertEqual(wizard.scope_preview, f"{len(self.active)} active contacts → {expected} tasks")
        wizard.action_save()
        connection = self.env["xero.connection"]._xero_for_company(self.env.company)
        self.assertEqual(connection.contact_scope, "customers")
        self.assertEqual(len(self.active_task_ids(connection)), expected)
        out = self.xero_tasks(connection).filtered("xero_out_of_scope")
        every_pure_supplier = {c["ContactID"] for c in self.contacts if c.get("IsSupplier") and not c.get("IsCustomer")}
        self.assertEqual(set(out.mapped("xero_contact_id")), every_pure_supplier)
        self.assertTrue(all(out.partner_id.mapped("active")), "their clients stay")

        newcomer = self.sandbox.control.add_contact(self.tenant_id, name="Not Invoiced Yet Ltd")
        log = self.env["xero.contact.sync"]._xero_sync(connection, "cron")
        self.assertEqual(log.api_calls, 1, "a scope costs no extra call")
        self.assertIn(newcomer["ContactID"], self.active_task_ids(connection), "IsCustomer=false until a sale")

    def test_groups_scope_follows_membership_and_changing_scope_never_deletes(self):
        retainer = self.group_of("Retainer clients")
        wizard = self.accounts_step(contact_scope="groups")
        wizard.contact_group_ids = self.group("Retainer clients")
        self.assertEqual(wizard.scope_preview, f"{len(self.active)} active contacts → {len(retainer)} tasks")
        wizard.action_save()
        connection = self.env["xero.connection"]._xero_for_company(self.env.company)
        self.assertEqual(self.active_task_ids(connection), retainer & {c["ContactID"] for c in self.active})
        all_tasks = self.xero_tasks(connection)
        self.assertEqual(len(all_tasks), len(self.contacts), "every contact keeps a task, archived if out of scope")

        joiner = next(c for c in self.active if c["ContactID"] not in retainer)
        self.sandbox.control.add_to_group(
            self.tenant_id, self.groups["Retainer clients"]["ContactGroupID"], [joiner["ContactID"]]
        )
        log = self.env["xero.contact.sync"]._xero_sync(connection, "cron")
        self.assertEqual(log.restored_count, 1, "membership changes do not touch the contact: the run reconciles")
        self.assertIn(joiner["ContactID"], self.active_task_ids(connection))

        task = self.xero_tasks(connection, active=True)[0]
        timesheet = self.env["account.analytic.line"].create(
            {
                "name": "Work",
                "project_id": task.project_id.id,
                "task_id": task.id,
                "unit_amount": 1.0,
                "employee_id": self.env["hr.employee"].create({"name": "Scope Tester"}).id,
            }
        )
        change = self.env["res.config.settings"].create({}).action_xero_change_accounts()
        wizard = self.env["xero.connect.wizard"].browse(change["res_id"])
        self.assertEqual(wizard.contact_scope, "groups")
        wizard.contact_scope = "all"
        action = wizard.action_save()
        self.assertIn("0 tasks archived", action["params"]["message"])
        self.assertEqual(len(self.active_task_ids(connection)), len(self.active))
        self.assertEqual(len(self.xero_tasks(connection)), len(all_tasks), "nothing deleted")
        self.assertTrue(timesheet.exists())

    def group_of(self, name):
        return {c["ContactID"] for c in self.groups[name].get("Contacts") or []}
