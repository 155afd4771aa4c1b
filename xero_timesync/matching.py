"""How a Xero contact and an Odoo partner are compared, and who matches whom: pure functions, no environment.

Two names are the same client when they differ only by case, accents, spacing, punctuation or a trailing
legal form ("Acme Ltd", "ACME Limited", "acme, inc." are one client). Two e-mail addresses when they differ
only by case and surrounding spaces; two tax numbers when they differ only by case, spaces and punctuation
(``normalise_vat``), or also by a country prefix (``vat_key``, the import's matching key). Shared by the
contact import and its review screen (match before create) and the contact lookup before a push.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# trailing legal forms, longest first (a name is never reduced to nothing); dots are dropped first, so
# "S.A." is ("sa",) and "B.V." is ("bv",)
LEGAL_SUFFIXES = (
    ("pty", "ltd"),
    ("pty", "limited"),
    ("pte", "ltd"),
    ("ltd",),
    ("limited",),
    ("gmbh",),
    ("inc",),
    ("incorporated",),
    ("llc",),
    ("llp",),
    ("plc",),
    ("corp",),
    ("corporation",),
    ("ag",),
    ("sa",),
    ("sas",),
    ("sarl",),
    ("srl",),
    ("spa",),
    ("bv",),
    ("nv",),
    ("oy",),
    ("ab",),
    ("aps",),
)
_NOT_WORD = re.compile(r"[\W_]+")
_COUNTRY_PREFIX = re.compile(r"^[A-Z]{2}(?=[0-9])")

# Keys from the strongest to the weakest: the first key on which a contact finds partners decides.
KEYS = ("contact_number", "account_number", "vat", "email", "name")


def _plain(text):
    """Casefolded, without accents."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def normalise_name(name):
    """``"Acme  Pty. Ltd."`` → ``"acme"``; ``""`` for an empty name."""
    words = _NOT_WORD.sub(" ", _plain(name).replace(".", "").replace("&", " and ")).split()
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                stripped = True
                break
    return " ".join(words)


def normalise_email(email):
    """``" AP@Acme.example "`` → ``"ap@acme.example"``; ``""`` when there is none (or it has no ``@``)."""
    email = (email or "").strip().casefold()
    return email if "@" in email else ""


def normalise_vat(vat):
    """``"gb 123.456-78"`` → ``"GB12345678"``; ``""`` when there is none."""
    return _NOT_WORD.sub("", _plain(vat)).upper()


def vat_key(vat):
    """A tax number as a matching key: ``normalise_vat`` without a country prefix (``"GB 123-456 789"`` and
    ``"123456789"`` are one). The import's SQL narrowing computes the same in PostgreSQL."""
    return _COUNTRY_PREFIX.sub("", normalise_vat(vat))


def normalise_ref(ref):
    """A ContactNumber, an AccountNumber or a partner's reference: trimmed, case-insensitive."""
    return (ref or "").strip().casefold()


def contact_keys(contact):
    """``{key: normalised value}`` of a Xero contact (``services.values.XeroContact``)."""
    return {
        "contact_number": normalise_ref(contact.contact_number),
        "account_number": normalise_ref(contact.account_number),
        "vat": vat_key(contact.tax_number),
        "email": normalise_email(contact.email),
        "name": normalise_name(contact.name),
    }


def partner_keys(ref, vat, email, name):
    """``{key: normalised value}`` of a partner: its reference stands for both Xero numbers."""
    number = normalise_ref(ref)
    return {
        "contact_number": number,
        "account_number": number,
        "vat": vat_key(vat),
        "email": normalise_email(email),
        "name": normalise_name(name),
    }


@dataclass
class Match:
    """What became of one contact: ``state`` is "matched" (``partner_id`` by ``key``), "conflict" (several
    ``candidate_ids``, on ``key``) or "new" (nothing matched)."""

    state: str
    key: str = ""
    partner_id: int = 0
    candidate_ids: list = field(default_factory=list)


def match_contacts(contacts, partners, refused=frozenset()):
    """Match ``contacts`` ({ContactID: keys}) to ``partners`` ({partner id: keys}); ``refused`` holds the
    (ContactID, partner id) pairs an administrator refused. Returns {ContactID: Match}.

    The strongest key on which a contact finds partners decides: one partner is a match, several are a
    conflict. A partner matched by several contacts is a conflict for each of them: nothing is guessed.
    """
    index = {key: {} for key in KEYS}
    for partner_id, keys in partners.items():
        for key in KEYS:
            if keys.get(key):
                index[key].setdefault(keys[key], []).append(partner_id)
    result = {}
    for contact_id, keys in contacts.items():
        result[contact_id] = Match("new")
        for key in KEYS:
            found = [pid for pid in index[key].get(keys.get(key) or "", ()) if (contact_id, pid) not in refused]
            if len(found) == 1:
                result[contact_id] = Match("matched", key, found[0], found)
                break
            if found:
                result[contact_id] = Match("conflict", key, 0, sorted(found))
                break
    claimed = {}
    for contact_id, match in result.items():
        if match.state == "matched":
            claimed.setdefault(match.partner_id, []).append(contact_id)
    for partner_id, contact_ids in claimed.items():
        if len(contact_ids) > 1:
            for contact_id in contact_ids:
                result[contact_id] = Match("conflict", result[contact_id].key, 0, [partner_id])
    return result
