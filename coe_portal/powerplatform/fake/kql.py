"""The slice of KQL the inventory API's clauses carry (inventory-api.md §1.4), parsed and evaluated.

Expressions are what clauses put in `FieldName`, `Expression`, `Values`, `FieldList` and order
keys: literals ('text', 12, true, datetime(2024-01-01), 24h), columns and paths into dynamic
values (properties.displayName), and calls of the functions the reference's samples use
(tostring, todatetime, tolower, toupper, tobool, toint, tolong, array_length, isempty,
isnotempty, isnull, isnotnull, iif, ago, now, parse_json). A clause that names a column the
table does not have fails as ARG does (Operator_FailedToResolveEntity, §1.4).
"""

import json
import re
from datetime import UTC, datetime, timedelta

__all__ = ["KqlError", "Schema", "compile_expression", "compare", "parse", "to_string"]


class KqlError(Exception):
    """A query ARG refuses: `code` is the detail code (§1.4 names the ones seen), `message` says why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Schema:
    """The columns a clause sees: name -> (type, unique). `dynamic` is KQL's untyped JSON value."""

    def __init__(self, columns):
        self.columns = dict(columns)

    def copy(self):
        return Schema(self.columns)


TOKEN = re.compile(r"""
    \s*(?:
      (?P<datetime>datetime\(\s*(?P<stamp>[^)]*?)\s*\))
    | (?P<span>\d+(?:\.\d+)?(?:ms|d|h|m|s)\b)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<string>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<punct>[().,\[\]=+\-*/%])
    )""", re.VERBOSE)
SPAN_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
LITERAL_NAMES = {"true": True, "false": False, "null": None}


def _tokens(text):
    position, found = 0, []
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise KqlError("ParserFailure", f"Query could not be parsed at '{text[position:position + 20]}'.")
        kind = next(k for k in ("datetime", "span", "number", "string", "name", "punct") if match.group(k) is not None)
        found.append((kind, match.group("stamp") if kind == "datetime" else match.group(kind)))
        position = match.end()
    return found


def parse(text):
    """The syntax tree of one expression: ("lit", value) | ("col", name, path) | ("call", name, args)
    | ("arith", operator, left, right), the last evaluated left to right."""
    tokens = _tokens(str(text))
    if not tokens:
        raise KqlError("ParserFailure", "An expression is empty.")
    tree, rest = _expression(tokens, 0)
    if rest != len(tokens):
        raise KqlError("ParserFailure", f"Unexpected '{tokens[rest][1]}' in '{text}'.")
    return tree


ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "%": lambda a, b: a % b}


def _expression(tokens, at):
    tree, at = _operand(tokens, at)
    while at + 1 < len(tokens) and tokens[at][0] == "punct" and tokens[at][1] in ARITHMETIC:
        right, following = _operand(tokens, at + 1)
        tree, at = ("arith", tokens[at][1], tree, right), following
    return tree, at


def _operand(tokens, at):
    kind, value = tokens[at]
    if (kind, value) == ("punct", "-") and at + 1 < len(tokens) and tokens[at + 1][0] == "number":
        literal, following = _operand(tokens, at + 1)
        return ("lit", -literal[1]), following
    if kind == "datetime":
        return ("lit", _datetime(value.strip("'\""))), at + 1
    if kind == "span":
        number, unit = re.fullmatch(r"([\d.]+)(ms|d|h|m|s)", value).groups()
        return ("lit", timedelta(seconds=float(number) * SPAN_UNITS[unit])), at + 1
    if kind == "number":
        return ("lit", float(value) if "." in value else int(value)), at + 1
    if kind == "string":
        quote = value[0]
        text = value[1:-1].replace("''", "'") if quote == "'" else json.loads(value)
        return ("lit", text), at + 1
    if kind != "name":
        raise KqlError("ParserFailure", f"Unexpected '{value}'.")
    if value in LITERAL_NAMES:
        return ("lit", LITERAL_NAMES[value]), at + 1
    if at + 1 < len(tokens) and tokens[at + 1] == ("punct", "("):
        return _call(tokens, value, at + 2)
    path, at = [], at + 1
    while at < len(tokens) and tokens[at][1] in (".", "["):
        if tokens[at][1] == "." and at + 1 < len(tokens) and tokens[at + 1][0] == "name":
            path.append(tokens[at + 1][1])
            at += 2
        elif tokens[at][1] == "[" and at + 2 < len(tokens) and tokens[at + 2] == ("punct", "]"):
            key, _ = _expression(tokens, at + 1)
            path.append(key[1])
            at += 3
        else:
            raise KqlError("ParserFailure", f"A path after '{value}' is malformed.")
    return ("col", value, tuple(path)), at


def _call(tokens, name, at):
    args = []
    while at < len(tokens) and tokens[at] != ("punct", ")"):
        arg, at = _expression(tokens, at)
        args.append(arg)
        if at < len(tokens) and tokens[at] == ("punct", ","):
            at += 1
    if at >= len(tokens):
        raise KqlError("ParserFailure", f"The call of {name} is not closed.")
    if name not in FUNCTIONS:
        raise KqlError("UnknownFunction", f"'{name}' is not a known function.")
    return ("call", name, tuple(args)), at + 1


def _datetime(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise KqlError("ParserFailure", f"'{text}' is not a datetime.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Values

def to_string(value):
    """KQL tostring: null is empty, booleans lower case, dynamic values compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def to_datetime(value):
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return _datetime(str(value))
    except KqlError:
        return None


def _to_number(value):
    if isinstance(value, bool) or value is None:
        return None if value is None else int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _to_bool(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.lower())
    return bool(value)


FUNCTIONS = {  # name -> (result type, implementation over evaluated arguments and the query's now)
    "tostring": ("string", lambda now, v: to_string(v)),
    "todatetime": ("datetime", lambda now, v: to_datetime(v)),
    "tolower": ("string", lambda now, v: to_string(v).lower()),
    "toupper": ("string", lambda now, v: to_string(v).upper()),
    "tobool": ("bool", lambda now, v: _to_bool(v)),
    "toint": ("long", lambda now, v: _to_number(v)),
    "tolong": ("long", lambda now, v: _to_number(v)),
    "array_length": ("long", lambda now, v: len(v) if isinstance(v, list) else None),
    "isempty": ("bool", lambda now, v: v is None or v == ""),
    "isnotempty": ("bool", lambda now, v: not (v is None or v == "")),
    "isnull": ("bool", lambda now, v: v is None),
    "isnotnull": ("bool", lambda now, v: v is not None),
    "iif": ("dynamic", lambda now, c, a, b: a if c else b),
    "ago": ("datetime", lambda now, span: now - span),
    "now": ("datetime", lambda now: now),
    "parse_json": ("dynamic", lambda now, v: json.loads(v) if isinstance(v, str) else v),
}


def type_of(tree, schema):
    """The KQL type of an expression over `schema`; resolving its columns on the way."""
    kind = tree[0]
    if kind == "lit":
        value = tree[1]
        return ("datetime" if isinstance(value, datetime) else "timespan" if isinstance(value, timedelta)
                else "bool" if isinstance(value, bool) else "long" if isinstance(value, int)
                else "real" if isinstance(value, float) else "string")
    if kind == "arith":
        type_of(tree[2], schema)
        type_of(tree[3], schema)
        return "real"
    if kind == "col":
        if tree[1] not in schema.columns:
            raise KqlError("Operator_FailedToResolveEntity", f"'{tree[1]}' operator: Failed to resolve table or "
                                                             f"column expression named '{tree[1]}'")
        column_type = schema.columns[tree[1]][0]
        return "dynamic" if tree[2] else column_type
    for arg in tree[2]:
        type_of(arg, schema)
    return FUNCTIONS[tree[1]][0]


def compile_expression(tree, schema, now):
    """A function row -> value for `tree`, after checking its columns against `schema`."""
    type_of(tree, schema)
    return _compiled(tree, now)


def _compiled(tree, now):
    if tree[0] == "lit":
        value = tree[1]
        return lambda row: value
    if tree[0] == "col":
        name, path = tree[1], tree[2]
        if not path:
            return lambda row: row.get(name)

        def walk(row):
            value = row.get(name)
            for key in path:
                value = value.get(key) if isinstance(value, dict) else (
                    value[key] if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value)
                    else None)
            return value
        return walk
    if tree[0] == "arith":
        operate, left, right = ARITHMETIC[tree[1]], _compiled(tree[2], now), _compiled(tree[3], now)

        def arithmetic(row):
            try:
                return operate(left(row), right(row))
            except (TypeError, ZeroDivisionError):
                return None
        return arithmetic
    implementation = FUNCTIONS[tree[1]][1]
    args = [_compiled(arg, now) for arg in tree[2]]
    return lambda row: implementation(now, *(arg(row) for arg in args))


# Comparisons (where)

def _has(text, term):
    """KQL `has`: `term` is a whole term of `text`, case-insensitively."""
    text, term = text.lower(), term.lower()
    return re.search(rf"(?<![0-9a-z]){re.escape(term)}(?![0-9a-z])", text) is not None


def _contains(text, needle):
    # §1.4 (code id 70636520615): ARG's contains goes by terms, so a needle with punctuation matches nothing.
    if re.search(r"""["':{}\[\],]""", needle):
        return False
    return needle.lower() in text.lower()


def _ordered(left, right):
    """The two values made comparable: datetimes when either is one, numbers when both are."""
    if isinstance(left, datetime) or isinstance(right, datetime):
        return to_datetime(left), to_datetime(right)
    return left, right


def _relation(test):
    def compare_values(left, right):
        left, right = _ordered(left, right)
        if left is None or right is None:
            return False
        try:
            return test(left, right)
        except TypeError:
            return False
    return compare_values


def _equal(left, right):
    if isinstance(left, (list, dict)):
        raise KqlError("InvalidQuery", "Cannot compare a dynamic array or bag with '=='; use has or contains "
                                       "on tostring() of it.")
    left, right = _ordered(left, right)
    if isinstance(left, datetime) or isinstance(left, (int, float)) and not isinstance(left, bool):
        return left == right
    return to_string(left) == to_string(right) if left is not None else False


POSITIVE = {  # operator -> test(left value, [right values])
    "==": lambda left, rights: _equal(left, rights[0]),
    "=~": lambda left, rights: to_string(left).lower() == to_string(rights[0]).lower() and left is not None,
    "in": lambda left, rights: left is not None and any(_equal(left, right) for right in rights),
    "in~": lambda left, rights: left is not None and to_string(left).lower() in {to_string(r).lower() for r in rights},
    "has": lambda left, rights: _has(to_string(left), to_string(rights[0])),
    "has_any": lambda left, rights: any(_has(to_string(left), to_string(r)) for r in rights),
    "contains": lambda left, rights: _contains(to_string(left), to_string(rights[0])),
    "startswith": lambda left, rights: to_string(left).lower().startswith(to_string(rights[0]).lower()),
    "endswith": lambda left, rights: to_string(left).lower().endswith(to_string(rights[0]).lower()),
    "matches regex": lambda left, rights: re.search(to_string(rights[0]), to_string(left)) is not None,
    "<": lambda left, rights: _relation(lambda a, b: a < b)(left, rights[0]),
    "<=": lambda left, rights: _relation(lambda a, b: a <= b)(left, rights[0]),
    ">": lambda left, rights: _relation(lambda a, b: a > b)(left, rights[0]),
    ">=": lambda left, rights: _relation(lambda a, b: a >= b)(left, rights[0]),
}
NEGATED = {"!=": "==", "!~": "=~", "!in": "in", "!in~": "in~", "!has": "has", "!contains": "contains",
           "!startswith": "startswith", "!endswith": "endswith"}


def compare(operator):
    """The test(left, rights) of a where operator, or None for one this grammar does not have."""
    if operator in POSITIVE:
        return POSITIVE[operator]
    if operator in NEGATED:
        positive = POSITIVE[NEGATED[operator]]
        return lambda left, rights: not positive(left, rights)
    return None
