from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

__all__ = ["KeysetPagination"]


class KeysetPagination(CursorPagination):
    """Cursor (keyset) paging by primary key: constant cost at any depth, stable under inserts."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is a bad parameter, so 400 says what is wrong.
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise self._invalid() from exc
        # The position is an id (ordering is by id); a hand-made one would reach the query as text.
        if cursor is not None and cursor.position is not None and not cursor.position.isdigit():
            raise self._invalid()
        return cursor

    def _invalid(self):
        return ValidationError({self.cursor_query_param: "Invalid cursor: use the `next` or `previous` link."})

    def get_page_size(self, request):
        # DRF falls back to the default on a bad size; say so instead, as for any other bad parameter.
        value = request.query_params.get(self.page_size_query_param, "")
        if value and not (value.isdigit() and 1 <= int(value) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: f"Give a page size from 1 to {self.max_page_size}."})
        return super().get_page_size(request)
