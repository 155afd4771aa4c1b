"""TrackingCategories: GET /TrackingCategories (where, order, includeArchived) and by id, seeded per
organisation (``extras.SEED_TRACKING``), and the check of invoice lines' ``Tracking``.

Without includeArchived only ACTIVE categories with their ACTIVE options are listed. A line's
Tracking names a category (Name or TrackingCategoryID) and an option (Option or
TrackingOptionID) of an ACTIVE category; at most 2 per line. The stored line carries all four.
"""

from werkzeug.routing import Rule

from . import errors
from .accounting import API_PREFIX, SETTINGS_READ, _filter_where, _order, register
from .contacts import truthy
from .where import WhereError

TRACKING_FIELDS = frozenset(("TrackingCategoryID", "Name", "Status"))
TRACKING_ORDER_FIELDS = {"name": "Name", "status": "Status", "trackingcategoryid": "TrackingCategoryID"}


def rules() -> list:
    return [
        Rule(f"{API_PREFIX}/TrackingCategories", endpoint="api:tracking_categories", methods=["GET"]),
        Rule(f"{API_PREFIX}/TrackingCategories/<category_id>", endpoint="api:tracking_category", methods=["GET"]),
    ]


def _visible(category: dict, include_archived: bool) -> dict:
    if include_archived:
        return category
    return dict(category, Options=[o for o in category["Options"] if o["Status"] == "ACTIVE"])


def get_tracking_categories(api, call):
    include_archived = truthy(call.request.args.get("includeArchived", "false"))
    categories = [
        _visible(c, include_archived)
        for c in call.tenant.tracking_categories
        if include_archived or c["Status"] == "ACTIVE"
    ]
    try:
        categories = _filter_where(categories, call.request.args.get("where"), "TrackingCategory", TRACKING_FIELDS)
        categories = _order(categories, call.request.args.get("order"), TRACKING_ORDER_FIELDS, "TrackingCategory")
    except WhereError as exc:
        return errors.query_parse_exception(str(exc))
    return api.envelope("TrackingCategories", categories)


def get_tracking_category(api, call, category_id):
    category = next(
        (c for c in call.tenant.tracking_categories if c["TrackingCategoryID"] == category_id.lower()), None
    )
    if category is None:
        return errors.not_found()
    return api.envelope("TrackingCategories", [category])


register("tracking_categories", SETTINGS_READ, get_tracking_categories)
register("tracking_category", SETTINGS_READ, get_tracking_category)
