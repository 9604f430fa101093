"""The stand-in when the city has configured no real-name provider (the
production default): the pages say registration is not available."""

from __future__ import annotations

from identity.realname.errors import RealNameUnavailable


class DisabledBackend:
    name = "disabled"
    max_side = 256
    available = False

    def verify(self, *, id_number: str, name: str, selfie) -> None:
        raise RealNameUnavailable()
