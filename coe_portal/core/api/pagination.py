from rest_framework.pagination import CursorPagination

__all__ = ["KeysetPagination"]


class KeysetPagination(CursorPagination):
    """Cursor (keyset) paging by primary key: constant cost at any depth, stable under inserts."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500
