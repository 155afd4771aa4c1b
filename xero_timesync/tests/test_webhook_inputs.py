"""The webhook against hostile input (issue 21, item 7): sizes, signatures, bodies, and deliveries of organisations
that are not connected. Everything is posted over real HTTP, as Xero (or anyone) would, and judged by its effect:
what Odoo parsed, whether the route ran, which rows exist."""

import base64
import functools
import hashlib
import hmac
import json
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import requests
from werkzeug.formparser import FormDataParser

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_timesync import const

from .common import WEBHOOK_KEY, XeroSandboxMixin, XeroWebhookMixin

OVER_THE_CAP = "X" * (300 * 1024)  # above WEBHOOK_MAX_BODY_BYTES (256 KB), far below Odoo's form limits


def sign(body, key=WEBHOOK_KEY):
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest())


def event(tenant_id, category="CONTACT", **fields_):
    return {
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/x",
        "resourceId": str(uuid.uuid4()),
        "eventDateUtc": "2026-12-06T10:00:00.000",
        "eventType": "UPDATE",
        "eventCategory": category,
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
        **fields_,
    }


def payload(*events, entropy="ABCDEFGHIJ"):
    body = {"events": list(events), "firstEventSequence": 1, "lastEventSequence": len(events), "entropy": entropy}
    return json.dumps(body).encode()


@tagged("post_install", "-at_install")
class TestWebhookInputs(XeroWebhookMixin, XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 3, "seed": 21, "orgs": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = cls.connect()

    def setUp(self):
        super().setUp()
        self.Delivery = self.env["xero.webhook.delivery"]

    # -- helpers -----------------------------------------------------------------------------------
    def post(self, body, signature=None, **kwargs):
        """As Xero posts: from outside, without a session; ``signature`` as raw header bytes."""
        headers = {"x-xero-signature": sign(body) if signature is None else signature, **kwargs.pop("headers", {})}
        response = requests.post(self.url, data=body, headers=headers, timeout=60, **kwargs)
        self.env.invalidate_all()  # rows written by the webhook request
        return response

    @contextmanager
    def route_calls(self):
        """Every call of the webhook's controller method (the endpoint the routing map dispatches to)."""
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            routing_map = self.env["ir.http"].routing_map()  # the server's: cached for the registry
        rule = next(r for r in routing_map.iter_rules() if r.rule == const.WEBHOOK_PATH)
        original, calls = rule.endpoint, []

        def counted(*args, **kwargs):
            calls.append(kwargs)
            return original(*args, **kwargs)

        endpoint = functools.update_wrapper(functools.partial(counted), original)
        with (
            patch.object(rule, "endpoint", endpoint),
            patch.dict(routing_map._rules_by_endpoint, {endpoint: routing_map._rules_by_endpoint[original]}),
        ):
            yield calls

    @contextmanager
    def form_parsing(self):
        """The mimetypes of the bodies werkzeug's form parser was asked to read (Odoo's get_http_params)."""
        parse, parsed = FormDataParser.parse, []

        def counted(parser, stream, mimetype, *args, **kwargs):
            parsed.append(mimetype)
            return parse(parser, stream, mimetype, *args, **kwargs)

        with patch.object(FormDataParser, "parse", counted):
            yield parsed

    @contextmanager
    def receive_calls(self):
        """Calls of the model behind the route: a delivery reaching them was accepted."""
        Delivery = type(self.env["xero.webhook.delivery"])
        receive, calls = Delivery._receive, []

        def counted(model, body, events):
            calls.append(events)
            return receive(model, body, events)

        with patch.object(Delivery, "_receive", counted):
            yield calls

    def assertNothingRecorded(self):
        self.assertFalse(self.Delivery.search([]), "no delivery row")
        self.assertFalse(self.env["xero.invoice.event"].search([]), "no invoice event")
        self.assertFalse(self.connection.webhook_pending)

    # -- 1. the size cap applies before Odoo reads the body ------------------------------------------
    @mute_logger("odoo.addons.xero_timesync.controllers.webhook", "odoo.http")
    def test_form_bodies_over_the_cap_are_refused_before_odoo_parses_them(self):
        def post_form(**body):
            response = requests.post(self.url, headers={"x-xero-signature": "forged"}, timeout=60, **body)
            self.env.invalidate_all()
            return response

        with self.route_calls() as ran, self.form_parsing() as parsed:
            urlencoded = post_form(data={"payload": OVER_THE_CAP})
            self.assertEqual(urlencoded.request.headers["Content-Type"], "application/x-www-form-urlencoded")
            multipart = post_form(files={"payload": ("payload.json", OVER_THE_CAP)})
            self.assertIn("multipart/form-data", multipart.request.headers["Content-Type"])
            self.assertEqual((urlencoded.status_code, multipart.status_code), (413, 413))
            self.assertEqual(parsed, [], "Odoo's form parser never read them")
            self.assertEqual(ran, [], "the route never ran")
            self.assertNothingRecorded()
            # the counters do count: a small form body is parsed and reaches the route (which refuses its signature)
            self.assertEqual(post_form(data={"payload": "small"}).status_code, 401)
            self.assertEqual((parsed, len(ran)), (["application/x-www-form-urlencoded"], 1))

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook", "odoo.http")
    def test_a_chunked_body_over_the_cap_is_cut_at_the_cap(self):
        def chunks():
            for _ in range(300):
                yield b"X" * 1024

        with self.receive_calls() as received:
            response = requests.post(
                self.url,
                data=chunks(),
                headers={"x-xero-signature": "x", "Content-Type": "application/json"},
                timeout=60,
            )
        self.assertEqual(response.status_code, 413, "read up to the cap only, then refused")
        self.assertEqual(received, [])
        self.assertNothingRecorded()

    # -- 2. malformed signatures are 401, malformed bodies 400, never 500 ------------------------------
    @mute_logger("odoo.addons.xero_timesync.controllers.webhook", "odoo.http")
    def test_malformed_signatures_are_refused_with_401(self):
        body = payload(event(self.tenant_id))
        right = sign(body)
        signatures = {
            "non-ASCII (UTF-8)": "é".encode(),
            "non-ASCII (raw bytes)": b"\xff\xfe\x80",
            "empty": b"",
            "not base64": b"!!!!",
            "a space inside": b"a b",
            "overlong": b"A" * 8000,
            "the right one twice": right + b"," + right,
            "the right one with a non-ASCII tail": right + "é".encode(),
            "the right one truncated": right[:-2],
            "another key's": sign(body, key="another-key"),
        }
        with self.receive_calls() as received:
            for name, signature in signatures.items():
                with self.subTest(name):
                    self.assertEqual(self.post(body, signature=signature).status_code, 401)
            self.assertEqual(received, [])
            self.assertNothingRecorded()
            self.assertEqual(self.post(body).status_code, 200, "the right signature is accepted")
            self.assertEqual(len(received), 1)

    @mute_logger("odoo.addons.xero_timesync.controllers.webhook", "odoo.http")
    def test_malformed_bodies_are_refused_with_400(self):
        tenant = self.tenant_id
        bodies = {
            "invalid UTF-8": b'{"events": [], "entropy": "\xff\xfe"}',
            "not JSON": b"events",
            "empty": b"",
            "a JSON array": b"[]",
            "a JSON string": b'"events"',
            "JSON null": b"null",
            "a JSON number": b"42",
            "nested too deep": b"[" * 100_000,
            "an integer too long to read": b'{"events": [], "n": ' + b"9" * 5000 + b"}",
            "events missing": json.dumps({"entropy": "A"}).encode(),
            "events an object": json.dumps({"events": {"0": event(tenant)}}).encode(),
            "events a string": json.dumps({"events": "CONTACT"}).encode(),
            "events null": json.dumps({"events": None}).encode(),
            "an event not an object": payload(event(tenant), "CONTACT"),
            "an event a list": payload([event(tenant)]),
            "tenantId a number": payload(event(42)),
            "tenantId a list": payload(event([tenant])),
            "tenantId an object": payload(event({"id": tenant})),
            "tenantId with a lone surrogate": payload(event(tenant + "\ud800")),
            "tenantId overlong": payload(event("a" * 5000)),
            "eventCategory a list": payload(event(tenant, category=["CONTACT"])),
            "eventCategory an object": payload(event(tenant, category={"CONTACT": 1})),
            "resourceId a number": payload(event(tenant, category="INVOICE", resourceId=7)),
            "resourceId an object": payload(event(tenant, category="INVOICE", resourceId={"id": "x"})),
            "resourceId with a NUL": payload(event(tenant, category="INVOICE", resourceId="ab\x00cd")),
            "one bad event among good ones": payload(event(tenant), event(tenant, category="INVOICE", resourceId=[1])),
        }
        with self.receive_calls() as received:
            for name, body in bodies.items():
                with self.subTest(name):
                    self.assertEqual(self.post(body).status_code, 400)
            self.assertEqual(received, [], "nothing malformed reaches the model")
            self.assertNothingRecorded()
            good = payload(event(tenant), event(tenant, category="INVOICE"), entropy="GOOD")
            self.assertEqual(self.post(good).status_code, 200)
        self.assertEqual(len(received), 1)
        self.assertTrue(self.connection.webhook_pending)
        self.assertEqual(len(self.env["xero.invoice.event"].search([])), 1)

    # -- 3. deliveries of organisations that are not connected are capped and collected ---------------
    def test_a_flood_for_organisations_not_connected_stays_bounded(self):
        cap = 5
        strangers = [str(uuid.uuid4()) for _ in range(cap + 4)]
        with patch.object(const, "WEBHOOK_UNCONNECTED_DELIVERIES_MAX", cap):
            self.assertEqual(self.post(payload(event(self.tenant_id), entropy="ours-before")).status_code, 200)
            ours = self.Delivery.search([])
            flood = [payload(event(t), event(t, category="INVOICE"), entropy=t) for t in strangers]
            for body in flood:
                self.assertEqual(self.post(body).status_code, 200, "validly signed: Xero must not retry it")
            self.assertEqual(self.post(payload(event(self.tenant_id), entropy="ours-after")).status_code, 200)
        digests = set(self.Delivery.search([]).mapped("digest"))
        kept = {hashlib.sha256(body).hexdigest() for body in flood} & digests
        self.assertEqual(kept, {hashlib.sha256(body).hexdigest() for body in flood[-cap:]}, "the newest, up to the cap")
        self.assertIn(ours.digest, digests, "the connected organisation's deliveries are untouched")
        self.assertEqual(len(digests), cap + 2)
        self.assertEqual(self.Delivery._pending_tenants(), {self.tenant_id}, "nothing waits for a stranger")
        self.assertFalse(self.env["xero.invoice.event"].search([("tenant_id", "in", strangers)]))
        self.assertTrue(self.connection.webhook_pending)

    def test_the_retention_cron_collects_what_waits_for_organisations_not_connected(self):
        old = fields.Datetime.now() - timedelta(days=const.WEBHOOK_DELIVERY_RETENTION_DAYS + 1)
        stranger, gone = str(uuid.uuid4()), str(uuid.uuid4())

        def delivery(tenant, received_at, name):
            return self.Delivery.create(
                {"digest": name, "tenant_ids": tenant, "pending": True, "received_at": received_at, "event_count": 1}
            )

        # as rows recorded before this fix, or for an organisation since unlinked
        stale = delivery(stranger, old, "stale-stranger") | delivery(gone, old, "stale-gone")
        recent = delivery(stranger, fields.Datetime.now(), "recent-stranger")
        ours = delivery(self.tenant_id, old, "ours-old") | delivery(self.tenant_id, fields.Datetime.now(), "ours")
        with patch.object(const, "WEBHOOK_UNCONNECTED_DELIVERIES_MAX", 100):
            self.Delivery._gc_old_deliveries()
        self.assertFalse(stale.exists())
        self.assertTrue(recent.exists(), "kept for its replay window")
        self.assertFalse(recent.pending, "but no longer waiting")
        self.assertEqual(ours.exists(), ours)
        self.assertEqual(ours.mapped("pending"), [True, True], "the connected organisation's are untouched")
        self.assertEqual(self.Delivery._pending_tenants(), {self.tenant_id})
