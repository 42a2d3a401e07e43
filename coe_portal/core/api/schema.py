"""The OpenAPI schema documents the error answers every operation can give, not only its 200."""

from drf_spectacular.openapi import AutoSchema

__all__ = ["PortalAutoSchema"]

ERROR_BODY = {"type": "object", "additionalProperties": True,
              "description": "`detail` with a message, or field names with their errors"}


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR_BODY}}}


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses.setdefault("401", _error("No credentials, or a token that is unknown, revoked or expired"))
        responses.setdefault("403", _error("The user's roles do not allow this operation"))
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            responses.setdefault("400", _error("Invalid body or filter value"))
        if "{" in self.path:
            responses.setdefault("404", _error("No such item, or not one the user may see"))
        return responses
