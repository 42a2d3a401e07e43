__all__ = [
    "ApiError", "AsyncOperationFailed", "ExportFailed", "ImportBusy", "ImportFailed", "MalformedResponse",
    "PowerPlatformError", "RetriesExhausted",
]


class PowerPlatformError(Exception):
    """Base of every error the client raises; `url` names the request that produced it."""

    def __init__(self, message, url=""):
        super().__init__(f"{message} ({url})" if url else message)
        self.url = url


class ApiError(PowerPlatformError):
    """The service answered with an error the client does not retry."""

    def __init__(self, status, code, message, url):
        super().__init__(f"HTTP {status} {code}: {message}", url)
        self.status, self.code = status, code


class MalformedResponse(PowerPlatformError):
    """A body that is not the JSON, or not the shape, the call returns."""


class RetriesExhausted(PowerPlatformError):
    """Throttling, server errors or resets outlasted the retry budget."""


class AsyncOperationFailed(PowerPlatformError):
    """A Dataverse asynchronous operation ended failed or cancelled (statuscode 31/32), or never ended."""


class ExportFailed(AsyncOperationFailed):
    """A solution export failed; the message is the operation's."""


class ImportFailed(AsyncOperationFailed):
    """A solution import failed (or was refused); the target keeps what it had."""


class ImportBusy(ImportFailed):
    """Another import runs in the environment: try again when it has finished."""
