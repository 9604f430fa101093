from hospitals.models.credentials import HubCredential, ProvinceAccount
from hospitals.models.hospital import (
    RELAY_STAGES,
    STAGE_ORDER,
    Hospital,
    IntegratedSystem,
    Level,
    Stage,
    StageChange,
    Status,
)
from hospitals.models.nonces import UsedNonce
from hospitals.models.operators import HospitalOperator

__all__ = [
    "RELAY_STAGES",
    "STAGE_ORDER",
    "Hospital",
    "HospitalOperator",
    "HubCredential",
    "IntegratedSystem",
    "Level",
    "ProvinceAccount",
    "Stage",
    "StageChange",
    "Status",
    "UsedNonce",
]
