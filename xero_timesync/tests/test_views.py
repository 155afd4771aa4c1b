"""What admins, employees and accountants see: the views, pickers, sync log titles and list, and the timer offered
to Xero project members only."""

from datetime import datetime

from lxml import etree

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import XeroSandboxCase
from .timer_common import PASSWORD, TimerFixture


def arch_of(env, model, view_type, view_xmlid=None):
    view_id = env.ref(view_xmlid).id if view_xmlid else False
    views = env[model].get_views([(view_id, view_type)])
    return etree.fromstring(views["views"][view_type]["arch"])


def visible(node, **values):
    expression = node.get("invisible") or node.get("column_invisible") or "False"
    return not safe_eval(expression, values)


@tagged("post_install", "-at_install")
class TestUx(XeroSandboxCase):
    sandbox_options = {"contacts": 5, "seed": 3, "orgs": 2}

    def test_account_pickers_find_and_show_codes(self):
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[self.tenant["tenant_id"]])
        Account = self.env["xero.connect.wizard.account"]
        found = Account.name_search("210", domain=[("wizard_id", "=", wizard.id)])
        self.assertEqual([name for _id, name in found], ["210 Consulting Fees"], "typing the code finds the account")
        for model in ("xero.connect.wizard.account", "xero.invoice.wizard.account"):
            columns = [node.get("name") for node in arch_of(self.env, model, "list").iter("field")]
            self.assertEqual(columns[:2], ["code", "name"], f"Search more… of {model} shows codes")

    def test_progress_bar_shows_the_steps_of_this_consent(self):
        arch = arch_of(self.env, "xero.connect.wizard", "form")
        bars = [node for node in arch.iter("field") if node.get("widget") == "statusbar"]

        def shown(step, tenant_count):
            return [bar.get("statusbar_visible") for bar in bars if visible(bar, step=step, tenant_count=tenant_count)]

        self.assertEqual(
            shown("accounts", 1), ["connect,accounts,review,done"], "one organisation: no Organisation step"
        )
        self.assertEqual(shown("connect", 0), ["connect,accounts,review,done"])
        self.assertEqual(shown("organisation", 2), ["connect,organisation,accounts,review,done"])
        self.assertEqual(shown("error", 1), [], "an error (a Cancel on Xero's page) is not a step after Done")
        wizard = self.start_wizard()
        self.consent(wizard, tenant_ids=[self.tenant["tenant_id"]])
        self.assertEqual((wizard.step, wizard.tenant_count), ("accounts", 1))

    def test_task_form_shows_no_contact_guid(self):
        arch = arch_of(self.env, "project.task", "form")
        [node] = [n for n in arch.iter("field") if n.get("name") == "xero_contact_id"]
        self.assertFalse(visible(node, xero_contact_id="0f8fad5b-d9cb-469f-a165-70867728950e"))

    def test_timer_picker_lists_clients_once_alphabetically(self):
        arch = arch_of(self.env, "project.task", "list", "xero_timesync.xero_timer_task_picker_list")
        self.assertEqual(arch.get("default_order"), "name")
        columns = [n.get("string") or n.get("name") for n in arch.iter("field") if visible(n) and not n.get("optional")]
        self.assertEqual(columns, ["Client"], "the task is named after its client: one column")

    def test_xero_project_opens_its_clients_list_and_cards_on_phones(self):
        connection = self.connect(tenant_ids=[self.tenant["tenant_id"]])
        project = connection.project_id
        action = project.action_view_tasks()
        view_types = [view_type for _id, view_type in action["views"]]
        self.assertEqual(view_types[:2], ["list", "kanban"], "no stage kanban with one folded 'None' column")
        self.assertEqual(action["mobile_view_mode"], "kanban")
        kanban_id = dict((t, i) for i, t in action["views"])["kanban"]
        self.assertEqual(kanban_id, self.env.ref("xero_timesync.xero_client_task_view_kanban").id)
        tasks = self.env["project.task"].search(action["domain"])
        self.assertEqual(tasks, self.xero_tasks(connection, active=True))
        kanban = arch_of(self.env, "project.task", "kanban", "xero_timesync.xero_client_task_view_kanban")
        self.assertTrue(kanban.xpath("//button[@name='action_xero_timer_start']"), "a card starts the timer")
        other = self.env["project.project"].create({"name": "Not Xero"})
        self.assertEqual(other.action_view_tasks()["res_model"], "project.task")
        self.assertNotEqual(other.action_view_tasks().get("mobile_view_mode"), None)

    def test_sync_logs_button_reads_sync_logs_then_the_count(self):
        arch = arch_of(self.env, "res.config.settings", "form")
        [button] = arch.xpath("//button[@name='action_xero_open_logs']")
        first = button[0]
        self.assertEqual((first.tag, first.text), ("span", "Sync logs"), "not “1 Sync logs”: the label, then the count")


def list_columns(env, xmlid):
    view = env.ref(xmlid)
    arch = etree.fromstring(env[view.model].get_views([(view.id, "list")])["views"]["list"]["arch"])
    return [n for n in arch.iter("field") if n.get("column_invisible") not in ("1", "True")]


@tagged("post_install", "-at_install")
class TestSyncLogViews(TransactionCase):
    def test_sync_log_title_reads_trigger_and_local_time(self):
        connection = self.env["xero.connection"].create(
            {"company_id": self.env.company.id, "tenant_id": "t-views", "tenant_name": "Demo"}
        )
        log = self.env["xero.sync.log"].create(
            {"connection_id": connection.id, "trigger": "cron", "started_at": datetime(2026, 12, 6, 13, 3)}
        )
        self.env.user.tz = "Europe/Brussels"
        self.env.user.lang = "en_US"
        log.invalidate_recordset(["display_name"])
        self.assertEqual(log.with_context(tz="Europe/Brussels").display_name, "Hourly sync — 6 Dec 2026 14:03")
        self.assertEqual(
            log.with_context(tz="Pacific/Auckland").display_name,
            "Hourly sync — 7 Dec 2026 02:03",
            "the reader's timezone",
        )
        log.trigger = "manual"
        self.assertTrue(log.with_context(tz="UTC").display_name.startswith("Forced sync — 6 Dec 2026 13:03"))

    def test_sync_log_list_reads_as_one_outcome_not_six_narrow_counts(self):
        shown = [
            n.get("name")
            for n in list_columns(self.env, "xero_timesync.xero_sync_log_view_list")
            if n.get("optional") != "hide"
        ]
        self.assertIn("summary", shown, "one readable outcome column")
        for count in ("created_count", "updated_count", "archived_count", "restored_count", "refused_count"):
            self.assertNotIn(count, shown, f"{count} is available (optional) but not squeezed in by default")


@tagged("post_install", "-at_install")
class TestTimerOffered(TimerFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_timer_data()
        cls.outsider = new_test_user(
            cls.env, login="outsider", password=PASSWORD, name="Olga Outsider", groups="base.group_user"
        )
        cls.env["xero.project.member"].search([("user_id", "=", cls.outsider.id)]).unlink()
        cls.portal = new_test_user(
            cls.env, login="porter", password=PASSWORD, name="Pat Portal", groups="base.group_portal"
        )

    def session_info(self, login):
        self.authenticate(login, PASSWORD)
        return self.make_jsonrpc_request("/web/session/get_session_info", {})

    def test_timer_is_offered_to_members_only(self):
        self.assertTrue(self.session_info("tim")["xero_timer"], "a member of the Xero project")
        self.assertFalse(self.session_info("outsider")["xero_timer"], "an internal user of no Xero project")
        self.assertFalse(self.env["ir.http"].with_user(self.portal)._xero_timer_available(), "a portal user")

    def test_timer_icon_hidden_for_a_user_who_cannot_use_it(self):
        self.start_tour("/odoo", "xero_timer_not_offered", login="outsider")
        self.start_tour("/odoo", "xero_timer_offered", login="tim")

    def test_timer_picker_has_no_checkboxes(self):
        self.start_tour(
            "/odoo/action-hr_timesheet.act_hr_timesheet_line", "xero_timer_picker_has_no_checkboxes", login="tim"
        )
