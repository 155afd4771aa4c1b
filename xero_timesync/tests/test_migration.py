"""The 19.0.1.3.0 renames, replayed on the names a 19.0.1.2.0 database has: nothing is lost or re-created."""

from odoo import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools.sql import column_exists, table_exists

from ..models.mail_followers import membership_followers
from .common import XeroSandboxCase, load_migration
from .invoice_common import XeroInvoiceMixin
from .test_restriction import RestrictionFixtureMixin


@tagged("post_install", "-at_install")
class TestMigrationNames(XeroInvoiceMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.migration = load_migration("19.0.1.3.0", "pre-migrate")

    def back_to_the_old_names(self):
        """The schema and registry rows of a 19.0.1.2.0 database, by running each rename backwards."""
        cr, migration = self.env.cr, self.migration
        for old, new in migration.MODEL_RENAMES:
            migration.rename_model(cr, new, old)
        for model, old, new in migration.FIELD_RENAMES:
            migration.rename_field(cr, model, new, old)
        for model, old, new in migration.XMLID_RENAMES:
            migration.rename_xmlid(cr, model, new, old)

    def test_the_renames_keep_every_value_and_registry_row(self):
        self.company.write({"xero_invoice_rounding": "15", "xero_default_hourly_rate": 100})
        lines = self.timesheet(1.0) | self.timesheet(2.0)
        move = self.invoice_time(lines)
        attempt = self.env["xero.push.attempt"].create({"move_id": move.id, "nonce": "nonce-1"})
        group = self.env.ref("xero_timesync.group_xero_admin")
        rounding_value = self.env.ref("xero_timesync.selection__res_company__xero_invoice_rounding__15")
        favourite = self.env["ir.filters"].create(
            {
                "name": "Billed, by Xero invoice",
                "model_id": "account.analytic.line",
                "domain": "[('xero_billed_move_id', '!=', False), ('xero_billed_move_line_id.move_id.xero_invoice_id', '!=', False)]",
                "context": "{'group_by': ['xero_billed_move_id']}",
            }
        )
        self.env.flush_all()

        self.back_to_the_old_names()
        cr = self.env.cr
        self.assertTrue(column_exists(cr, "account_analytic_line", "xero_invoice_id"))
        self.assertFalse(column_exists(cr, "account_analytic_line", "xero_billed_move_id"))
        self.assertTrue(table_exists(cr, "xero_invoice_push"))
        old_view = self.env.ref("xero_timesync.res_config_settings_view_form_xero_invoice")
        self.env.invalidate_all()
        self.assertIn('name="xero_time_rounding"', old_view.arch_db, "the views of a 19.0.1.2.0 database")
        self.assertIn("'xero_invoice_id', '!='", favourite.domain)
        self.assertFalse(table_exists(cr, "xero_push_attempt"))

        self.migration.migrate(cr, "19.0.1.2.0")
        self.env.invalidate_all()
        self.env.registry.clear_cache()

        self.assertEqual(lines.xero_billed_move_id, move, "the time still knows the invoice it is billed on")
        self.assertEqual(self.company.xero_invoice_rounding, "15")
        self.assertEqual(self.env["xero.push.attempt"].search([("move_id", "=", move.id)]), attempt)
        self.assertEqual(attempt.nonce, "nonce-1")
        self.assertEqual(self.env.ref("xero_timesync.group_xero_admin"), group, "the same group, renamed")
        self.assertEqual(
            self.env.ref("xero_timesync.selection__res_company__xero_invoice_rounding__15"),
            rounding_value,
            "the selection values are kept, not dropped and re-created (dropping blanks the records using them)",
        )
        self.assertEqual(self.env.ref("xero_timesync.model_xero_push_attempt").model, "xero.push.attempt")
        views = self.env["ir.ui.view"].search([("model", "in", ["res.config.settings", "account.analytic.line"])])
        self.assertFalse(
            views.filtered(lambda view: "xero_time_rounding" in view.arch_db or "xero_invoice_id" in view.arch_db),
            "stored views name the new fields",
        )
        self.env.ref("xero_timesync.res_config_settings_view_form")._check_xml()  # what the update validates
        self.assertEqual(
            (favourite.domain, favourite.context),
            (
                "[('xero_billed_move_id', '!=', False), ('xero_billed_move_line_id.move_id.xero_invoice_id', '!=', False)]",
                "{'group_by': ['xero_billed_move_id']}",
            ),
            "a saved favourite follows the rename; the invoice's own xero_invoice_id at the end of a path stays",
        )
        cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'account_analytic_line'::regclass")
        constraints = {name for (name,) in cr.fetchall()}
        self.assertIn("account_analytic_line_xero_billed_move_id_fkey", constraints)
        cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'xero_push_attempt'::regclass")
        self.assertFalse(
            [name for (name,) in cr.fetchall() if "invoice_push" in name], "constraints follow their table"
        )
        cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'account_analytic_line'")
        indexes = {name for (name,) in cr.fetchall()}
        self.assertFalse({name for name in indexes if "xero_invoice_id" in name}, "indexes follow their column")

    def test_a_new_install_is_left_alone(self):
        self.migration.migrate(self.env.cr, None)
        self.assertTrue(column_exists(self.env.cr, "account_analytic_line", "xero_billed_move_id"))


@tagged("post_install", "-at_install")
class TestMigrationBilledLine(XeroInvoiceMixin, TransactionCase):
    def test_the_billed_line_keeps_its_values_favourites_and_constraints(self):
        """19.0.1.8.0: ``xero_invoice_line_id`` (an Odoo invoice line) → ``xero_billed_move_line_id``."""
        migration = load_migration("19.0.1.8.0", "pre-migrate")
        self.company.xero_default_hourly_rate = 100
        lines = self.timesheet(1.0) | self.timesheet(2.0)
        move = self.invoice_time(lines)
        billed = {line: line.xero_billed_move_line_id for line in lines}
        self.assertTrue(all(billed.values()))
        favourite = self.env["ir.filters"].create(
            {
                "name": "Billed lines",
                "model_id": "account.analytic.line",
                "domain": f"[('xero_billed_move_line_id.move_id', '=', {move.id})]",
            }
        )
        self.env.flush_all()
        cr = self.env.cr
        for model, old, new in migration.FIELD_RENAMES:  # back to a 19.0.1.7.0 database's names
            migration._renames().rename_field(cr, model, new, old)
        self.assertTrue(column_exists(cr, "account_analytic_line", "xero_invoice_line_id"))
        self.env.invalidate_all()
        self.assertIn("xero_invoice_line_id.move_id", favourite.domain)

        migration.migrate(cr, "19.0.1.7.0")
        self.env.invalidate_all()
        self.env.registry.clear_cache()

        self.assertFalse(column_exists(cr, "account_analytic_line", "xero_invoice_line_id"))
        self.assertEqual({line: line.xero_billed_move_line_id for line in lines}, billed)
        self.assertEqual(lines.xero_billed_move_id, move)
        self.assertEqual(favourite.domain, f"[('xero_billed_move_line_id.move_id', '=', {move.id})]")
        field = self.env.ref("xero_timesync.field_account_analytic_line__xero_billed_move_line_id")
        self.assertEqual(field.name, "xero_billed_move_line_id", "the registry row follows, not re-created")
        cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'account_analytic_line'::regclass")
        self.assertIn("account_analytic_line_xero_billed_move_line_id_fkey", {name for (name,) in cr.fetchall()})
        cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'account_analytic_line'")
        self.assertFalse([name for (name,) in cr.fetchall() if "xero_invoice_line_id" in name])


@tagged("post_install", "-at_install")
class TestMigrationMemberGroup(XeroInvoiceMixin, TransactionCase):
    def test_members_of_an_earlier_version_get_the_member_group(self):
        """19.0.1.4.0: members assigned by 19.0.1.3.0 (no group_xero_member) can still track time."""
        group = self.env.ref("xero_timesync.group_xero_member")
        members = self.project.xero_member_ids
        self.assertTrue(members)
        group.write({"user_ids": [(3, user.id) for user in members.user_id]})
        self.assertFalse(members.user_id & group.user_ids)
        load_migration("19.0.1.4.0", "post-migrate").migrate(self.env.cr, "19.0.1.3.0")
        self.assertEqual(members.user_id & group.user_ids, members.user_id)


@tagged("post_install", "-at_install")
class TestMigrationBypassedFollowers(RestrictionFixtureMixin, XeroSandboxCase):
    """19.0.1.4.0: what earlier versions let through (Follow on the Xero project, following or being assigned
    to a task one may not see) is taken back, so restrictions lifted before the upgrade hold again."""

    def test_the_rows_the_old_bypass_made_go(self):
        restricted, removed = self.restricted, self.users["removed"]
        client = self.task_other.partner_id
        self.project.message_subscribe(client.ids)  # a Settings administrator's call: it stays
        project_before, allowed_before = self.followers(self.project), self.followers(self.task_allowed)
        new_task = self.env.ref("project.mt_project_task_new")
        with membership_followers():  # rows as an earlier version made them
            self.env["mail.followers"].sudo().create(
                [
                    {
                        "res_model": "project.project",
                        "res_id": self.project.id,
                        "partner_id": restricted.partner_id.id,
                        "subtype_ids": [Command.set(new_task.ids)],
                    },
                    {"res_model": "project.project", "res_id": self.project.id, "partner_id": removed.partner_id.id},
                    {"res_model": "project.task", "res_id": self.task_other.id, "partner_id": restricted.partner_id.id},
                    {"res_model": "project.task", "res_id": self.task_other.id, "partner_id": removed.partner_id.id},
                ]
            )
        self.env.flush_all()
        self.env.cr.execute(
            "INSERT INTO project_task_user_rel (task_id, user_id) VALUES (%s, %s), (%s, %s)",
            [self.task_other.id, restricted.id, self.task_other.id, self.regular.id],
        )
        self.env.invalidate_all()
        self.assertTrue(self.env["project.task"].with_user(restricted).search([("id", "=", self.task_other.id)]))

        load_migration("19.0.1.4.0", "post-migrate").migrate(self.env.cr, "19.0.1.3.0")
        self.env.invalidate_all()

        self.assertEqual(self.followers(self.project), project_before)
        self.assertEqual(self.followers(self.task_allowed), allowed_before, "the restricted member's own task")
        self.assertFalse((restricted | removed).partner_id & self.task_other.message_partner_ids)
        self.assertEqual(self.task_other.user_ids, self.regular, "a member who sees the task stays assigned")
        Task = self.env["project.task"]
        self.assertFalse(Task.with_user(restricted).search([("id", "=", self.task_other.id)]))
        self.assertFalse(Task.with_user(removed).search([("project_id", "=", self.project.id)]))
        task = Task.with_user(self.regular).create({"name": "After the upgrade", "project_id": self.project.id})
        self.assertFalse(Task.with_user(restricted).search([("id", "=", task.id)]))
