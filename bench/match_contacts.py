"""Match before create (issue 24): 10,000 Xero contacts matched against 50,000 partners Odoo already has.

    ./dev bench match_contacts                      # about 5 minutes on 2 cores
    ./dev bench match_contacts --contacts 10000 --partners 50000 --repeat 1

Two first imports of the same organisation (xero_sandbox in a subprocess, ``--contacts`` contacts), each in a
fresh child process on its own copy of the database with the addon installed (``bench/sync_contacts.py``'s
machinery):

- **empty**: the company has no partner: today's first import, every contact created;
- **match**: the company already has ``--partners`` partners, committed before the run: one partner in
  two agrees with a Xero contact on one key (contact number, account number, tax number, e-mail or name, in
  turn, spelt as a person would: other case, spacing, country prefix, legal form), the others agree on
  nothing.

It prints, side by side, the wall time and the exact SQL queries and API calls of each run, what the matching
run linked, created and listed as conflicts, and the ratio of the times (target: at most 2x), in one run.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_contacts as bench  # noqa: E402  (its path set-up comes first)

TARGET_RATIO = 2.0
KEYS = ("contact_number", "account_number", "vat", "email", "name")


# --- child ------------------------------------------------------------------------------------------------
def twin_values(contact, key, n):
    """A partner that agrees with ``contact`` (Xero's JSON) on ``key`` only, or None when Xero has no such key."""
    vals = {"name": f"Odoo client {n:06d}", "is_company": True, "customer_rank": 1}
    if key == "contact_number" and contact.get("ContactNumber"):
        vals["ref"] = contact["ContactNumber"].lower()
    elif key == "account_number" and contact.get("AccountNumber"):
        vals["ref"] = f" {contact['AccountNumber']} "
    elif key == "vat" and contact.get("TaxNumber"):
        vals["vat"] = "NZ" + contact["TaxNumber"].replace("-", " ")
    elif key == "email" and contact.get("EmailAddress"):
        vals["email"] = contact["EmailAddress"].upper()
    elif key == "name" and contact.get("Name"):
        vals["name"] = contact["Name"].upper() + " Ltd"
    else:
        return None
    return vals


def seed_partners(env, task):
    """``partners`` partners, one in two a twin of a Xero contact (keys in turn), committed."""
    from xero_sandbox.control_client import SandboxControl

    contacts = SandboxControl(task["sandbox_url"]).contacts(task["tenant_id"])
    vals_list, twins = [], 0
    for n, contact in enumerate(contacts):
        if len(vals_list) >= task["partners"] // 2:
            break
        vals = twin_values(contact, KEYS[n % len(KEYS)], n)
        if vals:
            vals_list.append(vals)
            twins += 1
    n = len(vals_list)
    while len(vals_list) < task["partners"]:
        vals_list.append(
            {
                "name": f"Unrelated client {n:06d}",
                "ref": f"ODOO-{n:06d}",
                "vat": f"ZZ{n:09d}X",
                "email": f"client{n}@odoo.example",
                "is_company": True,
                "customer_rank": 1,
            }
        )
        n += 1
    Partner = env["res.partner"].with_context(tracking_disable=True, _partners_skip_fields_sync=True)
    for start in range(0, len(vals_list), 5000):
        Partner.create(vals_list[start : start + 5000])
        env.cr.commit()
        env.invalidate_all()
    return twins


def scenario_match(env, task, profile):
    started = time.perf_counter()
    twins = seed_partners(env, task) if task["partners"] else 0
    seeded = time.perf_counter() - started
    connection = bench.connect(env, task)
    before = env["res.partner"].with_context(active_test=False).search_count([])
    result = bench.run_sync(env, connection, "wizard", profile)
    log = connection.last_sync_log_id
    result.update(
        twins=twins,
        seed_seconds=seeded,
        matched=log.matched_count,
        conflicts=log.conflicts_count,
        tasks_created=log.created_count,
        partners=env["res.partner"].with_context(active_test=False).search_count([]),
        clients_created=env["res.partner"].with_context(active_test=False).search_count([]) - before,
        keys={key: env["res.partner"].search_count([("xero_match_key", "=", key)]) for key in KEYS},
    )
    return result


def child(task):
    with bench.odoo_env(task["db"]) as env:
        result = scenario_match(env, task, task.get("profile"))
    print("RESULT " + json.dumps(result), flush=True)


def run_child(task):
    import subprocess

    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)]
    done = subprocess.run(command, env=bench.child_env(), capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise RuntimeError(f"scenario on {task['db']} failed (exit {done.returncode})")
    return json.loads(lines[-1][len("RESULT ") :])


# --- parent -----------------------------------------------------------------------------------------------
def run(args):
    template = bench.template_db()
    stamp = f"{bench.DB_PREFIX}_match_{os.getpid()}"
    base = f"{stamp}_base"
    created = [base]
    results = {"empty": [], "match": []}
    sandbox = None
    try:
        bench.say(f"installing {bench.ADDON} into {base} (copy of {template})")
        bench.duplicate(template, base)
        bench.odoo_cli("server", "-c", str(bench.CFG), "-d", base, "-i", bench.ADDON, "--stop-after-init")
        bench.say(f"sandbox with {args.contacts} contacts")
        sandbox = bench.start_sandbox(args.contacts)
        task = {"sandbox_url": sandbox.url, "tenant_id": sandbox.tenants[0]["tenant_id"]}
        for i in range(args.repeat):
            for name, partners in (("empty", 0), ("match", args.partners)):
                db = f"{stamp}_{name}_{i}"
                created.append(db)
                bench.duplicate(base, db)
                bench.say(
                    f"{name}: first import of {args.contacts} contacts, {partners} partners ({i + 1}/{args.repeat})"
                )
                results[name].append(run_child({**task, "db": db, "partners": partners}))
    finally:
        if sandbox:
            sandbox.stop()
        for db in created:
            bench.drop(db)
    report(args, {name: min(runs, key=lambda run: run["wall"]) for name, runs in results.items()})


def report(args, best):
    empty, match = best["empty"], best["match"]
    print(f"\nFirst import of {args.contacts:,} Xero contacts (best of {args.repeat})")
    print(
        f"{'company':34} {'wall s':>7} {'SQL queries':>11} {'API calls':>9} {'linked':>7} {'new clients':>11} {'conflicts':>9} {'tasks':>6}"
    )
    for label, run in (
        ("empty (today's first import)", empty),
        (f"{args.partners:,} partners already there", match),
    ):
        print(
            f"{label:34} {run['wall']:>7.2f} {run['queries']:>11,} {run['api_calls']:>9} {run['matched']:>7,}"
            f" {run['clients_created']:>11,} {run['conflicts']:>9,} {run['tasks_created']:>6,}"
        )
    print(f"\nmatch run: {match['twins']:,} partners were twins of a Xero contact; linked by key: {match['keys']}")
    print(f"partners after the matching run: {match['partners']:,} (seeded in {match['seed_seconds']:.1f} s)")
    ratio = match["wall"] / empty["wall"]
    extra = match["queries"] - empty["queries"]
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"{verdict}  time ratio match / empty = {match['wall']:.2f} s / {empty['wall']:.2f} s = {ratio:.2f}x (target ≤ 2x)"
    )
    print(
        f"queries: {match['queries']:,} against {empty['queries']:,} (+{extra:,}, {extra / args.contacts:.2f} per"
        f" contact; pages of {empty['page_size']:,})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--partners", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=1, help="time each import N times, keep the best")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    bench.read_config()
    run(args)


if __name__ == "__main__":
    main()
