"""The browser extension (extension/ at the repository's top) loaded unpacked into headless Chromium and driven
through its options page and popup against this test's Odoo server, over the Chrome DevTools Protocol."""

import json
import pathlib

import requests

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from .extension_journey import EXTENSION, WAIT, Browser, ExtensionJourney, Socket, script


class Page(Socket):
    """One DevTools target (a tab or the extension's service worker)."""

    def js(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=script(expression), awaitPromise=True, returnByValue=True, userGesture=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise AssertionError(details.get("exception", {}).get("description") or details["text"])
        return json.loads(result["result"]["value"])

    def type(self, selector, text):
        """Focus a field and type into it key by key, as a person does."""
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        for char in text:
            self.send("Input.insertText", text=char)


class Chromium(Browser):
    """A headless Chromium of its own with the extension loaded unpacked."""

    name = "Chromium"

    def __init__(self, test):
        super().__init__(test)
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        self.port = self.until(lambda: port_file.exists() and port_file.read_text().split("\n")[0], "DevTools port")
        worker = self.until(self._extension_worker, "the extension's service worker")
        self.extension_url = worker["url"].rsplit("/", 1)[0]
        self.worker = Page(worker["webSocketDebuggerUrl"])

    def command(self, test):
        return [
            _find_executable(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no lookup leaves the machine
            f"--user-data-dir={self.profile}",
            f"--load-extension={EXTENSION}",
            f"--disable-extensions-except={EXTENSION}",
            "about:blank",
        ]

    def _targets(self):
        return requests.get(f"http://127.0.0.1:{self.port}/json/list", timeout=WAIT).json()

    def _extension_worker(self):
        return next(
            (t for t in self._targets() if t["type"] == "service_worker" and t["url"].startswith("chrome-extension:")),
            None,
        )

    def background(self, expression):
        return self.worker.js(expression)

    def open(self, page):
        target = requests.put(f"http://127.0.0.1:{self.port}/json/new?{self.extension_url}/{page}", timeout=WAIT)
        return self._loaded(Page(target.json()["webSocketDebuggerUrl"]), page)

    def _loaded(self, page, what):
        loaded = "return location.protocol === 'chrome-extension:' && document.readyState === 'complete'"

        def ready():
            try:
                return page.js(loaded)
            except AssertionError:  # the first document went away while asked
                return False

        self.until(ready, what)
        return page

    def visit(self, url):
        """The first tab goes to ``url`` (a site the consultant works on; it need not load)."""
        first = next(t for t in self._targets() if t["type"] == "page")
        tab = Page(first["webSocketDebuggerUrl"])
        tab.send("Page.navigate", url=url)
        tab.close()

    def open_popup(self):
        """Click the toolbar button, as it were: the popup opens over the active tab."""
        self.worker.js("await chrome.action.openPopup()")
        popup = self.until(
            lambda: next((t for t in self._targets() if t["url"] == f"{self.extension_url}/popup.html"), None),
            "the popup",
        )
        return self._loaded(Page(popup["webSocketDebuggerUrl"]), "the popup loaded")


@tagged("post_install", "-at_install")
class TestTimerExtension(ExtensionJourney, HttpCase):
    def test_popup_with_an_api_key_in_step_with_the_web_client(self):
        key = self.new_api_key()
        browser = Chromium(self)
        self.connect(browser, key)

        # the toolbar popup, over the site of a client: it suggests that client
        with self.allow_requests(all_requests=True):
            browser.visit("http://portal.acme.test/jobs/42")
            popup = browser.open_popup()
            suggested = popup.js(
                "await waitFor(() => !suggested.hidden, 'a suggestion');"
                "return [site.textContent, [...suggestions.querySelectorAll('button')].map((b) => b.textContent)]"
            )
        self.assertEqual(suggested, ["portal.acme.test", ["Acme Plumbing"]])
        self.start_from_search(popup)
        popup.close()

        self.switch_in_the_web_client(browser)
        self.describe_and_stop(browser)
        self.revoke(browser)
