"""A Flask receiver for ARGOS faceAuth webhooks, plain or encrypted.

    pip install argos-addon flask
    ARGOS_API_KEY=your-add-on-key python examples/webhooks/flask_app.py
    # then point the project's webhook at http://<this host>:5000/webhooks/argos

Take the raw body, ``request.get_data()``: ``request.get_json()`` (or ``request.json``) parses
it first, and ``read_webhook`` refuses what it gets, saying so. ``MAX_CONTENT_LENGTH`` makes
Flask answer 413 for a longer body from its Content-Length header, before reading it; a chunked
body (no Content-Length) is cut at that length, so the view answers 413 for one that reaches it.

ARGOS may deliver a webhook more than once: ``seen.first_delivery`` drops a repeat (same auth id,
version and status), answered 200 without handling it again. The deliveries are remembered in
this process, or in the fleet budget's Redis when ``ARGOS_BUDGET_URL`` is set (every worker and
host then shares them); when that Redis cannot answer, the view answers 503 and ARGOS retries.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Tuple

from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

from argos_addon import APIConnectionError, FaceAuthWebhook, WebhookError
from argos_addon.webhooks import DEFAULT_MAX_BYTES, SeenWebhooks, read_webhook

MAX_BYTES = DEFAULT_MAX_BYTES  # 1 MiB, far more than any faceAuth webhook needs
log = logging.getLogger("argos_webhooks")
app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = MAX_BYTES
# Remembered for a day (DEFAULT_SEEN_TTL); no Redis is contacted before the first webhook.
seen = SeenWebhooks(redis_url=os.environ.get("ARGOS_BUDGET_URL") or None)


@app.errorhandler(413)
def body_too_large(_err: Exception) -> Tuple[Any, int]:
    return jsonify(error=f"body over {MAX_BYTES} bytes"), 413


def handle_webhook(hook: FaceAuthWebhook) -> None:
    """Your code goes here: record the verdict for ``hook.auth_id``."""
    log.info("faceAuth %s of %s: %s", hook.auth_id, hook.submission_id, hook.auth_status)


@app.post("/webhooks/argos")
def argos_webhook() -> ResponseReturnValue:
    body = request.get_data()  # 413 (body_too_large) past MAX_CONTENT_LENGTH
    if request.content_length is None and len(body) >= MAX_BYTES:
        abort(413)  # chunked, and cut at MAX_CONTENT_LENGTH: it may well be longer
    try:
        # ARGOS_API_KEY (the Add-On project's key) decrypts encrypted webhooks.
        hook = read_webhook(body, api_key=os.environ.get("ARGOS_API_KEY"), max_bytes=MAX_BYTES)
    except WebhookError as err:
        return jsonify(error=str(err)), 400
    try:
        first = seen.first_delivery(hook)
    except APIConnectionError as err:
        # Nothing was recorded: answer 5xx and ARGOS sends it again (or handle it anyway, accepting
        # that a retry may be handled twice).
        log.warning("webhook store unavailable: %s", err)
        return jsonify(error="webhook store unavailable, retry later"), 503
    if not first:  # seen before: answered, not handled again
        return jsonify(auth_id=hook.auth_id, status=hook.auth_status, duplicate=True)
    # From here a retry counts as a duplicate: keep handle_webhook quick (queue slow work).
    handle_webhook(hook)
    return jsonify(auth_id=hook.auth_id, status=hook.auth_status)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=5000)
