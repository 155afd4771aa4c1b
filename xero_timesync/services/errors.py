"""What can go wrong with Xero: one exception family with a stable code and a lazily translated message."""

import json

from odoo.tools.translate import LazyGettext, LazyTranslate

# Module-level lazy translations: the service needs no environment; a message is translated when it is
# shown (str() from a model method uses that method's env.lang, else the request's), English otherwise.
_lt = LazyTranslate("xero_timesync", default_lang="en_US")

TRANSIENT_STATUSES = {500, 502, 503, 504}


class XeroError(Exception):
    """A Xero call failed.

    ``code`` is a stable machine-readable reason (``"rate_limited"``, ``"token_rejected"``...);
    ``message`` is a lazily translated sentence (``_lt``), or Xero's own words when Xero explained the
    problem. ``str()`` gives the message in the caller's language and is safe to show to users (it
    never contains secrets); ``message_for(env)`` translates it for a given environment.
    """

    code = "xero_error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self):
        if isinstance(self.message, LazyGettext):
            return self.message._translate()  # the language of whoever called str()
        return str(self.message)

    def message_for(self, env):
        return env._(self.message) if isinstance(self.message, LazyGettext) else str(self.message)


class XeroAuthError(XeroError):
    """The grant is gone (revoked, expired, or a refresh token reused too late): re-authorise."""

    code = "auth"


class XeroRateLimitError(XeroError):
    code = "rate_limited"

    def __init__(self, message, retry_after=0, problem=None, code=None):
        super().__init__(message, code)
        self.retry_after = retry_after
        self.problem = problem


class XeroTransientError(XeroError):
    """Xero or the network kept failing after our retries."""

    code = "transient"


class XeroTimeUp(XeroError):
    """The caller's time ran out before a call or a wait could end (a cron job stops before Odoo's worker limits
    stop it): the next turn of the job continues."""

    code = "time_up"


class XeroValidationError(XeroError):
    code = "validation"

    def __init__(self, message, elements=None, code=None):
        super().__init__(message, code)
        self.elements = elements or []


class XeroNotFoundError(XeroError):
    code = "not_found"


def _error_payload(error):
    try:
        return json.loads(error.body or "null")
    except (TypeError, ValueError):  # not JSON
        return None


def error_from_status(error):
    status = error.status
    data = _error_payload(error)
    if status == 400 and isinstance(data, dict) and data.get("error"):
        if data["error"] in ("invalid_grant", "unauthorized_client", "invalid_client"):
            return XeroAuthError(
                _lt("Xero refused the authorisation (%s); enable the integration again.", data["error"]),
                "auth_refused",
            )
        return XeroError(_lt("Xero refused the request: %s", data["error"]), "request_refused")
    if status == 400 and isinstance(data, dict):
        elements = data.get("Elements") or []
        messages = [v.get("Message") for e in elements for v in e.get("ValidationErrors") or [] if v.get("Message")]
        # Xero's own explanation when it gives one (in Xero's language), else ours
        # Xero Projects answers {message, modelState: {field: [reason]}}
        model_state = data.get("modelState") if isinstance(data.get("modelState"), dict) else {}
        messages += [m for reasons in model_state.values() if isinstance(reasons, list) for m in reasons if m]
        explained = "; ".join(messages) or data.get("Message") or data.get("message")
        # a high-volume organisation refuses unoptimised Contacts filters (ErrorNumber 51)
        code = "high_volume" if data.get("Type") == "HighVolumeException" else None
        return XeroValidationError(explained or _lt("Xero rejected the request."), elements, code)
    if status == 401:
        return XeroAuthError(
            _lt("Xero no longer accepts this connection's token; enable the integration again."), "token_rejected"
        )
    if status == 403:
        return XeroAuthError(
            _lt("This Xero organisation is not connected to the app any more; enable the integration again."),
            "not_connected",
        )
    if status == 404:
        return XeroNotFoundError(_lt("Xero does not know this record."))
    if status in TRANSIENT_STATUSES:
        return XeroTransientError(_lt("Xero kept failing (HTTP %s); try again later.", status), "server_error")
    return XeroError(_lt("Xero answered HTTP %s.", status), "http_error")
