"""OpenAPI: the ``errorCode`` values of ``GET /api/v1/usage``, per HTTP status.

Data only: ``audit.views.UsageView`` declares its own ``extend_schema``.
"""

from __future__ import annotations

from hospitals.openapi import signed_errors
from hub.errors import Code
from hub.openapi import merge

#: GET /api/v1/usage
USAGE = merge(signed_errors(), {400: [Code.FILTER_INVALID]})
