"""How a Xero contact and an Odoo partner are compared: pure functions, no environment.

Two names are the same client when they differ only by case, accents, spacing, punctuation or a trailing
legal form ("Acme Ltd", "ACME Limited", "acme, inc." are one client). Two e-mail addresses when they differ
only by case and surrounding spaces; two tax numbers when they differ only by case, spaces and punctuation.
"""

import re
import unicodedata

# trailing legal forms, longest first (a name is never reduced to nothing)
LEGAL_SUFFIXES = (
    ("pty", "ltd"),
    ("pty", "limited"),
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
)
_NOT_WORD = re.compile(r"[\W_]+")


def _plain(text):
    """Casefolded, without accents."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def normalise_name(name):
    """``"Acme  Pty. Ltd."`` → ``"acme"``; ``""`` for an empty name."""
    words = _NOT_WORD.sub(" ", _plain(name).replace("&", " and ")).split()
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
    """``" AP@Acme.example "`` → ``"ap@acme.example"``; ``""`` when there is none."""
    return (email or "").strip().casefold()


def normalise_vat(vat):
    """``"gb 123.456-78"`` → ``"GB12345678"``; ``""`` when there is none."""
    return _NOT_WORD.sub("", _plain(vat)).upper()
