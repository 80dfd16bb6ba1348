"""OpenTelemetry for every call, through the application's own global OpenTelemetry API
(``pip install argos-addon[otel]``; never a dependency): one CLIENT span named after the
operation, the W3C trace context sent with each attempt, and the ``http.client.request.duration``
histogram.

OpenTelemetry is never imported by ``import argos_addon``. An application that set a tracer
(meter) provider has imported ``opentelemetry.trace`` (``opentelemetry.metrics``), where providers
are set, so until one of them is in ``sys.modules`` a call costs two dictionary look-ups, and
after that a check that a provider is set; the rest is imported on the first call measured.
Importing OpenTelemetry at import, to learn whether it is there, would add tens of milliseconds
to ``import argos_addon`` (its context API reads entry points) for nothing: without a provider
there is nothing to record, and without OpenTelemetry installed those modules never appear.

No id, custom field, image or key is put on a span or a metric: only the route (method, path
template, host, port), the status, the retries, the request id ARGOS gave and the error's class
(never its message, which may hold ids).
"""

from __future__ import annotations

import functools
import sys
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Tuple

from . import _native
from ._bridge import start

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.util.types import AttributeValue

__all__ = ["Measured"]

_SCOPE = "argos_addon"
# The only headers of the propagator's that the core sends (and accepts from this layer).
_TRACE_HEADERS = ("traceparent", "tracestate")

# Each native operation: the operation it is, and what is called while it is measured. image()
# and delete() return no response, so their twins, which return (value, response), are called.
_OPERATIONS: Dict[str, Tuple[str, str]] = {
    "submit": ("submit", "submit"),
    "get": ("get", "get"),
    "list_page": ("list_page", "list_page"),
    "image": ("image", "image_with_response"),
    "delete": ("delete", "delete_with_response"),
    "image_with_response": ("image", "image_with_response"),
    "delete_with_response": ("delete", "delete_with_response"),
}

# The W3C trace context of a call's span, as the native calls take it; None without one.
_TracePairs = Optional[List[Tuple[str, str]]]
# What a measured call calls, given the trace context to send: a native operation on a copy of
# the client carrying it, or a pager's next_page passed it.
_Send = Callable[[_TracePairs], Callable[..., Any]]

# (provider, the tracer / histogram made from it), replaced whole when the provider changes.
_tracer: Tuple[object, Any] = (None, None)
_histogram: Tuple[object, Any] = (None, None)


def _instruments() -> Optional[Tuple[Optional[Tracer], Optional[Histogram]]]:
    """The tracer and the histogram of the providers the application set; None when it set
    neither."""
    global _tracer, _histogram
    tracer = histogram = None
    trace = sys.modules.get("opentelemetry.trace")
    if trace is not None:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, trace.ProxyTracerProvider):
            if _tracer[0] is not provider:
                _tracer = (provider, provider.get_tracer(_SCOPE, _native.__version__))
            tracer = _tracer[1]
    metrics = sys.modules.get("opentelemetry.metrics")
    if metrics is not None:
        provider = metrics.get_meter_provider()
        # The placeholder returned while none is set has no public class (unlike the trace API's
        # ProxyTracerProvider); should it be renamed, recording into it only costs time.
        if type(provider).__name__ != "_ProxyMeterProvider":
            if _histogram[0] is not provider:
                meter = provider.get_meter(_SCOPE, _native.__version__)
                made = meter.create_histogram(
                    "http.client.request.duration", unit="s", description="Duration of HTTP client requests."
                )
                _histogram = (provider, made)
            histogram = _histogram[1]
    if tracer is None and histogram is None:
        return None
    return tracer, histogram


class _Route:
    """Where an operation goes: its span's name and the attributes known before the call."""

    def __init__(self, route: Dict[str, Any]) -> None:
        self.span_name: str = route["span_name"]
        self.attributes: Dict[str, AttributeValue] = {
            "http.request.method": route["method"],
            "url.template": route["url_template"],
            "server.address": route["server_address"],
            "server.port": route["server_port"],
        }


class _Call:
    """One measured call of the native operation ``name``: its span and its clock."""

    def __init__(self, name: str, route: _Route, tracer: Optional[Tracer], histogram: Optional[Histogram]) -> None:
        self._unwrap = _OPERATIONS[name][1] != name
        self._route = route
        self._histogram = histogram
        self._span: Optional[Span] = None
        if tracer is not None:
            from opentelemetry.trace import SpanKind

            self._span = tracer.start_span(route.span_name, kind=SpanKind.CLIENT, attributes=route.attributes)
        self._started = time.perf_counter()

    def trace_context(self) -> _TracePairs:
        """What the call sends on every attempt: the trace context of the span (current while
        the global propagator injects it); None without a span, or when nothing was injected."""
        if self._span is None:
            return None
        from opentelemetry import propagate, trace

        carrier: Dict[str, str] = {}
        with trace.use_span(self._span, end_on_exit=False):
            propagate.inject(carrier)
        pairs = [(name, value) for name, value in carrier.items() if name in _TRACE_HEADERS]
        return pairs or None

    def succeeded(self, answer: Any) -> Any:
        """Records the answer; returns the call's value (without the response of a twin)."""
        if answer is None:  # a pager asked past its last page: nothing was sent
            if self._span is not None:
                self._span.end()
            return None
        response = answer[1] if isinstance(answer, tuple) else answer.response
        if self._span is not None:
            self._span.set_attribute("http.response.status_code", response.status_code)
            if response.attempts > 1:
                self._span.set_attribute("http.request.resend_count", response.attempts - 1)
            if response.request_id is not None:
                self._span.set_attribute("argos.request_id", response.request_id)
            self._span.end()
        self._record({"http.response.status_code": response.status_code})
        return answer[0] if self._unwrap else answer

    def failed(self, err: BaseException) -> None:
        """Records the error by its class name; its message may hold ids."""
        kind = type(err).__name__
        status = getattr(err, "status_code", None)
        outcome: Dict[str, AttributeValue] = {"error.type": kind}
        if status:
            outcome["http.response.status_code"] = status
        if self._span is not None:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_attributes(outcome)
            attempts = getattr(err, "_attempts", 1)
            if attempts > 1:
                self._span.set_attribute("http.request.resend_count", attempts - 1)
            request_id = getattr(err, "request_id", None)
            if request_id is not None:
                self._span.set_attribute("argos.request_id", request_id)
            self._span.set_status(Status(StatusCode.ERROR, kind))
            self._span.end()
        self._record(outcome)

    def _record(self, outcome: Dict[str, AttributeValue]) -> None:
        if self._histogram is not None:
            self._histogram.record(time.perf_counter() - self._started, {**self._route.attributes, **outcome})

    async def awaited(self, future: Awaitable[Any]) -> Any:
        """The value of a call started on the event loop, recorded once it finishes."""
        try:
            answer = await future
        except BaseException as err:
            self.failed(err)
            raise
        return self.succeeded(answer)


def _on_copy(native: _native.NativeClient, name: str, pairs: _TracePairs) -> Callable[..., Any]:
    """The operation ``name`` measured (its twin, for image and delete), on ``native`` or on a
    copy of it that sends the trace context ``pairs``."""
    if pairs is not None:
        native = native.with_options({}, pairs)
    return getattr(native, _OPERATIONS[name][1])  # type: ignore[no-any-return]


def _passed(next_page: Callable[..., Any], pairs: _TracePairs) -> Callable[..., Any]:
    """A pager's ``next_page`` sending the trace context ``pairs``."""
    return functools.partial(next_page, pairs)


class Measured:
    """A native client whose operations, and the page fetches of its pagers, are measured while
    the application has set an OpenTelemetry tracer or meter provider. With ``on_loop``
    (AsyncClient) each call starts on the running event loop and returns an awaitable instead of
    blocking."""

    def __init__(self, native: _native.NativeClient, *, on_loop: bool) -> None:
        self._native = native
        self._run = self._start if on_loop else self._call
        self._routes: Optional[Dict[str, _Route]] = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        send = functools.partial(_on_copy, self._native, name)
        operation = functools.partial(self._run, name, getattr(self._native, name), send)
        setattr(self, name, operation)  # found in the instance from now on
        return operation

    def pager(self, start_date: Optional[str], end_date: Optional[str], page_size: int) -> _Pages:
        """The native pager (made now, without a request), each page fetch a ``list_page`` call."""
        return _Pages(self, self._native.pager(start_date, end_date, page_size))

    def _begin(self, name: str, instruments: Tuple[Optional[Tracer], Optional[Histogram]]) -> _Call:
        if self._routes is None:
            self._routes = {op: _Route(route) for op, route in self._native.routes().items()}
        return _Call(name, self._routes[_OPERATIONS[name][0]], *instruments)

    # Each measured call: ``name``, the operation it is recorded as; ``method``, what is called
    # while nothing is measured; ``send``, what is called while measured, given the trace context.

    def _call(self, name: str, method: Callable[..., Any], send: _Send, *args: Any) -> Any:
        instruments = _instruments()
        if instruments is None:
            return method(*args)
        call = self._begin(name, instruments)
        try:
            answer = send(call.trace_context())(*args)
        except BaseException as err:
            call.failed(err)
            raise
        return call.succeeded(answer)

    def _start(self, name: str, method: Callable[..., Any], send: _Send, *args: Any) -> Awaitable[Any]:
        instruments = _instruments()
        if instruments is None:
            return start(method, *args)
        call = self._begin(name, instruments)
        try:
            future = start(send(call.trace_context()), *args)
        except BaseException as err:
            call.failed(err)
            raise
        return call.awaited(future)


class _Pages:
    """A native pager whose ``next_page`` is measured as its client's ``list_page`` calls are
    (blocking, or on the event loop, as they do); where the walk ends, the native pager says."""

    def __init__(self, measured: Measured, pager: _native.NativePager) -> None:
        self._pager = pager
        send = functools.partial(_passed, pager.next_page)
        # Unmeasured too, the trace context is passed (as None): a target, if any, goes after it.
        self.next_page = functools.partial(measured._run, "list_page", send(None), send)

    @property
    def done(self) -> bool:
        return self._pager.done
