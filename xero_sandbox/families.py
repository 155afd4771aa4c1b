"""The endpoint families added for issues 14 and 15; importing a module registers its handlers."""

from . import groups


def rules() -> list:
    return groups.rules()
