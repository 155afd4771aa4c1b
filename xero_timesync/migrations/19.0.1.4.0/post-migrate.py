"""19.0.1.4.0: membership grants ``group_xero_member`` (time tracking on the Xero project) instead of the Project
app's rights. Members of an earlier version get it here; the Project user and Timesheets rights the old code
gave them stay (nothing tells them apart from rights given by hand), an administrator takes them back.

Earlier versions also let anyone make internal users follow the Xero project or tasks they may not see, and
assign them there (Follow, the followers wizard, mentions, rows written directly): restrictions lifted that way
would stay lifted, and a row with notifications made every new task of the project fail. Those rows go, and
such assignees are unassigned (Odoo shows a task to its assignees): what remains is what the membership means,
as the current code keeps it (see models/mail_followers.py). External contacts keep following."""

from collections import defaultdict

from odoo import SUPERUSER_ID, Command, api

from odoo.addons.xero_timesync.models.mail_followers import membership_followers


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    members = env["xero.project.member"].search([("active", "=", True)])
    members._grant_member_groups()
    projects = env["project.project"].search([("is_xero_project", "=", True)])
    if projects:
        tasks = env["project.task"].search([("project_id", "in", projects.ids)])
        _remove_followers_not_made_by_membership(env, projects, tasks)
        _unassign_users_outside(env, tasks)


def _is_internal(partner):
    return any(not user.share for user in partner.user_ids)


def _remove_followers_not_made_by_membership(env, projects, tasks):
    Followers = env["mail.followers"]
    made = {
        (member.project_id.id, member.partner_id.id)
        for member in env["xero.project.member"].search(
            [("project_id", "in", projects.ids), ("restrict_to_tasks", "=", False), ("active", "=", True)]
        )
    }
    project_rows = Followers.search([("res_model", "=", "project.project"), ("res_id", "in", projects.ids)])
    stale = project_rows.filtered(
        lambda row: (row.res_id, row.partner_id.id) not in made and _is_internal(row.partner_id)
    )
    task_rows = Followers.search([("res_model", "=", "project.task"), ("res_id", "in", tasks.ids)])
    forbidden = Followers._xero_forbidden_followers(
        {(row.res_model, row.res_id, row.partner_id.id) for row in task_rows}
    )
    stale |= task_rows.filtered(lambda row: (row.res_model, row.res_id, row.partner_id.id) in forbidden)
    with membership_followers():
        stale.unlink()


def _unassign_users_outside(env, tasks):
    assigned = tasks.filtered(lambda task: task.user_ids.filtered("active"))
    if not assigned:
        return
    users = assigned.user_ids.filtered("active")
    viewers = env["mail.followers"]._xero_task_viewers(assigned, {user.partner_id.id: user for user in users})
    outside = defaultdict(lambda: env["project.task"])
    for task in assigned:
        unseen = task.user_ids.filtered("active") - viewers[task.id]
        if unseen:
            outside[unseen] |= task
    for unseen, group in outside.items():
        group.with_context(active_test=True).write({"user_ids": [Command.unlink(user.id) for user in unseen]})
