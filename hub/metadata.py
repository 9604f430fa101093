"""What a signed ``OPTIONS`` on any API path answers (DRF's
``DEFAULT_METADATA_CLASS``): the province's success shape with the methods
the path accepts, the same list as the ``Allow`` header::

    200 {"returnCode": "1", "returnDesc": "成功", "data": {"methods": ["GET", "POST", ...]}}

instead of DRF's description of the view (its name, parsers, renderers). The
signature, caller and throttle checks run first, as for every method.
"""

from __future__ import annotations

from rest_framework.metadata import BaseMetadata

from hub.errors import success_body


class AllowedMethods(BaseMetadata):
    def determine_metadata(self, request, view) -> dict:
        return success_body({"methods": list(view.allowed_methods)})
