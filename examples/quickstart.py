"""A walk through the whole ARGOS Add-On (FaceAuth) API with argos-addon.

Runs against the embedded mock server by default. With ARGOS_API_KEY and ARGOS_SUBMISSION_ID
(and optionally ARGOS_FACE_IMAGE) set, it talks to the real API instead and skips the steps only
a mock can do. The faces in this folder are drawings, not real people.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pathlib
import urllib.parse
from typing import Iterator, Optional, Tuple

import argos_addon
from argos_addon import AsyncClient, Client
from argos_addon.testing import MockServer

HERE = pathlib.Path(__file__).resolve().parent
SELFIE = HERE / "selfie.jpg"
OTHER_FACE = HERE / "other_face.jpg"


@contextlib.contextmanager
def argos() -> Iterator[Tuple[Client, str, Optional[MockServer]]]:
    """A client and an approved submission id: the real API if configured, else the mock."""
    if os.environ.get("ARGOS_API_KEY") and os.environ.get("ARGOS_SUBMISSION_ID"):
        yield Client(), os.environ["ARGOS_SUBMISSION_ID"], None
        return
    with MockServer() as mock:
        mock.add_submission("sub0000000001", "approved", selfie=SELFIE)
        print(f"mock ARGOS at {mock.base_url}")
        yield mock.client(), "sub0000000001", mock


def main() -> None:
    face = pathlib.Path(os.environ.get("ARGOS_FACE_IMAGE", SELFIE))
    with argos() as (client, submission_id, mock):
        result = client.face_auth.submit(submission_id, face, user_id="user-42")
        print(f"submit same face   -> {result.auth_status}, similarity {result.score.face_similarity_score}")

        if mock is not None:
            other = client.face_auth.submit(submission_id, OTHER_FACE)
            print(f"submit other face  -> {other.auth_status}: {other.fail_codes[0]} ({other.rejected_comments[0]})")

        record = client.face_auth.get(result.authentication_id)
        print(f"get                -> {record.auth_id} {record.auth_status}, created {record.create_time}")

        records = list(client.face_auth.list(page_size=1))
        print(f"list (1 per page)  -> {len(records)} records, newest first")

        image = client.face_auth.image(result.authentication_id)
        kind = "JPEG" if image.startswith(b"\xff\xd8\xff") else "image"
        print(f"image              -> {len(image)} bytes of {kind}")

        if mock is not None:
            client.face_auth.delete(result.authentication_id)
            print(f"delete             -> deleted={client.face_auth.get(result.authentication_id).deleted}")

        project_id = mock.project_id if mock is not None else os.environ.get("ARGOS_PROJECT_ID", "your-project-id")
        url = client.face_auth_url(project_id, submission_id, user_id="user-42", token="tok_abcdefgh")
        encrypted = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["encrypted"][0]
        key = mock.api_key if mock is not None else os.environ["ARGOS_API_KEY"]
        print(f"face auth URL      -> {url[:64]}...")
        print(f"  decrypted        -> {json.dumps(argos_addon.decrypt_query(encrypted, key))}")

        for version, body in webhook_samples(key):
            hook = argos_addon.parse_webhook(body, api_key=key)
            print(f"webhook {version:<10} -> v{hook.version} auth {hook.auth_id} {hook.auth_status} user {hook.user_id}")

        if mock is not None:
            try:
                mock.client(api_key="not-the-right-key").face_auth.get(result.authentication_id)
            except argos_addon.AuthenticationError as err:
                print(f"wrong key          -> {type(err).__name__}: {err.message} (HTTP {err.status_code})")

        asyncio.run(async_part(client.base_url, mock))


async def async_part(base_url: str, mock: Optional[MockServer]) -> None:
    """The same API with asyncio: here, three lookups at once."""
    async with (mock.async_client() if mock is not None else AsyncClient()) as client:
        page = await client.face_auth.list_page(count=3)
        found = await asyncio.gather(*(client.face_auth.get(r.auth_id) for r in page.records))
        print(f"async              -> fetched {len(found)} records concurrently from {base_url}")


def webhook_samples(key: str) -> Iterator[Tuple[str, str]]:
    """One `faceAuth` webhook body per published version, and an encrypted one."""
    v3 = {
        "webhook_trigger": "faceAuth",
        "data": {
            "Submission_id": "sub0000000001",
            "Auth_Status": "approved",
            "Create_Time": "2024-05-01T10:00:00.000Z",
            "Auth_User_id": "user-42",
            "Token_id": "tok_abcdefgh",
            "reference": {"userid": "ref-user", "email": "ref@example.com", "cf": {"cf1": "a"}},
            "Authentication_id": "auth000000001",
        },
    }
    v2 = {
        "webhook_trigger": "faceAuth",
        "Authentication_id": "auth000000002",
        "data": {"Submission_id": "sub0000000001", "Auth_Status": "rejected", "User_id": "user-7", "cf1": "x"},
    }
    v1 = {
        "webhook_trigger": "faceAuth",
        "auth_id": "auth000000003",
        "data": {"submission_id": "sub0000000001", "auth_status": "approved", "user_id": "user-1"},
    }
    yield "v3", json.dumps(v3)
    yield "v2", json.dumps(v2)
    yield "v1", json.dumps(v1)
    yield "encrypted", json.dumps({"data": argos_addon.encrypt_query(v3, key)})


if __name__ == "__main__":
    main()
