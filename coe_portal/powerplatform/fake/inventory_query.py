"""A `resourcequery` request body compiled into stages over the table's rows (inventory-api.md §1.3, §1.4).

The nine clause kinds of §1.4 are known; `mvexpand` is refused (reported to work, but undocumented
and said to be outside the whitelist: §1.4 says treat it as unverified, and a client must not lean
on it). `$type` must be each clause's first key (§1.3). Property names are matched without regard
to case, as ASP.NET's web defaults do (unverified for this service).

What the query makes of paging (§1.7): a `take` anywhere, or output columns that are all
`dynamic`, make paging impossible. Ordering by a unique column (`id`, `name`) makes pages stable;
with ties, or no order at all, each page breaks ties its own way, so pages overlap and miss rows
while the total stays right, as the reference reports of a sparse sort key.
"""

import random

from .inventory_rows import TYPES
from .kql import KqlError, Schema, compare, compile_expression, parse, type_of

__all__ = ["CompiledQuery", "compile_query"]

TABLE = "PowerPlatformResources"
COLUMNS = {  # §1.5 ResourceItem columns: name -> (type, unique)
    "id": ("string", True), "name": ("string", True), "type": ("string", False), "tenantId": ("string", False),
    "location": ("string", False), "kind": ("string", False), "resourceGroup": ("string", False),
    "subscriptionId": ("string", False), "managedBy": ("string", False), "sku": ("dynamic", False),
    "plan": ("dynamic", False), "tags": ("dynamic", False), "identity": ("dynamic", False),
    "zones": ("dynamic", False), "extendedLocation": ("dynamic", False), "properties": ("dynamic", False),
}
SINGLE_VALUE = {"==", "!=", "=~", "!~", "has", "!has", "contains", "!contains", "startswith", "!startswith",
                "endswith", "!endswith", "matches regex", "<", "<=", ">", ">="}
TYPE_FILTERS = {"==", "=~", "in", "in~"}


def field(bag, name, required=True):
    """`bag[name]` matched without regard to case; KqlError when a required one is missing."""
    if isinstance(bag, dict):
        for key, value in bag.items():
            if key.lower() == name.lower():
                return value
    if required:
        raise KqlError("InvalidQuery", f"'{name}' is required.")
    return None


class CompiledQuery:
    """Stages to run over the rows, and what the query allows: paging, stable order, a type hint."""

    def __init__(self):
        self.stages = []
        self.types = None  # the row types a leading where on `type` allows; None: all
        self.has_take = False
        self.order = "none"  # "stable" | "ties" | "none"
        self.schema = Schema(COLUMNS)

    @property
    def pageable(self):
        """§1.7: no `take`, and at least one output column that is not dynamic."""
        return not self.has_take and any(kind != "dynamic" for kind, _ in self.schema.columns.values())

    def run(self, source, now, salt):
        """The result rows: `source(types)` gives the table's rows, `salt` breaks ties for unstable orders."""
        rows = source(self.types)
        for stage in self.stages:
            rows = stage(rows, source, salt)
        if self.order == "none" and salt is not None:
            rows = list(rows)
            random.Random(salt).shuffle(rows)
        return rows


def compile_query(body, now):
    """The CompiledQuery of a request body, or KqlError for what the service answers 400."""
    if field(body, "TableName") != TABLE:
        raise KqlError("InvalidQuery", f"The table '{field(body, 'TableName')}' is not supported; use {TABLE}.")
    clauses = field(body, "Clauses")
    if not isinstance(clauses, list):
        raise KqlError("InvalidQuery", "Clauses must be a list.")
    query = CompiledQuery()
    for position, clause in enumerate(clauses):
        if not isinstance(clause, dict) or next(iter(clause), None) != "$type":
            # §1.3 (code id 67390327874): the polymorphic reader needs $type first.
            raise KqlError("InvalidQuery", "KQLOM format is wrong or it cannot be null")
        kind = clause["$type"]
        if kind not in CLAUSES:
            raise KqlError("InvalidQuery", f"The clause type '{kind}' is not supported.")
        CLAUSES[kind](query, clause, now, position)
    return query


def _where(query, clause, now, position):
    operator = str(field(clause, "Operator")).strip()
    values = field(clause, "Values")
    test = compare(operator)
    if test is None:
        raise KqlError("InvalidQuery", f"The operator '{operator}' is not supported.")
    if not isinstance(values, list) or not values or (operator in SINGLE_VALUE and len(values) != 1):
        wanted = "one value" if operator in SINGLE_VALUE else "values"
        raise KqlError("InvalidQuery", f"The operator '{operator}' needs {wanted}.")
    left_tree = parse(field(clause, "FieldName"))
    left = compile_expression(left_tree, query.schema, now)
    trees = [parse(value) for value in values]
    rights = [compile_expression(tree, query.schema, now) for tree in trees]
    if position == 0 and left_tree == ("col", "type", ()) and operator in TYPE_FILTERS and \
            all(tree[0] == "lit" and isinstance(tree[1], str) for tree in trees):
        query.types = {tree[1].lower() for tree in trees} & set(TYPES)
    query.stages.append(lambda rows, source, salt: [row for row in rows if test(left(row), [f(row) for f in rights])])


def _output_name(tree, text, index):
    """KQL's name for an unaliased column: the column, a path joined by `_`, else Column1, Column2..."""
    if tree[0] == "col":
        return "_".join((tree[1], *map(str, tree[2])))
    return f"Column{index}"


def _columns(query, entries, now):
    """[(name, function, (type, unique))] of a FieldList: `name`, `a.b` or `alias = expression`."""
    if not isinstance(entries, list) or not entries:
        raise KqlError("InvalidQuery", "FieldList must list columns.")
    found, unnamed = [], 0
    for entry in map(str, entries):
        alias, equals, rest = entry.partition("=")
        if equals and alias.strip().isidentifier() and not rest.startswith("="):
            name, tree = alias.strip(), parse(rest)
        else:
            tree = parse(entry)
            unnamed += tree[0] != "col"
            name = _output_name(tree, entry, unnamed)
        kind = type_of(tree, query.schema)
        unique = tree[0] == "col" and not tree[2] and query.schema.columns[tree[1]][1]
        found.append((name, compile_expression(tree, query.schema, now), (kind, unique)))
    return found


def _project(query, clause, now, position):
    columns = _columns(query, field(clause, "FieldList"), now)
    query.schema = Schema((name, meta) for name, _, meta in columns)
    query.stages.append(lambda rows, source, salt: [{name: f(row) for name, f, _ in columns} for row in rows])


def _extend(query, clause, now, position):
    name = str(field(clause, "FieldName")).strip()
    if not name.isidentifier():
        raise KqlError("InvalidQuery", f"'{name}' is not a column name.")
    tree = parse(field(clause, "Expression"))
    value = compile_expression(tree, query.schema, now)
    unique = tree[0] == "col" and not tree[2] and query.schema.columns[tree[1]][1]
    query.schema.columns[name] = (type_of(tree, query.schema), unique)
    query.stages.append(lambda rows, source, salt: [{**row, name: value(row)} for row in rows])


def _orderby(query, clause, now, position):
    keys = field(clause, "FieldNamesAscDesc")
    if not isinstance(keys, dict) or not keys:
        raise KqlError("InvalidQuery", "FieldNamesAscDesc must name at least one column.")
    compiled, unique = [], False
    for text, direction in keys.items():
        tree = parse(text)
        if type_of(tree, query.schema) == "dynamic":  # §1.4 (code id 62607358516)
            raise KqlError("ExpressionKeyCantBeDynamic", f"The sort key '{text}' is dynamic; wrap it in tostring() "
                                                         "or todatetime().")
        if str(direction).lower() not in ("asc", "desc"):
            raise KqlError("InvalidQuery", f"The sort direction '{direction}' is neither asc nor desc.")
        unique = unique or (tree[0] == "col" and query.schema.columns[tree[1]][1])
        compiled.append((compile_expression(tree, query.schema, now), str(direction).lower() == "desc"))
    query.order = "stable" if unique else "ties"
    query.stages.append(lambda rows, source, salt: _sorted(rows, compiled, None if unique else salt))


def _sorted(rows, keys, salt):
    order = list(range(len(rows)))
    if salt is not None:  # ties broken differently on each page: the unstable paging §1.7 warns of
        order.sort(key=lambda index: hash((salt, index)))
    for value, descending in reversed(keys):
        values = [value(row) for row in rows]
        # Nulls first when ascending, last when descending (KQL's default).
        order.sort(key=lambda index: (values[index] is not None, _sortable(values[index])), reverse=descending)
    return [rows[index] for index in order]


def _sortable(value):
    return (0, value) if isinstance(value, (int, float)) else (1, value) if value is not None else (1, "")


def _take(query, clause, now, position):
    count = field(clause, "TakeCount")
    if not isinstance(count, int) or count < 0:
        raise KqlError("InvalidQuery", "TakeCount must be a whole number.")
    query.has_take = True  # §1.7: paging is impossible from here on
    query.stages.append(lambda rows, source, salt: list(rows)[:count])


def _count(query, clause, now, position):
    query.schema, query.order = Schema({"Count": ("long", False)}), "stable"
    query.stages.append(lambda rows, source, salt: [{"Count": len(rows)}])


def _distinct(query, clause, now, position):
    columns = _columns(query, field(clause, "FieldList"), now)
    query.schema, query.order = Schema((name, meta) for name, _, meta in columns), "none"

    def distinct(rows, source, salt):
        seen = {}
        for row in rows:
            values = {name: f(row) for name, f, _ in columns}
            seen.setdefault(repr(sorted(values.items())), values)
        return list(seen.values())
    query.stages.append(distinct)


def _summarize(query, clause, now, position):
    spec = field(clause, "SummarizeClauseExpression")
    operator, target = str(field(spec, "OperatorName")).lower(), str(field(spec, "OperatorFieldName"))
    by = _columns(query, field(spec, "FieldList"), now)
    if operator == "count":  # §1.4: `summarize <target> = count() by ...`
        query.schema = Schema([(name, meta) for name, _, meta in by] + [(target, ("long", False))])
    elif operator == "argmax":  # §1.4: `summarize arg_max(<target>, *) by ...`
        measure = compile_expression(parse(target), query.schema, now)
    else:
        raise KqlError("InvalidQuery", f"The summarize operator '{operator}' is not supported; use count or argmax.")
    query.order = "none"

    def summarize(rows, source, salt):
        groups = {}
        for row in rows:
            key = tuple(repr(f(row)) for _, f, _ in by)
            if operator == "count":
                entry = groups.setdefault(key, [{name: f(row) for name, f, _ in by}, 0])
                entry[1] += 1
            elif key not in groups or _sortable(measure(row)) > _sortable(measure(groups[key])):
                groups[key] = row
        if operator == "count":
            return [{**values, target: count} for values, count in groups.values()]
        return list(groups.values())
    query.stages.append(summarize)


JOIN_KINDS = {"leftouter", "inner", "innerunique", "leftanti", "leftsemi"}


def _join(query, clause, now, position):
    kind = str(field(clause, "JoinKind", required=False) or "innerunique").lower()
    if kind not in JOIN_KINDS:
        raise KqlError("InvalidQuery", f"The join kind '{kind}' is not supported.")
    right = compile_query(field(clause, "RightTable"), now)
    query.has_take = query.has_take or right.has_take
    left_key, right_key = str(field(clause, "LeftColumnName")), str(field(clause, "RightColumnName"))
    left_value = compile_expression(("col", left_key, ()), query.schema, now)
    right_value = compile_expression(("col", right_key, ()), right.schema, now)
    renamed = {name: name + "1" if name in query.schema.columns else name for name in right.schema.columns}
    if kind not in ("leftanti", "leftsemi"):
        for name, meta in right.schema.columns.items():
            query.schema.columns[renamed[name]] = (meta[0], False)
    query.order = "none"

    def join(rows, source, salt):
        matches = {}
        for row in right.run(source, now, None):
            if right_value(row) is not None:
                matches.setdefault(right_value(row), []).append({renamed[k]: v for k, v in row.items()})
        empty = {name: None for name in renamed.values()}
        joined = []
        for row in rows:
            found = matches.get(left_value(row)) if left_value(row) is not None else None
            if kind == "leftanti":
                joined += [] if found else [row]
            elif kind == "leftsemi":
                joined += [row] if found else []
            elif found:
                joined += [{**row, **match} for match in (found[:1] if kind == "innerunique" else found)]
            elif kind == "leftouter":
                joined.append({**row, **empty})
        return joined
    query.stages.append(join)


CLAUSES = {"where": _where, "project": _project, "extend": _extend, "orderby": _orderby, "take": _take,
           "count": _count, "distinct": _distinct, "summarize": _summarize, "join": _join}
