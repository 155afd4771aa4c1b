"""Approved hours to Xero Payroll (issue 26): NZ, UK and AU organisations, through xero-python against the sandbox."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from odoo.addons.xero_timesync.ownership import owned_writes
from odoo.addons.xero_timesync.services.payroll import PayrollCalendar, PayrollClient

from .common import XeroSandboxCase

TIMESHEETS = "/payroll.xro/2.0/Timesheets"


class TestXeroPayroll(XeroSandboxCase):
    sandbox_options = {"contacts": 2, "seed": 7, "orgs": 4}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tenants = {t["tenant_id"]: cls.sandbox.control.payroll(t["tenant_id"])["region"] for t in cls.sandbox.tenants}
        cls.orgs = {}
        for region in ("NZ", "UK", "AU"):
            tenant = next(t for t, r in tenants.items() if r == region)
            company = cls.env.company if region == "NZ" else cls.env["res.company"].create({"name": f"Co {region}"})
            cls.env.user.company_ids |= company
            company.xero_payroll_enabled = True  # before the consent: the payroll scopes are asked
            connection = cls.connect(company=company, tenant_ids=[tenant])
            Employee = cls.env["hr.employee"].with_company(company)
            people = {
                "aroha": Employee.create(
                    {"name": "A. Ngata", "work_email": "Aroha.Ngata@example.com", "company_id": company.id}
                ),
                "bridget": Employee.create({"name": "Bridget  Lowe", "company_id": company.id}),
                "zed": Employee.create({"name": "Zed Nobody", "company_id": company.id}),
            }
            Matching = cls.env["xero.payroll.employee"].with_company(company)
            Matching.action_xero_payroll_refresh()
            rows = Matching.search([("connection_id", "=", connection.id)])
            rate = cls.env["xero.payroll.rate"].search(
                [("connection_id", "=", connection.id), ("name", "=", "Ordinary Hours")]
            )
            company.xero_payroll_ordinary_rate_id = rate
            cls.orgs[region] = {
                "tenant": tenant,
                "company": company,
                "connection": connection,
                "people": people,
                "rows": rows,
                "task": cls.xero_tasks(connection, active=True)[0],
            }
        today = fields.Date.context_today(cls.env["res.users"])
        cls.monday = today - timedelta(days=today.weekday()) - timedelta(days=7)  # last week: a closed pay period

    def setUp(self):
        super().setUp()
        for org in self.orgs.values():  # the admin confirms the proposals (by e-mail, by name)
            org["rows"].filtered("employee_id").action_confirm()

    def hours(self, org, who, day, hours):
        return (
            self.env["account.analytic.line"]
            .with_company(org["company"])
            .create(
                {
                    "name": "Work",
                    "project_id": org["task"].project_id.id,
                    "task_id": org["task"].id,
                    "employee_id": org["people"][who].id,
                    "unit_amount": hours,
                    "date": self.monday + timedelta(days=day),
                }
            )
        )

    def push(self, org):
        with self.clients_sleep():
            return self.env["xero.job"]._xero_ensure_cron(org["connection"], "payroll")._xero_run("manual")

    def stored(self, org):
        return self.sandbox.control.payroll(org["tenant"])["timesheets"]

    def test_matching_proposes_by_email_then_name_and_never_guesses(self):
        rows = self.orgs["NZ"]["rows"]
        people = self.orgs["NZ"]["people"]
        by_name = {r.name: r for r in rows}
        self.assertEqual(by_name["Aroha Ngata"].employee_id, people["aroha"])
        self.assertEqual(by_name["Aroha Ngata"].proposed_by, "email")
        self.assertEqual(by_name["Bridget Lowe"].employee_id, people["bridget"])
        self.assertEqual(by_name["Bridget Lowe"].proposed_by, "name")
        self.assertFalse(by_name["Charles Okafor"].employee_id)
        self.assertEqual(len(self.env["xero.payroll.rate"].search([("company_id", "=", rows.company_id.id)])), 2)

    def test_each_region_gets_one_draft_timesheet_per_employee_exactly_once(self):
        lines = {}
        for region, org in self.orgs.items():
            lines[region] = (
                self.hours(org, "aroha", 0, 8.0) | self.hours(org, "aroha", 0, 1.5) | self.hours(org, "aroha", 2, 7.0)
            )
            self.hours(org, "bridget", 4, 6.0)
            lines[region + "zed"] = self.hours(org, "zed", 1, 5.0)
        # the NZ organisation's first answer is lost: the retry with the same Idempotency-Key is replayed
        self.sandbox.control.inject_fault("POST", TIMESHEETS, "drop", tenant=self.orgs["NZ"]["tenant"])
        for region, org in self.orgs.items():
            log = self.push(org)
            self.assertEqual(log.state, "done", f"{region}: {log.message}")
            self.assertIn("Zed Nobody", log.message)
            self.assertTrue(log.summary.startswith("2 timesheets sent"), log.summary)
            stored = self.stored(org)
            self.assertEqual(len(stored), 2, region)
            by_employee = {t["employee_id"]: t for t in stored}
            aroha = org["rows"].filtered(lambda r, o=org: r.employee_id == o["people"]["aroha"]).xero_employee_id
            self.assertEqual(by_employee[aroha]["status"], "Draft")
            self.assertEqual(by_employee[aroha]["start_date"], self.monday.isoformat())
            self.assertEqual(sorted(line["units"] for line in by_employee[aroha]["lines"]), [7.0, 9.5], region)
            self.assertEqual(lines[region].xero_payroll_timesheet_id.xero_timesheet_id, by_employee[aroha]["id"])
            self.assertFalse(lines[region + "zed"].xero_payroll_timesheet_id)  # held, never guessed
        self.assertEqual(len(self.sandbox.control.faults()), 0)  # the drop was used
        for region, org in self.orgs.items():  # again: nothing more
            log = self.push(org)
            self.assertEqual(len(self.stored(org)), 2, region)
            self.assertIn("0 timesheets sent", log.message)

    def test_lost_run_is_not_doubled(self):
        """Every retry of the create loses its answer: the run fails (its record undone with it); the next run is
        refused a second timesheet for the period and takes over the one Xero holds."""
        org = self.orgs["UK"]
        line = self.hours(org, "bridget", 1, 4.0)
        self.sandbox.control.inject_fault("POST", TIMESHEETS, "drop", count=5, tenant=org["tenant"])
        self.assertEqual(self.push(org).state, "failed")
        self.assertEqual(len(self.stored(org)), 1)
        self.assertFalse(line.xero_payroll_timesheet_id)
        log = self.push(org)
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(len(self.stored(org)), 1)
        self.assertEqual(line.xero_payroll_timesheet_id.xero_timesheet_id, self.stored(org)[0]["id"])

    def test_corrections_are_revisions_of_the_draft_timesheet(self):
        org = self.orgs["AU"]
        line = self.hours(org, "aroha", 1, 8.0)
        self.push(org)
        (sent,) = self.stored(org)
        record = line.xero_payroll_timesheet_id
        (first,) = record.revision_ids
        self.assertEqual((first.number, first.state, first.hours, first.xero_status), (1, "sent", 8.0, "Draft"))
        self.assertEqual((first.xero_nonce, first.create_uid), (record.xero_nonce, self.env.user))
        # a user may not change sent time; an administrator's correction is revision 2, to Xero's Draft timesheet
        user = new_test_user(
            self.env, "payroll_user", groups="base.group_user", company_id=org["company"].id
        )  # fmt: skip
        with self.assertRaises(UserError):
            line.with_user(user)._check_xero_payroll_lock()
        line.unit_amount = 6.0
        self.hours(org, "aroha", 3, 2.0)
        self.sandbox.control.clear_requests()
        # the answer to the changed line is lost: the retry with the same key is replayed, not applied twice
        self.sandbox.control.inject_fault("PUT", TIMESHEETS, "drop", tenant=org["tenant"])
        self.assertIn("1 corrected", self.push(org).message)
        (corrected,) = self.stored(org)
        self.assertEqual(corrected["id"], sent["id"])
        self.assertEqual(sorted(x["units"] for x in corrected["lines"]), [2.0, 6.0])
        first, second = record.revision_ids.sorted("number")
        self.assertEqual((second.number, second.state, second.hours, record.xero_revision), (2, "sent", 8.0, 2))
        self.assertEqual((first.state, first.hours, len(first.lines)), ("sent", 8.0, 1))  # kept as it was
        keys = [
            r["headers"].get("Idempotency-Key")
            for r in self.sandbox.control.requests(path_prefix=TIMESHEETS)
            if r["method"] in ("POST", "PUT")
        ]
        self.assertEqual(len(keys), 3)  # the line added, the line changed and its replayed retry
        self.assertTrue(all(key.startswith(second.xero_nonce) for key in keys), keys)
        self.assertEqual(len(set(keys)), 2)
        with self.assertRaises(AccessError):  # the history is the integration's alone
            first.with_user(self.env.ref("base.user_admin")).write({"hours": 1.0})
        # a pay run took it: Xero's timesheet refuses revision 3, the difference per day is reported (to the admin)
        self.env.ref("base.user_admin").company_ids |= org["company"]
        self.sandbox.control.set_timesheet_status(org["tenant"], sent["id"], "Completed")
        line.unit_amount = 5.0
        log = self.push(org)
        self.assertIn("1 no longer Draft", log.message)
        (kept,) = self.stored(org)
        self.assertEqual(sorted(x["units"] for x in kept["lines"]), [2.0, 6.0])
        third = record._xero_last_revision()
        self.assertEqual((third.number, third.state, third.xero_status, third.hours), (3, "kept", "Completed", 7.0))
        self.assertIn("Odoo 5.0 h, Xero 6.0 h", third.message)
        self.assertIn("Completed", record.message)
        self.assertEqual(record.xero_revision, 2)
        kind = self.env.ref("xero_timesync.mail_activity_type_xero_payroll_kept")
        activities = [("res_model", "=", "xero.connection"), ("res_id", "=", org["connection"].id)]
        activity = self.env["mail.activity"].search([*activities, ("activity_type_id", "=", kind.id)])
        self.assertIn("Odoo 5.0 h, Xero 6.0 h", str(activity.note))
        self.push(org)  # nothing new: no revision more, no activity more
        self.assertEqual(len(record.revision_ids), 3)
        self.assertEqual(self.env["mail.activity"].search([*activities, ("activity_type_id", "=", kind.id)]), activity)

    def test_a_sent_period_read_with_another_end_is_not_emptied(self):
        """A sent timesheet whose period ends elsewhere than the period the calendar gives now for the same start (a
        calendar changed at Xero, a twice-monthly period read from its other half) is that period's record: no
        second, empty pass corrects its hours away at Xero."""
        org = self.orgs["NZ"]
        self.hours(org, "aroha", 0, 8.0)
        self.assertEqual(self.push(org).state, "done")
        record = self.env["xero.payroll.timesheet"].search([("connection_id", "=", org["connection"].id)])
        self.env.flush_all()
        self.env.cr.execute("UPDATE xero_payroll_timesheet SET period_end = period_end + 1 WHERE id = %s", [record.id])
        record.invalidate_recordset()
        self.assertEqual(self.push(org).state, "done")
        (stored,) = [t for t in self.stored(org) if t["id"] == record.xero_timesheet_id]
        self.assertEqual([line["units"] for line in stored["lines"]], [8.0])
        self.assertEqual(record.xero_revision, 1, "nothing corrected")

    def test_only_approved_hours_where_the_company_approves_time(self):
        org = self.orgs["NZ"]
        org["company"].xero_timesheet_approval = True
        approved = self.hours(org, "aroha", 0, 3.0)
        waiting = self.hours(org, "aroha", 1, 4.0)
        with owned_writes():
            approved.sudo().xero_approval_state = "approved"
            waiting.sudo().xero_approval_state = "submitted"
        self.push(org)
        (stored,) = self.stored(org)
        self.assertEqual([x["units"] for x in stored["lines"]], [3.0])
        self.assertTrue(approved.xero_payroll_timesheet_id)
        self.assertFalse(waiting.xero_payroll_timesheet_id)
        with owned_writes():
            waiting.sudo().xero_approval_state = "approved"
        self.push(org)  # approved late: added to the Draft timesheet
        (stored,) = self.stored(org)
        self.assertEqual(sorted(x["units"] for x in stored["lines"]), [3.0, 4.0])
        with owned_writes():  # an administrator unlocked all of it: its hours leave Xero's Draft timesheet
            (approved | waiting).sudo().xero_approval_state = "draft"
        self.push(org)
        (stored,) = self.stored(org)
        self.assertEqual(stored["lines"], [])
        self.assertFalse((approved | waiting).xero_payroll_timesheet_id)

    def test_payroll_scopes_are_asked_only_when_switched_on(self):
        company = self.orgs["UK"]["company"]
        base = [s for s in company._xero_scopes() if not s.startswith("payroll.")]
        self.assertEqual(
            company._xero_scopes(), base + ["payroll.timesheets", "payroll.employees.read", "payroll.settings.read"]
        )
        company.xero_payroll_enabled = False
        self.assertEqual(company._xero_scopes(), base)
        with self.assertRaises(UserError):  # nothing is sent for a company that switched it off
            self.env["xero.payroll.timesheet"].with_company(company).action_xero_payroll_send()

    def test_overtime_rate_and_approval_at_xero(self):
        org = self.orgs["UK"]
        company = org["company"]
        overtime = self.env["xero.payroll.rate"].search(
            [("connection_id", "=", org["connection"].id), ("name", "=", "Overtime Hours")]
        )
        company.write({"xero_payroll_overtime_rate_id": overtime.id, "xero_payroll_overtime_after": 8.0})
        company.xero_payroll_approve = True
        self.hours(org, "bridget", 2, 10.5)
        self.hours(org, "bridget", 3, 7.0)
        self.sandbox.control.clear_requests()
        self.push(org)
        calls = sorted((r["method"], r["path"].rsplit("/", 1)[-1]) for r in self.sandbox.control.requests())
        # one timesheet call per employee and period (plus its approval), the organisation and its calendars
        self.assertEqual(
            calls, [("GET", "Organisation"), ("GET", "PayRunCalendars"), ("POST", "Approve"), ("POST", "Timesheets")]
        )
        (stored,) = self.stored(org)
        self.assertEqual(stored["status"], "Approved")
        record = self.env["xero.payroll.timesheet"].search([("xero_timesheet_id", "=", stored["id"])])
        self.assertEqual(record.revision_ids.mapped("xero_status"), ["Approved"])  # Xero's answer to revision 1
        units = sorted((x["date"], x["earnings_rate_id"] == overtime.xero_rate_id, x["units"]) for x in stored["lines"])
        day = self.monday + timedelta(days=2)
        self.assertEqual(
            units,
            [
                (day.isoformat(), False, 8.0),
                (day.isoformat(), True, 2.5),
                ((day + timedelta(days=1)).isoformat(), False, 7.0),
            ],
        )

    def test_every_calendar_type_gives_its_pay_periods(self):
        day = date(2026, 3, 20)
        expected = {
            ("WEEKLY", date(2026, 3, 2), None): (date(2026, 3, 16), date(2026, 3, 22)),
            ("FORTNIGHTLY", date(2026, 3, 2), None): (date(2026, 3, 16), date(2026, 3, 29)),
            ("FOURWEEKLY", date(2026, 2, 2), None): (date(2026, 3, 2), date(2026, 3, 29)),
            ("MONTHLY", date(2026, 1, 3), None): (date(2026, 3, 3), date(2026, 4, 2)),
            ("QUARTERLY", date(2025, 10, 3), None): (date(2026, 1, 3), date(2026, 4, 2)),
            ("ANNUAL", date(2025, 7, 1), None): (date(2025, 7, 1), date(2026, 6, 30)),
            # Xero's half-monthly periods: 15 days from the start day, then to the day before it next month
            ("TWICEMONTHLY", date(2026, 1, 3), None): (date(2026, 3, 18), date(2026, 4, 2)),
            ("TWICEMONTHLY", date(2026, 1, 3), date(2026, 1, 17)): (date(2026, 3, 18), date(2026, 4, 2)),
            ("TWICEMONTHLY", date(2026, 1, 18), date(2026, 2, 2)): (date(2026, 3, 18), date(2026, 4, 2)),  # 2nd half
            ("TWICEMONTHLY", date(2026, 1, 1), None): (date(2026, 3, 16), date(2026, 3, 31)),
        }
        for (kind, start, end), period in expected.items():
            self.assertEqual(PayrollCalendar("c", "C", kind, start, end).period_of(day), period, (kind, start, end))
        self.assertEqual(PayrollCalendar("c", "C", "TWICEMONTHLY", date(2026, 1, 3)).period_of(date(2026, 3, 5)),
                         (date(2026, 3, 3), date(2026, 3, 17)))  # fmt: skip
        self.assertIsNone(PayrollCalendar("c", "C", "SEMIANNUAL", date(2026, 1, 1)).period_of(day))
        # a 1st-15th / 16th-end calendar announcing the second half of April (15 days, like a first half): read as
        # that calendar's, not as one of 16th-30th and 31st-15th
        april = PayrollCalendar("c", "C", "TWICEMONTHLY", date(2026, 4, 16), date(2026, 4, 30))
        self.assertEqual(april.period_of(date(2026, 4, 5)), (date(2026, 4, 1), date(2026, 4, 15)))
        self.assertEqual(april.period_of(date(2026, 5, 20)), (date(2026, 5, 16), date(2026, 5, 31)))

    def test_twice_monthly_calendars_are_sent_and_one_odoo_cannot_compute_is_shown(self):
        today = fields.Date.context_today(self.env["res.users"])
        day = today - timedelta(days=20)
        anchor = (day.replace(day=1) - timedelta(days=40)).replace(day=3)
        if 3 <= day.day < 18:
            period = (day.replace(day=3), day.replace(day=17))
        elif day.day >= 18:
            period = (day.replace(day=18), (day.replace(day=1) + timedelta(days=32)).replace(day=2))
        else:
            period = ((day.replace(day=1) - timedelta(days=1)).replace(day=18), day.replace(day=2))
        for region in ("NZ", "AU"):
            org = self.orgs[region]
            calendar = self.sandbox.control.add_payroll_calendar(org["tenant"], "TwiceMonthly", anchor.isoformat())
            xero = self.sandbox.control.add_payroll_employee(
                org["tenant"], "Tama", "Half", "tama@example.com", calendar_id=calendar["id"]
            )
            tama = self.env["hr.employee"].create(
                {"name": "Tama H.", "work_email": "tama@example.com", "company_id": org["company"].id}
            )
            org["people"]["tama"] = tama
            self.env["xero.payroll.employee"].with_company(org["company"]).action_xero_payroll_refresh()
            row = self.env["xero.payroll.employee"].search([("xero_employee_id", "=", xero["id"])])
            row.action_confirm()
            self.assertEqual((row.xero_calendar_type, row.calendar_problem), ("TWICEMONTHLY", False))
            line = self.hours(org, "tama", (day - self.monday).days, 6.0)
            self.assertEqual(self.push(org).state, "done")
            (stored,) = [t for t in self.stored(org) if t["employee_id"] == xero["id"]]
            self.assertEqual((stored["start_date"], stored["end_date"]), tuple(p.isoformat() for p in period), region)
            self.assertEqual(line.xero_payroll_timesheet_id.xero_timesheet_id, stored["id"])
        # a calendar type Odoo does not know (a new one at Xero): shown on the matching screen, the run's log and
        # the health panel, its hours never silently skipped
        org = self.orgs["NZ"]
        read = PayrollClient.calendars

        def calendars(payroll):
            return [PayrollCalendar(c.calendar_id, c.name, "SEMIANNUAL" if c.calendar_type == "TWICEMONTHLY"
                                    else c.calendar_type, c.period_start, c.period_end) for c in read(payroll)]  # fmt: skip

        self.hours(org, "tama", (day - self.monday).days + 1, 2.0)
        with patch.object(PayrollClient, "calendars", calendars):
            log = self.push(org)
        self.assertIn("Hours of Tama Half not sent", log.message)
        self.assertIn("“SEMIANNUAL”", log.message)
        row = self.env["xero.payroll.employee"].search([("employee_id", "=", org["people"]["tama"].id)])
        self.assertIn("SEMIANNUAL", row.calendar_problem)
        self.assertEqual(self.env["res.config.settings"].create({}).xero_payroll_uncomputable, 1)
        (stored,) = [t for t in self.stored(org) if t["employee_id"] == row.xero_employee_id]
        self.assertEqual([x["units"] for x in stored["lines"]], [6.0])  # not changed by the new hours

    def test_earnings_rate_per_project_and_task_per_region(self):
        for region, org in self.orgs.items():
            company = org["company"]
            for name in ("Site Hours", "Travel Hours"):
                self.sandbox.control.add_earnings_rate(org["tenant"], name)
            self.env["xero.payroll.employee"].with_company(company).action_xero_payroll_refresh()
            Rate = self.env["xero.payroll.rate"].with_context(active_test=False)
            rates = {r.name: r for r in Rate.search([("connection_id", "=", org["connection"].id)])}
            company.write(
                {"xero_payroll_overtime_rate_id": rates["Overtime Hours"].id, "xero_payroll_overtime_after": 8.0}
            )
            Task = self.env["project.task"].with_company(company)
            project = (
                self.env["project.project"]
                .with_company(company)
                .create({"name": f"Site {region}", "company_id": company.id, "allow_timesheets": True})
            )
            parent = Task.create({"name": "Travel", "project_id": project.id})
            subtask = Task.create({"name": "Drive", "project_id": project.id, "parent_id": parent.id})
            other = Task.create({"name": "Dig", "project_id": project.id})
            Map = self.env["xero.payroll.rate.map"].with_company(company)
            Map.create([{"project_id": project.id, "rate_id": rates["Site Hours"].id},
                        {"project_id": project.id, "task_id": parent.id, "rate_id": rates["Travel Hours"].id}])  # fmt: skip
            user = new_test_user(self.env, f"rates_{region}", groups="base.group_user", company_id=company.id)
            with self.assertRaises(AccessError):
                Map.with_user(user).create({"project_id": project.id, "rate_id": rates["Site Hours"].id})
            self.hours(org, "aroha", 1, 4.0)  # ordinary: the task of the Xero project
            for task, hours in ((other, 3.0), (subtask, 2.0)):
                self.env["account.analytic.line"].with_company(company).create(
                    {"name": "Work", "project_id": project.id, "task_id": task.id, "unit_amount": hours,
                     "employee_id": org["people"]["aroha"].id, "date": self.monday + timedelta(days=1)}
                )  # fmt: skip
            self.assertEqual(self.push(org).state, "done", region)
            (stored,) = self.stored(org)
            names = {r.xero_rate_id: name for name, r in rates.items()}
            units = sorted((names[x["earnings_rate_id"]], x["units"]) for x in stored["lines"])
            # 9 h that day: the hour beyond 8 is overtime, taken from ordinary time first
            expected = [("Ordinary Hours", 3.0), ("Overtime Hours", 1.0), ("Site Hours", 3.0), ("Travel Hours", 2.0)]
            self.assertEqual(units, expected, region)

    def test_health_panel_shows_the_payroll_queue(self):
        org = self.orgs["NZ"]
        self.hours(org, "aroha", 0, 8.0)
        self.hours(org, "aroha", 1, 3.0)
        self.hours(org, "bridget", 2, 5.0)
        self.hours(org, "zed", 2, 5.0)  # held: no Xero Payroll employee
        panel = self.env["res.config.settings"].create({})
        queue = (panel.xero_payroll_queued, panel.xero_payroll_calls, panel.xero_payroll_held)
        self.assertEqual(queue, (2, 4, 1))  # two timesheets, the organisation and the calendars read
        self.assertTrue(panel.xero_payroll_done_by)
        self.sandbox.control.clear_requests()
        self.push(org)
        sent = [r for r in self.sandbox.control.requests(path_prefix=TIMESHEETS) if r["method"] == "POST"]
        self.assertEqual(len(sent), 2)  # what the panel announced
        panel = self.env["res.config.settings"].create({})
        self.assertEqual((panel.xero_payroll_queued, panel.xero_payroll_calls, panel.xero_payroll_refused), (0, 0, 0))
        self.assertFalse(panel.xero_payroll_done_by)
        (stored,) = [t for t in self.stored(org) if t["lines"][0]["units"] == 5.0]
        self.sandbox.control.set_timesheet_status(org["tenant"], stored["id"], "Completed")
        self.hours(org, "bridget", 3, 1.0)
        self.assertEqual(self.env["res.config.settings"].create({}).xero_payroll_queued, 1)
        self.push(org)
        panel = self.env["res.config.settings"].create({})
        self.assertEqual((panel.xero_payroll_queued, panel.xero_payroll_refused), (0, 1))
