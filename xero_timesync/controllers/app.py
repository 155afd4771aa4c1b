"""The installable timer app (``/xero/timer``): its page, web manifest, service worker and JSON-RPC calls.

The page is a plain-JS shell (static/app/) that the service worker keeps for offline use; what it shows comes
from the JSON-RPC routes below, which act on the logged-in user's own timer and timesheet only.
"""

import json

from odoo import http
from odoo.http import request
from odoo.tools import file_open

from .timer import PREFIX

APP_PATH = "/xero/timer"
STATIC = "/xero_timesync/static/app"


class XeroTimerApp(http.Controller):
    @http.route(APP_PATH, type="http", auth="user", methods=["GET"], readonly=True)
    def app(self):
        return request.render(
            "xero_timesync.timer_app",
            {"labels_json": json.dumps(self._labels()), "static": STATIC, "app_path": APP_PATH},
            headers={"Cache-Control": "no-store"},
        )

    @http.route(f"{APP_PATH}/manifest.webmanifest", type="http", auth="public", methods=["GET"], readonly=True)
    def manifest(self):
        env = request.env
        manifest = {
            "name": env._("Xero Timer"),
            "short_name": env._("Timer"),
            "description": env._("Track your time on Xero clients"),
            "id": APP_PATH,
            "scope": APP_PATH,
            "start_url": APP_PATH,
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#13b5ea",
            "icons": [
                {"src": f"{STATIC}/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
                for size in (192, 512)
            ],
        }
        return request.make_json_response(manifest, {"Content-Type": "application/manifest+json"})

    @http.route(f"{APP_PATH}/sw.js", type="http", auth="public", methods=["GET"], readonly=True)
    def service_worker(self):
        with file_open("xero_timesync/static/app/sw.js") as f:
            body = f.read()
        return request.make_response(
            body,
            [
                ("Content-Type", "text/javascript"),
                ("Service-Worker-Allowed", APP_PATH),
                ("Cache-Control", "no-cache"),
            ],
        )

    def _labels(self):
        env = request.env
        return {
            "offline": env._("Offline: %s action(s) will be sent when the network returns."),
            "sending": env._("Sending %s queued action(s)…"),
            "synced": env._("Back online: everything was sent."),
            "no_timer": env._("No timer running"),
            "no_tasks": env._("No client matches."),
            "pick": env._("Pick a client first."),
            "session": env._("Your session has ended: sign in again."),
        }

    # -- JSON-RPC (the app and desktop clients; the extension calls the same methods over /json/2) --
    @http.route(f"{PREFIX}/queued", type="jsonrpc", auth="user", methods=["POST"])
    def queued(self, key, action, params=None, queued_seconds=0):
        return request.env["xero.timer"].xero_queued(key, action, params, queued_seconds=queued_seconds)

    @http.route(f"{PREFIX}/my_time", type="jsonrpc", auth="user", methods=["POST"], readonly=True)
    def my_time(self):
        return request.env["xero.timer"].xero_my_time()

    @http.route(f"{PREFIX}/log_time", type="jsonrpc", auth="user", methods=["POST"])
    def log_time(self, task_id, date, hours, description=None):
        return request.env["xero.timer"].xero_log_time(task_id, date, hours, description=description)

    @http.route(f"{PREFIX}/suggest", type="jsonrpc", auth="user", methods=["POST"], readonly=True)
    def suggest(self, site=""):
        return {"tasks": request.env["xero.timer"].xero_suggest(site)}
