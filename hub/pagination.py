"""The one page shape of every list the hub answers (docs/api.md, "Lists").

Query: ``page`` (from 1, at most ``PAGE_MAX``) and ``pageSize`` (1 to
``PAGE_SIZE_MAX``, default ``PAGE_SIZE_DEFAULT``), plain ASCII digits; absent
or empty means the default. Anything else is ``FILTER_INVALID`` (400), the
code of every bad query parameter. Answer::

    {"returnCode": "1", "returnDesc": "成功",
     "data": {"items": [...], "total": 57, "page": 2, "pageSize": 20, "hasNext": true}}

``total`` counts the matching rows on all pages; a page past the end has no
items (and ``hasNext`` false). A list view::

    paginator = HubPagination()
    rows = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response([row_data(r) for r in rows])

and documents itself with ``parameters=[..., PageQuery]`` and a ``PageOut``
subclass that declares ``items``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from hub.errors import ok
from hub.inputs import query_error

PAGE_MAX = 100_000
PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 20


def _number(raw, name: str, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise query_error(_("%(field)s must be a positive integer.") % {"field": name})
    value = int(raw)
    if not 1 <= value <= maximum:
        raise query_error(
            _("%(field)s must be between 1 and %(max)s.") % {"field": name, "max": maximum}
        )
    return value


class HubPagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "pageSize"

    def __init__(self) -> None:
        self.page = 1
        self.page_size = PAGE_SIZE_DEFAULT
        self.total = 0

    def read_query(self, request) -> tuple[int, int]:
        """(page, pageSize) of the request, checked."""
        params = request.query_params
        self.page = _number(params.get(self.page_query_param), "page", 1, PAGE_MAX)
        self.page_size = _number(
            params.get(self.page_size_query_param), "pageSize", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
        )
        return self.page, self.page_size

    def paginate_queryset(self, queryset, request, view=None) -> list:
        page, size = self.read_query(request)
        self.total = queryset.count()
        return list(queryset[(page - 1) * size : page * size])

    def page_data(self, items: list) -> dict:
        return {
            "items": items,
            "total": self.total,
            "page": self.page,
            "pageSize": self.page_size,
            "hasNext": self.page * self.page_size < self.total,
        }

    def get_paginated_response(self, data: list) -> Response:
        return ok(self.page_data(data))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["items", "total", "page", "pageSize", "hasNext"],
            "properties": {
                "items": schema,
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "pageSize": {"type": "integer"},
                "hasNext": {"type": "boolean"},
            },
        }


class PageQuery(serializers.Serializer):
    """``page`` and ``pageSize`` in the OpenAPI document (``parameters=``);
    ``HubPagination`` reads and checks them."""

    page = serializers.IntegerField(
        min_value=1,
        max_value=PAGE_MAX,
        required=False,
        default=1,
        help_text="页码，从 1 开始 / Page number, from 1.",
    )
    pageSize = serializers.IntegerField(
        min_value=1,
        max_value=PAGE_SIZE_MAX,
        required=False,
        default=PAGE_SIZE_DEFAULT,
        help_text=f"每页条数，1-{PAGE_SIZE_MAX}，默认 {PAGE_SIZE_DEFAULT} / "
        f"Items per page, 1-{PAGE_SIZE_MAX}, default {PAGE_SIZE_DEFAULT}.",
    )


class PageOut(serializers.Serializer):
    """``data`` of a list answer; a subclass declares ``items``."""

    total = serializers.IntegerField(
        help_text="符合条件的总条数（全部页） / Matching rows, all pages."
    )
    page = serializers.IntegerField(help_text="本页页码 / This page's number.")
    pageSize = serializers.IntegerField(help_text="每页条数 / Items per page.")
    hasNext = serializers.BooleanField(help_text="是否还有下一页 / Whether a next page exists.")
