"""JSON-RPC surface of the timer, for the systray and for desktop apps or browser extensions.

Every route acts on the logged-in user's own timer (session cookie from /web/session/authenticate) and
answers with the same dicts as the ``xero.timer`` methods; errors come back as JSON-RPC errors with a
translated message. See docs/timer.md.
"""

from odoo import http
from odoo.http import request

PREFIX = "/xero_timesync/timer"


class XeroTimerController(http.Controller):
    @http.route(f"{PREFIX}/current", type="jsonrpc", auth="user", methods=["POST"], readonly=True)
    def current(self):
        return request.env["xero.timer"].xero_current()

    @http.route(f"{PREFIX}/start", type="jsonrpc", auth="user", methods=["POST"])
    def start(self, task_id, description=None):
        return request.env["xero.timer"].xero_start(task_id, description=description)

    @http.route(f"{PREFIX}/stop", type="jsonrpc", auth="user", methods=["POST"])
    def stop(self, description=None, discard_idle=None, check_idle=False):
        return request.env["xero.timer"].xero_stop(
            description=description, discard_idle=discard_idle, check_idle=check_idle
        )

    @http.route(f"{PREFIX}/heartbeat", type="jsonrpc", auth="user", methods=["POST"])
    def heartbeat(self, last_activity=None):
        return request.env["xero.timer"].xero_heartbeat(last_activity=last_activity)

    @http.route(f"{PREFIX}/discard", type="jsonrpc", auth="user", methods=["POST"])
    def discard(self):
        return request.env["xero.timer"].xero_discard()

    @http.route(f"{PREFIX}/describe", type="jsonrpc", auth="user", methods=["POST"])
    def describe(self, description=""):
        return request.env["xero.timer"].xero_describe(description)

    @http.route(f"{PREFIX}/tasks", type="jsonrpc", auth="user", methods=["POST"], readonly=True)
    def tasks(self, query="", include_archived=False, limit=None):
        return {"tasks": request.env["xero.timer"].xero_tasks(query, include_archived=include_archived, limit=limit)}
