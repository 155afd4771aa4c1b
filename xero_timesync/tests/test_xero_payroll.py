"""Approved hours to Xero Payroll (issue 26): NZ, UK and AU organisations, through xero-python against the sandbox."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from odoo.addons.xero_timesync.ownership import owned_writes

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

    def test_corrections_go_to_draft_never_to_a_timesheet_xero_moved_on(self):
        org = self.orgs["AU"]
        line = self.hours(org, "aroha", 1, 8.0)
        self.push(org)
        (sent,) = self.stored(org)
        # a user may not change sent time; an administrator's correction goes to Xero's Draft timesheet
        user = new_test_user(
            self.env, "payroll_user", groups="base.group_user", company_id=org["company"].id
        )  # fmt: skip
        with self.assertRaises(UserError):
            line.with_user(user)._check_xero_payroll_lock()
        line.unit_amount = 6.0
        self.hours(org, "aroha", 3, 2.0)
        self.push(org)
        (corrected,) = self.stored(org)
        self.assertEqual(corrected["id"], sent["id"])
        self.assertEqual(sorted(x["units"] for x in corrected["lines"]), [2.0, 6.0])
        # a pay run took it: Xero's timesheet is never overwritten, the difference is reported
        self.sandbox.control.set_timesheet_status(org["tenant"], sent["id"], "Completed")
        line.unit_amount = 5.0
        log = self.push(org)
        self.assertIn("1 no longer Draft", log.message)
        (kept,) = self.stored(org)
        self.assertEqual(sorted(x["units"] for x in kept["lines"]), [2.0, 6.0])
        self.assertIn("Completed", line.xero_payroll_timesheet_id.message)

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
