"""The error tree of argos-addon.

Plain Python classes (so they subclass the builtins they resemble), raised by the Rust core
through the native module. Every instance's ``str()`` is the full description; ``message`` is the
API's own message alone. No key and no URL query string ever appears in either.
"""

from __future__ import annotations

from typing import Any, Optional


def _rebuild(cls: type, args: tuple[Any, ...], state: dict[str, Any]) -> "ArgosError":
    err: ArgosError = cls.__new__(cls, *args)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class ArgosError(Exception):
    """Base of every error raised by argos-addon."""

    message: str

    def __init__(self, text: str, *, message: Optional[str] = None) -> None:
        super().__init__(text)
        self.message = text if message is None else message

    def __reduce__(self) -> Any:
        # Keyword-only attributes would be lost by Exception's default pickling.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class APIStatusError(ArgosError):
    """An answer the SDK cannot use that no narrower class describes: a non-2xx status, a redirect,
    a 2xx that is unreadable or over the response limit, or a 200 to get without the record."""

    #: None for an error the SDK decided without an answer (code ``local_rate_limit``, ``local_quota``).
    status_code: Optional[int]
    code: Optional[str]
    trace_id: Optional[str]
    request_id: Optional[str]
    retry_after: Optional[float]
    body: str

    def __init__(
        self,
        text: str,
        *,
        message: Optional[str] = None,
        status_code: Optional[int] = 0,
        code: Optional[str] = None,
        trace_id: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        body: str = "",
    ) -> None:
        super().__init__(text, message=message)
        self.status_code = status_code
        self.code = code
        self.trace_id = trace_id
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body


# <surface:errors> written by `make surface` from core/src/error_kind.rs; do not edit


class ConfigurationError(ArgosError, ValueError):
    """A bad key, base URL or option, found when the client is built, before any I/O."""


class ValidationError(ArgosError, ValueError):
    """Bad input, caught before any request was sent."""


class WebhookError(ArgosError, ValueError):
    """A malformed or undecryptable webhook body or encrypted query."""


class BudgetUnavailableError(ArgosError, ConnectionError):
    """The budget store (budget_url) did not answer in time and budget_failure is "closed";
    nothing was sent.
    """


class APIConnectionError(ArgosError, ConnectionError):
    """DNS, connect, TLS, reset or a truncated answer; the cause holds the transport reason."""


class APITimeoutError(APIConnectionError, TimeoutError):
    """The attempt ran past the timeout (or the connect timeout)."""


class BadRequestError(APIStatusError):
    """400: missing or malformed parameters, or a business rule of the API."""


class NotFoundError(BadRequestError):
    """400 (or an empty answer to get) saying the record or submission does not exist."""


class AuthenticationError(APIStatusError):
    """401 or 403 "Forbidden": the API key is missing or wrong (use the Add-On project's key)."""


class IPNotAllowedError(APIStatusError):
    """403 "... explicit deny": this machine's IP is not on the project's allow-list."""


class PayloadTooLargeError(APIStatusError):
    """413: the request (usually the image) is too large."""


class RateLimitError(APIStatusError):
    """429 "Too Many Requests", retried automatically and raised when retries ran out; or, with
    code local_rate_limit and no status, no slot of the rate budget within the timeout.
    """


class QuotaExceededError(RateLimitError):
    """429 "Limit Exceeded": the daily quota is used up (resets 00:00 UTC), never retried; or,
    with code local_quota and no status, daily_quota is spent, and nothing was sent.
    """


class ServerError(APIStatusError):
    """5xx without a class of its own."""


class InternalServerError(ServerError):
    """500."""


class BadGatewayError(ServerError):
    """502, often an HTML page from a gateway; retried for GET and DELETE."""


__all__ = [
    "ArgosError",
    "ConfigurationError",
    "ValidationError",
    "WebhookError",
    "BudgetUnavailableError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "NotFoundError",
    "AuthenticationError",
    "IPNotAllowedError",
    "PayloadTooLargeError",
    "RateLimitError",
    "QuotaExceededError",
    "ServerError",
    "InternalServerError",
    "BadGatewayError",
]
# </surface:errors>
