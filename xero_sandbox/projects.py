"""Xero Projects state per organisation: projects users, projects, tasks and time entries.

Records are kept in the Projects API's own camelCase shape (``projects_api`` adds the computed totals).
Every seeded organisation has three projects users (deterministic per seed); the control API adds more,
and sets a time entry's status (INVOICED / LOCKED happen inside Xero, never through the API).

Rules (from xero-projects.yaml; the wording of the messages is the sandbox's own): a project needs a
name and, when given, an existing contact; tasks need a name of at most 100 characters, a rate and a
charge type; a time entry needs a projects user, a task of that project, a ``dateUtc`` and a whole
``duration`` of 1 to 59940 minutes; nothing is added to or changed on a CLOSED project; a time entry
that is LOCKED or INVOICED cannot be changed or deleted; a task with time logged cannot be deleted.
"""

import datetime as dt
import threading
import uuid

from .data import seeded_uuid, tenant_rng

SEED_USERS = (
    ("Aroha Ngata", "aroha.ngata@example.com"),
    ("Bridget Lowe", "bridget.lowe@example.com"),
    ("Sam Practice", "sam.practice@example.com"),
)
CHARGE_TYPES = ("TIME", "FIXED", "NON_CHARGEABLE")
MAX_DURATION = 59940
MAX_TASK_NAME = 100


class ProjectsError(ValueError):
    """A refused request: ``model_state`` is {field: [message, ...]} as the API's ``modelState``."""

    def __init__(self, model_state: dict, message: str = "The request is invalid."):
        super().__init__(message)
        self.message = message
        self.model_state = model_state


class ProjectsBook:
    def __init__(self, currency: str):
        self.currency = currency
        self.lock = threading.RLock()
        self.users = {}
        self.projects = {}
        self.tasks = {}
        self.time_entries = {}

    @classmethod
    def seeded(cls, tenant, seed: int) -> "ProjectsBook":
        book = cls(tenant.base_currency)
        rng = tenant_rng(seed, tenant.index, "projects")
        for name, email in SEED_USERS:
            book.add_user(name, email, uuid_value=seeded_uuid(rng))
        return book

    def add_user(self, name: str, email: str, uuid_value: str = None) -> dict:
        user = {"userId": uuid_value or str(uuid.uuid4()), "name": name, "email": email}
        with self.lock:
            self.users[user["userId"]] = user
        return user

    # --- projects ------------------------------------------------------------------------------------------------
    def create_project(self, tenant, fields: dict) -> dict:
        with self.lock:
            self._project_fields_or_fail(tenant, fields)
            project = {
                "projectId": str(uuid.uuid4()),
                "contactId": (fields.get("contactId") or "").lower() or None,
                "name": fields["name"],
                "currencyCode": self.currency,
                "estimate": _number(fields.get("estimateAmount")),
                "deadlineUtc": fields.get("deadlineUtc"),
                "status": "INPROGRESS",
            }
            self.projects[project["projectId"]] = project
            return project

    def update_project(self, tenant, project: dict, fields: dict) -> None:
        with self.lock:
            self._project_fields_or_fail(tenant, fields)
            _open_or_fail(project)
            contact = (fields.get("contactId") or "").lower() or None
            if contact and project["contactId"] and contact != project["contactId"]:
                raise ProjectsError({"contactId": ["The contact of a project cannot be changed."]})
            project.update(name=fields["name"], deadlineUtc=fields.get("deadlineUtc"))
            project["contactId"] = project["contactId"] or contact
            if "estimateAmount" in fields:
                project["estimate"] = _number(fields.get("estimateAmount"))

    def set_project_status(self, project: dict, status) -> None:
        if status not in ("INPROGRESS", "CLOSED"):
            raise ProjectsError({"status": ["Status must be INPROGRESS or CLOSED."]})
        with self.lock:
            project["status"] = status

    @staticmethod
    def _project_fields_or_fail(tenant, fields: dict) -> None:
        state = {}
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            state["name"] = ["The name field is required."]
        contact = fields.get("contactId")
        if contact and str(contact).lower() not in tenant.contacts:
            state["contactId"] = ["The contact was not found."]
        if fields.get("deadlineUtc") and _moment(fields["deadlineUtc"]) is None:
            state["deadlineUtc"] = ["deadlineUtc must be an ISO-8601 UTC date time."]
        if fields.get("estimateAmount") is not None and _number(fields["estimateAmount"]) is None:
            state["estimateAmount"] = ["estimateAmount must be a number."]
        if state:
            raise ProjectsError(state)

    # --- tasks ---------------------------------------------------------------------------------------------------
    def save_task(self, project: dict, fields: dict, task: dict = None) -> dict:
        with self.lock:
            _open_or_fail(project)
            state = {}
            name = fields.get("name")
            if not isinstance(name, str) or not name.strip():
                state["name"] = ["The name field is required."]
            elif len(name) > MAX_TASK_NAME:
                state["name"] = [f"The name must be {MAX_TASK_NAME} characters or fewer."]
            rate = fields.get("rate")
            if not isinstance(rate, dict) or _number(rate.get("value")) is None:
                state["rate"] = ["The rate field is required (currency and value)."]
            if fields.get("chargeType") not in CHARGE_TYPES:
                state["chargeType"] = [f"chargeType must be one of {', '.join(CHARGE_TYPES)}."]
            if state:
                raise ProjectsError(state)
            if task is None:
                task = {"taskId": str(uuid.uuid4()), "projectId": project["projectId"], "status": "ACTIVE"}
                self.tasks[task["taskId"]] = task
            task.update(
                name=name,
                rate={"currency": self.currency, "value": _number(rate["value"])},
                chargeType=fields["chargeType"],
                estimateMinutes=fields.get("estimateMinutes"),
            )
            return task

    def delete_task(self, task: dict) -> None:
        with self.lock:
            _open_or_fail(self.projects[task["projectId"]])
            if any(entry["taskId"] == task["taskId"] for entry in self.time_entries.values()):
                raise ProjectsError({"taskId": ["A task with time logged against it cannot be deleted."]})
            del self.tasks[task["taskId"]]

    def project_tasks(self, project_id: str) -> list:
        return [task for task in self.tasks.values() if task["projectId"] == project_id]

    # --- time entries --------------------------------------------------------------------------------------------
    def save_time_entry(self, project: dict, fields: dict, entry: dict = None, now: dt.datetime = None) -> dict:
        with self.lock:
            _open_or_fail(project)
            if entry is not None:
                _changeable_or_fail(entry)
            self._time_fields_or_fail(project, fields)
            if entry is None:
                entry = {
                    "timeEntryId": str(uuid.uuid4()),
                    "projectId": project["projectId"],
                    "dateEnteredUtc": _iso(now or _utcnow()),
                    "status": "ACTIVE",
                }
                self.time_entries[entry["timeEntryId"]] = entry
            entry.update(
                userId=fields["userId"].lower(),
                taskId=fields["taskId"].lower(),
                dateUtc=_iso(_moment(fields["dateUtc"])),
                duration=fields["duration"],
                description=fields.get("description"),
            )
            return entry

    def delete_time_entry(self, project: dict, entry: dict) -> None:
        with self.lock:
            _open_or_fail(project)
            _changeable_or_fail(entry)
            del self.time_entries[entry["timeEntryId"]]

    def project_time(self, project_id: str) -> list:
        return [entry for entry in self.time_entries.values() if entry["projectId"] == project_id]

    def _time_fields_or_fail(self, project: dict, fields: dict) -> None:
        state = {}
        if str(fields.get("userId") or "").lower() not in self.users:
            state["userId"] = ["The user was not found among the projects users."]
        task = self.tasks.get(str(fields.get("taskId") or "").lower())
        if task is None or task["projectId"] != project["projectId"]:
            state["taskId"] = ["The task was not found in this project."]
        if not fields.get("dateUtc") or _moment(fields["dateUtc"]) is None:
            state["dateUtc"] = ["dateUtc is required as an ISO-8601 UTC date time."]
        duration = fields.get("duration")
        if not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= MAX_DURATION:
            state["duration"] = [f"Duration must be a whole number of minutes between 1 and {MAX_DURATION}."]
        if state:
            raise ProjectsError(state)

    def set_time_entry_status(self, entry: dict, status: str) -> dict:
        if status not in ("ACTIVE", "LOCKED", "INVOICED"):
            raise ValueError("status must be ACTIVE, LOCKED or INVOICED")
        with self.lock:
            entry["status"] = status
        return entry


def _open_or_fail(project: dict) -> None:
    if project["status"] == "CLOSED":
        raise ProjectsError({"projectId": ["The project is closed: reopen it (status INPROGRESS) to change it."]})


def _changeable_or_fail(entry: dict) -> None:
    if entry["status"] != "ACTIVE":
        raise ProjectsError({"timeEntryId": [f"A time entry with status {entry['status']} cannot be changed."]})


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _moment(value):
    """A naive UTC datetime from an ISO-8601 string; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
