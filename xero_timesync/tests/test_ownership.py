"""Issue 21, items 1 and 3: no context key unlocks a guard, and what gets billed is changed by billing people
only. Every test is judged by its effect: the record as it was, the sandbox holding what it held."""

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .invoice_common import XeroInvoiceMixin

# every context key the addon's code knows, as a caller would send them
ANY_CONTEXT = {
    **const.IMPORT_CONTEXT,
    "xero_cancelling": True,
    "xero_push_other_currency": True,
}


class OwnershipFixture(XeroInvoiceMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env, "xts_own_employee", groups="base.group_user", company_id=cls.company.id, name="Own Employee"
        )
        cls.env["hr.employee"].create({"name": "Own Employee", "user_id": cls.employee.id})
        cls.admin = new_test_user(
            cls.env,
            "xts_own_admin",
            groups="base.group_user,base.group_system,account.group_account_manager,project.group_project_manager",
            company_id=cls.company.id,
        )
        cls.other_partner = cls.task2.partner_id


@tagged("post_install", "-at_install")
class TestOwnership(OwnershipFixture, HttpCase):
    def snapshot(self, record, names):
        record.invalidate_recordset()
        return {name: record.sudo().with_context(active_test=False)[name] for name in names}

    # -- item 1: a context key unlocks nothing ---------------------------------------------------------
    def test_import_context_does_not_unlock_imported_structure(self):
        task = self.task.with_user(self.employee).with_context(**ANY_CONTEXT)
        before = self.snapshot(self.task, ["name", "active", "project_id", "partner_id"])
        other_project = self.env["project.project"].create({"name": "Elsewhere"})
        for vals in ({"name": "Renamed"}, {"active": False}, {"project_id": other_project.id}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                task.write(vals)
        with self.assertRaises(UserError):
            task.unlink()
        self.assertEqual(self.snapshot(self.task, before), before)
        self.assertTrue(self.task.exists())

    def test_a_settings_admin_cannot_unlock_it_either(self):
        with self.assertRaises(UserError):
            self.task.with_user(self.admin).with_context(**ANY_CONTEXT).write({"name": "Renamed by admin"})
        with self.assertRaises(UserError):
            self.task.with_user(self.admin).with_context(**ANY_CONTEXT).unlink()
        self.assertTrue(self.task.exists())
        self.assertNotEqual(self.task.name, "Renamed by admin")

    def test_cancelling_context_does_not_reopen_a_pushed_invoice(self):
        invoice = self.posted_invoice()
        invoice.with_user(self.accountant).action_xero_push()
        self.assertTrue(invoice.xero_invoice_id)
        # approved at Xero: no longer a draft there, so it stays as it is here (a Xero draft may be reset, issue 25)
        self.env["xero.service"]._xero_client(self.connection).update_invoice_status(
            invoice.xero_invoice_id, "AUTHORISED"
        )
        with self.assertRaises(UserError):
            invoice.with_user(self.accountant).with_context(xero_cancelling=True).button_draft()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual([i["Status"] for i in self.xero_invoices()], ["AUTHORISED"])

    def test_cancel_still_voids_at_xero_and_cancels_here(self):
        invoice = self.posted_invoice()
        invoice.with_user(self.accountant).action_xero_push()
        invoice.with_user(self.accountant).button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual([i["Status"] for i in self.xero_invoices()], ["DELETED"])

    # -- item 3: billing inputs ------------------------------------------------------------------------
    def test_rates_are_billing_only_and_never_negative(self):
        records = [self.task, self.project, self.ana]
        for record in records:
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError):
                    record.with_user(self.employee).read(["xero_hourly_rate"])
                with self.assertRaises(AccessError):
                    record.with_user(self.employee).write({"xero_hourly_rate": 500.0})
                self.assertEqual(record.xero_hourly_rate, 0.0)
        self.task.with_user(self.accountant).write({"xero_hourly_rate": 150.0})
        self.assertEqual(self.task.xero_hourly_rate, 150.0)
        for record in [self.task, self.project, self.ana, self.company]:
            field = "xero_default_hourly_rate" if record == self.company else "xero_hourly_rate"
            with self.subTest(negative=record._name), mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
                with self.env.cr.savepoint():
                    record.write({field: -150.0})
                    record.env.flush_all()
        self.assertEqual(self.task.xero_hourly_rate, 150.0)

    def test_an_imported_tasks_client_follows_the_contact(self):
        with self.assertRaises(UserError):
            self.task.with_user(self.employee).write({"partner_id": self.other_partner.id})
        self.assertNotEqual(self.task.partner_id, self.other_partner)

    def test_a_subtasks_client_is_its_parents(self):
        subtask = (
            self.env["project.task"]
            .with_user(self.employee)
            .create({"name": "Follow-up", "parent_id": self.task.id, "project_id": self.project.id})
        )
        self.assertEqual(subtask.partner_id, self.task.partner_id)
        with self.assertRaises(UserError):
            subtask.write({"partner_id": self.other_partner.id})
        with self.assertRaises(UserError):
            self.env["project.task"].with_user(self.employee).create(
                {
                    "name": "Billed elsewhere",
                    "parent_id": self.task.id,
                    "project_id": self.project.id,
                    "partner_id": self.other_partner.id,
                }
            )
        self.assertEqual(subtask.partner_id, self.task.partner_id)

    def test_a_timesheets_client_is_its_tasks(self):
        line = (
            self.env["account.analytic.line"]
            .with_user(self.employee)
            .create({"name": "Work", "task_id": self.task.id, "project_id": self.project.id, "unit_amount": 1.0})
        )
        with self.assertRaises(UserError):
            line.write({"partner_id": self.other_partner.id})
        with self.assertRaises(UserError):
            self.env["account.analytic.line"].with_user(self.employee).create(
                {
                    "name": "Work",
                    "task_id": self.task.id,
                    "project_id": self.project.id,
                    "unit_amount": 1.0,
                    "partner_id": self.other_partner.id,
                }
            )
        self.assertEqual(line.partner_id, self.task.partner_id)

    def test_invoiced_time_is_frozen_whole(self):
        self.task.xero_hourly_rate = 100.0
        line = self.timesheet(2.0, name="Designed the thing")
        line.user_id = self.employee
        self.invoice_time()
        self.assertTrue(line.xero_billed_move_id)
        for vals in ({"name": '<img src="http://127.0.0.1:9/x">'}, {"unit_amount": 9.0}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                line.with_user(self.employee).with_context(**ANY_CONTEXT).write(vals)
        self.assertEqual((line.name, line.unit_amount), ("Designed the thing", 2.0))

    # -- item 3: every xero_* field Xero or the sync owns ----------------------------------------------
    def test_xero_owned_fields_refused_for_everyone(self):
        invoice = self.posted_invoice()
        invoice.with_user(self.accountant).action_xero_push()
        pushed = self.snapshot(invoice, ["xero_invoice_id", "xero_status", "xero_push_nonce"])
        attacks = [
            (self.partner, {"xero_contact_id": "00000000-0000-0000-0000-000000000000"}),
            (self.task, {"xero_contact_id": False}),
            (self.task, {"xero_archived": True}),
            (self.project, {"is_xero_project": False}),
            (invoice, {"xero_invoice_id": False}),
            (invoice, {"xero_status": "VOIDED"}),
            (invoice, {"xero_push_nonce": "forged"}),
        ]
        for user in (self.employee, self.accountant, self.admin):
            for record, vals in attacks:
                with self.subTest(user=user.login, model=record._name, vals=vals):
                    with self.assertRaises(UserError):  # AccessError, or the imported structure's UserError
                        record.with_user(user).with_context(**ANY_CONTEXT).write(vals)
        self.assertEqual(self.snapshot(invoice, pushed), pushed)
        self.assertTrue(self.task.xero_contact_id)
        self.assertTrue(self.project.is_xero_project)
        # pushing again finds the same invoice: still one at Xero
        invoice.with_user(self.accountant).action_xero_push()
        self.assertEqual(len(self.xero_invoices()), 1)

    def test_a_task_made_by_hand_cannot_claim_a_xero_contact(self):
        Task = self.env["project.task"].with_user(self.admin)
        with self.assertRaises(AccessError):
            Task.create({"name": "Fake", "project_id": self.project.id, "xero_contact_id": "forged"})
        with self.assertRaises(AccessError):
            Task.with_context(default_xero_contact_id="forged").create({"name": "Fake", "project_id": self.project.id})
        self.assertFalse(Task.sudo().search([("xero_contact_id", "=", "forged")]))

    def test_over_json_rpc_with_any_context(self):
        self.authenticate("xts_own_admin", "xts_own_admin")
        before = self.snapshot(self.task, ["name", "xero_contact_id", "active"])
        for method, args in (
            ("write", [[self.task.id], {"name": "Renamed over RPC"}]),
            ("write", [[self.task.id], {"xero_contact_id": "forged"}]),
            ("action_archive", [[self.task.id]]),
            ("unlink", [[self.task.id]]),
        ):
            with self.subTest(method=method, args=args), mute_logger("odoo.http"):
                response = self.url_open(
                    "/web/dataset/call_kw/project.task/" + method,
                    json={
                        "jsonrpc": "2.0",
                        "method": "call",
                        "id": 1,
                        "params": {
                            "model": "project.task",
                            "method": method,
                            "args": args,
                            "kwargs": {"context": ANY_CONTEXT},
                        },
                    },
                )
                self.assertIn("error", response.json())
        self.assertEqual(self.snapshot(self.task, before), before)

    # -- the review's findings: defaults, Odoo's own switches, merges -----------------------------------
    def test_a_live_invoice_is_neither_reopened_nor_deleted_by_a_plain_write(self):
        invoice = self.posted_invoice()
        invoice.with_user(self.accountant).action_xero_push()
        for vals in ({"state": "draft"}, {"state": "cancel"}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                invoice.with_user(self.accountant).with_context(**ANY_CONTEXT).write(vals)
        with self.assertRaises(UserError):
            invoice.with_user(self.admin).with_context(force_delete=True).unlink()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.exists())
        self.assertEqual([i["Status"] for i in self.xero_invoices()], ["DRAFT"])

    def test_personal_defaults_fill_no_owned_field(self):
        """ir.default.set is public: an employee's own default must not stamp their time onto an invoice."""
        self.task.xero_hourly_rate = 100.0
        self.timesheet(1.0)
        invoice = self.invoice_time()
        Default = self.env["ir.default"].with_user(self.employee)
        Default.set("account.analytic.line", "xero_billed_move_line_id", invoice.invoice_line_ids[0].id, user_id=True)
        with self.assertRaises(AccessError):
            self.env["account.analytic.line"].with_user(self.employee).create(
                {"name": "Slipped in", "task_id": self.task.id, "project_id": self.project.id, "unit_amount": 5.0}
            )
        Default.set("project.task", "xero_contact_id", "forged", user_id=True)
        with self.assertRaises(AccessError):
            self.env["project.task"].with_user(self.employee).create(
                {"name": "Forged", "parent_id": self.task.id, "project_id": self.project.id}
            )
        self.assertEqual(invoice.invoice_line_ids.xero_timesheet_ids.mapped("name"), ["Work"])
        self.assertFalse(self.env["project.task"].search([("xero_contact_id", "=", "forged")]))

    def test_a_default_client_in_the_context_bills_nobody_else(self):
        Line = self.env["account.analytic.line"].with_user(self.employee)
        with self.assertRaises(UserError):
            Line.with_context(default_partner_id=self.other_partner.id).create(
                {"name": "Work", "task_id": self.task.id, "project_id": self.project.id, "unit_amount": 1.0}
            )
        Task = self.env["project.task"].with_user(self.employee)
        with self.assertRaises(UserError):
            Task.with_context(default_partner_id=self.other_partner.id).create(
                {"name": "Elsewhere", "parent_id": self.task.id, "project_id": self.project.id}
            )
        self.assertFalse(
            Line.sudo().search([("partner_id", "=", self.other_partner.id), ("task_id", "=", self.task.id)])
        )

    def test_the_integrations_own_code_takes_no_owned_default_from_the_caller(self):
        """Invoice time writes the rounding and accounts it owns; a caller's default_xero_invoice_id must not ride
        along and make the new invoice look live at Xero."""
        self.task.xero_hourly_rate = 100.0
        self.timesheet(1.0)
        forged = {"default_xero_invoice_id": "forged-invoice-id", "default_xero_status": "AUTHORISED"}
        Wizard = self.env["xero.invoice.wizard"].with_user(self.accountant)
        wizard = Wizard.browse(Wizard._action_open(self.partner)["res_id"]).with_context(**forged)
        self.assertTrue(wizard.timesheet_ids)
        with self.assertRaises(AccessError):
            wizard.action_create_invoice()
        self.assertFalse(self.env["account.move"].search([("xero_invoice_id", "=", "forged-invoice-id")]))

    def test_merging_a_duplicate_into_a_xero_client_still_works(self):
        duplicate = self.env["res.partner"].create({"name": self.partner.name, "email": "dup@example.com"})
        merge = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.admin)
            .create({"partner_ids": [(6, 0, (self.partner | duplicate).ids)], "dst_partner_id": self.partner.id})
        )
        merge.action_merge()
        self.assertFalse(duplicate.exists())
        self.assertTrue(self.partner.xero_contact_id)

    def test_a_timer_cannot_be_backdated_by_a_default(self):
        self.env["hr.employee"].search([("user_id", "=", self.employee.id)]).company_id = self.company
        Timer = self.env["xero.timer"].with_user(self.employee).with_context(default_start="2020-01-01 00:00:00")
        Timer.xero_start(self.task.id)
        timer = Timer.search([("user_id", "=", self.employee.id)])
        self.assertGreater(timer.start.year, 2020)
