"""OpenAPI description of the feed's signature: the same x-tif headers as a hospital's."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from hospitals.schema import XTifAuthenticationScheme


class FeedAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "complaints.auth.FeedAuthentication"
    # Its own names: spectacular wants one identity per security component.
    name = [f"feed{n[0].upper()}{n[1:]}" for n in XTifAuthenticationScheme.name]

    def get_security_definition(self, auto_schema):
        return XTifAuthenticationScheme.get_security_definition(self, auto_schema)
