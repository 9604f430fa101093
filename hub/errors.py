"""One error type and one renderer for every hospital-facing answer.

Every failure leaves the hub as
``{"returnCode": "0", "returnDesc": <readable reason>, "errorCode": <STABLE_CODE>}``
with a fitting HTTP status. Clients act on ``errorCode``, never on the text.

Each app keeps its own codes in a ``StrEnum`` (``hospitals.errors``,
``identity.errors``...) so that the code list grows without edits to this file;
``Code`` here holds the generic ones, and the one code of each input mistake
that any endpoint can make (a missing field, bad SM4 hex, a bad page...), so
that the same mistake answers the same ``errorCode`` everywhere.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class Code(StrEnum):
    BAD_JSON = "BAD_JSON"
    # One code per input mistake, whichever endpoint it is made on
    # (``hub.inputs``, ``hub.pagination``; docs/error-codes.md).
    BODY_NOT_OBJECT = "BODY_NOT_OBJECT"
    FIELD_MISSING = "FIELD_MISSING"
    FIELD_EMPTY = "FIELD_EMPTY"
    FIELD_WRONG_TYPE = "FIELD_WRONG_TYPE"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    FIELD_INVALID = "FIELD_INVALID"
    SM4_BAD_CIPHERTEXT = "SM4_BAD_CIPHERTEXT"
    SM4_DECRYPT_FAILED = "SM4_DECRYPT_FAILED"
    FILTER_INVALID = "FILTER_INVALID"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    THROTTLED = "THROTTLED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class HubError(Exception):
    """A failure with a stable code, a readable message and an HTTP status."""

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int = 400,
        *,
        headers: dict[str, str] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = str(message)
        self.http_status = http_status
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict:
        return failure_body(self.code, self.message, **self.extra)


def failure_body(code: str, message: str, **extra) -> dict:
    body = {"returnCode": "0", "returnDesc": str(message), "errorCode": str(code)}
    body.update(extra)
    return body


def success_body(data: dict | list | None = None) -> dict:
    body: dict = {"returnCode": "1", "returnDesc": _("Success")}
    if data is not None:
        body["data"] = data
    return body


def ok(data: dict | list | None = None, status: int = 200) -> Response:
    """A DRF success answer in the province's shape."""
    return Response(success_body(data), status=status)


def _first_message(detail) -> str:
    """The first readable message of a DRF error detail, with its field path."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            if key in ("non_field_errors", "detail"):
                return inner
            return f"{key}: {inner}"
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def throttled_error(wait: float | None) -> HubError:
    """``THROTTLED`` (429) with ``Retry-After``: ``wait`` seconds, at least 1."""
    seconds = int(wait or 1)
    return HubError(
        Code.THROTTLED,
        _("Too many requests; retry in %(seconds)s seconds.") % {"seconds": seconds},
        429,
        headers={"Retry-After": str(max(seconds, 1))},
    )


def _drf_error(exc: drf_exceptions.APIException) -> HubError:
    if isinstance(exc, drf_exceptions.ParseError):
        return HubError(Code.BAD_JSON, _("The request body is not valid JSON."), 400)
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return HubError(Code.UNSUPPORTED_MEDIA_TYPE, _("Send the body as application/json."), 415)
    if isinstance(exc, drf_exceptions.Throttled):
        return throttled_error(exc.wait)
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return HubError(Code.METHOD_NOT_ALLOWED, _("Method not allowed."), 405)
    if isinstance(exc, drf_exceptions.NotFound):
        return HubError(Code.NOT_FOUND, _("Not found."), 404)
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        code = getattr(exc, "hub_code", Code.NOT_AUTHENTICATED)
        return HubError(code, _first_message(exc.detail), 401)
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return HubError(Code.FORBIDDEN, _first_message(exc.detail), 403)
    if isinstance(exc, drf_exceptions.ValidationError):
        return HubError(Code.VALIDATION_FAILED, _first_message(exc.detail), 400)
    return HubError(Code.VALIDATION_FAILED, _first_message(exc.detail), exc.status_code)


def as_hub_error(exc: Exception) -> HubError | None:
    """Map any known exception to a HubError; None for an unexpected one."""
    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, Http404):
        return HubError(Code.NOT_FOUND, _("Not found."), 404)
    if isinstance(exc, PermissionDenied):
        return HubError(Code.FORBIDDEN, _("You do not have permission to do this."), 403)
    if isinstance(exc, RequestDataTooBig):
        return HubError(Code.PAYLOAD_TOO_LARGE, _("The request body is too large."), 413)
    if isinstance(exc, SuspiciousOperation):
        return HubError(Code.VALIDATION_FAILED, _("Bad request."), 400)
    if isinstance(exc, RecursionError):
        # json.loads on a body nested thousands of levels deep.
        return HubError(Code.BAD_JSON, _("The request body is not valid JSON."), 400)
    if isinstance(exc, drf_exceptions.APIException):
        return _drf_error(exc)
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every failure in the province's shape."""
    error = as_hub_error(exc)
    if error is None:
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__)
        error = HubError(Code.INTERNAL_ERROR, _("Internal error; it has been logged."), 500)
    response = Response(error.body(), status=error.http_status)
    for name, value in error.headers.items():
        response[name] = value
    request = context.get("request")
    if request is not None:
        request._hub_error_code = error.code  # read by the access log
    return response


def json_error(request, code: str, message: str, status: int) -> JsonResponse:
    response = JsonResponse(failure_body(code, message), status=status)
    response["Content-Type"] = "application/json"
    return response


# Paths whose every answer is JSON in the province's shape, even Django's own
# HTML pages (the DEBUG 404 page, a CSRF or middleware refusal).
API_PATH_PREFIXES = ("/api/", "/ebus/")
_STATUS_CODES = {
    400: Code.VALIDATION_FAILED,
    403: Code.FORBIDDEN,
    404: Code.NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    413: Code.PAYLOAD_TOO_LARGE,
    500: Code.INTERNAL_ERROR,
}


class ApiErrorShapeMiddleware:
    """Re-shape any non-JSON error answer under the API paths."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        code = _STATUS_CODES.get(response.status_code)
        if (
            code is not None
            and request.path_info.startswith(API_PATH_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            messages = {
                Code.NOT_FOUND: _("Not found."),
                Code.METHOD_NOT_ALLOWED: _("Method not allowed."),
                Code.FORBIDDEN: _("You do not have permission to do this."),
                Code.PAYLOAD_TOO_LARGE: _("The request body is too large."),
                Code.INTERNAL_ERROR: _("Internal error; it has been logged."),
            }
            shaped = json_error(
                request, code, messages.get(code, _("Bad request.")), response.status_code
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


def handler404(request, exception=None):
    return json_error(request, Code.NOT_FOUND, _("Not found."), 404)


def handler500(request):
    return json_error(request, Code.INTERNAL_ERROR, _("Internal error; it has been logged."), 500)


def handler400(request, exception=None):
    return json_error(request, Code.VALIDATION_FAILED, _("Bad request."), 400)


def handler403(request, exception=None):
    return json_error(request, Code.FORBIDDEN, _("You do not have permission to do this."), 403)
