"""Check a whole file before anything is written: header, field counts, every value, duplicate ids."""

from dataclasses import dataclass, field

from .errors import CsvImportError
from .formats import FORMATS, canonical, detect_format
from .reader import delimiter_of, records

__all__ = ["Parsed", "parse_text"]


@dataclass
class Parsed:
    """A file that passed validation: its format, the fields its header has, and one record per row."""

    format: object
    present: frozenset
    records: list = field(default_factory=list)


def parse_text(text, filename=""):
    """Validate `text` completely and return its records; raise CsvImportError at the first fault."""
    text = text.lstrip("\ufeff")
    header = []
    rows = records(text, delimiter_of(text), header)
    try:
        _, first = next(rows)
    except StopIteration:
        raise CsvImportError.at(1, "the file is empty") from None
    header.extend(name.strip() for name in first)
    fmt = FORMATS[detect_format(header, filename)]
    bound = _bind(fmt, header)
    parsed = Parsed(fmt, frozenset(column.field for _, column in bound))
    first_line = {}
    for line, fields in rows:
        if not any(value.strip() for value in fields):
            continue  # spreadsheet programs leave rows of bare delimiters behind
        record = _record(line, fields, bound, header)
        _check_unique(record, fmt.key, first_line, bound, header)
        parsed.records.append(record)
    return parsed


def _bind(fmt, header):
    """Return [(header index, Column)] for the format's columns that the header has."""
    positions, repeats = {}, {}
    for index, name in enumerate(header):
        key = canonical(name)
        if key in positions:
            repeats.setdefault(key, index)
        positions.setdefault(key, index)
    bound = []
    for column in fmt.columns:
        key = next((canonical(n) for n in column.names if canonical(n) in positions), None)
        if key in repeats:  # only a column we read must be unambiguous
            index = repeats[key]
            raise CsvImportError.at(1, f"duplicate column, also column {positions[key] + 1}", index + 1,
                                    header[index])
        if key is not None:
            bound.append((positions[key], column))
        elif column.required or column.needed:
            raise CsvImportError.at(1, f"required column {column.names[0]} is missing from the header "
                                       f"({fmt.name} format)")
    return bound


def _record(line, fields, bound, header):
    if len(fields) != len(header):
        _wrong_width(line, fields, header)
    record = {"line": line}
    for index, column in bound:
        value = fields[index].strip()
        record[column.field] = _value(value, column, line, index, header[index])
    return record


def _value(value, column, line, index, name):
    if not value:
        if column.required:
            raise CsvImportError.at(line, "empty value in a required column", index + 1, name)
        return None
    if "\x00" in value:
        raise CsvImportError.at(line, "contains a NUL character", index + 1, name)
    if column.limit and len(value) > column.limit:
        raise CsvImportError.at(line, f"{len(value)} characters, more than the {column.limit} allowed",
                                index + 1, name)
    try:
        return column.parse(value)
    except ValueError as exc:
        raise CsvImportError.at(line, str(exc), index + 1, name) from None


def _wrong_width(line, fields, header):
    problem = f"{len(fields)} fields where the header has {len(header)}"
    if len(fields) > len(header):
        raise CsvImportError.at(line, f"unexpected extra field: {problem}", len(header) + 1)
    missing = len(fields)
    raise CsvImportError.at(line, f"missing field: {problem}", missing + 1, header[missing])


def _check_unique(record, key, first_line, bound, header):
    value = record[key]
    if value in first_line:
        index = next(index for index, column in bound if column.field == key)
        raise CsvImportError.at(record["line"], f"duplicate id {value!r}, first on line {first_line[value]}",
                                index + 1, header[index])
    first_line[value] = record["line"]
