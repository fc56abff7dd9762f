"""The exceptions a call raises, all under ``ApiError``::

    ApiError                 base: every failure after the arguments were accepted
     ├── ApiStatusError      the service answered with a non-2xx status
     ├── ApiTimeoutError     no answer in time; ``.phase`` says connect, read, write or pool
     ├── ApiConnectionError  the connection failed or broke before an answer came
     ├── ResponseDecodeError a 2xx answer whose body is not what the spec promises
     └── TokenError          the OAuth 2.0 token endpoint gave no token; ``.token_url``

Arguments the spec forbids (a ``take`` above its maximum, a malformed id) raise
``ValueError`` before anything is sent, and so does a call whose security no credential
given to the client meets. Messages name the operation and, where there is one, the HTTP
status; they never contain credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._models import _ErrorBody

_BODY_PREVIEW = 200
REQUEST_ID_HEADERS = (
    "apim-request-id",
    "x-ms-request-id",
    "x-request-id",
    "request-id",
)


def _preview(body: bytes) -> str:
    """The start of a body for a message; the full bytes stay on the exception."""
    text = body[:_BODY_PREVIEW].decode("utf-8", "replace")
    return text + ("…" if len(body) > _BODY_PREVIEW else "")


class ApiError(Exception):
    """Base of every error a call raises once its arguments were accepted.

    Attributes:
        operation: The operationId of the call that failed.
    """

    def __init__(self, message: str, *, operation: str) -> None:
        super().__init__(message)
        self.operation = operation


class ApiStatusError(ApiError):
    """The service answered with a status outside 2xx.

    Attributes:
        status_code: The HTTP status.
        error: The decoded error body, or None when the body was not one.
        request_id: The service's request id header, for support requests, or None.
        body: The raw body.
        response: The ``httpx.Response``.
    """

    def __init__(
        self,
        *,
        operation: str,
        response: httpx.Response,
        error: _ErrorBody | None,
    ) -> None:
        self.status_code = response.status_code
        self.error = error
        self.body = response.content
        self.response = response
        self.request_id = next(
            (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers),
            None,
        )
        message = f"{operation}: HTTP {self.status_code}"
        if error is not None:
            message += f" {getattr(error, 'code', '')}: {getattr(error, 'message', '')}"
        elif self.body:
            message += f": {_preview(self.body)}"
        if self.request_id:
            message += f" (request id {self.request_id})"
        super().__init__(message, operation=operation)


class ApiTimeoutError(ApiError):
    """No answer in time.

    Attributes:
        phase: ``"connect"``, ``"read"``, ``"write"`` or ``"pool"`` (waiting for a free
            connection).
    """

    def __init__(self, message: str, *, operation: str, phase: str) -> None:
        super().__init__(message, operation=operation)
        self.phase = phase


class ApiConnectionError(ApiError):
    """The connection could not be made, or broke before an answer came.

    Attributes:
        never_sent: True when no connection was made (refused, unreachable, no such
            host): the service cannot have acted on the request.
    """

    def __init__(
        self, message: str, *, operation: str, never_sent: bool = False
    ) -> None:
        super().__init__(message, operation=operation)
        self.never_sent = never_sent


class ResponseDecodeError(ApiError):
    """A 2xx answer whose body is malformed, of an unexpected type, or off the schema.

    Attributes:
        status_code: The HTTP status.
        content_type: The answer's ``Content-Type``, or ``""``.
        body: The raw body.
        response: The ``httpx.Response``.
    """

    def __init__(
        self, reason: str, *, operation: str, response: httpx.Response
    ) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.body = response.content
        self.response = response
        message = f"{operation}: HTTP {self.status_code} {reason}; body: {_preview(self.body)}"
        super().__init__(message, operation=operation)


class TokenError(ApiError):
    """The OAuth 2.0 token endpoint gave no token: it refused the client's credentials,
    failed, answered something that is not a token, or could not be reached.

    Attributes:
        token_url: The token endpoint.
        status_code: Its HTTP status, or None when no answer came.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        token_url: str,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, operation=operation)
        self.token_url = token_url
        self.status_code = status_code
