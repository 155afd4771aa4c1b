"""Issue 27: the timer's crons on a real server (``--workers=2``), each run twice at once.

Odoo never runs one job twice at once (``method_direct_trigger`` and the cron workers lock its row), so each
job is run at once with an inactive copy of itself: two transactions of the same code, as two servers sharing
a database, or a manual run next to a scheduled one, would run it. The maximum length: the job made due (a cron
worker runs it), its copy run manually and its owner's Stop, at once (a cron thread and both HTTP workers); the
reminder and the digest: each job and its copy run manually at once (both HTTP workers). Judged by what the
database holds (lines, messages, timers) and by the server's log (no error).
"""

import time

from .harness import RpcError, fire_together, say
from .hostile import Db

USERS = 4
MAX_HOURS = 2
CAPPED = "Your timer was stopped at its maximum length"
REMINDED = "Your timer is still running"
DIGESTED = "Missing time last week"


def twin(admin, xmlid):
    """The job and an inactive copy of it (the copy only runs when triggered)."""
    cron_id = admin.xmlid("xero_timesync", xmlid)
    copied = admin.call("ir.cron", "copy", [cron_id], {"active": False})
    return [cron_id, copied[0] if isinstance(copied, list) else copied]


def run_with_scheduler(d, admin, db, cron_ids, *others):
    """The first job made due (a cron worker runs it at once), the second run manually and ``others``, together;
    returns the answers of the manual run and of ``others`` once the cron worker is done too."""
    woken_at = db.query("SELECT date_trunc('second', NOW() AT TIME ZONE 'UTC')")[0][0]
    admin.call("ir.cron", "write", [cron_ids[0]], {"nextcall": woken_at.strftime("%Y-%m-%d %H:%M:%S")})
    results = trigger_together(d, cron_ids[1:], *others)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lastcall = db.query("SELECT lastcall FROM ir_cron WHERE id = %s", (cron_ids[0],))[0][0]
        if lastcall and lastcall >= woken_at:
            return results
        time.sleep(0.2)
    raise AssertionError(f"the cron worker did not run job {cron_ids[0]} within 30 s")


def trigger_together(d, cron_ids, *others):
    """``method_direct_trigger`` on each job, each in its own admin session, released at the same moment."""
    sessions = [d.admin() for _cron in cron_ids]
    calls = [
        (lambda rpc=rpc, cron_id=cron_id: rpc.call("ir.cron", "method_direct_trigger", [cron_id], timeout=120))
        for rpc, cron_id in zip(sessions, cron_ids, strict=True)
    ]
    return fire_together(*calls, *others, timeout=120)


def messages(db, subject):
    """``{partner id: count}`` of the messages with this subject."""
    rows = db.query(
        "SELECT rel.res_partner_id, COUNT(*) FROM mail_message m"
        " JOIN mail_message_res_partner_rel rel ON rel.mail_message_id = m.id WHERE m.subject = %s GROUP BY 1",
        (subject,),
    )
    return dict(rows)


def cron_errors(results):
    """The triggers that raised, or answered with Odoo's error dialog (the job logged an exception)."""
    return [
        result
        for result in results
        if isinstance(result, Exception) or (isinstance(result, dict) and result.get("tag") == "display_exception")
    ]


def test_timer_crons_twice_at_once(deployment_factory):
    d = deployment_factory("timer", sandbox_options={"contacts": USERS})
    admin = d.admin()
    wizard = d.enable_integration(admin, d.sandbox.tenants[0]["tenant_id"])
    assert wizard["step"] == "done", wizard
    company_id = admin.search_read("res.users", [("id", "=", admin.uid)], ["company_id"])[0]["company_id"][0]
    tasks = [
        row["id"]
        for row in admin.search_read("project.task", [("project_id.is_xero_project", "=", True)], ["id"], order="id")
    ]
    assert len(tasks) >= USERS, tasks
    # each user's local time is past the 01:00 reminder (UTC, or Tokyo's UTC+9 in UTC's first hours)
    zone = "UTC" if time.gmtime().tm_hour >= 2 else "Asia/Tokyo"
    admin.call(
        "res.company",
        "write",
        [company_id],
        {"xero_timer_max_hours": MAX_HOURS, "xero_timer_minimum": 0, "xero_timer_rounding": "0"},
    )
    # members of the Xero project (created after it), each with an employee and its working schedule
    users = []
    for index in range(USERS):
        login = f"timer_user_{index}"
        user_id = d.create_user(admin, login, groups=("hr_timesheet.group_hr_timesheet_user",))
        admin.call("res.users", "write", [user_id], {"tz": zone})
        admin.call("hr.employee", "create", [{"name": login, "user_id": user_id, "company_id": company_id}])
        users.append((user_id, d.rpc(login, login)))
    partner_of = {
        row["id"]: row["partner_id"][0]
        for row in admin.search_read("res.users", [("id", "in", [u for u, _rpc in users])], ["partner_id"])
    }
    db = Db(d.db)
    try:
        # -- the maximum length: started 3 hours ago, the job twice at once and the first owner's Stop -------------
        for (_user_id, rpc), task_id in zip(users, tasks, strict=False):
            rpc.call("xero.timer", "xero_start", task_id)
        db.query("UPDATE xero_timer SET start = start - INTERVAL '3 hours', last_activity = NULL")
        log_size = d.log_path.stat().st_size
        racer = users[0][1]
        results = run_with_scheduler(
            d, admin, db, twin(admin, "ir_cron_xero_cap_timers"), lambda: racer.call("xero.timer", "xero_stop")
        )
        manual, stop = results
        crons = [manual]
        say(f"timer crons: cap (manual run) {manual}, the owner's stop {stop!r:.200}")
        assert not cron_errors(crons), crons
        if isinstance(stop, RpcError):
            assert "No timer is running" in stop.message, stop  # the job stopped it first
        else:
            assert stop["recorded"] and stop["capped"], stop
        lines = db.query(
            "SELECT user_id, unit_amount FROM account_analytic_line WHERE user_id = ANY(%s) ORDER BY user_id",
            ([u for u, _rpc in users],),
        )
        assert lines == [(u, float(MAX_HOURS)) for u, _rpc in users], f"one line of exactly {MAX_HOURS} h each: {lines}"
        assert not db.query("SELECT id FROM xero_timer"), "every timer is stopped"
        told = messages(db, CAPPED)
        capped_by_job = [u for u, _rpc in users if not (u == users[0][0] and not isinstance(stop, RpcError))]
        assert told == {partner_of[u]: 1 for u in capped_by_job}, f"one message per timer the job stopped: {told}"
        log = d.log_path.read_bytes()[log_size:].decode(errors="replace")
        assert " ERROR " not in log and "Traceback" not in log, log[-3000:]

        # -- the end-of-day reminder and the weekly digest, each job twice at once ----------------------------------
        admin.call("res.company", "write", [company_id], {"xero_timer_max_hours": 0, "xero_timer_reminder_hour": 1})
        for (_user_id, rpc), task_id in zip(users, tasks, strict=False):
            rpc.call("xero.timer", "xero_start", task_id)
        db.query("UPDATE xero_timer SET start = start - INTERVAL '1 day'")  # before today's reminder hour
        reminders = trigger_together(d, twin(admin, "ir_cron_xero_timer_reminders"))
        digests = trigger_together(d, twin(admin, "ir_cron_xero_missing_time"))
        say(f"timer crons: reminders {reminders}, digests {digests}")
        assert not cron_errors(reminders + digests), reminders + digests
        reminded = messages(db, REMINDED)
        assert reminded == {partner_of[u]: 1 for u, _rpc in users}, f"one reminder per person: {reminded}"
        digested = messages(db, DIGESTED)
        # nobody logged time last week: each member is told once (and nobody, the administrator included, twice)
        assert all(digested.get(partner_of[u]) == 1 for u, _rpc in users), digested
        assert set(digested.values()) == {1}, digested
        log = d.log_path.read_bytes()[log_size:].decode(errors="replace")
        assert " ERROR " not in log and "Traceback" not in log, log[-3000:]
    finally:
        db.close()
