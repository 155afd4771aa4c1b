"""Xero Projects (issue 26): approved time of the clients billed there goes to a Xero project per client as time
entries, exactly once, edits and deletions following; one place bills; through xero-python against the sandbox."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tests import TransactionCase, new_test_user

from .. import const
from ..ownership import owned_writes
from .common import query_of
from .invoice_common import XeroInvoiceMixin

AROHA = "aroha.ngata@example.com"  # one of the sandbox's projects users
BEN = "ben.unknown@example.com"  # nobody in Xero Projects


class TestXeroProjects(XeroInvoiceMixin, TransactionCase):
    @classmethod
    def connect(cls, company=None, tenant_ids=None):
        (company or cls.env.company).xero_projects = True  # before the consent: the grant has the projects scope
        return super().connect(company, tenant_ids)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ana.work_email = AROHA
        cls.ben.work_email = BEN
        cls.partner.xero_billed_by = "xero_projects"
        cls.Entry = cls.env["xero.projects.entry"]

    def push(self):
        with self.clients_sleep():
            return self.run_job("projects")

    def pending_line(self):
        """A line whose every answer was lost: its entry waits, pending, with its nonce and body."""
        self.timesheet(0.5, day=date(2026, 3, 3))
        self.push()  # the client's project and task exist
        line = self.timesheet(1.0, name="Before")
        time_path = f"/projects.xro/2.0/Projects/{self.partner.xero_projects_project_id}/Time"
        self.sandbox.control.inject_fault("POST", time_path, "drop", count=10)
        self.assertEqual(self.push().state, "failed")
        return line

    def stored_time(self):
        return {e["timeEntryId"]: e for e in self.sandbox.control.projects(self.tenant_id)["time_entries"]}

    def entry(self, line):
        return self.Entry.search([("line_id", "=", line.id), ("state", "!=", "deleted")])

    def xero_writes(self):
        return [
            r for r in self.sandbox.control.requests("/projects.xro/2.0") if r["method"] in ("POST", "PUT", "DELETE")
        ]

    def test_projects_scope_is_asked_only_when_switched_on(self):
        scopes = query_of(self.start_wizard().action_connect()["url"])["scope"].split()
        self.assertIn("projects", scopes)
        self.company.xero_projects = False
        scopes = query_of(self.start_wizard().action_connect()["url"])["scope"].split()
        self.assertNotIn("projects", scopes)
        # switched on without a reconnect, the grant lacks the scope: nothing is sent (and the connection stays)
        self.company.xero_projects = True
        self.connection.sudo().token_id.scope = "offline_access accounting.contacts accounting.invoices"
        self.timesheet(1.0)
        self.sandbox.control.clear_requests()
        log = self.push()
        self.assertEqual(log.state, "done")
        self.assertFalse(self.sandbox.control.requests("/projects.xro/2.0"))
        self.assertFalse(self.stored_time())
        self.assertEqual(self.connection.state, "connected")

    def test_a_lost_answer_is_replayed_never_doubled(self):
        first = self.timesheet(1.5, name="Discovery")
        log = self.push()
        self.assertEqual(log.state, "done", log.message)
        (stored,) = self.stored_time().values()
        self.assertEqual((stored["duration"], stored["description"]), (90, "Discovery"))
        self.assertEqual(stored["dateUtc"], "2026-03-02T00:00:00Z")
        self.assertEqual(self.entry(first).xero_time_entry_id, stored["timeEntryId"])
        project_id = self.partner.xero_projects_project_id
        self.assertEqual(self.sandbox.control.projects(self.tenant_id)["projects"][0]["contactId"],
                         self.partner.xero_contact_id.lower())  # fmt: skip
        time_path = f"/projects.xro/2.0/Projects/{project_id}/Time"

        # one answer lost: the client's retry replays the Idempotency-Key
        second = self.timesheet(2.0, day=date(2026, 3, 3))
        self.sandbox.control.inject_fault("POST", time_path, "drop", count=1)
        self.assertEqual(self.push().state, "done")
        self.assertEqual(len(self.stored_time()), 2)
        self.assertEqual(self.entry(second).state, "pushed")

        # every answer of a run lost: the entry waits with its nonce, the next run replays it
        third = self.timesheet(0.5, day=date(2026, 3, 4))
        self.sandbox.control.inject_fault("POST", time_path, "drop", count=10)
        self.assertEqual(self.push().state, "failed")
        entry = self.entry(third)
        self.assertEqual(entry.state, "pending")
        nonce = entry.nonce
        self.assertEqual(len(self.stored_time()), 3)  # made at Xero, the answer lost
        self.sandbox.control.clear_faults()
        self.assertEqual(self.push().state, "done")
        stored = self.stored_time()
        self.assertEqual(len(stored), 3)
        self.assertEqual((entry.state, entry.nonce), ("pushed", nonce))
        self.assertEqual(stored[entry.xero_time_entry_id]["duration"], 30)
        # nothing left to send: a run writes nothing
        self.sandbox.control.clear_requests()
        self.push()
        self.assertFalse(self.xero_writes())

    def test_edits_and_deletions_follow_while_xero_allows(self):
        edited = self.timesheet(1.0, name="Draft")
        deleted = self.timesheet(0.5, day=date(2026, 3, 3))
        invoiced = self.timesheet(0.25, day=date(2026, 3, 4))
        self.push()
        entries = {line: self.entry(line) for line in (edited, deleted, invoiced)}
        self.sandbox.control.set_time_entry_status(self.tenant_id, entries[invoiced].xero_time_entry_id, "INVOICED")
        edited.write({"unit_amount": 2.0, "name": "Workshop"})
        invoiced.unit_amount = 1.0
        deleted.unlink()
        log = self.push()
        stored = self.stored_time()
        self.assertEqual(len(stored), 2)
        self.assertEqual(
            (
                stored[entries[edited].xero_time_entry_id]["duration"],
                stored[entries[edited].xero_time_entry_id]["description"],
            ),
            (120, "Workshop"),
        )
        self.assertEqual(entries[deleted].state, "deleted")
        self.assertNotIn(entries[deleted].xero_time_entry_id, stored)
        # Xero keeps invoiced time: reported, never forced
        self.assertEqual(stored[entries[invoiced].xero_time_entry_id]["duration"], 15)
        self.assertEqual(entries[invoiced].state, "refused")
        self.assertIn("INVOICED", entries[invoiced].message)
        self.assertIn("1 updated, 1 deleted", log.message)
        self.assertIn("1 refused", log.message)
        # the accountant's button runs the same job; other users may not
        clerk = new_test_user(self.env, "xero_clerk", groups="base.group_user", company_id=self.company.id)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(clerk).action_xero_push_projects()
        with self.clients_sleep():
            action = self.env["res.partner"].with_user(self.accountant).action_xero_push_projects()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self.stored_time()), 2)

    def test_a_batch_reads_each_client_project_once(self):
        """New lines go a client at a time: the read before a batch costs one call per client project in it, as
        the health panel's queue counts them."""
        self.task2.partner_id.xero_billed_by = "xero_projects"
        for day in range(2, 5):  # the two clients' days interleaved
            self.timesheet(1.0, day=date(2026, 3, day))
            self.timesheet(1.0, day=date(2026, 3, day), task=self.task2)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.xero_projects_queued, 6 + 1 + 1)  # the entries, one batch, the second client
        self.sandbox.control.clear_requests()
        self.push()
        reads = [r for r in self.sandbox.control.requests("/projects.xro/2.0") if r["method"] == "GET"]
        self.assertEqual(sum(r["path"].endswith("/Time") for r in reads), 2)
        self.assertEqual(len(self.stored_time()), 6)

    def test_an_edit_made_while_a_call_waited_for_its_replay_follows(self):
        """A call whose answer was lost is replayed later with the body it carried; an edit of the line made in
        between (more than the comparison's overlap before the replay) still reaches Xero at the next run."""
        line = self.pending_line()
        self.assertEqual(self.entry(line).state, "pending")
        self.sandbox.control.clear_faults()
        line.write({"unit_amount": 2.0, "name": "After"})
        Projects = type(self.env["xero.projects"])
        later = self.env.cr.now() + timedelta(hours=1)  # the replay runs an hour after the edit
        with patch.object(Projects, "_xero_synced_at", lambda self: later - timedelta(minutes=5)):
            self.assertEqual(self.push().state, "done")
        self.assertEqual(self.entry(line).state, "pushed")
        self.push()  # the next run compares the line with what the replay sent
        stored = self.stored_time()[self.entry(line).xero_time_entry_id]
        self.assertEqual((stored["duration"], stored["description"]), (120, "After"))

    def test_an_entry_prepared_before_the_upgrade_follows_its_edits(self):
        """An entry a run before 19.0.1.10.0 left pending has no ``synced_at`` (the send wrote it then): sent now,
        its line's later edits still reach Xero."""
        line = self.pending_line()
        entry = self.entry(line)
        self.assertEqual(entry.state, "pending")
        self.sandbox.control.clear_faults()
        self.env.flush_all()
        self.env.cr.execute("UPDATE xero_projects_entry SET synced_at = NULL WHERE id = %s", [entry.id])
        entry.invalidate_recordset()
        self.assertEqual(self.push().state, "done")
        self.assertEqual(entry.state, "pushed")
        line.write({"unit_amount": 2.0, "name": "After"})
        self.push()
        stored = self.stored_time()[entry.xero_time_entry_id]
        self.assertEqual((stored["duration"], stored["description"]), (120, "After"))

    def test_a_run_lost_with_its_records_is_taken_over_not_doubled(self):
        """A server killed after Xero made the time entries loses the run's records with its transaction: the
        next run finds its own entries at Xero (same person, task, day, minutes, description) and takes them
        over; a second identical line still gets its own entry, and time typed in Xero itself is left alone."""
        first = self.timesheet(1.5, name="Discovery")
        second = self.timesheet(0.5, day=date(2026, 3, 3), name="Call")
        self.push()
        made = {self.entry(line).xero_time_entry_id for line in (first, second)}
        self.Entry.search([("line_id", "in", (first | second).ids)]).unlink()  # what the killed run leaves
        twin = self.timesheet(1.5, name="Discovery")  # the same work logged twice: two entries at Xero
        project_id = self.partner.xero_projects_project_id
        task_id = self.sandbox.control.projects(self.tenant_id)["time_entries"][0]["taskId"]
        user_id = self.sandbox.control.projects(self.tenant_id)["time_entries"][0]["userId"]
        with self.env["xero.service"]._xero_calls(self.connection) as client:  # typed in Xero Projects itself
            typed = client.create_time_entry(
                project_id,
                {"userId": user_id, "taskId": task_id, "dateUtc": "2026-03-02T00:00:00Z", "duration": 45,
                 "description": "Typed in Xero"},
                "typed-in-xero",
            )  # fmt: skip
        self.sandbox.control.clear_requests()
        self.assertEqual(self.push().state, "done")
        self.assertEqual({self.entry(line).xero_time_entry_id for line in (first, second)}, made)
        self.assertEqual([r["method"] for r in self.xero_writes()], ["POST"])  # the twin's entry only
        stored = self.stored_time()
        self.assertEqual(len(stored), 4)
        self.assertNotIn(self.entry(twin).xero_time_entry_id, made | {typed})
        self.assertFalse(self.Entry.search([("xero_time_entry_id", "=", typed)]))

    def test_time_deleted_in_xero_is_reported_not_made_again(self):
        line = self.timesheet(1.0)
        self.push()
        entry = self.entry(line)
        with self.env["xero.service"]._xero_calls(self.connection) as client:
            client.delete_time_entry(entry.xero_project_id, entry.xero_time_entry_id)
        line.unit_amount = 2.0
        # the hourly safety net wakes the organisation's projects job, which finds the change
        self.env["xero.projects"]._cron_xero_push_projects()
        job = self.env["xero.job"].search([("connection_id", "=", self.connection.id), ("flow", "=", "projects")])
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", job.sudo().cron_id.id)]))
        self.assertEqual(self.push().state, "done")
        self.assertFalse(self.stored_time())
        self.assertEqual(entry.state, "refused")
        self.assertIn("deleted in Xero", entry.message)

    def test_one_place_bills(self):
        there = self.timesheet(3.0)
        here = self.timesheet(1.0, task=self.task2)  # a client billed in Odoo
        self.push()
        self.assertEqual(len(self.stored_time()), 1)
        self.assertFalse(self.entry(here))
        # Odoo never invoices the time of a client billed by Xero Projects
        wizard = self.wizard(self.partner)
        self.assertFalse(wizard.timesheet_ids)
        with self.assertRaises(UserError):
            wizard.action_create_invoice()
        self.assertFalse(there.sudo().xero_billed_move_line_id)
        self.assertEqual(self.wizard(self.task2.partner_id).timesheet_ids, here)
        # switched back to Odoo: its time is Odoo's to bill only once Xero has deleted it
        self.partner.xero_billed_by = "odoo"
        Line = self.env["account.analytic.line"]
        invoiceable = Line._xero_invoiceable_domain(self.company)
        self.assertFalse(Line.search(Domain("id", "=", there.id) & invoiceable))
        self.push()
        self.assertFalse(self.stored_time())
        self.task.xero_hourly_rate = 100.0
        move = self.invoice_time(self.partner)
        self.assertEqual(there.sudo().xero_billed_move_id, move)

    def test_unmatched_people_are_held_and_only_approved_time_goes(self):
        self.company.xero_timesheet_approval = True
        held = self.timesheet(1.0, employee=self.ben)
        gone = self.timesheet(0.5, employee=self.ben, day=date(2026, 3, 3))
        draft = self.timesheet(2.0)
        with owned_writes():
            (held | gone).xero_approval_state = "approved"
        log = self.push()
        self.assertFalse(self.stored_time())
        self.assertFalse(self.entry(draft))
        entry = self.entry(held)
        self.assertEqual(entry.state, "held")
        self.assertIn(BEN, entry.message)
        self.assertIn("2 held", log.message)
        gone.unlink()
        settings = self.env["res.config.settings"].create({})
        self.assertEqual((settings.xero_projects_held, settings.xero_projects_queued), (1, 0))
        with owned_writes():
            draft.xero_approval_state = "approved"
        # one time entry to create: its call, and the read of what Xero holds before its batch
        self.assertEqual(self.env["res.config.settings"].create({}).xero_projects_queued, 2)
        user = self.sandbox.control.add_projects_user(self.tenant_id, "Ben", BEN)
        self.push()
        stored = self.stored_time()
        self.assertEqual(len(stored), 2)
        self.assertEqual(stored[entry.xero_time_entry_id]["userId"], user["userId"].lower())
        self.assertEqual(entry.state, "pushed")
        self.assertFalse(self.Entry.search([("state", "=", "held")]))  # the deleted line's is forgotten

    def test_the_days_budget_paces_the_push_without_a_429(self):
        """Xero's day limit is the organisation's budget: the job sends until the day's is spent and stops as
        paced (partial, not a failure: a long push at a small tier fails no run), sends nothing more that day,
        resumes the next; Xero never answers 429 and no entry goes twice."""
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_DAILY_LIMIT, "6")
        self.env["xero.rate.budget"].search([]).unlink()
        self.sandbox.control.set_rate_limits(day=6)  # Xero's counters reset too: the same day on both sides
        for n in range(5):
            self.timesheet(0.5, name=f"Call {n}")
        # day 1: the users, the project, the task, a look at what Xero holds, then 2 of the 5 entries
        runs = [self.push(), self.push(), self.push()]
        self.assertEqual([log.state for log in runs], ["partial"] * 3, runs[0].message)
        self.assertIn("tomorrow", runs[0].message)
        self.assertEqual([log.api_calls for log in runs], [6, 0, 0], "the day spent, nothing is sent")
        self.assertEqual(len(self.stored_time()), 2)
        self.assertEqual(self.job("projects").failures, 0, "three runs stopped by the day's limit, none failed")
        # the next day (UTC) on both sides
        self.env.cr.execute("UPDATE xero_rate_budget SET day = day - 1")
        self.env.invalidate_all()
        self.sandbox.control.set_rate_limits(day=6)
        log = self.push()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(sorted(e["description"] for e in self.stored_time().values()), [f"Call {n}" for n in range(5)])
        self.assertFalse([r for r in self.sandbox.control.requests() if r["status"] == 429])

    def test_done_by_at_the_organisation_tier(self):
        Projects = self.env["xero.projects"]
        now = datetime(2026, 3, 2, 10, 0)
        # 10,000 entries: Starter's 1,000 a day takes ten days, the 5,000 tier two
        self.assertEqual(Projects._xero_done_by(10000, 1000, 0, now), datetime(2026, 3, 11, 0, 17))
        self.assertEqual(Projects._xero_done_by(10000, 5000, 0, now), datetime(2026, 3, 3, 1, 24))
        self.assertEqual(Projects._xero_done_by(120, 5000, 4950, now), datetime(2026, 3, 3, 0, 2))
        self.assertEqual(Projects._xero_done_by(120, 5000, 0, now), datetime(2026, 3, 2, 10, 2))
