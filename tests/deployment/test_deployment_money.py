"""Issue 15 on a real deployment: a payment made at Xero is visible in Odoo within seconds of its INVOICE
event (a cron worker fetches it), measured as a user would see it: the invoice turns Paid."""

import statistics
import time

from .harness import say
from .test_deployment_chaos import new_invoice, push, setup_chaos

EVENTS = 5


def test_an_invoice_event_brings_the_payment_within_seconds(deployment_factory):
    d = deployment_factory("money", sandbox_options={"contacts": 0, "orgs": 2})
    chaos = setup_chaos(d)
    rng = __import__("random").Random(15)
    seconds = []
    for _ in range(EVENTS):
        move_id = new_invoice(chaos, rng)
        assert push(chaos.accountant, move_id) == "success"
        move = chaos.admin.search_read("account.move", [("id", "=", move_id)], ["xero_invoice_id", "xero_status"])[0]
        assert move["xero_status"] == "AUTHORISED", move
        chaos.control.record_payment(chaos.tenant_id, move["xero_invoice_id"])
        started = time.monotonic()
        assert d.post_webhook(d.invoice_webhook_body(chaos.tenant_id, [move["xero_invoice_id"]])).status_code == 200
        state = None
        while time.monotonic() - started < 60 and state not in ("paid", "in_payment"):
            time.sleep(0.2)
            state = chaos.admin.search_read("account.move", [("id", "=", move_id)], ["payment_state"])[0][
                "payment_state"
            ]
        seconds.append(time.monotonic() - started)
        assert state in ("paid", "in_payment"), f"the payment made at Xero did not arrive: {state}"
    say(
        f"money: INVOICE event → invoice Paid in Odoo, {EVENTS} events: median {statistics.median(seconds):.1f} s,"
        f" worst {max(seconds):.1f} s ({', '.join(f'{s:.1f}' for s in seconds)})"
    )
