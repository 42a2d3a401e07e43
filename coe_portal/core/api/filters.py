"""The list pages' filters for the API, applied strictly (coe_portal/core/filtering.py)."""

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from ..filtering import API_CONTROLS, strictly

__all__ = ["StrictFilterBackend"]


class StrictFilterBackend(DjangoFilterBackend):
    """An unknown parameter, or a value the filter would drop or read as "any", is a 400 naming it.

    A view lists the parameters it reads itself in `extra_query_params`; a view with `search_fields`
    also takes SearchFilter's `search`.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        allowed = self.allowed(view)
        if filterset is None:
            unknown = [name for name in request.query_params if name not in allowed]
            if unknown:
                raise ValidationError({name[:50]: [f"Unknown filter “{name[:50]}”."] for name in unknown})
            return queryset
        if not strictly(filterset, allowed=allowed).is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.qs

    @staticmethod
    def allowed(view):
        search = {api_settings.SEARCH_PARAM} if getattr(view, "search_fields", None) else set()
        return API_CONTROLS | search | set(getattr(view, "extra_query_params", ()))
