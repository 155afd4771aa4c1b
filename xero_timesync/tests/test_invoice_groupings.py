"""The invoice the client expects, and billable time (issue 25): groupings, the time's descriptions, each
client's choices remembered, non-billable time never invoiced, and where each rate comes from."""

from datetime import date

import lxml.html

from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin

DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)


@tagged("post_install", "-at_install")
class TestInvoiceGroupings(XeroInvoiceMixin, XeroSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project.xero_hourly_rate = 100
        cls.task2.partner_id = cls.partner  # a second task of the same client

        # created after the integration was enabled: Regular members of the Xero project
        def member(login):
            user = new_test_user(cls.env, login=login, groups="base.group_user", name=login.title())
            cls.env["hr.employee"].create({"name": user.name, "user_id": user.id, "company_id": cls.company.id})
            return user

        cls.employee, cls.manager = member("xts_employee"), member("xts_manager")
        cls.project.xero_member_ids.filtered(lambda m: m.user_id == cls.manager).role = "manager"

    def day_of_time(self):
        """Ana 1 h and Ben 0:30 on the task on day 1, Ana 2 h on the second task on day 2."""
        return (
            self.timesheet(1, day=DAY1, name="Design")
            + self.timesheet(0.5, day=DAY1, employee=self.ben, name="Review")
            + self.timesheet(2, day=DAY2, task=self.task2, name="Build")
        )

    def lines_of(self, move):
        lines = move.invoice_line_ids.sorted("sequence")
        return [(line.name, line.quantity) for line in lines]

    # -- groupings ---------------------------------------------------------------------------------
    def test_each_grouping_makes_its_lines(self):
        lines = self.day_of_time()
        both_days = f"{DAY1} – {DAY2}"
        expected = {
            "task": [(f"{self.task.display_name} (2026-03-02)", 1.5), (f"{self.task2.display_name} (2026-03-03)", 2)],
            "project": [(f"{self.project.display_name} ({both_days})", 3.5)],
            "employee": [(f"Ana ({both_days})", 3), ("Ben (2026-03-02)", 0.5)],
            "day": [("Time on 2026-03-02", 1.5), ("Time on 2026-03-03", 2)],
            "entry": [
                ("2026-03-02 – Ana: Design", 1),
                ("2026-03-02 – Ben: Review", 0.5),
                ("2026-03-03 – Ana: Build", 2),
            ],
            "one": [(f"Time ({both_days})", 3.5)],
        }
        wizard = self.wizard()
        self.assertEqual(wizard.timesheet_ids, lines)
        for grouping, groups in expected.items():
            with self.subTest(grouping=grouping):
                wizard.grouping = grouping
                got = [(group["name"], group["hours"]) for group in wizard._xero_groups(lines)]
                self.assertEqual(got, groups)
                self.assertEqual((wizard.line_count, wizard.hours_total, wizard.amount_total), (len(groups), 3.5, 350))

    def test_per_entry_one_line_per_timesheet_and_the_pdf_matches_the_invoice(self):
        lines = self.day_of_time()
        lines[2].name = "/"  # Odoo's "no description": the task says what was done
        move = self.invoice_time(grouping="entry")
        self.assertEqual(
            self.lines_of(move),
            [
                ("2026-03-02 – Ana: Design", 1),
                ("2026-03-02 – Ben: Review", 0.5),
                (f"2026-03-03 – Ana: {self.task2.display_name}", 2),
            ],
        )
        invoice_lines = move.invoice_line_ids.sorted("sequence")
        self.assertEqual([line.xero_billed_move_line_id for line in lines], list(invoice_lines), "one line each")
        self.assertEqual(move.amount_untaxed, 350)
        html = self.env["ir.actions.report"]._render_qweb_html("xero_timesync.action_report_xero_timesheets", move.ids)[
            0
        ]
        tree = lxml.html.fromstring(html)

        def cells(css_class):
            return [
                " ".join(cell.text_content().split()) for cell in tree.xpath(f"//*[contains(@class, '{css_class}')]")
            ]

        self.assertEqual(cells("o_xero_line_name"), invoice_lines.mapped("name"), "one section per invoice line")
        self.assertEqual(cells("o_xero_line_hours"), ["1:00", "0:30", "2:00"])
        self.assertEqual(cells("o_xero_billed"), ["1:00", "0:30", "2:00"], "one timesheet per section")
        self.assertEqual(cells("o_xero_total"), ["3:30"])

    # -- descriptions ------------------------------------------------------------------------------
    def test_descriptions_of_the_time_under_each_label_distinct_and_cut(self):
        long = "Migrated the ledger " * 20  # 400 characters
        self.timesheet(1, day=DAY1, name="Design")
        self.timesheet(1, day=DAY1, employee=self.ben, name="  Design ")  # the same, spaced otherwise
        self.timesheet(1, day=DAY2, name=long)
        self.timesheet(1, day=DAY2, name="/")
        move = self.invoice_time(grouping="task", show_descriptions=True)
        name = move.invoice_line_ids.name
        label, *details = name.split("\n")
        self.assertEqual(label, f"{self.task.display_name} ({DAY1} – {DAY2})")
        self.assertEqual(details[0], "- Design", "each description once")
        self.assertEqual(len(details), 2, "no line for a timesheet without description")
        self.assertTrue(details[1].endswith("…"))
        self.assertEqual(len(details[1]), len("- ") + 200, "a description is cut to 200 characters")
        self.assertEqual(move.invoice_line_ids.quantity, 4)
        (section,) = move._xero_timesheet_sections()
        self.assertEqual(section["name"], label, "the PDF's section: the label, its rows the descriptions")
        self.assertEqual(len(section["rows"]), 4)

    def test_many_descriptions_stop_at_a_readable_length(self):
        lines = self.env["account.analytic.line"]
        for index in range(40):
            lines += self.timesheet(0.25, day=DAY1, name=f"Step {index:02d}: " + "x" * 90)
        wizard = self.wizard(grouping="one", show_descriptions=True)
        (group,) = wizard._xero_groups(lines)
        details = group["details"].split("\n")
        self.assertEqual(details[-1], f"… and {40 - len(details) + 1} more")
        self.assertLess(len(group["details"]), 1700)
        self.assertEqual(details[0], "- Step 00: " + "x" * 90, "in the time's order")
        wizard.show_descriptions = False
        self.assertEqual(wizard._xero_groups(lines)[0]["details"], "", "only when the accountant asks")

    # -- the client's choices ----------------------------------------------------------------------
    def test_the_clients_grouping_rounding_and_descriptions_are_its_next_invoices_defaults(self):
        self.company.xero_invoice_rounding = "0"
        wizard = self.wizard()
        self.assertEqual((wizard.grouping, wizard.rounding, wizard.show_descriptions), ("task", "0", False))
        self.timesheet(7 / 60, day=DAY1)
        self.timesheet(1, day=DAY2)
        move = self.invoice_time(grouping="day", rounding="15", show_descriptions=True)
        self.assertEqual(move.xero_invoice_rounding, "15", "the invoice's rounding, not the company's")
        self.assertEqual(self.lines_of(move)[0][1], 0.25, "7 minutes billed as 15")
        self.assertEqual(sorted(move.invoice_line_ids.xero_timesheet_ids.mapped("xero_billed_hours")), [0.25, 1.0])
        self.assertEqual(
            (
                self.partner.xero_invoice_grouping,
                self.partner.xero_invoice_rounding,
                self.partner.xero_invoice_descriptions,
            ),
            ("day", "15", True),
            "remembered on the client",
        )
        wizard = self.wizard()
        self.assertEqual((wizard.grouping, wizard.rounding, wizard.show_descriptions), ("day", "15", True))
        # a client following the company's rounding keeps following it
        other_task = self.xero_tasks(self.connection, active=True)[2]
        other = other_task.partner_id
        self.company.xero_invoice_rounding = "6"
        self.assertEqual(self.wizard(other).rounding, "6")
        self.timesheet(1, day=DAY1, task=other_task)
        self.assertEqual(self.invoice_time(other).xero_invoice_rounding, "6")
        self.assertFalse(other.xero_invoice_rounding, "created with the defaults: nothing to remember")
        self.assertFalse(other.xero_invoice_grouping)

    def test_the_accountant_edits_the_clients_choices_on_its_form(self):
        client = self.partner.with_user(self.accountant)
        client.write({"xero_invoice_grouping": "entry", "xero_invoice_rounding": "6"})
        wizard = self.wizard()
        self.assertEqual((wizard.grouping, wizard.rounding), ("entry", "6"))
        with self.assertRaises(AccessError):
            self.partner.with_user(self.employee).xero_invoice_grouping = "one"
        self.assertEqual(self.partner.xero_invoice_grouping, "entry")

    # -- billable or not ---------------------------------------------------------------------------
    def test_non_billable_time_is_tracked_never_invoiced(self):
        self.task2.xero_billable = False
        billable = self.timesheet(1, day=DAY1)
        off_task = self.timesheet(2, day=DAY1, task=self.task2)
        off_line = self.timesheet(3, day=DAY1, xero_billable=False)
        self.assertFalse(off_task.xero_billable, "a non-billable task's time is non-billable")
        Line = self.env["account.analytic.line"]
        invoiceable = Line.search(
            Line._xero_invoiceable_domain(self.company) & Domain("id", "in", (billable | off_task | off_line).ids)
        )
        self.assertEqual(invoiceable, billable)
        self.assertEqual(self.wizard().timesheet_ids, billable)
        self.assertEqual(self.wizard(billable | off_task | off_line).timesheet_ids, billable, "not offered")
        wizard = self.wizard(timesheet_ids=[(6, 0, (billable | off_line).ids)])
        with self.assertRaisesRegex(UserError, "cannot be invoiced here"):
            wizard.action_create_invoice()
        self.assertFalse((billable | off_line).sudo().xero_billed_move_line_id)
        move = self.invoice_time()
        self.assertEqual(move.invoice_line_ids.quantity, 1)
        self.assertFalse((off_task | off_line).sudo().xero_billed_move_line_id)
        groups = Line._read_group(
            [("id", "in", (billable | off_task | off_line).ids)], ["xero_billable"], ["unit_amount:sum"]
        )
        self.assertEqual(dict(groups), {True: 1, False: 5}, "reported apart")

    def test_who_decides_what_is_billable(self):
        task = self.task.with_user(self.employee)
        with self.assertRaisesRegex(AccessError, "Only the managers of the Xero project"):
            task.xero_billable = False
        self.assertTrue(self.task.xero_billable)
        self.task.with_user(self.manager).xero_billable = False
        self.assertFalse(self.task.xero_billable)
        self.task.with_user(self.manager).xero_billable = True

        Line = self.env["account.analytic.line"].with_user(self.employee)
        own = Line.create({"name": "Mine", "task_id": self.task.id, "unit_amount": 1})
        with self.assertRaisesRegex(AccessError, "Only the managers of the Xero project"):
            own.xero_billable = False
        with self.assertRaisesRegex(AccessError, "Only the managers of the Xero project"):
            Line.create({"name": "Mine", "task_id": self.task.id, "unit_amount": 1, "xero_billable": False})
        self.assertTrue(own.xero_billable)
        self.company.xero_timesheet_employee_nonbillable = True
        own.xero_billable = False
        own.xero_billable = True  # back, as its task is billable
        self.assertTrue(own.xero_billable)
        self.task2.xero_billable = False
        other = Line.create({"name": "Mine", "task_id": self.task2.id, "unit_amount": 1})
        with self.assertRaisesRegex(AccessError, "is not billable"):
            other.xero_billable = True
        self.assertFalse(other.xero_billable)
        other.with_user(self.manager).xero_billable = True  # the manager bills it
        self.assertTrue(other.xero_billable)

    def test_moved_time_and_new_subtasks_follow_their_task_unless_someone_who_decides_says_otherwise(self):
        self.task2.xero_billable = False
        Line = self.env["account.analytic.line"].with_user(self.employee)
        own = Line.create({"name": "Mine", "task_id": self.task.id, "unit_amount": 1})
        own.write({"task_id": self.task2.id, "xero_billable": False})  # what the form sends: the task's default
        self.assertFalse(own.xero_billable)
        own.task_id = self.task
        self.assertTrue(own.xero_billable, "moved back: billable as its task")
        own.with_user(self.manager).xero_billable = False
        with self.assertRaisesRegex(AccessError, "Only the managers of the Xero project"):
            own.write({"task_id": self.task.id, "xero_billable": True})  # not a move: a decision
        self.assertFalse(own.xero_billable)

        Task = self.env["project.task"].with_user(self.employee)
        subtask = Task.create({"name": "Follow-up", "parent_id": self.task2.id, "project_id": self.project.id})
        self.assertFalse(subtask.xero_billable, "a subtask starts as its parent")
        self.assertFalse(Line.create({"name": "Sub", "task_id": subtask.id, "unit_amount": 1}).xero_billable)
        with self.assertRaisesRegex(AccessError, "Only the managers of the Xero project"):
            Task.create(
                {"name": "Billed", "parent_id": self.task2.id, "project_id": self.project.id, "xero_billable": True}
            )

    # -- where the rate comes from -----------------------------------------------------------------
    def test_the_rate_says_where_it_comes_from(self):
        self.project.xero_hourly_rate = 0
        self.company.xero_default_hourly_rate = 50
        subtask = self.env["project.task"].create(
            {"name": "Sub", "project_id": self.project.id, "parent_id": self.task.id}
        )
        line = self.timesheet(1, day=DAY1).with_user(self.accountant)
        on_subtask = self.timesheet(1, day=DAY1, task=subtask).with_user(self.accountant)
        self.assertRegex(line.xero_rate_source, r"50\.00/h company default$")
        self.ana.xero_hourly_rate = 90
        line.invalidate_recordset(["xero_rate_source"])
        self.assertRegex(line.xero_rate_source, r"90\.00/h from the employee$")
        self.project.xero_hourly_rate = 120
        line.invalidate_recordset(["xero_rate_source"])
        self.assertRegex(line.xero_rate_source, r"120\.00/h from the project$")
        self.task.xero_hourly_rate = 150
        (line | on_subtask).invalidate_recordset(["xero_rate_source"])
        self.assertRegex(line.xero_rate_source, r"150\.00/h from the task$")
        self.assertRegex(on_subtask.xero_rate_source, r"150\.00/h from the task$", "its parent task's")
        wizard = self.wizard()
        self.assertRegex(wizard.rate_sources, r"150\.00/h from the task: 2\.0 h$")
        self.assertEqual(
            wizard._xero_rates_with_source(line | on_subtask), {line.id: (150, "task"), on_subtask.id: (150, "task")}
        )
        self.assertEqual(wizard._xero_rates(line), {line.id: 150}, "the rates alone, as before")
