"""Every operation, sync and async, against the mock over TLS."""

from __future__ import annotations

import asyncio
import datetime
import io
import pathlib
import threading
import urllib.parse
from typing import Iterator, List, Union

import pytest

import argos_addon
from argos_addon.testing import MockServer

from conftest import SUBMISSION, Api, jpeg, png


def test_submit_the_same_face_is_approved(api: Api, mock: MockServer) -> None:
    result = api.submit(SUBMISSION, jpeg(1), user_id="user-42", cf1="a", cf2="b", cf3="c")
    assert isinstance(result, argos_addon.FaceAuthResult)
    assert result.approved and result.auth_status == "approved"
    assert result.score.face_similarity_score is not None and result.score.face_similarity_score >= 99
    assert result.score.occluded_score is None
    assert result.fail_codes == [] and result.rejected_comments == []
    assert result.create_time is not None
    assert result.create_time.tzinfo is not None and result.create_time.utcoffset() == datetime.timedelta(0)
    assert result.raw["authentication_id"] == result.authentication_id
    form = {p["name"]: p for p in mock.requests()[-1]["form"]}
    assert form["submissionId"]["text"] == SUBMISSION
    assert form["userId"]["text"] == "user-42"
    assert form["cf1"]["text"] == "a" and form["cf3"]["text"] == "c"
    assert form["faceImage"]["content_type"] == "image/jpeg"
    headers = dict(mock.requests()[-1]["headers"])
    assert headers["user-agent"].startswith("argos-addon/")
    assert "python/" in headers["user-agent"]


def test_another_face_is_a_rejected_result(api: Api) -> None:
    result = api.submit(SUBMISSION, png(7))
    assert not result.approved and result.auth_status == "rejected"
    assert result.fail_codes == ["face_compare_underscore"]
    assert result.rejected_comments == ["Face compare similarity score is lower than the threshold"]
    assert result.score.face_similarity_score is not None and result.score.face_similarity_score < 85


def test_forced_failure_codes_keep_their_case(api: Api, mock: MockServer) -> None:
    mock.force_next_verdict(fail_codes=["Face_Occluded_fail", "Head_cover_fail", "Brand_new_code"])
    result = api.submit(SUBMISSION, jpeg(1))
    assert result.auth_status == "rejected"
    assert result.fail_codes == ["Face_Occluded_fail", "Head_cover_fail", "Brand_new_code"]
    assert result.rejected_comments[:2] == ["Face is occluded", "Protection equipment is not found on Head"]
    assert result.score.occluded_score is not None and result.score.head_cover_score is not None


@pytest.mark.parametrize("kind", ["str", "pathlike", "bytes", "bytearray", "memoryview", "file"])
def test_every_face_image_type(api: Api, mock: MockServer, tmp_path: pathlib.Path, kind: str) -> None:
    path = tmp_path / "selfie.jpg"
    path.write_bytes(jpeg(1))
    image: argos_addon.FaceImage
    if kind == "str":
        image = str(path)
    elif kind == "pathlike":
        image = path
    elif kind == "bytes":
        image = jpeg(1)
    elif kind == "bytearray":
        image = bytearray(jpeg(1))
    elif kind == "memoryview":
        image = memoryview(jpeg(1))
    else:
        image = io.BytesIO(jpeg(1))
    assert api.submit(SUBMISSION, image).approved
    part = next(p for p in mock.requests()[-1]["form"] if p["name"] == "faceImage")
    assert part["len"] == len(jpeg(1))
    assert part["file_name"] == ("selfie.jpg" if kind in ("str", "pathlike") else "face.jpg")


def test_a_listing_in_the_bare_shape_is_one_page_without_a_cursor(api: Api, mock: MockServer) -> None:
    # The older documented shape: a bare array of records, with no nextPage_key to go on with.
    ids = [mock.add_record(create_time=datetime.datetime(2024, 1, day, tzinfo=datetime.timezone.utc)) for day in range(1, 6)]
    mock.set_list_shape("bare")
    page = api.list_page(count=2)
    assert [r.auth_id for r in page.records] == ids[:-3:-1] and page.next_key is None
    mock.reset_counts()
    assert [r.auth_id for r in api.list(page_size=2)] == ids[:-3:-1]
    assert mock.request_count("GET", "/faceauth") == 1


@pytest.mark.parametrize("shape", ["wrapper", "bare"])
def test_get_in_both_shapes(api: Api, mock: MockServer, shape: str) -> None:
    submitted = api.submit(SUBMISSION, jpeg(1))
    mock.set_list_shape(shape)
    record = api.get(submitted.authentication_id)
    assert isinstance(record, argos_addon.FaceAuthRecord)
    assert record.auth_id == submitted.authentication_id
    assert record.approved and not record.deleted
    assert record.kyc_submission_id == SUBMISSION
    assert record.create_time == submitted.create_time
    assert record.policy is not None
    assert record.policy.face_similarity_threshold == 85
    assert record.policy.occluded_threshold is False


def test_get_of_an_unknown_id_is_not_found(api: Api) -> None:
    with pytest.raises(argos_addon.NotFoundError) as info:
        api.get("no-such-auth")
    assert info.value.code == "NOT_FOUND"


def _seed(mock: MockServer, n: int) -> None:
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    for i in range(n):
        mock.add_record(auth_id=f"rec{i:04}", create_time=start + datetime.timedelta(hours=7 * i))


def test_list_follows_pages_lazily(api: Api, mock: MockServer) -> None:
    _seed(mock, 11)
    mock.reset_counts()
    records = api.list(page_size=4)
    assert [r.auth_id for r in records] == [f"rec{i:04}" for i in range(10, -1, -1)]
    assert mock.request_count("GET", "/faceauth") == 3


def test_the_sync_list_fetches_only_what_is_read(mock: MockServer) -> None:
    _seed(mock, 11)
    mock.reset_counts()
    records = mock.client().face_auth.list(page_size=4)
    assert mock.request_count("GET", "/faceauth") == 0
    assert next(records).auth_id == "rec0010"
    assert mock.request_count("GET", "/faceauth") == 1


@pytest.mark.parametrize("n,page_size", [(9, 2), (8, 4), (3, 5)])
def test_list_yields_every_record_of_every_page_once(api: Api, mock: MockServer, n: int, page_size: int) -> None:
    _seed(mock, n)
    mock.reset_counts()
    assert [r.auth_id for r in api.list(page_size=page_size)] == [f"rec{i:04}" for i in range(n - 1, -1, -1)]
    assert mock.request_count("GET", "/faceauth") >= -(-n // page_size)


def test_anext_called_at_once_by_several_tasks_takes_each_record_once(mock: MockServer) -> None:
    _seed(mock, 7)
    client = mock.async_client()

    async def race() -> List[Union[argos_addon.FaceAuthRecord, BaseException]]:
        records = client.face_auth.list(page_size=2)
        # Two more calls than records: they wait for the others, then end the iteration.
        return await asyncio.gather(*(records.__anext__() for _ in range(9)), return_exceptions=True)

    mock.reset_counts()
    got = asyncio.run(race())
    ids = [r.auth_id for r in got if isinstance(r, argos_addon.FaceAuthRecord)]
    assert sorted(ids) == [f"rec{i:04}" for i in range(7)]
    assert [type(r) for r in got if not isinstance(r, argos_addon.FaceAuthRecord)] == [StopAsyncIteration] * 2
    assert mock.request_count("GET", "/faceauth") == 4


def test_anext_at_once_and_then_async_for_share_one_walk(mock: MockServer) -> None:
    _seed(mock, 7)
    client = mock.async_client()

    async def race() -> List[str]:
        records = client.face_auth.list(page_size=3)
        first = await asyncio.gather(*(records.__anext__() for _ in range(4)))
        rest = [r async for r in records]
        with pytest.raises(StopAsyncIteration):
            await records.__anext__()
        return [r.auth_id for r in first + rest]

    ids = asyncio.run(race())
    assert len(ids) == 7 and sorted(ids) == [f"rec{i:04}" for i in range(7)]


def test_threads_sharing_one_sync_list_take_each_record_once(mock: MockServer) -> None:
    _seed(mock, 9)
    records: Iterator[argos_addon.FaceAuthRecord] = mock.client().face_auth.list(page_size=2)
    taken: List[List[str]] = [[] for _ in range(4)]
    threads = [threading.Thread(target=lambda mine=mine: mine.extend(r.auth_id for r in records)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sum(taken, [])) == [f"rec{i:04}" for i in range(9)]


def test_list_page_and_next_key(api: Api, mock: MockServer) -> None:
    _seed(mock, 5)
    first = api.list_page(count=2)
    assert isinstance(first, argos_addon.FaceAuthPage)
    assert [r.auth_id for r in first.records] == ["rec0004", "rec0003"]
    assert isinstance(first.next_key, str)
    second = api.list_page(count=2, next_key=first.next_key)
    assert [r.auth_id for r in second.records] == ["rec0002", "rec0001"]
    last = api.list_page(count=2, next_key=second.next_key)
    assert [r.auth_id for r in last.records] == ["rec0000"] and last.next_key is None


@pytest.mark.parametrize(
    "start,end",
    [("2024-03-02", "2024-03-02"), (datetime.date(2024, 3, 2), datetime.date(2024, 3, 2))],
)
def test_list_by_dates(api: Api, mock: MockServer, start: argos_addon.DateLike, end: argos_addon.DateLike) -> None:
    _seed(mock, 11)
    page = api.list_page(start_date=start, end_date=end)
    assert [r.auth_id for r in page.records] == ["rec0006", "rec0005", "rec0004"]
    query = dict(mock.requests()[-1]["query"])
    assert query["startDate"] == "2024-03-02" and query["endDate"] == "2024-03-02"
    assert [r.auth_id for r in api.list(start_date=start, end_date=end)] == ["rec0006", "rec0005", "rec0004"]


@pytest.mark.parametrize("encoding", ["raw", "json", "data_uri"])
def test_image_in_each_encoding(api: Api, mock: MockServer, encoding: str) -> None:
    result = api.submit(SUBMISSION, jpeg(1))
    mock.set_image_encoding(encoding)
    image = api.image(result.authentication_id)
    assert isinstance(image, bytes) and image == jpeg(1)


def test_delete_marks_the_record_and_drops_the_image(api: Api) -> None:
    result = api.submit(SUBMISSION, jpeg(1))
    assert api.delete(result.authentication_id) is None
    record = api.get(result.authentication_id)
    assert record.deleted and record.auth_status == "approved"
    with pytest.raises(argos_addon.NotFoundError):
        api.image(result.authentication_id)
    with pytest.raises(argos_addon.NotFoundError):
        api.delete("never-existed")


def test_face_auth_url_round_trips(api: Api, mock: MockServer) -> None:
    url = api.client.face_auth_url(mock.project_id, SUBMISSION, user_id="user-42", token="tok_abcdefgh")
    parsed = urllib.parse.urlsplit(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://form.argosidentity.com/face-auth"
    query = urllib.parse.parse_qs(parsed.query)
    assert query["pid"] == [mock.project_id]
    params = argos_addon.decrypt_query(query["encrypted"][0], mock.api_key)
    assert params == {"sid": SUBMISSION, "authUserId": "user-42", "token": "tok_abcdefgh"}
    assert list(params) == ["sid", "authUserId", "token"]


def test_results_are_immutable_comparable_and_printable(mock: MockServer) -> None:
    client = mock.client()
    result = client.face_auth.submit(SUBMISSION, jpeg(1))
    with pytest.raises(AttributeError):
        result.auth_status = "rejected"  # type: ignore[misc]
    record = client.face_auth.get(result.authentication_id)
    assert record == client.face_auth.get(result.authentication_id)
    assert record != client.face_auth.get(client.face_auth.submit(SUBMISSION, jpeg(1)).authentication_id)
    text = repr(result)
    assert text.startswith("FaceAuthResult(authentication_id=") and "Score(face_similarity_score=" in text
    as_dict = record.to_dict()
    assert as_dict["auth_id"] == record.auth_id
    assert isinstance(as_dict["policy"], dict) and as_dict["policy"]["face_similarity_threshold"] == 85
    page = client.face_auth.list_page()
    assert isinstance(page.to_dict()["records"][0], dict)
    raw = record.raw
    raw["auth_id"] = "changed"
    assert record.raw["auth_id"] == record.auth_id, "raw is a copy"


def test_clients_are_context_managers(mock: MockServer) -> None:
    with mock.client() as client:
        client.face_auth.submit(SUBMISSION, jpeg(1))
    with pytest.raises(argos_addon.APIConnectionError, match="closed"):
        client.face_auth.get("x")

    async def use() -> None:
        async with mock.async_client() as aclient:
            await aclient.face_auth.submit(SUBMISSION, jpeg(1))
        with pytest.raises(argos_addon.APIConnectionError):
            await aclient.face_auth.get("x")

    import asyncio

    asyncio.run(use())
