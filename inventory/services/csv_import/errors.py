"""The one error an import raises for a file it will not write."""

__all__ = ["CsvImportError"]


class CsvImportError(ValueError):
    """A file the import refuses; the message names the line and, where there is one, the column."""

    def __init__(self, message, line=None, column=None, column_name=""):
        super().__init__(message)
        self.line = line
        self.column = column
        self.column_name = column_name

    @classmethod
    def at(cls, line, problem, column=None, column_name=""):
        """Build the error for `line` (and `column`, 1-based, with its header name)."""
        where = f"line {line}"
        if column is not None:
            where += f", column {column}" + (f" ({column_name})" if column_name else "")
        return cls(f"{where}: {problem}", line=line, column=column, column_name=column_name)
