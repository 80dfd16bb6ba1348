"""Checked by `mypy --strict` (see the Makefile): the public API as a user would type it."""

from __future__ import annotations

import asyncio
import datetime
import pathlib
from typing import List, Optional

import argos_addon
from argos_addon import (
    APIStatusError,
    AsyncClient,
    Client,
    FaceAuthPage,
    FaceAuthRecord,
    FaceAuthResult,
    FaceAuthWebhook,
    NotFoundError,
    Policy,
    ResponseInfo,
    Score,
)
from argos_addon.testing import MockServer


def sync_usage(client: Client, image: pathlib.Path) -> Optional[float]:
    result: FaceAuthResult = client.face_auth.submit("sub", image, user_id="u", cf1="x")
    score: Score = result.score
    created: Optional[datetime.datetime] = result.create_time
    codes: List[str] = result.fail_codes
    record: FaceAuthRecord = client.face_auth.get(result.authentication_id)
    policy: Optional[Policy] = record.policy
    page: FaceAuthPage = client.face_auth.list_page(start_date=datetime.date(2024, 1, 1), end_date="2024-01-31", count=10)
    token: Optional[str] = page.next_key
    for each in client.face_auth.list(page_size=100):
        assert each.auth_id
    image_bytes: bytes = client.face_auth.image(record.auth_id)
    answered: ResponseInfo = record.response
    quick: Client = client.with_options(timeout=5.0, max_retries=0, extra_headers={"x-call": "1"})
    image_bytes, answered = quick.face_auth.with_response.image(record.auth_id)
    nothing, answered = quick.face_auth.with_response.delete(record.auth_id)
    request_id: Optional[str] = answered.request_id
    assert nothing is None and request_id and answered.attempts >= 1 and answered.headers
    client.face_auth.delete(record.auth_id)
    url: str = client.face_auth_url("pid", "sub", token="tok_abcdefgh")
    assert codes is not None and created is not None and policy is not None and token and image_bytes and url
    return score.face_similarity_score


async def async_usage(client: AsyncClient) -> int:
    result = await client.face_auth.submit("sub", b"\xff\xd8\xff")
    record = await client.face_auth.get(result.authentication_id)
    page = await client.face_auth.list_page(count=5)
    count = 0
    async for each in client.face_auth.list(start_date="2024-01-01", end_date="2024-01-02"):
        count += 1 if each.approved else 0
    data: bytes = await client.face_auth.image(record.auth_id)
    quick: AsyncClient = client.with_options(timeout=5.0)
    data, answered = await quick.face_auth.with_response.image(record.auth_id)
    nothing, answered = await quick.face_auth.with_response.delete(record.auth_id)
    elapsed: float = answered.elapsed
    assert nothing is None and elapsed >= 0
    await client.face_auth.delete(record.auth_id)
    return count + len(page.records) + len(data)


def errors_usage(client: Client) -> Optional[str]:
    try:
        client.face_auth.get("x")
    except NotFoundError as err:
        return err.code
    except APIStatusError as err:
        status: Optional[int] = err.status_code
        retry: Optional[float] = err.retry_after
        return f"{status} {retry} {err.request_id} {err.trace_id} {err.body}"
    return None


def helpers() -> FaceAuthWebhook:
    encrypted: str = argos_addon.encrypt_query({"sid": "s"}, "key")
    params = argos_addon.decrypt_query(encrypted, "key")
    assert params["sid"] == "s"
    return argos_addon.parse_webhook(b"{}", api_key="key")


def mock_usage() -> None:
    with MockServer() as mock:
        mock.add_submission("sub", selfie=b"\xff\xd8\xff")
        mock.fail_next(503, "busy", times=2, method="GET", path="/faceauth")
        with mock.client(timeout=5.0) as client:
            sync_usage(client, pathlib.Path("selfie.jpg"))

        async def run() -> None:
            async with mock.async_client() as client:
                await async_usage(client)

        asyncio.run(run())
        assert mock.request_count("GET", "/faceauth") >= 0
