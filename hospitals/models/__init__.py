from hospitals.models.credentials import HubCredential, ProvinceAccount
from hospitals.models.hospital import (
    RELAY_STAGES,
    STAGE_ORDER,
    TEST_STAGES,
    ConsentAt,
    Hospital,
    IntegratedSystem,
    Level,
    Stage,
    StageChange,
    Status,
)
from hospitals.models.joint_test import JointTestRecording
from hospitals.models.nonces import UsedNonce
from hospitals.models.operators import HospitalOperator

__all__ = [
    "RELAY_STAGES",
    "STAGE_ORDER",
    "TEST_STAGES",
    "ConsentAt",
    "Hospital",
    "HospitalOperator",
    "HubCredential",
    "IntegratedSystem",
    "JointTestRecording",
    "Level",
    "ProvinceAccount",
    "Stage",
    "StageChange",
    "Status",
    "UsedNonce",
]
