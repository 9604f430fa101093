"""What every face backend returns, and the interface it implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from identity.face.images import Photo


@dataclass(frozen=True)
class FaceResult:
    """The outcome of one 1:1 comparison. Holds no image data.

    ``distance`` is set by distance backends (dlib: Euclidean distance of the
    two 128-d embeddings; ``match`` is ``distance <= threshold``). ``score`` is
    set by score backends (a provider's 0..100 similarity; ``match`` is
    ``score >= threshold``), whose ``distance`` is None. ``threshold`` is the
    operating point the decision used, in the backend's own unit.
    """

    match: bool
    distance: float | None
    backend: str
    threshold: float
    score: float | None = None

    def audit_details(self) -> dict:
        """The only facts about a face check that may be recorded (PIPL)."""
        details: dict = {
            "outcome": "match" if self.match else "mismatch",
            "backend": self.backend,
            "threshold": self.threshold,
            "distance": None if self.distance is None else round(self.distance, 4),
        }
        if self.score is not None:
            details["score"] = round(self.score, 2)
        return details


class FaceBackend(Protocol):
    """A 1:1 face comparer. Instances are created once per process and shared
    between threads, so ``compare`` must be thread-safe."""

    #: Short stable name recorded with every result ("dlib", "tencent-iai").
    name: str
    #: Longest side the backend needs the decoded pixels at (None: as sent).
    max_side: int | None

    def compare(self, id_photo: Photo, live_photo: Photo) -> FaceResult:
        """Compare the faces; raise a FaceError for photos it cannot use."""
        ...
