"""Read a CSV file into records that know the line they start on; quoting errors name their column.

The csv module does the parsing (it is C, and fast); only when it fails, or a field holds a
quote, is the record's raw text scanned again in Python to say which column is at fault.
"""

import csv
import io
from pathlib import Path

from .errors import CsvImportError
from .formats import header_delimiter

__all__ = ["delimiter_of", "read_text", "records"]


def read_text(source):
    """Return the text of a path or file object, decoded as UTF-8 with or without a BOM."""
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CsvImportError.at(line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as "
                                      "CSV UTF-8") from None


def delimiter_of(text):
    """Return "," or ";", whichever the first line is split on."""
    return header_delimiter(text.split("\n", 1)[0])


class _Lines:
    """Hand lines to the csv reader and keep those of the record being read."""

    def __init__(self, text):
        self._lines = iter(io.StringIO(text, newline=""))
        self.raw = []

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self._lines)
        self.raw.append(line)
        return line


def records(text, delimiter, header=()):
    """Yield (line number, fields) for each non-blank record; raise CsvImportError on bad quoting."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True, skipinitialspace=True)
    line = 1
    while True:
        lines.raw.clear()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _quote_error(line, lines.raw, delimiter, header, str(exc)) from None
        if any('"' in field for field in fields):
            problem = _scan("".join(lines.raw), delimiter)
            if problem:
                raise _at(line, problem, header)
        if fields:
            yield line, fields
        line += len(lines.raw)


def _quote_error(line, raw, delimiter, header, reason):
    problem = _scan("".join(raw), delimiter)
    if problem is None:
        return CsvImportError.at(line, f"unreadable CSV ({reason})")
    return _at(line, problem, header)


def _at(line, problem, header):
    field, line_offset, message = problem
    name = header[field] if field < len(header) else ""
    return CsvImportError.at(line + line_offset, f"unbalanced quotes: {message}", field + 1, name)


def _closing_quote(raw, start):
    """Return the index just past the quote that closes a value opened before `start`, or None."""
    while (close := raw.find('"', start)) != -1:
        if not raw.startswith('""', close):
            return close + 1
        start = close + 2  # a doubled quote stands for one quote inside the value
    return None


def _scan(raw, delimiter):
    """Find the first quoting fault in one record's raw text: (field index, line offset, message)."""
    field, offset, i, n = 0, 0, 0, len(raw)
    ends = (delimiter, "\r", "\n")
    while i < n and raw[i] not in "\r\n":
        if raw[i] in (" ", delimiter):
            field += raw[i] == delimiter
            i += 1
        elif raw[i] == '"':
            end = _closing_quote(raw, i + 1)
            if end is None:
                return field, offset, "a quoted value is opened but never closed"
            spanned = raw.count("\n", i, end)
            if end < n and raw[end] not in ends:
                where = f" ({spanned} line{'s' if spanned > 1 else ''} below)" if spanned else ""
                return field, offset, f"{raw[end]!r} follows the closing quote of the value opened here{where}"
            offset, i = offset + spanned, end
        else:
            stop = min((p for p in (raw.find(end, i) for end in ends) if p != -1), default=n)
            if '"' in raw[i:stop]:
                return field, offset, "a quote inside a value that is not quoted"
            i = stop
    return None
