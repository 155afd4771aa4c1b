"""Invoice lines' ``Tracking`` checked against the organisation's tracking categories (see tracking.py)."""


def resolve_line_tracking(tenant, tracking) -> tuple:
    """(normalised Tracking list, problems) for one invoice line."""
    if not tracking:
        return [], []
    if not isinstance(tracking, list):
        return [], ["Tracking must be a list."]
    if len(tracking) > 2:
        return [], ["A line item can have at most 2 tracking categories."]
    resolved, problems = [], []
    for item in tracking:
        item = item if isinstance(item, dict) else {}
        category = _match(
            tenant.tracking_categories, item.get("TrackingCategoryID"), item.get("Name"), "TrackingCategoryID"
        )
        if category is None or category["Status"] != "ACTIVE":
            problems.append(
                f"The tracking category '{item.get('Name') or item.get('TrackingCategoryID')}' is not valid."
            )
            continue
        option = _match(category["Options"], item.get("TrackingOptionID"), item.get("Option"), "TrackingOptionID")
        if option is None or option["Status"] != "ACTIVE":
            label = item.get("Option") or item.get("TrackingOptionID")
            problems.append(f"The tracking option '{label}' is not valid for tracking category '{category['Name']}'.")
            continue
        resolved.append(
            {
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
                "Name": category["Name"],
                "Option": option["Name"],
            }
        )
    return resolved, problems


def _match(items, item_id, name, id_key):
    for candidate in items:
        if item_id and candidate[id_key] == str(item_id).lower():
            return candidate
        if not item_id and name and candidate["Name"].casefold() == str(name).casefold():
            return candidate
    return None
