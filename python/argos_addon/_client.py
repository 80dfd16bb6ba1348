"""``Client`` and ``AsyncClient``: thin, typed faces over the Rust core."""

from __future__ import annotations

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
    Dict,
    Iterator,
    Optional,
    Type,
    TypeVar,
    Union,
    cast,
)

from . import _native
from ._bridge import start
from ._native import BudgetStatus, FaceAuthPage, FaceAuthRecord, FaceAuthResult
from .errors import ValidationError

if TYPE_CHECKING:
    import asyncio

    from typing_extensions import Concatenate, ParamSpec, TypeAlias

    _P = ParamSpec("_P")

__all__ = ["Client", "AsyncClient", "FaceAuth", "AsyncFaceAuth", "FaceImage", "DateLike"]

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
    client whose calls start on the event loop (see :func:`_coroutine`).
    """

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

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
        :class:`AsyncClient`)."""
        return _Records(self._native.pager(_date("start_date", start_date), _date("end_date", end_date), page_size))

    def image(self, auth_id: str) -> bytes:
        """The FaceAuth image, decoded."""
        return self._native.image(auth_id)

    def delete(self, auth_id: str) -> None:
        """Erase the image and personal data; the record stays, marked ``deleted``."""
        return self._native.delete(auth_id)


class _OnLoop:
    """A native client whose operations start on the running event loop and return its future
    instead of blocking: :class:`FaceAuth`'s code over it is :class:`AsyncFaceAuth`'s."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native
        self.pager = native.pager  # makes no request: stays a plain call

    def __getattr__(self, name: str) -> Callable[..., "asyncio.Future[Any]"]:
        operation = functools.partial(start, getattr(self._native, name))
        setattr(self, name, operation)  # found in the instance from now on
        return operation


def _renamed(method: _F, operation: Callable[..., object], returns: Optional[str] = None) -> _F:
    """``method``, named and documented as AsyncFaceAuth's ``operation`` (``help()`` shows it);
    ``returns`` replaces the return annotation where the async form returns another type."""
    functools.update_wrapper(method, operation)
    method.__qualname__ = f"AsyncFaceAuth.{method.__name__}"
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
    operation: "Callable[Concatenate[FaceAuth, _P], _R]",
) -> "Callable[Concatenate[AsyncFaceAuth, _P], Coroutine[Any, Any, _R]]":
    """``operation`` of :class:`FaceAuth` as a coroutine of :class:`AsyncFaceAuth`: the same
    signature, documentation and argument handling, over the client that starts the call on the
    running event loop."""

    async def on_loop(self: AsyncFaceAuth, /, *args: "_P.args", **kwargs: "_P.kwargs") -> _R:
        return await cast("Awaitable[_R]", operation(self._on_loop, *args, **kwargs))

    return _renamed(on_loop, operation)


def _async_records(
    operation: "Callable[Concatenate[FaceAuth, _P], Iterator[FaceAuthRecord]]",
) -> "Callable[Concatenate[AsyncFaceAuth, _P], AsyncIterator[FaceAuthRecord]]":
    """``FaceAuth.list`` for :class:`AsyncFaceAuth`: the same pager, walked with ``async for``."""

    def on_loop(self: AsyncFaceAuth, /, *args: "_P.args", **kwargs: "_P.kwargs") -> AsyncIterator[FaceAuthRecord]:
        return _AsyncRecords(cast(_Records, operation(self._on_loop, *args, **kwargs)).pager)

    return _renamed(on_loop, operation, returns="AsyncIterator[FaceAuthRecord]")


class AsyncFaceAuth:
    """The Add-On operations of an :class:`AsyncClient` (``client.face_auth``): those of
    :class:`FaceAuth` as coroutines, and ``list`` as an async iterator."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._on_loop = FaceAuth(cast(_native.NativeClient, _OnLoop(native)))

    submit = _coroutine(FaceAuth.submit)
    get = _coroutine(FaceAuth.get)
    list_page = _coroutine(FaceAuth.list_page)
    list = _async_records(FaceAuth.list)
    image = _coroutine(FaceAuth.image)
    delete = _coroutine(FaceAuth.delete)


class _Records(Iterator[FaceAuthRecord]):
    def __init__(self, pager: _native.NativePager) -> None:
        self.pager = pager

    def __next__(self) -> FaceAuthRecord:
        record = self.pager.next()
        if record is None:
            raise StopIteration
        return record


class _AsyncRecords(AsyncIterator[FaceAuthRecord]):
    def __init__(self, pager: _native.NativePager) -> None:
        self._pager = pager

    async def __anext__(self) -> FaceAuthRecord:
        record: Optional[FaceAuthRecord] = await start(self._pager.next)
        if record is None:
            raise StopAsyncIteration
        return record


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
        return FaceAuth(self._native)

    def budget_status(self) -> BudgetStatus:
        """Today's budget of this key: the fleet's, from the budget store (one round trip), else
        this client's own."""
        return self._native.budget_status()

    def close(self) -> None:
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`."""
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
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`."""
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
