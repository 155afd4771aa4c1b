"""The timesheet PDF attached to Xero invoices is safe whatever the text, and never fails a push (issue 21, item 4).

User text (timesheet descriptions, employee names) and Xero text (contact and task names) are hostile: markup
in them stays text in both renderers (the QWeb report through wkhtmltopdf, the reportlab fallback), makes no
renderer fetch anything (a local listener counts the requests) and puts no link into the PDF. A renderer that
fails anyway leaves the invoice pushed once, the PDF reported and retried.
"""

import io
import os
import threading
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from PIL import Image

from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import XeroSandboxCase
from .test_money_payments import XeroMoneyMixin

SYNC_LOGGER = "odoo.addons.xero_timesync.models.xero_invoice_sync"


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    return buffer.getvalue()


class _Listener(ThreadingHTTPServer):
    """Answers every request with a 1-pixel PNG and remembers its path."""

    daemon_threads = True

    def __init__(self):
        self.paths = []
        png = _png()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler):  # noqa: N805 (the server is self)
                self.paths.append(handler.path)
                handler.send_response(200)
                handler.send_header("Content-Type", "image/png")
                handler.send_header("Content-Length", str(len(png)))
                handler.end_headers()
                handler.wfile.write(png)

            do_POST = do_HEAD = do_GET

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def pdf_facts(content):
    """``(text, producer and creator)`` of a PDF, whitespace collapsed."""
    reader = PdfFileReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    info = reader.metadata or {}
    return " ".join(text.split()), f"{info.get('/Producer', '')} {info.get('/Creator', '')}"


def annotations(content):
    """Every annotation (links are annotations) of every page of a PDF (Qt writes an empty /Annots array)."""
    reader = PdfFileReader(io.BytesIO(content))
    return [annotation for page in reader.pages for annotation in (page.annotations or [])]


class TimesheetPdfMixin(XeroMoneyMixin):
    @contextmanager
    def listener(self):
        """A local HTTP server; yields the list of paths it was asked for."""
        server = _Listener()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.port = server.server_address[1]
        try:
            yield server.paths
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def hostile(self, name):
        """Markup that fetches, links, and breaks a markup parser."""
        return (
            f'<img src="{self.url(name + ".png")}"/> <a href="{self.url(name)}">Pay here</a>'
            ' <para> <b>unclosed <img src=broken> & <font face="nope"> </para></para>'
        )

    def hostile_invoice(self):
        """An invoice of time whose description, employee, contact and task names are hostile markup (the contact
        renamed at Xero and synchronized: Xero's text, as it arrives)."""
        contact_id = self.partner.xero_contact_id
        self.sandbox.control.rename_contact(
            self.tenant_id, contact_id, f'Acme <img src="{self.url("contact.png")}"/><a href="{self.url("c")}">x</a>'
        )
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.state, "done", log.message)
        self.assertIn("<img", self.partner.name)
        self.assertIn("<img", self.task.name)
        eve = self.env["hr.employee"].create(
            {"name": f'<img src="{self.url("employee.png")}"/>Eve', "company_id": self.company.id}
        )
        self.task.xero_hourly_rate = 100
        self.timesheet(1.5, name=self.hostile("description"), employee=eve)
        self.timesheet(2, day=date(2026, 3, 3), name="Build")
        move = self.invoice_time()
        move.action_post()
        return move

    def assert_safe_pdf(self, content, fetched):
        self.assertTrue(content.startswith(b"%PDF-"))
        self.assertEqual(fetched, [], "the renderer fetched URLs found in the text")
        self.assertFalse(b"/URI" in content, "the text became a link")
        self.assertEqual(annotations(content), [], "the text became a link")
        text, _producer = pdf_facts(content)
        # shown as written (escaped), not interpreted
        for shown in (f'<img src="{self.url("description.png")}"/>', "<para>", "<img src=broken> &", "Eve", "3:30"):
            self.assertIn(shown, text)
        return text


class TestTimesheetPdf(TimesheetPdfMixin, XeroSandboxCase):
    def test_fallback_renderer_shows_markup_as_text_and_fetches_nothing(self):
        with self.listener() as fetched:
            move = self.hostile_invoice()
            Report = type(self.env["ir.actions.report"])
            with patch.object(Report, "get_wkhtmltopdf_state", return_value="install"):  # force the fallback
                content = self.env["xero.invoice.sync"]._xero_timesheet_pdf(move)
            self.assert_safe_pdf(content, fetched)
            self.assertIn("ReportLab", pdf_facts(content)[1])
            # the listener does see a renderer that follows markup: reportlab's Paragraph with it unescaped
            from reportlab.lib.styles import getSampleStyleSheet  # noqa: PLC0415
            from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: PLC0415

            style = getSampleStyleSheet()["BodyText"]
            SimpleDocTemplate(io.BytesIO()).build([Paragraph(f'<img src="{self.url("raw.png")}"/>', style)])
            self.assertEqual(fetched, ["/raw.png"])

    def test_qweb_report_through_wkhtmltopdf_shows_markup_as_text_and_fetches_nothing(self):
        Report = self.env["ir.actions.report"]
        if os.environ.get("XTS_WKHTMLTOPDF") != "unavailable":
            # ./dev installs it wherever Debian ships it, and Odoo finds it when it starts
            self.assertEqual(Report.get_wkhtmltopdf_state(), "ok", "wkhtmltopdf is not installed (run ./dev)")
        with self.listener() as fetched:
            move = self.hostile_invoice()
            # Odoo renders reports as HTML in tests unless told otherwise
            content = self.env["xero.invoice.sync"].with_context(force_report_rendering=True)._xero_timesheet_pdf(move)
            self.assert_safe_pdf(content, fetched)
            if os.environ.get("XTS_WKHTMLTOPDF") == "unavailable":
                self.assertIn("ReportLab", pdf_facts(content)[1])
                return
            self.assertIn("wkhtmltopdf", pdf_facts(content)[1])
            # the listener does see wkhtmltopdf follow markup that is not escaped, and the link it makes
            raw = Report._run_wkhtmltopdf(
                [f'<html><body><img src="{self.url("raw.png")}"/><a href="{self.url("raw")}">x</a></body></html>']
            )
            self.assertEqual(fetched, ["/raw.png"])
            self.assertTrue(b"/URI" in raw and annotations(raw))

    def test_report_html_escapes_every_text(self):
        with self.listener():
            move = self.hostile_invoice()
        html = self.env["ir.actions.report"]._render_qweb_html("xero_timesync.action_report_xero_timesheets", move.ids)[
            0
        ]
        self.assertNotIn(b"<img src=broken>", html)
        self.assertNotIn(b"<para>", html)
        self.assertNotIn(b'<a href="http://127.0.0.1', html)
        self.assertIn(b"&lt;img src=broken&gt;", html)

    def test_push_with_hostile_text_attaches_the_pdf_once(self):
        with self.listener() as fetched:
            move = self.hostile_invoice()
            action = move.with_user(self.accountant).action_xero_push()
            self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
            self.assertEqual(fetched, [])
        self.assertTrue(move.xero_timesheets_attached)
        self.assertEqual(len(self.xero_invoices()), 1)
        uploads = [r for r in self.puts() if "/Attachments/" in r["path"]]
        self.assertEqual(len(uploads), 1)


class TestPdfFailureNeverFailsThePush(TimesheetPdfMixin, XeroSandboxCase):
    @contextmanager
    def renderers_fail(self):
        Sync = type(self.env["xero.invoice.sync"])
        failure = ValueError("paragraph text '<img src=broken>' caused exception")
        with (
            patch.object(Sync, "_xero_timesheet_pdf_qweb", side_effect=failure),
            patch.object(Sync, "_xero_timesheet_pdf_plain", side_effect=failure),
            mute_logger(SYNC_LOGGER),
        ):
            yield

    def invoice_of_time(self):
        self.task.xero_hourly_rate = 100
        self.timesheet(1.5, name="Design review")
        move = self.invoice_time()
        move.action_post()
        return move

    def invoice_puts(self):
        return [r for r in self.puts() if "/Attachments/" not in r["path"]]

    def uploads(self):
        return [r for r in self.puts() if "/Attachments/" in r["path"]]

    def test_the_invoice_is_pushed_once_the_pdf_reported_and_attached_by_the_next_push(self):
        move = self.invoice_of_time()
        with self.renderers_fail():
            action = move.with_user(self.accountant).action_xero_push()
            self.assertTrue(move.xero_invoice_id, move.xero_push_error)
            self.assertFalse(move.xero_push_error)
            self.assertFalse(move.xero_timesheets_attached)
            self.assertEqual(len(self.xero_invoices()), 1)
            self.assertFalse(self.uploads())
            # the accountant is told: in the toast and in the invoice's chatter
            self.assertEqual(action["params"]["type"], "warning")
            self.assertIn("timesheet PDF", action["params"]["message"])
            self.assertTrue(move.message_ids.filtered(lambda m: "timesheet PDF" in str(m.body)))
            # pushing again while the PDF still fails: nothing is sent twice
            move.with_user(self.accountant).action_xero_push()
            self.assertEqual(len(self.invoice_puts()), 1)
            self.assertEqual(len(self.xero_invoices()), 1)
            self.assertFalse(move.xero_timesheets_attached)
        # the next push attaches it, still without a second invoice
        action = move.with_user(self.accountant).action_xero_push()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertTrue(move.xero_timesheets_attached)
        self.assertEqual(len(self.uploads()), 1)
        self.assertEqual(len(self.invoice_puts()), 1)
        self.assertEqual(len(self.xero_invoices()), 1)

    def test_the_hourly_pull_attaches_a_pdf_that_failed(self):
        move = self.invoice_of_time()
        with self.renderers_fail():
            self.env["xero.invoice.sync"]._xero_push(move)
            self.assertTrue(move.xero_invoice_id)
            self.pull()  # still failing: reported in the log, not in the chatter every hour
            self.assertFalse(move.xero_timesheets_attached)
        self.pull()
        self.assertTrue(move.xero_timesheets_attached)
        self.assertEqual(len(self.uploads()), 1)
        self.assertEqual(len(self.invoice_puts()), 1)
