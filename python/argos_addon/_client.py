"""``Client`` and ``AsyncClient``: thin, typed faces over the Rust core."""

from __future__ import annotations

import datetime
import os
import sys
from functools import cached_property
from types import TracebackType
from typing import (
    IO,
    TYPE_CHECKING,
    AsyncIterator,
    Iterator,
    Optional,
    Type,
    TypeVar,
    Union,
)

from . import _native
from ._bridge import start
from ._native import FaceAuthPage, FaceAuthRecord, FaceAuthResult
from .errors import ArgosError, ConfigurationError, ValidationError

if TYPE_CHECKING:
    from typing_extensions import TypeAlias

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

_USER_AGENT = f"python/{sys.version_info[0]}.{sys.version_info[1]}"


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


def _ca_cert(ca_cert: Union[str, bytes, "os.PathLike[str]", None]) -> Union[str, bytes, None]:
    """PEM text or bytes as given; another str or path names a PEM file, read here."""
    if ca_cert is None or isinstance(ca_cert, bytes):
        return ca_cert
    if isinstance(ca_cert, str) and "-----BEGIN" in ca_cert:
        return ca_cert
    if not isinstance(ca_cert, (str, os.PathLike)):
        raise TypeError(f"ca_cert must be PEM text, PEM bytes or a path, not {type(ca_cert).__name__}")
    return _read_file(ca_cert, ConfigurationError, "ca_cert is neither PEM text nor a readable PEM file")


def _read_file(path: Union[str, "os.PathLike[str]"], error: Type[ArgosError], what: str) -> bytes:
    """The file's bytes, or ``error`` saying ``what`` failed and why."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except (OSError, ValueError) as err:  # ValueError: a path with a NUL or a lone surrogate
        raise error(f"{what} ({getattr(err, 'strerror', None) or err})") from err


class FaceAuth:
    """The Add-On operations of a :class:`Client` (``client.face_auth``)."""

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
        return self._native.submit(submission_id, _image(face_image), user_id, cf1, cf2, cf3)

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
        return self._native.list_page(
            _date("start_date", start_date), _date("end_date", end_date), count, next_key
        )

    def list(
        self,
        *,
        start_date: Optional[DateLike] = None,
        end_date: Optional[DateLike] = None,
        page_size: int = 2000,
    ) -> Iterator[FaceAuthRecord]:
        """Every record, newest first, fetching pages lazily as you iterate."""
        pager = self._native.pager(_date("start_date", start_date), _date("end_date", end_date), page_size)
        return _Records(pager)

    def image(self, auth_id: str) -> bytes:
        """The FaceAuth image, decoded."""
        return self._native.image(auth_id)

    def delete(self, auth_id: str) -> None:
        """Erase the image and personal data; the record stays, marked ``deleted``."""
        self._native.delete(auth_id)


class AsyncFaceAuth:
    """The Add-On operations of an :class:`AsyncClient` (``client.face_auth``)."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def submit(
        self,
        submission_id: str,
        face_image: FaceImage,
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
    ) -> FaceAuthResult:
        """Compare ``face_image`` with the approved ID Check submission ``submission_id``."""
        result: FaceAuthResult = await start(
            self._native.submit_async, submission_id, _image(face_image), user_id, cf1, cf2, cf3
        )
        return result

    async def get(self, auth_id: str) -> FaceAuthRecord:
        """One record; :class:`~argos_addon.NotFoundError` if the API returns none."""
        record: FaceAuthRecord = await start(self._native.get_async, auth_id)
        return record

    async def list_page(
        self,
        *,
        start_date: Optional[DateLike] = None,
        end_date: Optional[DateLike] = None,
        count: Optional[int] = None,
        next_key: Optional[str] = None,
    ) -> FaceAuthPage:
        """One page of records, newest first; pass ``page.next_key`` back for the next one."""
        page: FaceAuthPage = await start(
            self._native.list_page_async, _date("start_date", start_date), _date("end_date", end_date), count, next_key
        )
        return page

    def list(
        self,
        *,
        start_date: Optional[DateLike] = None,
        end_date: Optional[DateLike] = None,
        page_size: int = 2000,
    ) -> AsyncIterator[FaceAuthRecord]:
        """Every record, newest first: ``async for record in client.face_auth.list(): ...``."""
        pager = self._native.pager(_date("start_date", start_date), _date("end_date", end_date), page_size)
        return _AsyncRecords(pager)

    async def image(self, auth_id: str) -> bytes:
        """The FaceAuth image, decoded."""
        image: bytes = await start(self._native.image_async, auth_id)
        return image

    async def delete(self, auth_id: str) -> None:
        """Erase the image and personal data; the record stays, marked ``deleted``."""
        await start(self._native.delete_async, auth_id)


class _Records(Iterator[FaceAuthRecord]):
    def __init__(self, pager: _native.NativePager) -> None:
        self._pager = pager

    def __next__(self) -> FaceAuthRecord:
        record = self._pager.next()
        if record is None:
            raise StopIteration
        return record


class _AsyncRecords(AsyncIterator[FaceAuthRecord]):
    def __init__(self, pager: _native.NativePager) -> None:
        self._pager = pager

    async def __anext__(self) -> FaceAuthRecord:
        record: Optional[FaceAuthRecord] = await start(self._pager.next_async)
        if record is None:
            raise StopAsyncIteration
        return record


_C = TypeVar("_C", bound="_BaseClient")


class _BaseClient:
    _native: _native.NativeClient

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
    ) -> None:
        """Options default to ``$ARGOS_API_KEY`` / ``$ARGOS_BASE_URL`` and the values of sdk.md.

        ``timeout`` and ``connect_timeout`` are seconds; ``ca_cert`` is PEM text, PEM bytes or
        the path of a PEM file (added to the system roots); ``rate_limit=None`` turns the
        client-side rate limit off; a successful answer larger than ``max_response_bytes`` is an
        :class:`~argos_addon.APIStatusError` (code ``response_too_large``). A bad option raises
        :class:`~argos_addon.ConfigurationError` here, before any I/O.
        """
        _native.set_python_log_level(_python_log_level())
        self._native = _native.NativeClient(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            ca_cert=_ca_cert(ca_cert),
            rate_limit=rate_limit,
            max_upload_bytes=max_upload_bytes,
            max_response_bytes=max_response_bytes,
            user_agent_suffix=f"{_USER_AGENT} {self._flavour}",
        )

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
        return self._native.face_auth_url(project_id, submission_id, user_id, cf1, cf2, cf3, token)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._native!r})"


class Client(_BaseClient):
    """A blocking client of the ARGOS Add-On (FaceAuth) API.

    Safe to share between threads; the GIL is released while a call waits, and Ctrl-C
    interrupts it.
    """

    @cached_property
    def face_auth(self) -> FaceAuth:
        return FaceAuth(self._native)

    def close(self) -> None:
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`."""
        self._native.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """An asyncio client of the ARGOS Add-On (FaceAuth) API.

    One instance works across several ``asyncio.run()`` calls and event loops: its connection
    pool lives in the Rust runtime, not in a loop.
    """

    _flavour = "async"

    @cached_property
    def face_auth(self) -> AsyncFaceAuth:
        return AsyncFaceAuth(self._native)

    async def aclose(self) -> None:
        """Close the connection pool; later calls raise :class:`~argos_addon.APIConnectionError`."""
        self._native.close()

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()
