"""argos-addon: the client for the ARGOS Identity Add-On (FaceAuth) API.

>>> from argos_addon import Client
>>> client = Client()                       # reads ARGOS_API_KEY  # doctest: +SKIP
>>> result = client.face_auth.submit("submission-id", "selfie.jpg")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

from . import _native
from ._client import (
    AsyncClient,
    AsyncFaceAuth,
    AsyncWithResponse,
    Client,
    DateLike,
    FaceAuth,
    FaceImage,
    WithResponse,
)
from ._native import (
    BudgetStatus,
    FaceAuthPage,
    FaceAuthRecord,
    FaceAuthResult,
    FaceAuthWebhook,
    Policy,
    ResponseInfo,
    Score,
    WebhookReference,
)
from . import errors as _errors
from .errors import *  # noqa: F403 (the error classes, listed in errors.__all__)
from .webhooks import read_webhook  # imports no web framework

__version__: str = _native.__version__

__all__ = [
    "Client",
    "AsyncClient",
    "FaceAuth",
    "AsyncFaceAuth",
    "WithResponse",
    "AsyncWithResponse",
    "FaceImage",
    "DateLike",
    "FaceAuthResult",
    "Score",
    "FaceAuthRecord",
    "Policy",
    "FaceAuthPage",
    "ResponseInfo",
    "FaceAuthWebhook",
    "WebhookReference",
    "BudgetStatus",
    "encrypt_query",
    "decrypt_query",
    "parse_webhook",
    "read_webhook",
    "__version__",
]
__all__ += _errors.__all__


def encrypt_query(params: Dict[str, Any], api_key: str) -> str:
    """Encrypt ``params`` for an ARGOS ``encrypted=`` query value (compact JSON, keys in order).

    AES-256-ECB with SHA-256(api_key) as the key, PKCS#7, standard base64. URL-encode the result
    before putting it in a URL (:meth:`Client.face_auth_url` does).
    """
    return _native.encrypt_query(params, api_key)


def decrypt_query(ciphertext: str, api_key: str) -> Dict[str, Any]:
    """Reverse :func:`encrypt_query`; a wrong key or corrupt input raises :class:`WebhookError`."""
    return _native.decrypt_query(ciphertext, api_key)


def parse_webhook(body: Union[bytes, str], *, api_key: Optional[str] = None) -> FaceAuthWebhook:
    """Parse a ``faceAuth`` webhook body (versions 1-3); encrypted ``{"data": ...}`` bodies need
    ``api_key``. Anything malformed raises :class:`WebhookError`."""
    return _native.parse_webhook(body, api_key)
