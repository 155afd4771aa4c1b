import ast
from pathlib import Path

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_settings_administrators_are_xero_administrators(self):
        manager = self.env.ref("xero_timesync.group_xero_admin")
        admin = self.env.ref("base.user_admin")
        self.assertIn(manager, admin.all_group_ids)
        self.assertIn(manager, self.env.ref("base.group_system").all_implied_ids)

    def test_employees_are_not_xero_administrators(self):
        user = self.env["res.users"].create(
            {"name": "Emma", "login": "emma", "group_ids": [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        self.assertNotIn(self.env.ref("xero_timesync.group_xero_admin"), user.all_group_ids)

    def test_odoo_runner_imports_every_test_module(self):
        """Odoo's runner only sees the modules tests/__init__.py imports; pytest sees every file."""
        folder = Path(__file__).parent
        on_disk = {path.stem for path in folder.glob("test_*.py")}
        tree = ast.parse((folder / "__init__.py").read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        self.assertEqual(on_disk - imported, set(), "add them to xero_timesync/tests/__init__.py")
