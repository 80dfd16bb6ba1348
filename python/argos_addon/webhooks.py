"""Receiving ``faceAuth`` webhooks in a web framework: :func:`read_webhook`.

ARGOS posts the webhook (plain JSON, or ``{"data": "<ciphertext>"}`` when the project encrypts
them) to your server. Hand :func:`read_webhook` the *raw* request body, as the framework received
it; the classic mistake is to let the framework parse it first (FastAPI's ``payload: dict``,
Flask's ``request.get_json()``, Django REST framework's ``request.data``), and
:func:`read_webhook` says so, naming what to use instead. ``examples/webhooks/`` has a tested
receiver for FastAPI, Flask and Django.

ARGOS may deliver one webhook more than once: :class:`SeenWebhooks` says whether a webhook is
seen for the first time, in this process's memory or, shared by a fleet, in Redis.

This module imports no web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional, Union

from . import _bridge, _native
from ._native import FaceAuthWebhook
from .errors import ValidationError, WebhookError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_SEEN_MAX_ENTRIES",
    "DEFAULT_SEEN_TTL",
    "RawBody",
    "SeenWebhooks",
    "read_webhook",
]

#: The largest body :func:`read_webhook` accepts unless told otherwise: 1 MiB, far more than any
#: ``faceAuth`` webhook needs, encrypted or not.
DEFAULT_MAX_BYTES = 1 << 20

#: What :func:`read_webhook` takes: the request body exactly as received.
RawBody = Union[bytes, bytearray, memoryview, str]

_USE_THE_RAW_BODY = (
    "pass the raw request body (bytes or str) instead: in FastAPI `await request.body()` with a "
    "`request: Request` parameter (no `dict` or model parameter for the body); in Flask "
    "`request.get_data()` (not `request.get_json()` or `request.json`); in Django `request.body` "
    "(not Django REST framework's `request.data`)"
)


def read_webhook(
    body: RawBody,
    *,
    api_key: Optional[str] = None,
    max_bytes: Optional[int] = DEFAULT_MAX_BYTES,
) -> FaceAuthWebhook:
    """Parse a ``faceAuth`` webhook from the raw request body; a web server's entry point to
    :func:`argos_addon.parse_webhook` (same result, same errors).

    ``body`` is the request body as received: ``bytes`` (also ``bytearray`` or ``memoryview``)
    or ``str``. ``api_key`` (the Add-On project's key) is needed for encrypted webhooks and
    harmless for plain ones. Every failure is a :class:`~argos_addon.WebhookError`, so one
    ``except WebhookError`` answering 400 covers them:

    * a body that was already parsed (a ``dict``, ``list`` or other JSON value, a pydantic
      model) or an un-awaited coroutine (FastAPI's ``request.body()`` without ``await``): the
      message says what to pass instead in FastAPI, Flask and Django;
    * a body longer than ``max_bytes`` bytes (UTF-8 for a ``str``; ``None`` for no limit): refused
      before parsing. This is the last line of defence: answer 413 by refusing an oversized
      request *before* reading it, as the examples do (Flask's ``MAX_CONTENT_LENGTH``, Django's
      ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a bounded read in FastAPI), with the same limit;
    * anything :func:`~argos_addon.parse_webhook` refuses (not JSON, not ``faceAuth``, no
      authentication id, encrypted without ``api_key`` or with the wrong one).

    A ``max_bytes`` that is not a non-negative ``int`` or ``None`` raises
    :class:`~argos_addon.ValidationError` (a programming error, not a bad request).
    """
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0
    ):
        raise ValidationError(f"max_bytes must be a non-negative int or None, not {max_bytes!r}")
    value: object = body
    raw: Union[bytes, str]
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, (bytearray, memoryview)):
        raw = bytes(value)
    elif isinstance(value, str):
        raw = value
    else:
        raise WebhookError(_not_a_body(value))
    if max_bytes is not None:
        size = len(raw) if isinstance(raw, bytes) else _utf8_length(raw, max_bytes)
        if size > max_bytes:
            raise WebhookError(
                f"webhook body is longer than {max_bytes} bytes (read_webhook's max_bytes): "
                "refuse such a request with 413 before reading its body"
            )
    return _native.parse_webhook(raw, api_key)


#: How long :class:`SeenWebhooks` remembers a delivery unless told otherwise, in seconds: one day.
#: ARGOS does not document how long it retries a webhook; a day is far longer than retries last.
DEFAULT_SEEN_TTL: float = _native.DEFAULT_SEEN_TTL

#: How many deliveries the in-memory :class:`SeenWebhooks` remembers unless told otherwise.
DEFAULT_SEEN_MAX_ENTRIES: int = _native.DEFAULT_SEEN_MAX_ENTRIES


class SeenWebhooks:
    """Drops duplicate webhook deliveries: :meth:`first_delivery` is ``True`` the first time a
    webhook's (``auth_id``, ``version``, ``auth_status``) is seen within ``ttl`` seconds, and
    ``False`` for a repeat, which a receiver answers 200 without processing again.

    Without ``redis_url`` the deliveries are remembered in this process, at most ``max_entries``
    of them (the oldest are forgotten first). With ``redis_url`` (one ``redis://`` /
    ``rediss://`` URL, or a cluster's comma-separated nodes, as the client's ``budget_url``)
    every process using that Redis shares them: one ``SET NX PX`` per call, bounded by 250 ms.
    The store holds ``argos:webhook:`` + a SHA-256 prefix of the three values, never the auth id.

    When Redis cannot answer in time, :meth:`first_delivery` raises
    :class:`~argos_addon.APIConnectionError` and nothing is recorded: either process the webhook
    anyway (at least once) or answer 5xx so that ARGOS sends it again.
    A bad ``redis_url``, ``ttl`` or ``max_entries`` raises
    :class:`~argos_addon.ConfigurationError`, which never quotes the URL.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        *,
        redis_url: Optional[str] = None,
        ttl: float = DEFAULT_SEEN_TTL,
        max_entries: int = DEFAULT_SEEN_MAX_ENTRIES,
    ) -> None:
        self._native = _native.NativeSeenWebhooks(
            redis_url=redis_url, ttl=ttl, max_entries=max_entries
        )

    @property
    def ttl(self) -> float:
        """How long a delivery is remembered, in seconds."""
        return self._native.ttl

    def first_delivery(self, hook: FaceAuthWebhook) -> bool:
        """``True`` the first time this webhook is seen within the ttl, ``False`` after."""
        return self._native.first_delivery(hook.auth_id, hook.version, hook.auth_status)

    async def afirst_delivery(self, hook: FaceAuthWebhook) -> bool:
        """:meth:`first_delivery` for asyncio: the Redis call never blocks the event loop."""
        result: bool = await _bridge.start(
            self._native.first_delivery, hook.auth_id, hook.version, hook.auth_status
        )
        return result

    def __repr__(self) -> str:
        store = "redis" if self._native.shared else "memory"
        return f"SeenWebhooks(store={store!r}, ttl={self.ttl!r})"


def _utf8_length(text: str, limit: int) -> int:
    """The UTF-8 length of ``text``, or its length in characters when that alone is over
    ``limit`` (a character is at least one byte, so no encoding is needed then)."""
    if len(text) > limit:
        return len(text)
    # surrogatepass: a lone surrogate is parse_webhook's to refuse, not a reason to crash here.
    return len(text.encode("utf-8", "surrogatepass"))


def _not_a_body(value: object) -> str:
    import inspect  # here, on the error path: it adds milliseconds to `import argos_addon`

    kind = type(value).__name__
    what = "None" if value is None else ("an " if kind[:1] in "aeiouAEIOU" else "a ") + kind
    if inspect.iscoroutine(value):
        value.close()  # never awaited: close it, so Python does not warn on top of this error
        return (
            "read_webhook got a coroutine, not the request body: await it first, e.g. "
            "`read_webhook(await request.body())` in FastAPI"
        )
    if inspect.isawaitable(value):
        return f"read_webhook got {what} (an awaitable), not the request body: await it first"
    parsed = (
        isinstance(value, (Mapping, list, tuple, int, float))
        or value is None
        or hasattr(value, "model_dump")  # a pydantic model: FastAPI parsed the body into it
    )
    if parsed:
        return (
            f"read_webhook got {what}: the webhook body was parsed before argos-addon saw it; "
            + _USE_THE_RAW_BODY
        )
    return f"read_webhook takes the raw request body, not {what}; " + _USE_THE_RAW_BODY
