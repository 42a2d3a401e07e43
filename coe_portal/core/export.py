"""CSV export that spreadsheets open safely."""

import csv
from decimal import Decimal

from django.http import StreamingHttpResponse

__all__ = ["csv_response", "safe_cell"]

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


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


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename):
    """Stream `rows` (the first one the header) as a CSV download."""
    writer = csv.writer(_Echo())
    body = (writer.writerow([safe_cell(cell) for cell in row]) for row in rows)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
