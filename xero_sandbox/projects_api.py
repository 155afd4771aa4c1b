"""api.xero.com/projects.xro/2.0: Projects, ProjectsUsers, Tasks and Time (xero-projects.yaml).

Lists answer ``{"pagination": {...}, "items": [...]}`` (page from 1, pageSize 1-500, default 50);
creates answer 201 (projects, tasks) or 200 (time entries) with the entity; PUT, PATCH and DELETE
answer 204. A refused request is a 400 ``{"message": ..., "modelState": {field: [reason]}}`` (the
spec's Error schema); an unknown id is a 404. Gateway checks, the shared rate budget and
Idempotency-Key replays (creates included: a replay returns the first answer, never a second entity)
come from ``AccountingEndpoints.dispatch``.
"""

import datetime as dt
import json

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import errors
from .accounting import KEY_REFUSALS, register
from .projects import ProjectsError, _moment

PREFIX = "/projects.xro/2.0"
READ = frozenset(("projects", "projects.read"))
WRITE = frozenset(("projects",))
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PROJECT_FIELDS = ("contactId", "name", "estimateAmount", "deadlineUtc", "status")
TASK_FIELDS = ("name", "rate", "chargeType", "estimateMinutes")
TIME_FIELDS = ("userId", "taskId", "dateUtc", "duration", "description")


def rules() -> list:
    project = f"{PREFIX}/Projects/<project_id>"
    return [
        Rule(f"{PREFIX}/Projects", endpoint="api:projects_list", methods=["GET"]),
        Rule(f"{PREFIX}/Projects", endpoint="api:projects_create", methods=["POST"]),
        Rule(project, endpoint="api:projects_get", methods=["GET"]),
        Rule(project, endpoint="api:projects_update", methods=["PUT"]),
        Rule(project, endpoint="api:projects_patch", methods=["PATCH"]),
        Rule(f"{PREFIX}/ProjectsUsers", endpoint="api:projects_users", methods=["GET"]),
        Rule(f"{project}/Tasks", endpoint="api:projects_tasks", methods=["GET"]),
        Rule(f"{project}/Tasks", endpoint="api:projects_task_create", methods=["POST"]),
        Rule(f"{project}/Tasks/<task_id>", endpoint="api:projects_task", methods=["GET"]),
        Rule(f"{project}/Tasks/<task_id>", endpoint="api:projects_task_update", methods=["PUT"]),
        Rule(f"{project}/Tasks/<task_id>", endpoint="api:projects_task_delete", methods=["DELETE"]),
        Rule(f"{project}/Time", endpoint="api:projects_time_list", methods=["GET"]),
        Rule(f"{project}/Time", endpoint="api:projects_time_create", methods=["POST"]),
        Rule(f"{project}/Time/<entry_id>", endpoint="api:projects_time_get", methods=["GET"]),
        Rule(f"{project}/Time/<entry_id>", endpoint="api:projects_time_update", methods=["PUT"]),
        Rule(f"{project}/Time/<entry_id>", endpoint="api:projects_time_delete", methods=["DELETE"]),
    ]


# --- answers -------------------------------------------------------------------------------------------------------
def bad_request(message: str, model_state: dict = None) -> Response:
    return errors.json_response({"message": message, "modelState": model_state or {}}, status=400)


def no_content() -> Response:
    return Response(status=204)


def _page(call, items: list) -> Response:
    args = call.request.args
    try:
        page = int(args.get("page", 1))
        size = int(args.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        return bad_request("page and pageSize must be whole numbers.")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return bad_request(f"page must be 1 or more and pageSize between 1 and {MAX_PAGE_SIZE}.")
    pagination = {"page": page, "pageSize": size, "pageCount": -(-len(items) // size), "itemCount": len(items)}
    return errors.json_response({"pagination": pagination, "items": items[(page - 1) * size : page * size]})


def _body(request, names: tuple):
    """The JSON object's known fields under their canonical names (any key case); None when no object."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    canonical = {name.lower(): name for name in names}
    return {canonical[key.lower()]: value for key, value in body.items() if key.lower() in canonical}


def _amount(book, value: float) -> dict:
    return {"currency": book.currency, "value": round(value or 0.0, 2)}


def task_json(book, task: dict) -> dict:
    entries = [e for e in book.time_entries.values() if e["taskId"] == task["taskId"]]
    minutes = sum(e["duration"] for e in entries)
    invoiced = sum(e["duration"] for e in entries if e["status"] == "INVOICED")
    rate = task["rate"]["value"]
    charge = task["chargeType"]
    payload = {
        "taskId": task["taskId"],
        "name": task["name"],
        "rate": dict(task["rate"]),
        "chargeType": charge,
        "estimateMinutes": task["estimateMinutes"],
        "projectId": task["projectId"],
        "totalMinutes": minutes,
        "totalAmount": _amount(book, rate * minutes / 60 if charge == "TIME" else rate if charge == "FIXED" else 0),
        "minutesInvoiced": invoiced,
        "minutesToBeInvoiced": minutes - invoiced if charge == "TIME" else 0,
        "fixedMinutes": minutes if charge == "FIXED" else 0,
        "nonChargeableMinutes": minutes if charge == "NON_CHARGEABLE" else 0,
        "amountToBeInvoiced": _amount(book, rate * (minutes - invoiced) / 60 if charge == "TIME" else 0),
        "amountInvoiced": _amount(book, rate * invoiced / 60 if charge == "TIME" else 0),
        "status": task["status"],
    }
    return {key: value for key, value in payload.items() if value is not None}


def project_json(book, project: dict) -> dict:
    tasks = [task_json(book, t) for t in book.project_tasks(project["projectId"])]
    minutes = sum(t["totalMinutes"] for t in tasks)
    to_invoice = sum(t["minutesToBeInvoiced"] for t in tasks)
    task_amount = sum(t["totalAmount"]["value"] for t in tasks)
    task_to_invoice = sum(t["amountToBeInvoiced"]["value"] for t in tasks)
    payload = {
        "projectId": project["projectId"],
        "contactId": project["contactId"],
        "name": project["name"],
        "currencyCode": project["currencyCode"],
        "minutesLogged": minutes,
        "totalTaskAmount": _amount(book, task_amount),
        "totalExpenseAmount": _amount(book, 0),
        "estimateAmount": _amount(book, project["estimate"]),
        "minutesToBeInvoiced": to_invoice,
        "taskAmountToBeInvoiced": _amount(book, task_to_invoice),
        "taskAmountInvoiced": _amount(book, task_amount - task_to_invoice),
        "deadlineUtc": project["deadlineUtc"],
        "totalInvoiced": _amount(book, task_amount - task_to_invoice),
        "totalToBeInvoiced": _amount(book, task_to_invoice),
        "estimate": _amount(book, project["estimate"]),
        "status": project["status"],
    }
    return {key: value for key, value in payload.items() if value is not None}


def time_json(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if value is not None}


def _project(call, project_id: str):
    return call.tenant.projects.projects.get((project_id or "").lower())


def with_project(handler):
    """Runs ``handler(api, call, book, project, ...)``; unknown project -> 404, ProjectsError -> 400."""

    def run(api, call, project_id, **args):
        project = _project(call, project_id)
        if project is None:
            return errors.not_found()
        try:
            return handler(api, call, call.tenant.projects, project, **args)
        except ProjectsError as exc:
            return bad_request(exc.message, exc.model_state)

    return run


# --- projects and users ------------------------------------------------------------------------------------------
def list_projects(api, call):
    book = call.tenant.projects
    args = call.request.args
    ids = {i.strip().lower() for value in args.getlist("projectIds") for i in value.split(",") if i.strip()}
    states = {s.strip().upper() for s in args.get("states", "").split(",") if s.strip()}
    contact = args.get("contactID", "").lower()
    chosen = [
        project_json(book, p)
        for p in book.projects.values()
        if (not ids or p["projectId"] in ids)
        and (not states or p["status"] in states)
        and (not contact or p["contactId"] == contact)
    ]
    return _page(call, chosen)


def create_project(api, call):
    fields = _body(call.request, PROJECT_FIELDS)
    if fields is None:
        return bad_request("The request body must be a project object.")
    try:
        project = call.tenant.projects.create_project(call.tenant, fields)
    except ProjectsError as exc:
        return bad_request(exc.message, exc.model_state)
    return errors.json_response(project_json(call.tenant.projects, project), status=201)


@with_project
def get_project(api, call, book, project):
    return errors.json_response(project_json(book, project))


@with_project
def update_project(api, call, book, project):
    fields = _body(call.request, PROJECT_FIELDS)
    if fields is None:
        return bad_request("The request body must be a project object.")
    book.update_project(call.tenant, project, fields)
    return no_content()


@with_project
def patch_project(api, call, book, project):
    fields = _body(call.request, PROJECT_FIELDS) or {}
    book.set_project_status(project, fields.get("status"))
    return no_content()


def list_users(api, call):
    return _page(call, [dict(user) for user in call.tenant.projects.users.values()])


# --- tasks ---------------------------------------------------------------------------------------------------------
def _task(book, project, task_id):
    task = book.tasks.get((task_id or "").lower())
    return task if task is not None and task["projectId"] == project["projectId"] else None


@with_project
def list_tasks(api, call, book, project):
    args = call.request.args
    ids = {i.strip().lower() for i in args.get("taskIds", "").split(",") if i.strip()}
    charge = args.get("chargeType", "").upper()
    tasks = [
        task_json(book, t)
        for t in book.project_tasks(project["projectId"])
        if (not ids or t["taskId"] in ids) and (not charge or t["chargeType"] == charge)
    ]
    return _page(call, tasks)


@with_project
def create_task(api, call, book, project):
    fields = _body(call.request, TASK_FIELDS)
    if fields is None:
        return bad_request("The request body must be a task object.")
    return errors.json_response(task_json(book, book.save_task(project, fields)), status=201)


@with_project
def get_task(api, call, book, project, task_id):
    task = _task(book, project, task_id)
    return errors.json_response(task_json(book, task)) if task else errors.not_found()


@with_project
def update_task(api, call, book, project, task_id):
    task = _task(book, project, task_id)
    if task is None:
        return errors.not_found()
    fields = _body(call.request, TASK_FIELDS)
    if fields is None:
        return bad_request("The request body must be a task object.")
    book.save_task(project, fields, task)
    return no_content()


@with_project
def delete_task(api, call, book, project, task_id):
    task = _task(book, project, task_id)
    if task is None:
        return errors.not_found()
    book.delete_task(task)
    return no_content()


# --- time entries --------------------------------------------------------------------------------------------------
def _entry(book, project, entry_id):
    entry = book.time_entries.get((entry_id or "").lower())
    return entry if entry is not None and entry["projectId"] == project["projectId"] else None


def _time_filter(call, book, project):
    """A predicate over time entries from GET /Time's query; a 400 Response when the query is wrong."""
    args = call.request.args
    states = {s.strip().upper() for value in args.getlist("states") for s in value.split(",") if s.strip()}
    after, before = args.get("dateAfterUtc"), args.get("dateBeforeUtc")
    after_m, before_m = (_moment(after) if after else None), (_moment(before) if before else None)
    if (after and after_m is None) or (before and before_m is None):
        return bad_request("dateAfterUtc and dateBeforeUtc must be ISO-8601 UTC date times.")
    chargeable = args.get("isChargeable", "").lower()
    user, task = args.get("userId", "").lower(), args.get("taskId", "").lower()
    contact, invoice = args.get("contactId", "").lower(), args.get("invoiceId", "")

    def keep(entry: dict) -> bool:
        moment = _moment(entry["dateUtc"])
        task_record = book.tasks.get(entry["taskId"])
        is_chargeable = task_record is not None and task_record["chargeType"] != "NON_CHARGEABLE"
        return (
            (not user or entry["userId"] == user)
            and (not task or entry["taskId"] == task)
            and (not contact or project["contactId"] == contact)
            and not invoice  # the sandbox invoices nothing from Projects
            and (not states or entry["status"] in states)
            and (after_m is None or moment >= after_m)
            and (before_m is None or moment <= before_m)
            and (chargeable not in ("true", "false") or is_chargeable == (chargeable == "true"))
        )

    return keep


@with_project
def list_time(api, call, book, project):
    keep = _time_filter(call, book, project)
    if isinstance(keep, Response):
        return keep
    entries = sorted((e for e in book.project_time(project["projectId"]) if keep(e)), key=lambda e: e["dateUtc"])
    return _page(call, [time_json(e) for e in entries])


@with_project
def create_time(api, call, book, project):
    fields = _body(call.request, TIME_FIELDS)
    if fields is None:
        return bad_request("The request body must be a time entry object.")
    now = dt.datetime.fromtimestamp(call.now_ms / 1000, dt.timezone.utc).replace(tzinfo=None)
    return errors.json_response(time_json(book.save_time_entry(project, fields, now=now)))


@with_project
def get_time(api, call, book, project, entry_id):
    entry = _entry(book, project, entry_id)
    return errors.json_response(time_json(entry)) if entry else errors.not_found()


@with_project
def update_time(api, call, book, project, entry_id):
    entry = _entry(book, project, entry_id)
    if entry is None:
        return errors.not_found()
    fields = _body(call.request, TIME_FIELDS)
    if fields is None:
        return bad_request("The request body must be a time entry object.")
    book.save_time_entry(project, fields, entry)
    return no_content()


@with_project
def delete_time(api, call, book, project, entry_id):
    entry = _entry(book, project, entry_id)
    if entry is None:
        return errors.not_found()
    book.delete_time_entry(project, entry)
    return no_content()


for _name, _scopes, _handler in (
    ("projects_list", READ, list_projects),
    ("projects_create", WRITE, create_project),
    ("projects_get", READ, get_project),
    ("projects_update", WRITE, update_project),
    ("projects_patch", WRITE, patch_project),
    ("projects_users", READ, list_users),
    ("projects_tasks", READ, list_tasks),
    ("projects_task_create", WRITE, create_task),
    ("projects_task", READ, get_task),
    ("projects_task_update", WRITE, update_task),
    ("projects_task_delete", WRITE, delete_task),
    ("projects_time_list", READ, list_time),
    ("projects_time_create", WRITE, create_time),
    ("projects_time_get", READ, get_time),
    ("projects_time_update", WRITE, update_time),
    ("projects_time_delete", WRITE, delete_time),
):
    register(_name, _scopes, _handler)
KEY_REFUSALS[PREFIX] = lambda api, message: bad_request(message, {"Idempotency-Key": [message]})
