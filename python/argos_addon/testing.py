"""A local ARGOS Add-On server for your tests: real HTTPS, the documented answers, and faults.

>>> from argos_addon.testing import MockServer
>>> with MockServer() as mock:                                     # doctest: +SKIP
...     mock.add_submission("sub-1", selfie=open("selfie.jpg", "rb").read())
...     result = mock.client().face_auth.submit("sub-1", "selfie.jpg")
...     assert result.approved

Run it standalone with ``python -m argos_addon.testing``.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _native
from ._client import AsyncClient, Client, _ClosedOnExit
from .errors import ValidationError

__all__ = ["MockServer", "RequestLog"]

_Selfie = Union[bytes, str, "os.PathLike[str]", None]

_DEFAULTS = _native.NativeMock.DEFAULTS
"""The defaults of the mock's numbers, as the mock crate declares them."""


def _read(selfie: _Selfie) -> Optional[bytes]:
    if selfie is None or isinstance(selfie, bytes):
        return selfie
    if not isinstance(selfie, (str, os.PathLike)):
        raise TypeError(f"an image must be bytes or a path, not {type(selfie).__name__}")
    try:
        with open(selfie, "rb") as f:
            return f.read()
    except (OSError, ValueError) as err:  # ValueError: a path with a NUL or a lone surrogate
        raise ValidationError(f"cannot read the image file ({getattr(err, 'strerror', None) or err})") from err


def _reported(name: str) -> Any:
    """A read-only attribute, as the running native mock reports it."""
    return property(lambda mock: getattr(mock._native, name))


def _utc(when: datetime.datetime) -> datetime.datetime:
    """``when`` in UTC; a naive datetime already is."""
    if not isinstance(when, datetime.datetime):
        raise TypeError(f"create_time must be a datetime.datetime, not {type(when).__name__}")
    if when.tzinfo is None:
        return when.replace(tzinfo=datetime.timezone.utc)
    try:
        return when.astimezone(datetime.timezone.utc)
    except OverflowError as err:  # near datetime.min or max, UTC falls outside the calendar
        raise ValidationError(f"create_time {when} has no UTC time") from err


class RequestLog(List[Dict[str, Any]]):
    """The requests :meth:`MockServer.requests` lists, oldest first: a plain list of dicts, plus
    ``dropped``, how many older requests the mock let go before the first one listed (it keeps
    only the last ``request_log_limit``), since it started or :meth:`MockServer.reset_counts`."""

    dropped: int

    def __init__(self, requests: Iterable[Dict[str, Any]] = (), dropped: int = 0) -> None:
        super().__init__(requests)
        self.dropped = dropped


class MockServer(_ClosedOnExit):
    """The Rust mock ARGOS server, started in this process on 127.0.0.1.

    It has its own CA (``ca_cert_pem``), Add-On key (``api_key``) and project id, serves the four
    Add-On endpoints, and reproduces the gateway (403 Forbidden / explicit deny, 413, 429 rate
    and daily quota, and with ``gateway_limit`` a strict per-second limit that answers 429 with
    ``Retry-After``). Faults apply to the next ``times`` requests matching ``method``/``path``
    (a path relative to ``/v3``, e.g. ``"/faceauth"``; ``None`` matches any). It keeps the last
    ``request_log_limit`` requests (10,000 by default; 0 keeps none) for :meth:`requests`, so
    that its memory stays flat however long it runs.
    """

    def __init__(
        self,
        *,
        port: int = _DEFAULTS["port"],
        api_key: Optional[str] = None,
        project_id: Optional[str] = None,
        max_body_bytes: int = _DEFAULTS["max_body_bytes"],
        rate_limit: Optional[float] = _DEFAULTS["rate_limit"],
        daily_quota: Optional[int] = _DEFAULTS["daily_quota"],
        gateway_limit: Optional[int] = _DEFAULTS["gateway_limit"],
        similarity_threshold: float = _DEFAULTS["similarity_threshold"],
        request_log_limit: int = _DEFAULTS["request_log_limit"],
    ) -> None:
        self._native = _native.NativeMock(
            port=port,
            api_key=api_key,
            project_id=project_id,
            max_body_bytes=max_body_bytes,
            rate_limit=rate_limit,
            daily_quota=daily_quota,
            gateway_limit=gateway_limit,
            similarity_threshold=similarity_threshold,
            request_log_limit=request_log_limit,
        )

    base_url: str = _reported("base_url")
    ca_cert_pem: str = _reported("ca_cert_pem")
    api_key: str = _reported("api_key")
    project_id: str = _reported("project_id")
    port: int = _reported("port")

    def client(self, **options: Any) -> Client:
        """A :class:`~argos_addon.Client` for this server; ``options`` override the defaults."""
        return Client(**{**self._client_options(), **options})

    def async_client(self, **options: Any) -> AsyncClient:
        """An :class:`~argos_addon.AsyncClient` for this server."""
        return AsyncClient(**{**self._client_options(), **options})

    def _client_options(self) -> Dict[str, Any]:
        return {"api_key": self.api_key, "base_url": self.base_url, "ca_cert": self.ca_cert_pem}

    # --- data -------------------------------------------------------------------------------

    def add_submission(self, submission_id: str, status: str = "approved", selfie: _Selfie = None) -> None:
        """Seed an ID Check submission; ``selfie`` is bytes or a path. Submitting the same bytes
        is approved; any other image is rejected with ``face_compare_underscore``."""
        self._native.add_submission(submission_id, status, _read(selfie))

    def add_record(
        self,
        *,
        auth_status: str = "approved",
        create_time: Optional[datetime.datetime] = None,
        submission_id: str = "seeded-submission",
        auth_id: Optional[str] = None,
        image: _Selfie = None,
    ) -> str:
        """Insert a FaceAuth record directly (for listing tests); returns its auth id."""
        when = _utc(create_time or datetime.datetime.now(datetime.timezone.utc))
        return self._native.add_record(auth_status, when, submission_id, auth_id, _read(image))

    def force_next_verdict(
        self,
        *,
        status: Optional[str] = None,
        score: Optional[float] = None,
        fail_codes: Sequence[str] = (),
    ) -> None:
        """Decide the next successful submit: e.g. ``fail_codes=["Face_Occluded_fail"]``."""
        self._native.force_next_verdict(status, score, list(fail_codes))

    # --- faults -----------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        body: str = "",
        *,
        headers: Optional[Mapping[str, str]] = None,
        times: int = 1,
        method: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and ``body``."""
        self._native.inject_status(status, body, list(dict(headers or {}).items()), (times, method, path))

    def bad_gateway_next(self, *, times: int = 1, method: Optional[str] = None, path: Optional[str] = None) -> None:
        """Answer with a gateway's HTML 502 page."""
        self._native.inject_html_502((times, method, path))

    def delay_next(
        self, seconds: float, *, times: int = 1, method: Optional[str] = None, path: Optional[str] = None
    ) -> None:
        """Wait ``seconds`` before answering normally."""
        self._native.inject_delay(seconds, (times, method, path))

    def drop_next(self, *, times: int = 1, method: Optional[str] = None, path: Optional[str] = None) -> None:
        """Close the connection without answering."""
        self._native.inject_drop((times, method, path))

    def clear_faults(self) -> None:
        self._native.clear_faults()

    # --- gateway and shapes -----------------------------------------------------------------

    def set_deny(self, deny: bool = True) -> None:
        """Answer every request with 403 "explicit deny" (an IP not on the allow-list)."""
        self._native.set_deny(deny)

    def set_daily_quota(self, quota: Optional[int]) -> None:
        """Allow ``quota`` more requests today, then 429 "Limit Exceeded"; ``None`` = no cap."""
        self._native.set_daily_quota(quota)

    def set_rate_limit(self, per_second: Optional[float]) -> None:
        self._native.set_rate_limit(per_second)

    def set_gateway_limit(self, per_second: Optional[int]) -> None:
        """Let at most ``per_second`` keyed requests through in each whole UTC second, then 429
        "Too Many Requests" with ``Retry-After: 1`` for the rest of it; ``None`` = off. The
        current second is counted afresh; :meth:`per_second_counts` is kept."""
        self._native.set_gateway_limit(per_second)

    def set_list_shape(self, shape: str) -> None:
        """``"wrapper"`` (current docs, default) or ``"bare"`` (older docs) for ``GET /faceauth``."""
        self._native.set_list_shape(shape)

    def set_image_encoding(self, encoding: str) -> None:
        """``"raw"`` base64 (default), ``"json"`` string or ``"data_uri"`` for the image endpoint."""
        self._native.set_image_encoding(encoding)

    # --- inspection -------------------------------------------------------------------------

    def request_count(self, method: Optional[str] = None, path: Optional[str] = None) -> int:
        """Requests that arrived for ``method`` and ``path`` (e.g. ``"GET", "/faceauth"``),
        or in all when both are ``None``."""
        if method is None and path is None:
            return self._native.total_requests()
        if method is None or path is None:
            raise TypeError("give both method and path, or neither")
        return self._native.request_count(method, path)

    def connection_count(self) -> int:
        """TCP connections accepted, whether or not their TLS handshake succeeded. A connection
        is counted before it is answered on, so a client that reused one connection counts once."""
        return self._native.connection_count()

    def handshake_count(self) -> int:
        """TLS handshakes completed; a connection whose handshake failed is not counted."""
        return self._native.handshake_count()

    def reset_counts(self) -> None:
        """Zero the request counts (the per-second ones, the connection and handshake counts and
        :meth:`dropped_requests` too) and forget the recorded requests."""
        self._native.reset_counts()

    def per_second_counts(self) -> List[Dict[str, int]]:
        """``{"second": unix seconds, "requests": ..., "throttled": ...}`` for each whole UTC second
        of the last hour that had keyed requests (those the daily quota counts), oldest first;
        ``throttled`` are the ones the gateway limit refused."""
        return self._native.per_second_counts()

    def requests(self) -> RequestLog:
        """The requests that arrived, oldest first (the key header redacted): the last
        ``request_log_limit`` of them, with the number let go before them as ``.dropped``."""
        requests, dropped = self._native.request_log()
        return RequestLog(requests, dropped)

    def dropped_requests(self) -> int:
        """How many older requests the log let go to keep only the last ``request_log_limit``."""
        return self._native.dropped_requests()

    # --- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the server (also done on leaving the ``with`` block)."""
        self._native.stop()

    def __repr__(self) -> str:
        return f"MockServer(base_url={self.base_url!r}, project_id={self.project_id!r})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m argos_addon.testing``: run the mock until Ctrl-C or stdin closes."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m argos_addon.testing", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key")
    parser.add_argument("--project-id")
    parser.add_argument("--ca-out", help="write the CA certificate (PEM) here")
    parser.add_argument("--seed", action="append", default=[], metavar="ID:STATUS[:SELFIE]")
    parser.add_argument(
        "--request-log-limit",
        type=int,
        default=_DEFAULTS["request_log_limit"],
        metavar="N",
        help="keep only the last N requests in memory (default %(default)s)",
    )
    args = parser.parse_args(argv)
    with MockServer(
        port=args.port,
        api_key=args.api_key,
        project_id=args.project_id,
        request_log_limit=args.request_log_limit,
    ) as mock:
        for seed in args.seed:
            parts = seed.split(":", 2)
            if len(parts) < 2:
                parser.error(f"--seed wants ID:STATUS[:SELFIE], got {seed!r}")
            mock.add_submission(parts[0], parts[1], parts[2] if len(parts) > 2 else None)
        print(f"base_url={mock.base_url}\napi_key={mock.api_key}\nproject_id={mock.project_id}")
        if args.ca_out:
            with open(args.ca_out, "w") as f:
                f.write(mock.ca_cert_pem)
            print(f"ca_cert={args.ca_out}")
        sys.stdout.flush()
        try:
            sys.stdin.read()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
