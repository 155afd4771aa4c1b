"""The endpoint families added for issues 14 and 15; importing a module registers its handlers."""

from . import attachments, creditnotes, groups, payments, tracking


def rules() -> list:
    return groups.rules() + payments.rules() + creditnotes.rules() + attachments.rules() + tracking.rules()
