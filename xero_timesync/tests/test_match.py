"""Match before create (issue 24): Xero contacts join the clients a company already has in Odoo."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.xero_timesync.matching import normalise_email, normalise_name, normalise_vat, vat_key

from .common import XeroSandboxMixin

KEYS = ("contact_number", "account_number", "vat", "email", "name")
PER_KEY = 60  # 5 keys × 60 = 300 customers also at Xero
CONFLICTS_SHARED = 10  # a contact matching two clients that differ only by name
CONFLICTS_CLAIMED = 5  # a client matching two contacts (10 contacts)
OWN_ONLY = 175  # customers Xero does not know
NEW_AT_XERO = 30  # contacts Odoo does not know


def odoo_customer(i):
    return {
        "name": f"Customer {i:03d} Ltd",
        "ref": f"R-{i:04d}",
        "vat": f"GB 100 {i:03d} 999",
        "email": f"customer{i}@example.com",
        "is_company": True,
        "customer_rank": 1,
    }


def xero_twin(i, key):
    """A Xero contact agreeing with customer ``i`` on ``key`` only (spelt differently where Xero would)."""
    fields = {"name": f"Xero only {i:03d}"}
    if key == "contact_number":
        fields["contact_number"] = f"r-{i:04d} "
    elif key == "account_number":
        fields["account_number"] = f"R-{i:04d}"
    elif key == "vat":
        fields["tax_number"] = f"100-{i:03d}-999"
    elif key == "email":
        fields["email"] = f"Customer{i}@Example.com"
    else:
        fields["name"] = f"CUSTOMER  {i:03d} limited"
    return fields


class TestNormalise(TransactionCase):
    def test_keys(self):
        self.assertEqual(normalise_name("ACME  Pty. Ltd."), "acme")
        self.assertEqual(normalise_name("Société Générale S.A."), "societe generale")
        self.assertEqual(normalise_name("Smith & Sons GmbH"), "smith and sons")
        self.assertEqual(normalise_name("Limited"), "limited", "a name made of a legal form stays a name")
        self.assertEqual(normalise_vat("GB 123-456 789"), "GB123456789")
        self.assertEqual(vat_key("GB 123-456 789"), "123456789")
        self.assertEqual(vat_key("de123456789"), "123456789")
        self.assertEqual(vat_key("51 824 753 556"), "51824753556")
        self.assertEqual(normalise_email("  Ana@Example.COM "), "ana@example.com")
        self.assertEqual(normalise_email("not an address"), "")


@tagged("post_install", "-at_install")
class TestMatchBeforeCreate(XeroSandboxMixin, TransactionCase):
    sandbox_options = {"contacts": 0, "seed": 3, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        company = cls.env.company
        total = PER_KEY * len(KEYS) + CONFLICTS_SHARED * 2 + CONFLICTS_CLAIMED + OWN_ONLY
        vals = [dict(odoo_customer(i), company_id=company.id if i % 2 else False) for i in range(total)]
        cls.customers = Partner.create(vals)
        control, tenant = cls.sandbox.control, cls.tenant_id
        cls.expected = {}  # ContactID → (partner, key)
        for n, key in enumerate(KEYS):
            for i in range(n * PER_KEY, (n + 1) * PER_KEY):
                contact = control.add_contact(tenant, **xero_twin(i, key))
                cls.expected[contact["ContactID"]] = (cls.customers[i], key)
        base = PER_KEY * len(KEYS)
        cls.conflict_ids = set()
        for j in range(CONFLICTS_SHARED):  # two clients differing only by name share this e-mail
            first, second = cls.customers[base + 2 * j], cls.customers[base + 2 * j + 1]
            second.write({"email": first.email, "ref": first.ref, "vat": first.vat})
            contact = control.add_contact(tenant, name=f"Shared {j}", email=first.email)
            cls.conflict_ids.add(contact["ContactID"])
        base += 2 * CONFLICTS_SHARED
        for j in range(CONFLICTS_CLAIMED):  # one client, two contacts with its tax number
            customer = cls.customers[base + j]
            for twin in ("a", "b"):
                contact = control.add_contact(tenant, name=f"Claimed {j}{twin}", tax_number=customer.vat)
                cls.conflict_ids.add(contact["ContactID"])
        cls.new_ids = {control.add_contact(tenant, name=f"Brand new {k}")["ContactID"] for k in range(NEW_AT_XERO)}
        # existing work of a customer who is at Xero: a project task with time, and an invoice
        cls.matched_customer = cls.customers[0]
        project = cls.env["project.project"].create({"name": "Existing work", "allow_timesheets": True})
        cls.old_task = cls.env["project.task"].create(
            {"name": "Ongoing", "project_id": project.id, "partner_id": cls.matched_customer.id}
        )
        employee = cls.env["hr.employee"].create({"name": "Ana", "company_id": company.id})
        cls.old_timesheet = cls.env["account.analytic.line"].create(
            {
                "name": "Done before",
                "project_id": project.id,
                "task_id": cls.old_task.id,
                "employee_id": employee.id,
                "unit_amount": 2,
            }
        )
        cls.old_invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.matched_customer.id,
                "invoice_date": date(2026, 3, 1),
                "invoice_line_ids": [Command.create({"name": "Old work", "quantity": 1, "price_unit": 100})],
            }
        )
        cls.partners_before = Partner.with_context(active_test=False).search_count([])
        cls.wizard = cls.start_wizard()
        cls.consent(cls.wizard)
        cls.wizard.action_review()
        cls.review = {
            "matched": len(cls.wizard.match_line_ids),
            "conflict": len(cls.wizard.conflict_line_ids),
            "new": len(cls.wizard.new_line_ids),
            "keys": {line.xero_contact_id: (line.partner_id, line.match_key) for line in cls.wizard.match_line_ids},
        }
        cls.wizard.action_save()
        cls.connection = cls.env["xero.connection"]._xero_for_company()

    def setUp(self):
        TransactionCase.setUp(self)  # keep the contacts added in setUpClass at Xero (no sandbox reset)

    def test_review_screen_counts(self):
        self.assertEqual(self.review["matched"], PER_KEY * len(KEYS))
        self.assertEqual(self.review["conflict"], 2 * CONFLICTS_CLAIMED + CONFLICTS_SHARED)
        self.assertEqual(self.review["new"], NEW_AT_XERO)
        self.assertEqual(self.review["keys"], self.expected, "each contact matched its customer by the right key")

    def test_enable_integration_links_and_creates_no_duplicate(self):
        self.assertEqual(self.wizard.step, "done", self.wizard.result_message)
        Partner = self.env["res.partner"].with_context(active_test=False)
        self.assertEqual(Partner.search_count([]) - self.partners_before, NEW_AT_XERO, "only the new contacts")
        for contact_id, (partner, key) in self.expected.items():
            self.assertEqual((partner.xero_contact_id, partner.xero_match_key), (contact_id, key))
        linked = Partner.search([("xero_contact_id", "!=", False)])
        self.assertEqual(len(linked), len(self.expected) + NEW_AT_XERO)
        self.assertFalse(set(linked.mapped("xero_contact_id")) & self.conflict_ids, "nothing guessed")
        self.assertEqual(self.connection.last_sync_log_id.matched_count, len(self.expected))
        self.assertEqual(self.connection.last_sync_log_id.conflicts_count, len(self.conflict_ids))
        # what Odoo knew is kept, Xero's values fill what it lacked
        by_name = self.customers[4 * PER_KEY]
        self.assertEqual((by_name.name, by_name.email), ("Customer 240 Ltd", "customer240@example.com"))
        self.assertEqual(self.customers[0].xero_contact_number, "r-0000")

    def test_conflicts_listed_on_the_health_panel_with_one_activity(self):
        conflicts = self.env["xero.contact.match"].search([("state", "=", "conflict")])
        self.assertEqual(set(conflicts.mapped("xero_contact_id")), self.conflict_ids)
        self.assertEqual(self.connection.conflict_count, len(self.conflict_ids))
        activity = self.env.ref("xero_timesync.mail_activity_type_xero_conflict")
        self.assertEqual(len(self.connection.activity_ids.filtered(lambda a: a.activity_type_id == activity)), 1)
        tasks = self.xero_tasks(self.connection)
        self.assertFalse(set(tasks.mapped("xero_contact_id")) & self.conflict_ids, "no task before a decision")
        # the administrator resolves one conflict, gives another a client of its own; the next run applies both
        shared = conflicts.filtered(lambda c: c.name == "Shared 0")
        claimed = conflicts.filtered(lambda c: c.name == "Claimed 0a")
        chosen, shared_id, claimed_id = shared.candidate_ids[1], shared.xero_contact_id, claimed.xero_contact_id
        shared.resolve_partner_id = chosen
        shared.action_xero_link_chosen()
        claimed.action_xero_own_client()
        self.connection.action_xero_force_sync()
        self.assertEqual((chosen.xero_contact_id, chosen.xero_match_key), (shared_id, "admin"))
        own = self.env["res.partner"].search([("xero_contact_id", "=", claimed_id)])
        self.assertEqual(own.name, "Claimed 0a")
        self.assertNotIn(own, self.customers)
        self.assertEqual(self.connection.conflict_count, len(self.conflict_ids) - 2)

    def test_existing_work_joins_the_xero_project(self):
        customer = self.matched_customer
        self.assertEqual(self.old_task.project_id.name, "Existing work", "existing tasks are not moved")
        self.assertEqual(self.old_timesheet.task_id, self.old_task)
        self.assertEqual(self.old_invoice.partner_id, customer)
        xero_task = self.xero_tasks(self.connection).filtered(lambda t: t.partner_id == customer)
        self.assertEqual(len(xero_task), 1, "the customer gets its task in the Xero project")
        self.assertEqual(xero_task.xero_contact_id, customer.xero_contact_id)
        self.assertEqual(self.env["project.task"].search_count([("partner_id", "=", customer.id)]), 2)

    def test_later_sync_matches_and_lists_new_conflicts(self):
        free = self.customers[-1]  # a customer Xero did not know
        twin = self.sandbox.control.add_contact(self.tenant_id, name="Someone", email=free.email.upper())
        self.customers[-2].write({"name": "Twin Ltd"})
        self.customers[-3].write({"name": "TWIN Limited"})
        doubt = self.sandbox.control.add_contact(self.tenant_id, name="Twin")
        before = self.env["res.partner"].search_count([])
        log = self.connection.action_xero_force_sync() and self.connection.last_sync_log_id
        self.assertEqual((free.xero_contact_id, free.xero_match_key), (twin["ContactID"], "email"))
        self.assertEqual(log.matched_count, 1)
        self.assertEqual(self.connection.conflict_count, len(self.conflict_ids) + 1)
        self.assertEqual(self.env["res.partner"].search_count([]), before)
        self.assertTrue(self.env["xero.contact.match"].search([("xero_contact_id", "=", doubt["ContactID"])]))

    def test_unlink_a_wrong_match(self):
        partner, _key = next(iter(self.expected.values()))
        contact_id = partner.xero_contact_id
        task = self.xero_tasks(self.connection).filtered(lambda t: t.xero_contact_id == contact_id)
        clerk = new_test_user(self.env, "clerk", groups="base.group_user,project.group_project_manager")
        with self.assertRaises(AccessError):
            partner.with_user(clerk).action_xero_unlink_match()
        self.assertEqual(partner.xero_contact_id, contact_id)
        partner.action_xero_unlink_match()
        self.assertFalse(partner.xero_contact_id)
        self.assertIn("unlinked", partner.message_ids[0].body)
        self.assertIn("unlinked", task.message_ids[0].body)
        self.connection.action_xero_force_sync()
        own = self.env["res.partner"].search([("xero_contact_id", "=", contact_id)])
        self.assertTrue(own)
        self.assertNotEqual(own, partner, "not matched to the refused client again")
        self.assertEqual(task.partner_id, own)
        self.assertFalse(partner.xero_contact_id)
        self.assertEqual(self.old_invoice.partner_id, self.matched_customer)
