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
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: "Invalid cursor: use the `next` or `previous` link."}) \
                from exc
