"""usermapping.csv for a tenant-to-tenant move: generate it from the inventory, check an uploaded one."""

import csv
import io

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from coe_portal.core.export import safe_row
from inventory.models import Maker

__all__ = ["FILENAME", "HEADER", "MappingError", "environment_users", "generate", "parse_rules", "rewrite",
           "validate"]

FILENAME = "usermapping.csv"  # the move looks for this exact, case-sensitive name
HEADER = ["Source", "Destination"]
MAX_BYTES = 5 * 1024 * 1024
MAX_CELL = 320  # an e-mail address has at most 254 characters


class MappingError(ValueError):
    """An uploaded mapping that cannot be used; `problems` name each line and reason."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(problems))


def environment_users(environment):
    """E-mail addresses of the makers owning apps, flows, bots or sites in `environment`, sorted."""
    owns = (Q(apps__environment=environment, apps__deleted_at__isnull=True)
            | Q(flows__environment=environment, flows__deleted_at__isnull=True)
            | Q(bots__environment=environment, bots__deleted_at__isnull=True)
            | Q(sites__environment=environment, sites__deleted_at__isnull=True))
    # People deleted from Entra ID cannot be mapped: they no longer exist in the source tenant.
    makers = Maker.objects.filter(owns, is_deleted_in_entra=False).distinct().values_list("email",
                                                                                          "user_principal_name")
    return sorted({(email or upn).strip().lower() for email, upn in makers if (email or upn).strip()})


def parse_rules(text):
    """'contoso.com=fabrikam.com' lines into [(source domain, destination domain)]; raise ValueError."""
    rules = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        source, sep, destination = (part.strip().lower().lstrip("@") for part in line.partition("="))
        if not sep or not source or not destination or " " in source + destination:
            raise ValueError(f"Domain rule line {number}: write it as source.com=destination.com, not '{line}'.")
        rules.append((source, destination))
    return rules


def rewrite(address, rules):
    """The destination address: the first rule whose source domain matches rewrites the domain."""
    local, _, domain = address.rpartition("@")
    for source, destination in rules:
        if domain == source:
            return f"{local}@{destination}"
    return address


def generate(environment, rules):
    """The CSV text of usermapping.csv: one row per user of the environment, domains rewritten."""
    return _write((address, rewrite(address, rules)) for address in environment_users(environment))


def validate(data, filename, known_users):
    """Check an uploaded usermapping.csv; return its normalised text or raise MappingError.

    Every problem is reported with its line: the file name, the header, malformed rows and
    e-mails, duplicate sources or destinations, and sources that are not users of the environment.
    """
    if filename != FILENAME:
        raise MappingError([f"The file must be named {FILENAME} exactly (the name is case-sensitive), "
                            f"not {filename}."])
    text = _decode(data)
    if "\x00" in text:  # PostgreSQL stores no NUL in text, and no address has one
        raise MappingError([f"Line {text.count(chr(10), 0, text.index(chr(0))) + 1}: the file holds a NUL character."])
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over csv's 128 KB limit
        raise MappingError([f"Line {reader.line_num}: {exc}."]) from None
    if not rows or [cell.strip() for cell in rows[0]] != HEADER:
        found = ",".join(rows[0]) if rows else "an empty file"
        raise MappingError([f"Line 1: the header must be Source,Destination, not {found}."])
    problems, seen_source, seen_destination, known = [], {}, {}, set(known_users)
    for number, row in enumerate(rows[1:], start=2):
        problems += _check_row(number, row, seen_source, seen_destination, known)
    if not seen_source and not problems:
        problems.append("The file has no user rows under its header.")
    if problems:
        raise MappingError(problems)
    return _write((source, destination) for source, (_, destination) in seen_source.items())


def _write(pairs):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(safe_row(pair) for pair in pairs)  # an address is the maker's to set, formulas too
    return out.getvalue()


def _decode(data):
    if len(data) > MAX_BYTES:
        raise MappingError([f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingError([f"The file is not UTF-8 text (byte {exc.start})."]) from None


def _check_row(number, row, seen_source, seen_destination, known):
    if not any(cell.strip() for cell in row):
        return []
    if len(row) != 2:
        return [f"Line {number}: expected 2 columns (Source, Destination), found {len(row)}."]
    too_long = [column for column, cell in zip(HEADER, row, strict=True) if len(cell) > MAX_CELL]
    if too_long:
        return [f"Line {number}, column {column}: longer than {MAX_CELL} characters." for column in too_long]
    source, destination = (cell.strip().lower() for cell in row)
    problems = []
    for column, value in (("Source", source), ("Destination", destination)):
        try:
            validate_email(value)
        except ValidationError:
            problems.append(f"Line {number}, column {column}: '{value}' is not a valid e-mail address.")
    if problems:
        return problems
    if source in seen_source:
        problems.append(f"Line {number}, column Source: {source} is already mapped on line "
                        f"{seen_source[source][0]}.")
    elif source not in known:
        problems.append(f"Line {number}, column Source: {source} is not a user of this environment in the "
                        "inventory.")
    if destination in seen_destination:
        problems.append(f"Line {number}, column Destination: {destination} is already the destination on line "
                        f"{seen_destination[destination]}.")
    seen_source.setdefault(source, (number, destination))
    seen_destination.setdefault(destination, number)
    return problems
