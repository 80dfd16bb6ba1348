"""OpenTelemetry through the application's global API, recorded by the real SDK: one CLIENT span
per operation with the HTTP client attributes, the W3C trace context at the server, the duration
histogram; and nothing at all without OpenTelemetry or without a provider.

A process can set the global providers once: the module's fixture sets them for every test here
(and leaves them set for the modules after it, which then run traced), each test clearing the
exporter first.
"""

from __future__ import annotations

import asyncio
import datetime
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import pytest
from opentelemetry import context, metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, SpanKind, StatusCode, TraceFlags, TraceState

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, Api, child_env, jpeg

USER_ID, CF = "user-secret-42", ("cf-one-secret", "cf-two-secret", "cf-three-secret")


@dataclass
class Telemetry:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader

    def spans(self) -> List[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def points(self, mock: MockServer) -> List[HistogramDataPoint]:
        """The duration histogram's points of calls to ``mock`` (each test has a port of its own)."""
        found: List[HistogramDataPoint] = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == "http.client.request.duration":
                        assert metric.unit == "s"
                        found += [p for p in metric.data.data_points if isinstance(p, HistogramDataPoint)]
        return [p for p in found if p.attributes and p.attributes["server.port"] == mock.port]


@pytest.fixture(scope="module")
def providers() -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    assert trace.get_tracer_provider() is tracer_provider, "another test set the global tracer provider first"
    yield Telemetry(exporter, reader)


@pytest.fixture
def otel(providers: Telemetry) -> Telemetry:
    providers.exporter.clear()
    return providers


@pytest.fixture
def record(mock: MockServer) -> str:
    return mock.add_record(auth_id="rec-telemetry-1", image=jpeg(3), create_time=datetime.datetime(2024, 5, 1))


def traceparent(span: ReadableSpan) -> str:
    assert span.context is not None
    flags = span.context.trace_flags
    assert flags.sampled
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{flags:02x}"


def sent(mock: MockServer) -> List[Dict[str, str]]:
    """The headers of every request the mock received, in order."""
    return [dict(r["headers"]) for r in mock.requests()]


def test_every_operation_records_one_client_span(api: Api, mock: MockServer, otel: Telemetry) -> None:
    result = api.submit(SUBMISSION, jpeg(1))
    auth_id = result.authentication_id
    answers = [
        result.response,
        api.get(auth_id).response,
        api.list_page(count=5).response,
        api.with_response.image(auth_id)[1],
        api.with_response.delete(auth_id)[1],
    ]
    other = mock.add_record(auth_id="rec-telemetry-2", image=jpeg(2))
    assert api.image(other) == jpeg(2) and api.delete(other) is None
    spans = otel.spans()
    operations = ["submit", "get", "list_page", "image", "delete", "image", "delete"]
    assert [s.name for s in spans] == [f"argos.face_auth.{op}" for op in operations]
    methods = ["POST", "GET", "GET", "GET", "DELETE", "GET", "DELETE"]
    for span, method, headers in zip(spans, methods, sent(mock)):
        assert span.kind is SpanKind.CLIENT and span.status.status_code is StatusCode.UNSET
        attributes = dict(span.attributes or {})
        assert isinstance(attributes.pop("argos.request_id"), str)
        assert attributes == {
            "http.request.method": method,
            "url.template": "/v3/faceauth/image" if span.name.endswith("image") else "/v3/faceauth",
            "server.address": "127.0.0.1",
            "server.port": mock.port,
            "http.response.status_code": 200,
        }
        assert headers["traceparent"] == traceparent(span)
    assert [(s.attributes or {})["argos.request_id"] for s in spans[:5]] == [a.request_id for a in answers]


def test_each_page_of_list_is_a_span(api: Api, mock: MockServer, otel: Telemetry) -> None:
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    for i in range(5):
        mock.add_record(auth_id=f"rec{i:04}", create_time=start + datetime.timedelta(hours=i))
    assert len(api.list(page_size=2)) == 5
    spans = otel.spans()
    assert [s.name for s in spans] == ["argos.face_auth.list_page"] * 3
    assert [h["traceparent"] for h in sent(mock)] == [traceparent(s) for s in spans]
    assert len({s.context.span_id for s in spans if s.context}) == 3


def test_pages_fetched_for_tasks_calling_anext_at_once_are_a_span_each(mock: MockServer, otel: Telemetry) -> None:
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    for i in range(5):
        mock.add_record(auth_id=f"rec{i:04}", create_time=start + datetime.timedelta(hours=i))
    client = mock.async_client()

    async def race() -> List[Any]:
        records = client.face_auth.list(page_size=2)
        return await asyncio.gather(*(records.__anext__() for _ in range(5)))

    assert len({r.auth_id for r in asyncio.run(race())}) == 5
    spans = otel.spans()
    assert [s.name for s in spans] == ["argos.face_auth.list_page"] * 3
    assert [h["traceparent"] for h in sent(mock)] == [traceparent(s) for s in spans]


def test_a_retried_get_sends_its_trace_context_on_every_attempt(
    api: Api, mock: MockServer, otel: Telemetry, record: str
) -> None:
    mock.fail_next(503, "busy", times=2, method="GET", path="/faceauth")
    api.get(record)
    (span,) = otel.spans()
    assert span.attributes and span.attributes["http.request.resend_count"] == 2
    assert [h["traceparent"] for h in sent(mock)] == [traceparent(span)] * 3
    api.get(record)
    assert "http.request.resend_count" not in (otel.spans()[1].attributes or {})


def test_the_call_span_is_a_child_of_the_current_one(api: Api, mock: MockServer, otel: Telemetry, record: str) -> None:
    tracer = trace.get_tracer("tests")
    with tracer.start_as_current_span("handler"):
        api.get(record)
    call, handler = otel.spans()
    assert handler.context is not None and call.parent is not None and call.context is not None
    assert call.parent.span_id == handler.context.span_id and call.context.trace_id == handler.context.trace_id
    assert sent(mock)[-1]["traceparent"] == traceparent(call)


def test_tracestate_goes_along(api: Api, mock: MockServer, otel: Telemetry, record: str) -> None:
    remote = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "v1")]),
    )
    token = context.attach(trace.set_span_in_context(trace.NonRecordingSpan(remote)))
    try:
        api.get(record)
    finally:
        context.detach(token)
    (span,) = otel.spans()
    headers = sent(mock)[-1]
    assert headers["traceparent"] == traceparent(span) and headers["tracestate"] == "vendor=v1"
    assert span.context is not None and span.context.trace_id == remote.trace_id


@pytest.mark.parametrize(
    "fault,error,status",
    [
        ({"status": 403, "body": '{"message":"Forbidden"}'}, "AuthenticationError", 403),
        ({"status": 400, "body": '{"errorCode":"invalid_data_format"}'}, "BadRequestError", 400),
        ({"status": 500, "body": "{}", "times": 3}, "InternalServerError", 500),
    ],
)
def test_a_failed_call(
    api: Api, mock: MockServer, otel: Telemetry, record: str, fault: Dict[str, Any], error: str, status: int
) -> None:
    mock.fail_next(fault["status"], fault["body"], headers={"x-amzn-RequestId": "req-failed-1"}, times=fault.get("times", 1))
    with pytest.raises(getattr(argos_addon, error)):
        api.get(record)
    (span,) = otel.spans()
    assert span.status.status_code is StatusCode.ERROR and span.status.description == error
    assert span.attributes is not None
    assert span.attributes["error.type"] == error and span.attributes["http.response.status_code"] == status
    assert span.attributes["argos.request_id"] == "req-failed-1"
    # The 500 is retried twice before it is raised; the others are not retried.
    assert span.attributes.get("http.request.resend_count") == (2 if fault.get("times") else None)
    assert not span.events  # no exception event: messages may hold ids
    (point,) = otel.points(mock)
    assert point.attributes and point.attributes["error.type"] == error
    assert point.attributes["http.response.status_code"] == status


def points_of(data: Sequence[HistogramDataPoint], key: str) -> List[Any]:
    return [p.attributes[key] for p in data if p.attributes and key in p.attributes]


def test_a_call_that_got_no_answer(api: Api, mock: MockServer, otel: Telemetry, record: str) -> None:
    mock.delay_next(2, times=2, method="GET", path="/faceauth")
    with pytest.raises(argos_addon.APITimeoutError):
        api.with_options(timeout=0.2, max_retries=0).get(record)
    with pytest.raises(argos_addon.ValidationError):
        api.get(" ")
    timeout, invalid = otel.spans()
    for span, error in ((timeout, "APITimeoutError"), (invalid, "ValidationError")):
        assert span.attributes is not None and span.attributes["error.type"] == error
        assert "http.response.status_code" not in span.attributes and span.status.description == error


def test_no_personal_data_on_spans_or_metrics(api: Api, mock: MockServer, otel: Telemetry) -> None:
    result = api.submit(SUBMISSION, jpeg(1), user_id=USER_ID, cf1=CF[0], cf2=CF[1], cf3=CF[2])
    auth_id = result.authentication_id
    api.get(auth_id)
    api.image(auth_id)
    api.delete(auth_id)
    with pytest.raises(argos_addon.NotFoundError):
        api.get("no-such-auth-id-secret")
    secrets = [SUBMISSION, USER_ID, *CF, auth_id, "no-such-auth-id-secret", mock.api_key]
    shown: List[str] = []
    for span in otel.spans():
        shown += [span.name, str(span.status.description), *(str(v) for v in (span.attributes or {}).values())]
        shown += [str(v) for event in span.events for v in (event.attributes or {}).values()]
    for point in otel.points(mock):
        shown += [str(v) for v in (point.attributes or {}).values()]
    assert len(otel.spans()) == 5 and shown
    assert not [s for s in secrets if any(s in text for text in shown)]


def test_the_duration_metric(api: Api, mock: MockServer, otel: Telemetry, record: str) -> None:
    api.get(record)
    api.get(record)
    api.with_response.image(record)
    points = otel.points(mock)
    by_template = {p.attributes["url.template"]: p for p in points if p.attributes}
    assert len(points) == 2 and set(by_template) == {"/v3/faceauth", "/v3/faceauth/image"}
    get = by_template["/v3/faceauth"]
    assert get.count == 2 and 0 < get.sum < 10
    assert get.attributes == {
        "http.request.method": "GET",
        "url.template": "/v3/faceauth",
        "server.address": "127.0.0.1",
        "server.port": mock.port,
        "http.response.status_code": 200,
    }


async def test_async_spans_are_current_for_their_call(mock: MockServer, otel: Telemetry, record: str) -> None:
    client = mock.async_client()
    tracer = trace.get_tracer("tests")
    with tracer.start_as_current_span("handler"):
        records = await asyncio.gather(*(client.face_auth.get(record) for _ in range(4)))
        await client.face_auth.with_response.image(record)
    assert all(r.auth_id == record for r in records)
    *calls, handler = otel.spans()
    assert len(calls) == 5 and handler.context is not None
    assert sorted(h["traceparent"] for h in sent(mock)) == sorted(traceparent(s) for s in calls)
    assert all(s.parent is not None and s.parent.span_id == handler.context.span_id for s in calls)
    await client.aclose()


async def test_a_cancelled_async_call_ends_its_span(mock: MockServer, otel: Telemetry, record: str) -> None:
    client = mock.async_client()
    mock.delay_next(5, method="GET", path="/faceauth")
    call = asyncio.ensure_future(client.face_auth.get(record))
    while mock.request_count("GET", "/faceauth") == 0:
        await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    (span,) = otel.spans()
    assert span.attributes and span.attributes["error.type"] == "CancelledError"


def run_python(code: str, mock: MockServer, *args: str) -> None:
    """Runs ``code`` in a fresh interpreter, where no provider is set; it gets the mock's options
    as ``OPTIONS``."""
    options = {"api_key": mock.api_key, "base_url": mock.base_url, "ca_cert": mock.ca_cert_pem}
    prelude = f"OPTIONS = {options!r}\nAUTH_ID = {args[0] if args else ''!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=60, env=child_env()
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr


def traced(mock: MockServer) -> List[Optional[str]]:
    return [dict(r["headers"]).get("traceparent") for r in mock.requests()]


def test_without_opentelemetry(mock: MockServer, record: str) -> None:
    code = """
        import asyncio, sys
        sys.modules["opentelemetry"] = None  # as if it were not installed
        import argos_addon

        client = argos_addon.Client(**OPTIONS)
        assert client.face_auth.get(AUTH_ID).response.status_code == 200
        assert client.face_auth.with_response.image(AUTH_ID)[1].attempts == 1

        async def main():
            return await argos_addon.AsyncClient(**OPTIONS).face_auth.get(AUTH_ID)

        assert asyncio.run(main()).auth_id == AUTH_ID
        assert not [m for m in sys.modules if m.startswith("opentelemetry.")]
    """
    run_python(code, mock, record)
    assert traced(mock) == [None] * 3


def test_with_opentelemetry_but_no_provider(mock: MockServer, record: str) -> None:
    code = """
        import asyncio
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        import argos_addon
        from argos_addon import _telemetry

        client = argos_addon.Client(**OPTIONS)
        with trace.get_tracer("app").start_as_current_span("no provider: not recorded"):
            client.face_auth.get(AUTH_ID)

        async def main():
            return await argos_addon.AsyncClient(**OPTIONS).face_auth.get(AUTH_ID)

        asyncio.run(main())
        assert _telemetry._instruments() is None
        assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)

        # A provider set later is used from the next call on (a tracer without a meter).
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        client.face_auth.get(AUTH_ID)
        assert [s.name for s in exporter.get_finished_spans()] == ["argos.face_auth.get"]
    """
    run_python(code, mock, record)
    assert [header is None for header in traced(mock)] == [True, True, False]


def test_the_metric_of_a_failed_call(api: Api, mock: MockServer, otel: Telemetry) -> None:
    with pytest.raises(argos_addon.NotFoundError):
        api.get("missing")
    mock.fail_next(401, '{"message":"Unauthorized"}')
    with pytest.raises(argos_addon.AuthenticationError):
        api.list_page()
    points = otel.points(mock)
    assert sorted(points_of(points, "error.type")) == ["AuthenticationError", "NotFoundError"]
    assert sorted(points_of(points, "http.response.status_code")) == [200, 401]
