"""BrandingThemes: GET /BrandingThemes and by id (seeded per organisation by ``extras``)."""

from werkzeug.routing import Rule

from . import errors
from .accounting import API_PREFIX, SETTINGS_READ, register


def rules() -> list:
    return [
        Rule(f"{API_PREFIX}/BrandingThemes", endpoint="api:branding_themes", methods=["GET"]),
        Rule(f"{API_PREFIX}/BrandingThemes/<theme_id>", endpoint="api:branding_theme", methods=["GET"]),
    ]


def get_branding_themes(api, call):
    return api.envelope("BrandingThemes", sorted(call.tenant.branding_themes, key=lambda t: t["SortOrder"]))


def get_branding_theme(api, call, theme_id):
    theme = call.tenant.branding_themes_by_id.get(theme_id.lower())
    if theme is None:
        return errors.not_found()
    return api.envelope("BrandingThemes", [theme])


register("branding_themes", SETTINGS_READ, get_branding_themes)
register("branding_theme", SETTINGS_READ, get_branding_theme)
