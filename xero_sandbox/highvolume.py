"""Xero's high-volume threshold on GET /Contacts.

Organisations with more contacts than the threshold (Xero: about 100,000; per tenant here, set by
the control API) refuse ``where`` filters and ``order`` clauses that are not optimised, with
``400 {"ErrorNumber": 51, "Type": "HighVolumeException", "Message": ...}`` (the message as quoted in
XeroAPI/xero-python#148 and Xero-NetStandard#604). Optimised, per Xero's efficient data retrieval
guide as summarised in ../shared/docs/xero-api.md: filters on Name, EmailAddress and AccountNumber
(``==``, StartsWith, Contains), combined with AND/OR; order by ContactID, UpdatedDateUTC or Name.
``searchTerm``, ``IDs``, paging and If-Modified-Since stay allowed. Everything else, e.g.
``IsCustomer==true`` or ``ContactNumber=="A1"``, is refused.
"""

from . import errors
from .where import WhereError, _tokenize

OPTIMISED_WHERE_FIELDS = frozenset(("name", "emailaddress", "accountnumber"))
OPTIMISED_ORDER_FIELDS = frozenset(("contactid", "updateddateutc", "name"))
_OPERATORS = frozenset(("==", "=", "!=", "<>", ">", ">=", "<", "<="))
_KEYWORDS = frozenset(("and", "or", "not", "true", "false", "null", "guid", "datetime"))
MESSAGE = (
    "Your request is not filtering Contacts efficiently, given the extremely high volume for this organisation. "
    "Please check https://developer.xero.com/documentation/api/efficient-data-retrieval for tips on making "
    "Contact retrieval more efficient."
)


def high_volume_refusal(tenant, args):
    """The 400 response for an unoptimised Contacts query on a high-volume tenant, else None."""
    if len(tenant.contacts) <= tenant.high_volume_threshold:
        return None
    where, order = args.get("where", ""), args.get("order", "")
    if (where and not where_is_optimised(where)) or (order and not order_is_optimised(order)):
        return errors.json_response({"ErrorNumber": 51, "Type": "HighVolumeException", "Message": MESSAGE}, status=400)
    return None


def where_is_optimised(where: str) -> bool:
    try:
        tokens = _tokenize(where)
    except WhereError:
        return True  # the parser answers with its QueryParseException
    for index, (kind, value) in enumerate(tokens):
        if kind != "word" or value.lower() in _KEYWORDS:
            continue
        if index > 0 and tokens[index - 1][1] == ".":
            continue  # a method (StartsWith) or a nested property
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if following in _OPERATORS or following == ".":
            if value.lower() not in OPTIMISED_WHERE_FIELDS:
                return False
    return True


def order_is_optimised(order: str) -> bool:
    parts = order.split()
    return bool(parts) and parts[0].lower() in OPTIMISED_ORDER_FIELDS
