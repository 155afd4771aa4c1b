"""Xero's ``where`` query filter: a small subset of .NET Dynamic LINQ.

Supported: ``Field == "text"`` (also ``!=``, ``>``, ``>=``, ``<``, ``<=``), ``AND``/``&&``,
``OR``/``||``, ``NOT``, parentheses, dotted paths (``Contact.ContactID``), literals
``"string"``, numbers, ``true``/``false``/``null``, ``Guid("...")``, ``DateTime(2024,1,31)``, and
the string methods ``Field.Contains("x")``, ``.StartsWith("x")``, ``.EndsWith("x")``.
String comparisons are case-insensitive (Xero evaluates filters in a case-insensitive database).
An unknown field raises ``WhereError`` with Dynamic LINQ's message, which the API returns as a 400
``QueryParseException``.
"""

import datetime as dt
import re

from .formats import UTC, parse_ms_json

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!().,])
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_STRING_METHODS = {"contains", "startswith", "endswith"}


class WhereError(ValueError):
    pass


def compile_where(text: str, entity: str, fields: frozenset):
    """A predicate over Xero-shaped dicts for a ``where`` expression.

    ``fields`` are the top-level property names the entity exposes (matched case-insensitively).
    """
    parser = _Parser(_tokenize(text), entity, {name.lower(): name for name in fields})
    predicate = parser.parse_or()
    if parser.peek() is not None:
        raise WhereError(f"Syntax error near '{parser.peek()[1]}'")
    return predicate


def _tokenize(text: str) -> list:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WhereError(f"Syntax error at position {position}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens, entity, fields):
        self.tokens = tokens
        self.position = 0
        self.entity = entity
        self.fields = fields

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise WhereError("Unexpected end of expression")
        self.position += 1
        return token

    def expect(self, value):
        token = self.take()
        if token[1] != value:
            raise WhereError(f"'{value}' expected, found '{token[1]}'")

    def accept_word(self, *words):
        token = self.peek()
        if token and token[1].upper() in words:
            self.position += 1
            return True
        return False

    def parse_or(self):
        left = self.parse_and()
        while self.accept_word("OR", "||"):
            right = self.parse_and()
            left = _either(left, right)
        return left

    def parse_and(self):
        left = self.parse_unary()
        while self.accept_word("AND", "&&"):
            right = self.parse_unary()
            left = _both(left, right)
        return left

    def parse_unary(self):
        if self.accept_word("NOT", "!"):
            inner = self.parse_unary()
            return lambda item: not inner(item)
        token = self.peek()
        if token and token[1] == "(":
            self.take()
            inner = self.parse_or()
            self.expect(")")
            return inner
        return self.parse_condition()

    def parse_condition(self):
        path = self.parse_path()
        if path[-1].lower() in _STRING_METHODS and len(path) > 1:
            return self.parse_string_method(path[:-1], path[-1].lower())
        kind, op = self.take()
        if kind != "op" or op not in ("==", "=", "!=", "<>", ">", ">=", "<", "<="):
            raise WhereError(f"Operator expected, found '{op}'")
        literal = self.parse_literal()
        getter = self.getter(path)
        return _comparison(getter, op, literal)

    def parse_string_method(self, path, method):
        self.expect("(")
        kind, needle = self.take()
        if kind != "string":
            raise WhereError(f"String literal expected in {method}()")
        self.expect(")")
        getter = self.getter(path)
        needle = needle.casefold()
        check = {
            "contains": lambda value: needle in value,
            "startswith": lambda value: value.startswith(needle),
            "endswith": lambda value: value.endswith(needle),
        }[method]
        return lambda item: isinstance(getter(item), str) and check(getter(item).casefold())

    def parse_path(self):
        kind, word = self.take()
        if kind != "word":
            raise WhereError(f"Field name expected, found '{word}'")
        path = [word]
        while self.peek() and self.peek()[1] == ".":
            self.take()
            kind, word = self.take()
            if kind != "word":
                raise WhereError(f"Field name expected after '.', found '{word}'")
            path.append(word)
        return path

    def parse_literal(self):
        kind, value = self.take()
        if kind == "string":
            return value
        if kind == "number":
            return float(value)
        if kind == "word":
            lowered = value.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if lowered == "null":
                return None
            if lowered == "guid":
                self.expect("(")
                inner_kind, guid = self.take()
                self.expect(")")
                return guid.lower()
            if lowered == "datetime":
                return self.parse_datetime_literal()
        raise WhereError(f"Literal expected, found '{value}'")

    def parse_datetime_literal(self):
        self.expect("(")
        numbers = []
        while True:
            kind, value = self.take()
            if kind != "number":
                raise WhereError("DateTime() takes numbers")
            numbers.append(int(float(value)))
            if self.peek() and self.peek()[1] == ",":
                self.take()
                continue
            break
        self.expect(")")
        return _DateLiteral(int(dt.datetime(*numbers, tzinfo=UTC).timestamp() * 1000))

    def getter(self, path):
        top = self.fields.get(path[0].lower())
        if top is None:
            raise WhereError(f"No property or field '{path[0]}' exists in type '{self.entity}'")
        rest = path[1:]

        def get(item):
            value = item.get(top)
            for name in rest:
                if not isinstance(value, dict):
                    return None
                value = _get_case_insensitive(value, name)
            return value

        return get


class _DateLiteral(int):
    """Milliseconds since the epoch, compared against MS-JSON dates."""


def _get_case_insensitive(mapping: dict, name: str):
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if key.lower() == lowered:
            return value
    return None


def _both(left, right):
    return lambda item: left(item) and right(item)


def _either(left, right):
    return lambda item: left(item) or right(item)


def _normalise(value, literal):
    """Bring a field value and a literal to comparable Python values."""
    if isinstance(literal, _DateLiteral):
        ms = parse_ms_json(value) if isinstance(value, str) else None
        return ms, int(literal)
    if isinstance(literal, str):
        return (value.casefold() if isinstance(value, str) else value), literal.casefold()
    if isinstance(literal, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), literal
    return value, literal


def _comparison(getter, op, literal):
    def compare(item):
        value, expected = _normalise(getter(item), literal)
        if op in ("==", "="):
            return value == expected
        if op in ("!=", "<>"):
            return value != expected
        if value is None or expected is None:
            return False
        try:
            return {">": value > expected, ">=": value >= expected, "<": value < expected, "<=": value <= expected}[op]
        except TypeError:
            return False

    return compare
