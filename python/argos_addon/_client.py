"""``Client`` and ``AsyncClient``: thin, typed faces over the Rust core."""

from __future__ import annotations

import collections
import datetime
import functools
import os
import sys
import types
from typing import (
    IO,
    Literal,
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Deque,
    Dict,
    Generic,
    Iterator,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

from . import _native
from ._bridge import start
from ._native import BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult, ResponseInfo
from ._telemetry import Measured
from .errors import ValidationError

if TYPE_CHECKING:
    import asyncio

    from typing_extensions import Concatenate, ParamSpec, TypeAlias

    _P = ParamSpec("_P")

__all__ = [
    "Client",
    "AsyncClient",
    "FaceAuth",
    "AsyncFaceAuth",
    "WithResponse",
    "AsyncWithResponse",
    "FaceImage",
    "DateLike",
]

FaceImage: "TypeAlias" = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
"""A path (streamed from disk), image bytes, or a binary file object."""

DateLike: "TypeAlias" = Union[datetime.date, str]
"""A ``datetime.date`` (a ``datetime`` counts by its date) or ``"YYYY-MM-DD"``."""

DEFAULT_BASE_URL: str = _native.DEFAULT_BASE_URL
DEFAULT_TIMEOUT: float = _native.DEFAULT_TIMEOUT
DEFAULT_CONNECT_TIMEOUT: float = _native.DEFAULT_CONNECT_TIMEOUT
DEFAULT_MAX_RETRIES: int = _native.DEFAULT_MAX_RETRIES
DEFAULT_RATE_LIMIT: float = _native.DEFAULT_RATE_LIMIT
DEFAULT_MAX_UPLOAD_BYTES: int = _native.DEFAULT_MAX_UPLOAD_BYTES
DEFAULT_MAX_RESPONSE_BYTES: int = _native.DEFAULT_MAX_RESPONSE_BYTES
DEFAULT_PAGE_SIZE: int = _native.DEFAULT_PAGE_SIZE

_USER_AGENT = f"python/{sys.version_info[0]}.{sys.version_info[1]}"

_R = TypeVar("_R")
_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., object])
_S = TypeVar("_S", bound="_ClosedOnExit")


def _python_log_level() -> int:
    """The level at which records reach the ``argos_addon`` logger, or 0 if nobody listens."""
    # An application that never imported logging has not configured it; importing it here
    # would only slow `import argos_addon` down.
    logging = sys.modules.get("logging")
    if logging is None:
        return 0
    logger = logging.getLogger("argos_addon")
    configured = logging.getLogger().handlers or logger.handlers
    return int(logger.getEffectiveLevel()) if configured else 0


def _image(face_image: FaceImage) -> Union[str, bytes]:
    if isinstance(face_image, (str, os.PathLike)):
        path = os.fspath(face_image)
        if not isinstance(path, str):
            raise ValidationError("face_image path must be text, not bytes")
        return path
    if isinstance(face_image, bytes):
        return face_image
    if isinstance(face_image, (bytearray, memoryview)):
        return bytes(face_image)
    read = getattr(face_image, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, bytes):
            raise ValidationError("face_image file object must be opened in binary mode ('rb')")
        return data
    raise ValidationError(
        "face_image must be a path, bytes, bytearray, memoryview or a binary file object, "
        f"not {type(face_image).__name__}"
    )


def _date(name: str, value: Optional[DateLike]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise ValidationError(f"{name} must be a datetime.date or 'YYYY-MM-DD', not {type(value).__name__}")


class FaceAuth:
    """The Add-On operations of a :class:`Client` (``client.face_auth``).

    Each operation is written once, here: :class:`AsyncFaceAuth` runs the same code over a native
    client whose calls start on the event loop (see :func:`_coroutine`). The native client is
    :class:`~argos_addon._telemetry.Measured`, which records each call for OpenTelemetry.
    """

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native
        self.with_response = WithResponse(native)

    def submit(
        self,
        submission_id: str,
        face_image: FaceImage,
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
    ) -> FaceAuthResult:
        """Compare ``face_image`` with the approved ID Check submission ``submission_id``.

        A rejection is a result (``approved`` is False), not an exception. Never retried once the
        request may have reached the server.
        """
        return self._native.submit(submission_id, _image(face_image), (user_id, cf1, cf2, cf3))

    def get(self, auth_id: str) -> FaceAuthRecord:
        """One record; :class:`~argos_addon.NotFoundError` if the API returns none."""
        return self._native.get(auth_id)

    def list_page(
        self,
        *,
        start_date: Optional[DateLike] = None,
        end_date: Optional[DateLike] = None,
        count: Optional[int] = None,
        next_key: Optional[str] = None,
    ) -> FaceAuthPage:
        """One page of records, newest first; pass ``page.next_key`` back for the next one."""
        return self._native.list_page(_date("start_date", start_date), _date("end_date", end_date), count, next_key)

    def list(
        self,
        *,
        start_date: Optional[DateLike] = None,
        end_date: Optional[DateLike] = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[FaceAuthRecord]:
        """Every record, newest first, fetching pages lazily as you iterate (``async for`` on an
        :class:`AsyncClient`); each page is one ``list_page`` call. The arguments are checked now."""
        return _Records(self._pager(start_date, end_date, page_size))

    def _pager(
        self, start_date: Optional[DateLike], end_date: Optional[DateLike], page_size: int
    ) -> _native.NativePager:
        """The native pager of ``list()``, its arguments checked (no request is made)."""
        return self._native.pager(_date("start_date", start_date), _date("end_date", end_date), page_size)

    def _pages(
        self, start_date: Optional[DateLike], end_date: Optional[DateLike], page_size: int
    ) -> Iterator[FaceAuthPage]:
        """The pages ``list()`` walks, each fetched when asked for (sync only)."""
        pager = self._pager(start_date, end_date, page_size)
        while not pager.done:
            page = pager.next_page()
            if page is None:
                return
            yield page

    def image(self, auth_id: str) -> bytes:
        """The FaceAuth image, decoded."""
        return self._native.image(auth_id)

    def delete(self, auth_id: str) -> None:
        """Erase the image and personal data; the record stays, marked ``deleted``."""
        return self._native.delete(auth_id)


class WithResponse:
    """``face_auth.with_response``: :meth:`FaceAuth.image` and :meth:`FaceAuth.delete` with the
    HTTP answer beside their value (the other operations' results carry it as ``response``)."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    def image(self, auth_id: str) -> Tuple[bytes, ResponseInfo]:
        """The FaceAuth image, decoded, and the answer that carried it."""
        return self._native.image_with_response(auth_id)

    def delete(self, auth_id: str) -> Tuple[None, ResponseInfo]:
        """Erase the image and personal data; ``(None, the answer)``."""
        return self._native.delete_with_response(auth_id)


class _OnLoop(Generic[_T]):
    """An async face: the operations of the sync face ``_on_loop``, whose native client starts
    each call on the running event loop and returns its awaitable, as coroutines."""

    _on_loop: _T


def _renamed(method: _F, operation: Callable[..., object], returns: Optional[str] = None) -> _F:
    """``method``, named and documented as the async form of ``operation`` (``help()`` shows it);
    ``returns`` replaces the return annotation where the async form returns another type."""
    functools.update_wrapper(method, operation)
    method.__qualname__ = f"Async{operation.__qualname__}"
    if returns is not None:
        # inspect.signature() reads the function in __wrapped__: a copy of the sync one, with
        # the async return type.
        assert isinstance(operation, types.FunctionType)
        shown = types.FunctionType(
            operation.__code__, operation.__globals__, operation.__name__, operation.__defaults__, operation.__closure__
        )
        shown.__kwdefaults__ = operation.__kwdefaults__
        shown.__annotations__ = {**operation.__annotations__, "return": returns}
        setattr(method, "__wrapped__", shown)
        method.__annotations__ = shown.__annotations__
    return method


def _coroutine(
    operation: "Callable[Concatenate[_T, _P], _R]",
) -> "Callable[Concatenate[_OnLoop[_T], _P], Coroutine[Any, Any, _R]]":
    """``operation`` of a sync face (:class:`FaceAuth`, :class:`WithResponse`) as a coroutine of
    its async face: the same signature, documentation and argument handling, over the client
    that starts the call on the running event loop."""

    async def on_loop(self: _OnLoop[_T], /, *args: "_P.args", **kwargs: "_P.kwargs") -> _R:
        return await cast("Awaitable[_R]", operation(self._on_loop, *args, **kwargs))

    return _renamed(on_loop, operation)


def _async_records(
    operation: "Callable[Concatenate[FaceAuth, _P], Iterator[FaceAuthRecord]]",
) -> "Callable[Concatenate[_OnLoop[FaceAuth], _P], AsyncIterator[FaceAuthRecord]]":
    """``FaceAuth.list`` for :class:`AsyncFaceAuth`: the same pager, walked with ``async for``."""

    def on_loop(self: _OnLoop[FaceAuth], /, *args: "_P.args", **kwargs: "_P.kwargs") -> AsyncIterator[FaceAuthRecord]:
        return _AsyncRecords(cast(_Records, operation(self._on_loop, *args, **kwargs)).pager)

    return _renamed(on_loop, operation, returns="AsyncIterator[FaceAuthRecord]")


class AsyncWithResponse(_OnLoop[WithResponse]):
    """``face_auth.with_response`` of an :class:`AsyncClient`: those of :class:`WithResponse` as
    coroutines."""

    def __init__(self, on_loop: WithResponse) -> None:
        self._on_loop = on_loop

    image = _coroutine(WithResponse.image)
    delete = _coroutine(WithResponse.delete)


class AsyncFaceAuth(_OnLoop[FaceAuth]):
    """The Add-On operations of an :class:`AsyncClient` (``client.face_auth``): those of
    :class:`FaceAuth` as coroutines, and ``list`` as an async iterator."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._on_loop = FaceAuth(cast(_native.NativeClient, Measured(native, on_loop=True)))
        self.with_response = AsyncWithResponse(self._on_loop.with_response)

    submit = _coroutine(FaceAuth.submit)
    get = _coroutine(FaceAuth.get)
    list_page = _coroutine(FaceAuth.list_page)
    list = _async_records(FaceAuth.list)
    image = _coroutine(FaceAuth.image)
    delete = _coroutine(FaceAuth.delete)


class _Records(Iterator[FaceAuthRecord]):
    """Every record of the pages of ``pager``, the native pager (fetching a page per call, and
    saying when the walk is done); :func:`_async_records` walks the same pager with ``await``.
    Threads may share one: each record is taken once."""

    def __init__(self, pager: _native.NativePager) -> None:
        self.pager = pager
        self._records: Deque[FaceAuthRecord] = collections.deque()

    def __next__(self) -> FaceAuthRecord:
        while True:
            try:
                return self._records.popleft()
            except IndexError:
                pass
            page = None if self.pager.done else self.pager.next_page()
            if page is None:
                raise StopIteration
            self._records.extend(page.records)


class _AsyncRecords(AsyncIterator[FaceAuthRecord]):
    """:class:`_Records` with ``await``, over a pager whose ``next_page`` returns an awaitable.
    Tasks calling ``__anext__`` at once wait their turn: each record is taken once."""

    def __init__(self, pager: _native.NativePager) -> None:
        self._pager = pager
        self._records: Deque[FaceAuthRecord] = collections.deque()
        self._lock: Optional[asyncio.Lock] = None

    async def __anext__(self) -> FaceAuthRecord:
        if self._lock is None:
            # Made here, on the running loop (Python 3.9 binds a lock to the loop it is made on).
            import asyncio

            self._lock = asyncio.Lock()
        async with self._lock:
            while not self._records:
                if self._pager.done:
                    raise StopAsyncIteration
                page = await cast("Awaitable[Optional[FaceAuthPage]]", self._pager.next_page())
                if page is None:
                    raise StopAsyncIteration
                self._records.extend(page.records)
            return self._records.popleft()


class _ClosedOnExit:
    """``with`` gives the object itself and closes it on leaving the block."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[types.TracebackType],
    ) -> None:
        self.close()


_C = TypeVar("_C", bound="_BaseClient")


class _BaseClient:
    _native: _native.NativeClient

    # <surface:client-options> written by `make surface` from core/src/options.rs; do not edit
    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        ca_cert: Union[str, bytes, "os.PathLike[str]", None] = None,
        rate_limit: Optional[float] = DEFAULT_RATE_LIMIT,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        daily_quota: Optional[int] = None,
        budget_url: Optional[str] = None,
        budget_failure: Optional[Literal["local", "open", "closed"]] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        """The client options (README, "Options and environment"). A bad value raises
        :class:`~argos_addon.ConfigurationError` here, before any I/O (a wrong type, ``TypeError``).

        - ``api_key``: The Add-On project's key; defaults to $ARGOS_API_KEY. Never printed anywhere.
        - ``base_url``: An https:// URL; defaults to $ARGOS_BASE_URL, else the ARGOS API.
        - ``timeout`` (seconds): Per attempt, for the whole request and answer. Default 60 s.
        - ``connect_timeout`` (seconds): For opening a connection. Default 10 s.
        - ``max_retries``: Retries after the first attempt. Default 2.
        - ``ca_cert``: Extra trusted roots: PEM text, PEM bytes or the path of a PEM file.
        - ``rate_limit``: Requests per second of the client-side limit (default 5000); None / null
          turns it off.
        - ``max_upload_bytes``: Larger face images are refused before upload. Default 10 MiB.
        - ``max_response_bytes``: Larger successful answers are refused (code response_too_large).
          Default 32 MiB.
        - ``daily_quota``: The key's daily cap, counted per UTC day fleet-wide with a budget store,
          else per client. Default none.
        - ``budget_url``: redis:// or rediss:// URL (a Redis Cluster: node URLs, comma-separated) of
          the budget shared by every client of this key; defaults to $ARGOS_BUDGET_URL, else none.
        - ``budget_failure``: When the budget store cannot answer in time: "local" (default) uses
          this process's own budget, "open" sends without one, "closed" raises
          BudgetUnavailableError.
        - ``default_headers``: Headers sent on every request; x-api-key, content-type,
          content-length, host, traceparent and tracestate cannot be set.
        """
        self._open(
            {
                "api_key": api_key,
                "base_url": base_url,
                "timeout": timeout,
                "connect_timeout": connect_timeout,
                "max_retries": max_retries,
                "ca_cert": ca_cert,
                "rate_limit": rate_limit,
                "max_upload_bytes": max_upload_bytes,
                "max_response_bytes": max_response_bytes,
                "daily_quota": daily_quota,
                "budget_url": budget_url,
                "budget_failure": budget_failure,
                "default_headers": default_headers,
            }
        )
    # </surface:client-options>

    def _open(self, options: Dict[str, object]) -> None:
        """Builds the native client from the options as the user gave them (the core reads them)."""
        _native.set_python_log_level(_python_log_level())
        self._native = _native.NativeClient(options, user_agent_suffix=f"{_USER_AGENT} {self._flavour}")

    _flavour = "sync"

    @property
    def base_url(self) -> str:
        return self._native.base_url

    def with_options(
        self: _C,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
    ) -> _C:
        """A client of the same class with other settings for its calls, sharing this one's
        connection pool, rate limit and budget: ``client.with_options(timeout=5).face_auth.get(i)``.

        ``None`` keeps this client's value; ``extra_headers`` are sent beside ``default_headers``
        (replacing those of the same name). A bad value raises
        :class:`~argos_addon.ConfigurationError` here (a wrong type, ``TypeError``), before any I/O.
        Closing the copy (``close()``, ``with``) closes only the copy, never the shared pool;
        closing this client closes its copies too.
        """
        copy = object.__new__(type(self))
        options: Dict[str, object] = {"timeout": timeout, "max_retries": max_retries, "extra_headers": extra_headers}
        copy._native = self._native.with_options(options)
        return copy

    def face_auth_url(
        self,
        project_id: str,
        submission_id: str,
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str:
        """The hosted Face Auth URL, its parameters encrypted with this client's key."""
        return self._native.face_auth_url(project_id, submission_id, (user_id, cf1, cf2, cf3), token)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._native!r})"


class Client(_BaseClient, _ClosedOnExit):
    """A blocking client of the ARGOS Add-On (FaceAuth) API.

    Safe to share between threads; the GIL is released while a call waits, and Ctrl-C
    interrupts it.
    """

    @functools.cached_property
    def face_auth(self) -> FaceAuth:
        return FaceAuth(cast(_native.NativeClient, Measured(self._native, on_loop=False)))

    def budget_status(self) -> BudgetStatus:
        """Today's budget of this key: the fleet's, from the budget store (one round trip), else
        this client's own."""
        return self._native.budget_status()

    def close(self) -> None:
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`.
        A :meth:`with_options` copy closes only itself."""
        self._native.close()


class AsyncClient(_BaseClient):
    """An asyncio client of the ARGOS Add-On (FaceAuth) API.

    One instance works across several ``asyncio.run()`` calls and event loops: its connection
    pool lives in the Rust runtime, not in a loop.
    """

    _flavour = "async"

    @functools.cached_property
    def face_auth(self) -> AsyncFaceAuth:
        return AsyncFaceAuth(self._native)

    async def budget_status(self) -> BudgetStatus:
        """Today's budget of this key: the fleet's, from the budget store (one round trip), else
        this client's own."""
        return cast(BudgetStatus, await start(self._native.budget_status))

    async def aclose(self) -> None:
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`.
        A :meth:`with_options` copy closes only itself."""
        self._native.close()

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[types.TracebackType],
    ) -> None:
        await self.aclose()
