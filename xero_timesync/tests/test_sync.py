import time
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged

from odoo.addons.xero_timesync import const

from .common import XeroSandboxCase, load_migration


@tagged("post_install", "-at_install")
class TestContactSync(XeroSandboxCase):
    sandbox_options = {"contacts": 30, "seed": 12, "orgs": 1}  # seed 12: every kind of contact within 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()  # every test starts from this imported state

    def sync(self, trigger="manual"):
        return self.env["xero.contact.sync"]._xero_sync(self.connection, trigger)

    def add_contacts(self, count, prefix):
        for i in range(count):
            self.sandbox.control.add_contact(self.tenant_id, name=f"{prefix} {i:02d}")

    @contextmanager
    def after_each_page(self, action):
        """Run ``action()`` right after each page is imported (to change Xero mid-run)."""
        Sync = self.env.registry["xero.contact.sync"]
        original = Sync._import_contacts

        def import_then_act(sync, connection, project, contacts):
            counts = original(sync, connection, project, contacts)
            action()
            return counts

        with patch.object(Sync, "_import_contacts", import_then_act):
            yield

    def task_of(self, contact_id):
        return (
            self.env["project.task"]
            .with_context(active_test=False)
            .search([("xero_contact_id", "=", contact_id), ("xero_connection_id", "=", self.connection.id)])
        )

    def test_first_import_covers_every_kind_of_contact(self):
        contacts = self.sandbox.control.contacts(self.tenant_id)
        tasks = self.xero_tasks(self.connection)
        self.assertEqual(len(tasks), len(contacts))
        by_id = {t.xero_contact_id: t for t in tasks}
        for contact in contacts:
            task = by_id[contact["ContactID"]]
            self.assertEqual(task.name, contact["Name"])
            self.assertEqual(task.partner_id.name, contact["Name"])
            self.assertEqual(task.partner_id.email or None, contact.get("EmailAddress") or None)
            self.assertEqual(task.active, contact["ContactStatus"] == "ACTIVE")
            self.assertTrue(task.partner_id.active, "archived contacts keep an active client")
            self.assertTrue(task.partner_id.is_company)
            self.assertEqual(task.project_id, self.connection.project_id)
        names = [c["Name"] for c in contacts]
        self.assertTrue(any(len(n) >= 500 for n in names), "seed has very long names")
        self.assertTrue(any(not n.isascii() for n in names), "seed has unicode names")
        self.assertLess(len(set(names)), len(names), "seed has duplicate names")
        self.assertTrue(any(not c.get("EmailAddress") for c in contacts), "seed has contacts without email")
        self.assertEqual(len(tasks.partner_id), len(contacts), "duplicate names stay distinct clients")

    def test_no_change_run_is_one_call_and_changes_nothing(self):
        log = self.sync()
        self.assertEqual(log.state, "done")
        self.assertEqual(log.api_calls, 1)
        self.assertEqual((log.created_count, log.updated_count, log.archived_count, log.restored_count), (0, 0, 0, 0))

    def test_rename_archive_restore_cycle(self):
        control = self.sandbox.control
        active = [c for c in control.contacts(self.tenant_id) if c["ContactStatus"] == "ACTIVE"]
        renamed, archived = active[0], active[1]
        timesheet_task = self.task_of(archived["ContactID"])
        control.rename_contact(self.tenant_id, renamed["ContactID"], "Renamed Ltd")
        control.archive_contact(self.tenant_id, archived["ContactID"])
        created = control.add_contact(self.tenant_id, name="Brand New Client", email="new@example.com")
        log = self.sync()
        self.assertEqual((log.created_count, log.updated_count, log.archived_count), (1, 1, 1), log.message)
        self.assertEqual(self.task_of(renamed["ContactID"]).name, "Renamed Ltd")
        self.assertEqual(self.task_of(renamed["ContactID"]).partner_id.name, "Renamed Ltd")
        self.assertFalse(timesheet_task.active)
        self.assertTrue(timesheet_task.partner_id.active)
        self.assertEqual(self.task_of(created["ContactID"]).partner_id.email, "new@example.com")
        control.restore_contact(self.tenant_id, archived["ContactID"])
        log = self.sync()
        self.assertEqual(log.restored_count, 1)
        self.assertTrue(timesheet_task.active)
        self.assertEqual(len(self.xero_tasks(self.connection)), len(control.contacts(self.tenant_id)))

    def test_incremental_runs_fetch_only_changes_since_the_watermark(self):
        self.sandbox.control.add_contact(self.tenant_id, name="Only This One")
        self.sync()
        request = self.sandbox.control.requests("/api.xro/2.0/Contacts")[-1]
        headers = {k.lower(): v for k, v in request["headers"].items()}
        self.assertIn("if-modified-since", headers)
        self.assertIn("includeArchived=true", request["query"].replace("True", "true"))

    def test_interrupted_run_resumes_without_losing_or_duplicating(self):
        control = self.sandbox.control
        self.add_contacts(25, "Paged")
        break_xero = partial(control.inject_fault, "GET", "/api.xro/2.0/Contacts", "error", count=20, status=500)
        with patch.object(const, "CONTACTS_PAGE_SIZE", 10), self.after_each_page(break_xero):
            failed = self.sync()
            self.assertEqual(failed.state, "failed")
            self.assertIn("resumes", failed.message)
        self.assertEqual(self.connection.sync_resume_page, 2, "page 1 was kept")
        control.clear_faults()
        with patch.object(const, "CONTACTS_PAGE_SIZE", 10):
            resumed = self.sync()
        self.assertEqual(resumed.state, "done", resumed.message)
        self.assertEqual(failed.created_count + resumed.created_count, 25)
        self.assertEqual(len(self.xero_tasks(self.connection)), len(control.contacts(self.tenant_id)))
        self.assertEqual(self.connection.sync_resume_page, 0)

    def test_rate_limit_storm_waits_retry_after_then_finishes(self):
        control = self.sandbox.control
        self.add_contacts(25, "Limited")
        control.set_rate_limits(minute=2)
        waits = []

        def fake_sleep(seconds):  # time passes at the sandbox instead of here
            waits.append(seconds)
            control.set_clock_offset(sum(waits) + 1)

        with patch.object(const, "CONTACTS_PAGE_SIZE", 10), self.clients_sleep(fake_sleep):
            log = self.sync()
        self.assertEqual(log.state, "done", log.message)
        self.assertTrue(waits and all(0 < w <= 61 for w in waits), waits)
        self.assertEqual(log.created_count, 25)

    def test_daily_limit_fails_the_run_cleanly(self):
        self.sandbox.control.set_rate_limits(day=0)
        log = self.sync()
        self.assertEqual(log.state, "failed")
        self.assertIn("rate limit", log.message)
        self.assertEqual(self.connection.state, "connected")

    def test_token_expiry_mid_run_refreshes_and_continues(self):
        self.add_contacts(15, "Expiring")
        # after the first page, every access token issued so far is dead at Xero
        expire_tokens = partial(self.sandbox.control.set_clock_offset, 2 * 3600)
        with patch.object(const, "CONTACTS_PAGE_SIZE", 10), self.after_each_page(expire_tokens):
            log = self.sync()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.created_count, 15)
        self.assertEqual(self.connection.state, "connected")

    def test_the_lock_lives_as_long_as_the_run_transaction(self):
        sync = self.env["xero.contact.sync"]
        key = sync._lock_key(self.connection)
        self.assertEqual(self.sync("manual").state, "done")
        with db_connect(self.env.cr.dbname).cursor() as other:  # another worker's database session
            other.execute("SELECT pg_try_advisory_lock(%s)", [key])
            self.assertFalse(other.fetchone()[0], "released when this transaction ends, not when the run returns")

    def test_a_second_run_is_skipped_while_another_worker_holds_the_lock(self):
        company = self.env["res.company"].create({"name": "Busy Co"})
        busy = self.env["xero.connection"].sudo().create({"company_id": company.id, "tenant_id": "busy"})
        sync = self.env["xero.contact.sync"]
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_try_advisory_lock(%s)", [sync._lock_key(busy)])
            self.assertTrue(other.fetchone()[0])
            skipped = self.env["xero.contact.sync"]._xero_sync(busy, "cron")
            other.execute("SELECT pg_advisory_unlock(%s)", [sync._lock_key(busy)])
        self.assertEqual(skipped.state, "skipped")
        self.assertIn("Another synchronization", skipped.message)

    def test_each_organisation_has_its_own_job(self):
        job = self.connection.sudo().sync_cron_id
        self.assertTrue(job.active)
        self.assertIn(self.tenant["name"], job.name)
        other_company = self.env["res.company"].create({"name": "Broken Co"})
        broken = self.env["xero.connection"].sudo().create({"company_id": other_company.id, "tenant_id": "nope"})
        self.connection.last_sync_log_id.started_at -= timedelta(hours=1)  # due again
        self.env["xero.contact.sync"]._cron_xero_sync_contacts()  # the hourly safety net
        self.assertTrue(broken.sync_cron_id, "every connected organisation gets its job")
        for connection in self.connection | broken:
            woken = self.env["ir.cron.trigger"].search([("cron_id", "=", connection.sync_cron_id.id)])
            self.assertTrue(woken, "due organisations are woken, each on its own job")
        self.env["xero.contact.sync"]._cron_xero_sync_connection(self.connection.id)
        self.assertEqual((self.connection.last_sync_log_id.trigger, self.connection.last_sync_state), ("cron", "done"))
        self.env["xero.contact.sync"]._cron_xero_sync_connection(broken.id)
        self.assertEqual(broken.last_sync_state, "failed", "its failure is its own")

    def test_force_synchronization_reports_the_result(self):
        self.sandbox.control.add_contact(self.tenant_id, name="Forced")
        action = self.connection.action_xero_force_sync()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 created", action["params"]["message"])

    def test_force_synchronization_where_people_log_time(self):
        self.sandbox.control.add_contact(self.tenant_id, name="From the menu")
        action = self.env.ref("xero_timesync.xero_force_sync_server_action").run()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.task_of(self.sandbox.control.contacts(self.tenant_id)[-1]["ContactID"]))
        action = self.connection.project_id.action_xero_force_sync()
        self.assertEqual(self.connection.last_sync_log_id.trigger, "manual")
        self.assertIn("0 created", action["params"]["message"])
        employee = new_test_user(self.env, "employee_force", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.connection.project_id.with_user(employee).action_xero_force_sync()

    def test_a_long_interactive_import_continues_in_the_background(self):
        self.add_contacts(25, "Background")
        cron = self.connection.sudo().sync_cron_id
        with patch.object(const, "CONTACTS_PAGE_SIZE", 10):
            log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual", time_budget=0)
        self.assertEqual(log.state, "partial")
        self.assertEqual(log.pages, 1)
        self.assertEqual(self.connection.sync_resume_page, 2)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "its job takes over")
        self.assertEqual(self.connection.last_sync_summary, log.summary)
        with patch.object(const, "CONTACTS_PAGE_SIZE", 10):
            rest = self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        self.assertEqual(rest.state, "done")
        self.assertEqual(log.created_count + rest.created_count, 25)

    def test_imported_structure_is_read_only_for_users(self):
        user = new_test_user(self.env, "regular", groups="base.group_user")
        admin = new_test_user(
            self.env, "settings_admin", groups="base.group_user,base.group_system,project.group_project_manager"
        )
        member = self.connection.project_id.xero_member_ids.filtered(lambda m: m.user_id == user)
        self.assertTrue(member, "users created later are assigned to the Xero project")
        self.assertTrue(user.has_group("xero_timesync.group_xero_member"))
        task = self.xero_tasks(self.connection, active=True)[0]
        other_project = self.env["project.project"].create({"name": "Elsewhere"})
        for vals in ({"name": "Hacked"}, {"project_id": other_project.id}, {"active": False}):
            with self.assertRaisesRegex(UserError, "imported from Xero"):
                task.with_user(user).write(vals)
            with self.assertRaisesRegex(UserError, "imported from Xero"):
                task.with_user(admin).write(vals)  # administrators too: only the sync changes structure
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            task.with_user(admin).unlink()
        task.with_user(user).write({"description": "<p>Call before noon</p>"})
        subtask = self.env["project.task"].with_user(user).create({"name": "Prepare report", "parent_id": task.id})
        self.assertEqual(subtask.parent_id, task)
        self.assertEqual(task.name, task.partner_id.name)

    def test_watermark_advances_only_on_complete_runs(self):
        before = self.connection.contacts_watermark
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Contacts", "error", count=10, status=503)
        self.assertEqual(self.sync().state, "failed")
        self.assertEqual(self.connection.contacts_watermark, before)
        self.sandbox.control.clear_faults()
        time.sleep(1)
        self.assertEqual(self.sync().state, "done")
        self.assertGreater(self.connection.contacts_watermark, before)

    def test_imported_tasks_have_no_assignee(self):
        """Issue 12, defect 2: whoever runs the import (the admin's Force synchronization from a task view,
        whose context asks Odoo to assign the current user; OdooBot for the cron) is not made the assignee."""
        admin = self.env.ref("base.user_admin")
        self.add_contacts(2, "Unassigned")
        ui_context = {"default_user_ids": [(4, admin.id)], "default_personal_stage_type_ids": [(4, 0)]}
        self.connection.with_user(admin).with_context(**ui_context).action_xero_force_sync()
        self.add_contacts(1, "Cron")
        self.env["xero.contact.sync"]._xero_sync(self.connection, "cron")
        tasks = self.xero_tasks(self.connection)
        self.assertTrue(tasks.filtered(lambda t: t.name.startswith(("Unassigned", "Cron"))))
        self.assertFalse(tasks.user_ids, "imported tasks are nobody's")

    def test_migration_unassigns_the_importer_from_imported_tasks(self):
        admin = self.env.ref("base.user_admin")
        colleague = new_test_user(self.env, "assigned_by_hand", groups="base.group_user")
        tasks = self.xero_tasks(self.connection)[:3]
        self.env.cr.execute("UPDATE project_task SET create_uid = %s WHERE id IN %s", [admin.id, tuple(tasks.ids)])
        tasks.write({"user_ids": [(4, admin.id)]})  # what the import did
        tasks[0].write({"user_ids": [(4, colleague.id)]})  # a person assigned by hand since
        own = self.env["project.task"].create({"name": "Not imported", "project_id": self.connection.project_id.id})
        own.write({"user_ids": [(4, self.env.uid)]})
        self.env.flush_all()

        self.migrate("19.0.1.1.0", "19.0.1.0.0")

        self.assertEqual(tasks[0].user_ids, colleague, "hand-made assignments stay")
        self.assertFalse(tasks[1:].user_ids)
        self.assertEqual(own.user_ids, self.env.user, "tasks not imported are untouched")

    def migrate(self, version, from_version):
        load_migration(version, "post-migrate").migrate(self.env.cr, from_version)
        self.env.invalidate_all()

    def test_migration_moves_the_jobs_to_the_contact_sync(self):
        safety_net = self.env.ref("xero_timesync.ir_cron_xero_sync_contacts")
        job = self.connection.sudo().sync_cron_id
        before = self.env["ir.model"]._get_id("xero.connection")
        (safety_net | job).write({"model_id": before})  # where 19.0.1.2.0 kept them
        orphan = job.copy({"active": False})  # its connection row was deleted without unlink(): no link to it
        orphan.code = "model._cron_xero_sync_connection(999999)"

        self.migrate("19.0.1.3.0", "19.0.1.2.0")

        self.assertEqual((safety_net.model_id.model, job.model_id.model), ("xero.contact.sync",) * 2)
        self.assertEqual(safety_net.code, "model._cron_xero_sync_contacts()")
        self.assertEqual(job.code, f"model._cron_xero_sync_connection({self.connection.id})")
        job.ir_actions_server_id.run()  # what the scheduler runs, in this transaction
        self.assertEqual(self.connection.last_sync_log_id.trigger, "cron", "the moved job runs")
        self.assertEqual(orphan.model_id.model, "xero.contact.sync", "an orphan job still finds its method")
        orphan.ir_actions_server_id.run()  # nothing to synchronize, no error
