"""OpenAPI description of the x-tif signature (drf-spectacular extension).

The four headers are declared as one security requirement (all required).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

_HEADERS = {
    "xTifPaasid": ("x-tif-paasid", "The hub-issued paasid."),
    "xTifTimestamp": ("x-tif-timestamp", "Unix seconds; refused when more than 180 s off."),
    "xTifNonce": ("x-tif-nonce", "A fresh random string per request (at most 128 characters)."),
    "xTifSignature": (
        "x-tif-signature",
        "UPPER(hex(SHA256(timestamp + paastoken + nonce + timestamp))).",
    ),
}


class XTifAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hospitals.auth.XTifAuthentication"
    name = list(_HEADERS)

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": header, "description": text}
            for header, text in _HEADERS.values()
        ]
