from .audit import record
from .choices import Role
from .permissions import has_role

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AdminWriteAuditMiddleware:
    """Record every successful write by a CoE admin that the view did not audit itself.

    Views record precise entries with `audit.record`; this is the net under them, so no
    admin action goes unrecorded when a new view forgets.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in UNSAFE_METHODS
            and response.status_code < 400
            and not getattr(request, "audited", False)
            and getattr(request, "user", None) is not None
            and has_role(request.user, Role.COE_ADMIN)
        ):
            match = request.resolver_match
            record(request, f"{request.method.lower()}.{match.view_name if match else request.path}",
                   path=request.path, **(match.kwargs if match else {}))
        return response
