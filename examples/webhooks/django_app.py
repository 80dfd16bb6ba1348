"""A Django receiver for ARGOS faceAuth webhooks, plain or encrypted, in one file.

    pip install argos-addon django
    ARGOS_API_KEY=your-add-on-key python examples/webhooks/django_app.py runserver
    # then point the project's webhook at http://<this host>:8000/webhooks/argos

In a project of your own, copy the view and its URL; the settings that matter are
``DATA_UPLOAD_MAX_MEMORY_SIZE`` and ``csrf_exempt`` on the view (ARGOS sends no CSRF token).

Take the raw body, ``request.body``: Django REST framework's ``request.data`` (or
``json.loads(request.body)`` before the SDK) is parsed already, and ``read_webhook`` refuses it,
saying so. With ``DATA_UPLOAD_MAX_MEMORY_SIZE`` set, ``request.body`` raises
``RequestDataTooBig`` from the Content-Length header, before reading a longer body: the view
answers 413 (Django's own answer would be 400).
"""

from __future__ import annotations

import logging
import os
import sys

from django.conf import settings

from argos_addon import FaceAuthWebhook, WebhookError
from argos_addon.webhooks import DEFAULT_MAX_BYTES, read_webhook

MAX_BYTES = DEFAULT_MAX_BYTES  # 1 MiB, far more than any faceAuth webhook needs

if not settings.configured:
    settings.configure(
        DEBUG=os.environ.get("DJANGO_DEBUG") == "1",
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "replace-me-in-production"),
        ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(","),
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
        DATA_UPLOAD_MAX_MEMORY_SIZE=MAX_BYTES,
    )

from django.core.exceptions import RequestDataTooBig  # noqa: E402 (after settings)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

log = logging.getLogger("argos_webhooks")


def handle_webhook(hook: FaceAuthWebhook) -> None:
    """Your code goes here: record the verdict for ``hook.auth_id``."""
    log.info("faceAuth %s of %s: %s", hook.auth_id, hook.submission_id, hook.auth_status)


@csrf_exempt
@require_POST
def argos_webhook(request: HttpRequest) -> JsonResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": f"body over {MAX_BYTES} bytes"}, status=413)
    try:
        # ARGOS_API_KEY (the Add-On project's key) decrypts encrypted webhooks.
        hook = read_webhook(body, api_key=os.environ.get("ARGOS_API_KEY"), max_bytes=MAX_BYTES)
    except WebhookError as err:
        return JsonResponse({"error": str(err)}, status=400)
    handle_webhook(hook)
    return JsonResponse({"auth_id": hook.auth_id, "status": hook.auth_status})


urlpatterns = [path("webhooks/argos", argos_webhook)]

# For a WSGI server: gunicorn --chdir examples/webhooks django_app:application
application = get_wsgi_application()

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
