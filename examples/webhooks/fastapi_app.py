"""A FastAPI receiver for ARGOS faceAuth webhooks, plain or encrypted.

    pip install argos-addon fastapi uvicorn
    ARGOS_API_KEY=your-add-on-key python examples/webhooks/fastapi_app.py
    # then point the project's webhook at http://<this host>:8000/webhooks/argos

Take the raw body: a ``request: Request`` parameter and its bytes. A ``payload: dict`` parameter
(or a pydantic model) makes FastAPI parse the JSON first, and ``read_webhook`` refuses what it
gets, saying so. FastAPI sets no limit on a body's size, so ``read_body`` reads it in chunks and
answers 413 as soon as it is over ``MAX_BYTES``, from the Content-Length header before reading
anything, or while reading a chunked body that declares none.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from argos_addon import FaceAuthWebhook, WebhookError
from argos_addon.webhooks import DEFAULT_MAX_BYTES, read_webhook

MAX_BYTES = DEFAULT_MAX_BYTES  # 1 MiB, far more than any faceAuth webhook needs
log = logging.getLogger("argos_webhooks")
app = FastAPI()


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """``await request.body()``, but giving up past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def handle_webhook(hook: FaceAuthWebhook) -> None:
    """Your code goes here: record the verdict for ``hook.auth_id``."""
    log.info("faceAuth %s of %s: %s", hook.auth_id, hook.submission_id, hook.auth_status)


@app.post("/webhooks/argos")
async def argos_webhook(request: Request) -> JSONResponse:
    try:
        body = await read_body(request, MAX_BYTES)
    except BodyTooLarge:
        return JSONResponse({"error": f"body over {MAX_BYTES} bytes"}, status_code=413)
    try:
        # ARGOS_API_KEY (the Add-On project's key) decrypts encrypted webhooks.
        hook = read_webhook(body, api_key=os.environ.get("ARGOS_API_KEY"), max_bytes=MAX_BYTES)
    except WebhookError as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    handle_webhook(hook)
    return JSONResponse({"auth_id": hook.auth_id, "status": hook.auth_status})


if __name__ == "__main__":
    import uvicorn  # pip install uvicorn

    logging.basicConfig(level=logging.INFO)
    uvicorn.run(app, host="127.0.0.1", port=8000)
