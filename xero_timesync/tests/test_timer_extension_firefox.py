"""The browser extension (extension/ at the repository's top) installed from its folder into headless Firefox
(a temporary add-on, as about:debugging installs it) and driven through its options page and popup against
this test's Odoo server, over WebDriver BiDi (Firefox's own remote agent)."""

import json
import pathlib
import shutil

from odoo.tests import HttpCase, tagged

from .extension_journey import EXTENSION, Browser, ExtensionJourney, Socket, script

ADDON_ID = "xero-timer@xero-timesync"  # the manifest's browser_specific_settings.gecko.id
ADDON_UUID = "6f1d0f3e-58c4-4a5e-9b57-3f7c2a9d41b0"  # pinned in the profile: the moz-extension:// origin
PREFS = {
    "extensions.webextensions.uuids": json.dumps({ADDON_ID: ADDON_UUID}),
    # no request leaves the machine: everything but 127.0.0.1 (never proxied) goes to a closed port
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 1,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 1,
}


class Tab:
    """One browsing context of the BiDi session."""

    def __init__(self, firefox, context):
        self.firefox = firefox
        self.context = context

    def js(self, expression):
        result = self.firefox.send(
            "script.evaluate",
            expression=script(expression),
            target={"context": self.context},
            awaitPromise=True,
            userActivation=True,
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise AssertionError(details["exception"].get("value") or details["text"])
        return json.loads(result["result"]["value"])

    def type(self, selector, text):
        """Focus a field and type into it key by key, as a person does."""
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        keys = [{"type": kind, "value": char} for char in text for kind in ("keyDown", "keyUp")]
        self.firefox.send(
            "input.performActions", context=self.context, actions=[{"type": "key", "id": "keyboard", "actions": keys}]
        )

    def close(self):
        self.firefox.send("browsingContext.close", context=self.context)


class Firefox(Browser):
    """A headless Firefox of its own with the extension installed from its folder, as a temporary add-on."""

    name = "Firefox"

    def __init__(self, test):
        super().__init__(test)
        server = pathlib.Path(self.profile, "WebDriverBiDiServer.json")
        port = self.until(lambda: server.exists() and json.loads(server.read_text() or "{}").get("ws_port"), "BiDi")
        self.bidi = Socket(f"ws://127.0.0.1:{port}/session")
        test.addCleanup(self.bidi.close)
        self.send("session.new", capabilities={})
        installed = self.send("webExtension.install", extensionData={"type": "path", "path": str(EXTENSION)})
        test.assertEqual(installed["extension"], ADDON_ID)
        self.extension_url = f"moz-extension://{ADDON_UUID}"

    def command(self, test):
        executable = shutil.which("firefox-esr") or shutil.which("firefox")
        if not executable:  # a skipped test fails ./dev test, which installs firefox-esr
            test.skipTest("Firefox is not installed")
        user_js = "".join(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n" for name, value in PREFS.items())
        pathlib.Path(self.profile, "user.js").write_text(user_js)
        return [executable, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", self.profile]

    def send(self, method, **params):
        return self.bidi.send(method, **params)

    def open(self, page):
        context = self.send("browsingContext.create", type="tab")["context"]
        self.send("browsingContext.navigate", context=context, url=f"{self.extension_url}/{page}", wait="complete")
        return Tab(self, context)

    def background(self, expression):
        """Run in the extension's background page (an event page in Firefox), reached from one of its tabs."""
        tab = self.open("options.html")
        try:
            return tab.js(f"const {{ XeroOdoo }} = await browser.runtime.getBackgroundPage(); {expression}")
        finally:
            tab.close()


@tagged("post_install", "-at_install")
class TestTimerExtensionFirefox(ExtensionJourney, HttpCase):
    def test_popup_with_an_api_key_in_step_with_the_web_client(self):
        key = self.new_api_key()
        browser = Firefox(self)
        host_access = browser.background(
            f"return await XeroOdoo.ext.permissions.contains({{ origins: [{json.dumps(self.base_url() + '/*')}] }})"
        )
        self.assertTrue(host_access, "the manifest's host permissions are granted at install")
        self.connect(browser, key)

        popup = browser.open("popup.html")
        self.start_from_search(popup)
        popup.close()

        self.switch_in_the_web_client(browser)
        self.describe_and_stop(browser)
        self.revoke(browser)
