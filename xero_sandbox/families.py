"""The endpoint families added for issues 14, 15 and 26; importing a module registers its handlers."""

from . import attachments, branding, creditnotes, groups, payments, payroll_api, projects_api, tracking


def rules() -> list:
    return (
        groups.rules()
        + payments.rules()
        + creditnotes.rules()
        + attachments.rules()
        + tracking.rules()
        + payroll_api.rules()
        + projects_api.rules()
        + branding.rules()
    )
