"""The shipped .pot is what Odoo's exporter produces now (./dev i18n regenerates it)."""

import ast
import difflib
import io
import re
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import code_translations, trans_export

from odoo.addons.xero_timesync.services.errors import XeroAuthError
from odoo.addons.xero_timesync.services.values import XeroEndpoints
from odoo.addons.xero_timesync.services.xero_client import XeroClient

ADDON = Path(__file__).resolve().parents[1]
POT = ADDON / "i18n" / "xero_timesync.pot"
HEADER_DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.MULTILINE)


def _without_dates(text):
    return HEADER_DATES.sub("", text)


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_the_pot_file_is_current(self):
        buffer = io.BytesIO()
        self.assertTrue(trans_export(None, ["xero_timesync"], buffer, "po", self.env))
        fresh = _without_dates(buffer.getvalue().decode())
        self.assertTrue(POT.exists(), f"{POT} is missing: run ./dev i18n")
        shipped = _without_dates(POT.read_text())
        if fresh != shipped:
            diff = difflib.unified_diff(
                shipped.splitlines(), fresh.splitlines(), "shipped xero_timesync.pot", "fresh export", lineterm=""
            )
            self.fail("xero_timesync.pot is stale: run ./dev i18n and commit it\n" + "\n".join(list(diff)[:60]))

    def test_no_bare_translation_inside_a_comprehension(self):
        """``_()`` finds the language in its caller's frame: inside a comprehension or a lambda (a frame of its
        own since Python 3.11 has no ``self``) it finds none, and the text stays English (with a warning). There,
        ``self.env._()`` is used."""
        scopes = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
        found = []
        for path in ADDON.rglob("*.py"):
            if "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, scopes):
                    found += [
                        f"{path.relative_to(ADDON)}:{call.lineno}"
                        for call in ast.walk(node)
                        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "_"
                    ]
        self.assertEqual(found, [])

    def test_service_errors_carry_a_code_and_a_translatable_message(self):
        self.assertIn('msgid "Xero does not know this record."', POT.read_text())
        client = XeroClient(XeroEndpoints("http://login", "http://identity", "http://api"), "id", "secret")
        with self.assertRaises(XeroAuthError) as caught:
            client._ensure_fresh_token()
        error = caught.exception
        self.assertEqual(error.code, "no_token")
        self.assertEqual(str(error), "This connection has no token; enable the integration again.")
        self.assertEqual(error.message_for(self.env), str(error))

    def test_service_messages_follow_the_language(self):
        source = "This connection has no token; enable the integration again."
        catalogue = code_translations.python_translations
        key = ("xero_timesync", "fr_FR")
        saved = catalogue.get(key)
        self.addCleanup(lambda: catalogue.__setitem__(key, saved) if saved is not None else catalogue.pop(key, None))
        catalogue[key] = {source: "Cette connexion n'a pas de jeton."}
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.assertRaises(XeroAuthError) as caught:
            XeroClient(XeroEndpoints("http://l", "http://i", "http://a"), "id", "secret")._ensure_fresh_token()
        error = caught.exception
        self.assertEqual(error.message_for(self.env(context={"lang": "fr_FR"})), "Cette connexion n'a pas de jeton.")
        self.assertEqual(error.message_for(self.env(context={"lang": "en_US"})), source)
