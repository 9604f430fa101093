"""The values the province client takes and gives: the account the province
issued, a successful answer, and the two failure classes (see
``hub.province.client`` for when each is raised)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.http import OutsideError, PermanentError, TransientError


@dataclass(frozen=True)
class ProvinceAccount:
    """The parameters the province issued to one calling system (seed §6)."""

    paasid: str
    paastoken: str = field(repr=False)
    sm4_key: str = field(repr=False)
    app_id: str
    call_sys_code: str


@dataclass(frozen=True)
class ProvinceResult:
    """A successful answer (HTTP 2xx and ``returnCode`` ``"1"``)."""

    interface: str
    http_status: int
    return_code: str
    return_desc: str
    latency_ms: float


class ProvinceError(OutsideError):
    """A call that did not succeed; see the module docstring for the classes."""

    transient = False

    def __init__(
        self,
        message: str,
        *,
        interface: str,
        http_status: int | None = None,
        return_code: str | None = None,
        return_desc: str | None = None,
        latency_ms: float = 0.0,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.timed_out = timed_out
        self.interface = interface
        self.http_status = http_status
        self.return_code = return_code
        self.return_desc = return_desc
        self.latency_ms = latency_ms


class ProvinceTransientError(ProvinceError, TransientError):
    transient = True


class ProvincePermanentError(ProvinceError, PermanentError):
    transient = False
