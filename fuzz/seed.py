#!/usr/bin/env python3
"""Builds fuzz/corpus/<target>/ from fuzz/seeds/ and tests/conformance/*.json.

Each seed is written in its target's input layout (see the header of each fuzz target) under
the SHA-1 of its bytes, as libFuzzer names units, so running this again adds nothing twice.
"""

import base64
import hashlib
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
SEEDS = FUZZ / "seeds"
CONFORMANCE = FUZZ.parent / "tests" / "conformance"

# Mode bytes, as the targets read them (first byte modulo the number of modes).
WEBHOOK_PLAIN, WEBHOOK_SEAL, WEBHOOK_CIPHERTEXT = b"\x00", b"\x01", b"\x02"
QUERY_CIPHERTEXT, QUERY_PARAMS, QUERY_URL, QUERY_DATE = b"\x00", b"\x01", b"\x02", b"\x03"
MOCK_RAW, MOCK_ROUND_TRIP, MOCK_QUERY = b"\x00", b"\x01", b"\x02"


def conformance(name):
    return json.loads((CONFORMANCE / f"{name}.json").read_text())


def files(folder, suffix):
    return sorted((SEEDS / folder).glob(f"*{suffix}"))


def responses():
    for path in files("responses", ".json"):
        yield path.read_bytes()
    token = json.dumps({"authId": "sampleId1", "createTime": "2023-08-18T15:00:00.000Z"})
    yield base64.urlsafe_b64encode(token.encode()).rstrip(b"=")


def image_body():
    for path in files("image_body", ".b64"):
        b64 = path.read_text().strip()
        yield b64.encode()
        yield json.dumps(b64).encode()
        yield f"data:image/jpeg;base64,{b64}".encode()
        yield "\r\n".join(b64[i : i + 76] for i in range(0, len(b64), 76)).encode()
        yield base64.b64decode(b64)


def http_answer(status, headers, body):
    head = [str(status)] + [f"{k}: {v}" for k, v in headers.items()]
    return "\n".join(head).encode() + b"\n\n" + body


def error_body():
    for case in conformance("errors")["cases"]:
        yield http_answer(case["status"], case["headers"], case["body"].encode())
    for path in files("error_body", ".http"):
        yield path.read_bytes()
    # Past MAX_ERROR_BODY_BYTES (8 KiB), with a multi-byte character across the cut.
    yield http_answer(500, {}, b"x" * 8191 + "é".encode() * 8)


def webhook():
    hooks = conformance("webhooks")
    for case in hooks["cases"] + hooks["errors"]:
        body = case["body"].encode()
        yield WEBHOOK_PLAIN + body
        if "api_key" not in case:
            yield WEBHOOK_SEAL + body
        else:
            yield WEBHOOK_CIPHERTEXT + json.loads(case["body"])["data"].encode()


def query():
    crypto = conformance("crypto")
    for case in crypto["encrypt"] + crypto["decrypt"] + crypto["decrypt_errors"]:
        yield QUERY_CIPHERTEXT + case["ciphertext"].encode()
        if "params" in case:
            yield QUERY_PARAMS + json.dumps(case["params"], ensure_ascii=False).encode()
    fields = ["project_id", "submission_id", "user_id", "cf1", "cf2", "cf3", "token"]
    for case in crypto["face_auth_url"] + crypto["face_auth_url_invalid"]:
        # Optional fields are positional: a later one present needs the earlier ones present.
        last = max(i for i, f in enumerate(fields) if f in case)
        values = [case.get(f, "") for f in fields[: last + 1]]
        yield QUERY_URL + "\0".join(values).encode()
    for date in ["2023-08-18", "2024-02-29", "2023-02-29", "2023-8-18"]:
        yield QUERY_DATE + date.encode()


def mock_multipart():
    for path in files("mock_multipart", ".form"):
        yield MOCK_RAW + path.read_bytes()
    # Any bytes decode to some list of parts (arbitrary's encoding); this is a start.
    yield MOCK_ROUND_TRIP + b"\x01submissionId\x00sub-1\x01faceImage\x01a.jpg\xff\xd8\xff\x02"
    for path in files("mock_multipart", ".query"):
        for line in path.read_text().splitlines():
            yield MOCK_QUERY + line.encode()


TARGETS = {
    "responses": responses,
    "image_body": image_body,
    "error_body": error_body,
    "webhook": webhook,
    "query": query,
    "mock_multipart": mock_multipart,
}


def regressions(target):
    """Inputs that once crashed the target, as libFuzzer wrote them."""
    for path in sorted((SEEDS / "regressions" / target).glob("crash-*")):
        yield path.read_bytes()


def main():
    for target, seeds in TARGETS.items():
        corpus = FUZZ / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        count = 0
        for seed in [*seeds(), *regressions(target)]:
            (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
            count += 1
        print(f"{target}: {count} seeds")


if __name__ == "__main__":
    main()
