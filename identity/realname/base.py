"""What a real-name backend returns, and the interface it implements.

A backend answers one question: is the person in this selfie the holder of
this resident ID number, under this name, according to the public-security
records? It returns a :class:`Verdict` for every answer the provider gave
about the *person* (match, mismatch, no record, not live) and raises for
everything else:

* a photo the provider could not use -> a ``FaceError`` of ``identity.face``
  (``FACE_NOT_FOUND``, ``FACE_MULTIPLE``...) or ``RealNamePhotoRefused``;
* provider trouble -> ``RealNameProviderUnavailable`` (transient) or
  ``RealNameProviderFailed`` (permanent).

The service (``identity.realname.services``) counts the attempts, writes the
operation log and records the phone; backends only talk to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from identity.face.images import Photo


class Outcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NO_RECORD = "no_record"
    NOT_LIVE = "not_live"


@dataclass(frozen=True)
class Verdict:
    """The provider's answer about the person. Holds no personal data:
    ``request_id`` is the provider's id of the call (kept as evidence),
    ``score`` its similarity (0..100) when it gave one."""

    outcome: Outcome
    request_id: str
    backend: str
    score: float | None = None
    #: The provider's own result code ("Success", "FailedOperation.IdNoExistSystem"...).
    provider_code: str = ""

    @property
    def match(self) -> bool:
        return self.outcome == Outcome.MATCH


class RealNameBackend(Protocol):
    """A real-name provider. Created once per process and shared by threads."""

    #: Short stable name recorded with every attempt ("tencent-faceid", "fake").
    name: str
    #: Longest side the selfie's decoded pixels need (None: as sent).
    max_side: int | None
    #: False for the stand-in used when no provider is configured.
    available: bool

    def verify(self, *, id_number: str, name: str, selfie: Photo) -> Verdict:
        """Check the selfie against the public-security photo of ``id_number``."""
        ...
