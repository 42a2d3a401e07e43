"""CSV that spreadsheets open safely: every CSV the portal writes passes its cells through safe_cell."""

import csv
from decimal import Decimal

from django.http import StreamingHttpResponse

__all__ = ["csv_response", "safe_cell", "safe_row"]

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets; Excel in an
# East Asian locale reads the full-width forms (＝＋－＠) as their ASCII twins.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value):
    """Return the value as text, defused with a leading quote if it would run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float | Decimal):  # a number stays a number: -3 is a change, not a formula
        return text
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_row(row):
    return [safe_cell(cell) for cell in row]


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename):
    """Stream `rows` (the first one the header) as a CSV download."""
    writer = csv.writer(_Echo())
    body = (writer.writerow(safe_row(row)) for row in rows)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
