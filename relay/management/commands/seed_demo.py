"""``python manage.py seed_demo``: the documented demo data (idempotent).

Two live demo hospitals with fixed hub credentials, the simulator's demo
account as the city's province account, both orgs registered at the
simulator, and the demo residents' phones of record (as the city's registry
import would record them, so SMS authorizations work in the demo). Refused
with HUB_ENV=production: the credentials are public.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hospitals.models import (
    Hospital,
    HubCredential,
    IntegratedSystem,
    ProvinceAccount,
    Stage,
    Status,
)
from hospitals.services import province_account_save
from identity.models import PhoneSource
from identity.phones import phone_of_record_set

ACTOR = "command:seed_demo"

DEMO_PROVINCE_ACCOUNT = {
    "name": "城市平台（模拟器演示账号）",
    "paasid": "demo-paasid",
    "paastoken": "demo-paastoken",
    "sm4_key": "33edd0637a6cbd8e7d057fbc0944d621",
    "app_id": "ff8080818ab5cf57018b3bb2a4af0004",
    "call_sys_code": "zhspt",
}
#: Synthetic residents (valid check digits) and their phones of record; the
#: first is the one of the API documentation's examples.
DEMO_RESIDENTS = [
    ("44010619900307001X", "13800138000"),
    ("440106199003070028", "13800138001"),
]
DEMO_HOSPITALS = [
    {
        "org_code": "455404482",
        "org_name": "测试机构名称",
        "uscc": "124400004554044827",
        "district": "越秀区",
        "level": "tertiary",
        "systems": [
            {
                "name": "HIS",
                "url": "http://his-a.example/",
                "ip": "10.10.1.10",
                "app_id": "hosp-a-app",
                "paasid": "hosp-a",
                "paastoken": "hosp-a-token",
                "sm4_key": "0123456789abcdeffedcba9876543210",
            },
            {
                "name": "EMR",
                "url": "http://emr-a.example/",
                "ip": "10.10.1.11",
                "app_id": "hosp-a-emr-app",
                "paasid": "hosp-a-emr",
                "paastoken": "hosp-a-emr-token",
                "sm4_key": "00112233445566778899aabbccddeeff",
            },
        ],
    },
    {
        "org_code": "455404483",
        "org_name": "演示第二医院",
        "uscc": "12440000455404483A",
        "district": "天河区",
        "level": "secondary",
        "systems": [
            {
                "name": "EMR",
                "url": "http://emr-b.example/",
                "ip": "10.10.2.20",
                "app_id": "hosp-b-app",
                "paasid": "hosp-b",
                "paastoken": "hosp-b-token",
                "sm4_key": "fedcba98765432100123456789abcdef",
            },
        ],
    },
]


def _register_at_simulator(org_code: str, org_name: str) -> str:
    """Register the org in the simulator's config file and a running simulator."""
    from hub.province.simulator.config import register_org

    if register_org(settings.PROVINCE_SIM_CONFIG, org_code, org_name):
        return "registered (running simulator told)"
    return "registered in the simulator config (no simulator running)"


class Command(BaseCommand):
    help = "Create the demo hospitals, credentials and province account (never in production)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-simulator", action="store_true", help="do not register the orgs at the simulator"
        )

    def handle(self, *args, no_simulator: bool = False, **options):
        if getattr(settings, "HUB_ENV", "") == "production":
            raise CommandError(
                "seed_demo is refused with HUB_ENV=production: its credentials are public."
            )
        with transaction.atomic():
            self._province_account()
            for demo in DEMO_HOSPITALS:
                self._hospital(demo)
            for id_number, phone in DEMO_RESIDENTS:
                phone_of_record_set(
                    id_number=id_number,
                    card_type="01",
                    phone=phone,
                    source=PhoneSource.REGISTRY,
                    evidence="seed_demo",
                    actor=ACTOR,
                )
        if not no_simulator:
            for demo in DEMO_HOSPITALS:
                try:
                    outcome = _register_at_simulator(demo["org_code"], demo["org_name"])
                except Exception as exc:  # a simulator down must not fail the seed
                    outcome = f"not registered ({exc.__class__.__name__}: {exc})"
                self.stdout.write(f"simulator: {demo['org_code']} {outcome}")
        self.stdout.write(
            "demo data ready: hospitals 455404482 (systems hosp-a / hosp-a-app and "
            "hosp-a-emr / hosp-a-emr-app), 455404483 (hosp-b / hosp-b-app); "
            "residents 44010619900307001X (phone of record 138****8000), "
            "440106199003070028 (138****8001)."
        )

    def _province_account(self) -> None:
        existing = ProvinceAccount.objects.filter(paasid=DEMO_PROVINCE_ACCOUNT["paasid"]).first()
        if existing and existing.is_city_default and existing.paastoken == "demo-paastoken":
            return
        province_account_save(
            actor=ACTOR, account=existing, is_city_default=True, **DEMO_PROVINCE_ACCOUNT
        )

    def _hospital(self, demo: dict) -> None:
        hospital, _ = Hospital.objects.update_or_create(
            org_code=demo["org_code"],
            defaults={
                "org_name": demo["org_name"],
                "uscc": demo["uscc"],
                "district": demo["district"],
                "level": demo["level"],
                "status": Status.ACTIVE,
                "stage": Stage.LIVE,
                "contact_name": "演示联系人",
                "authorization_integration": "线上预约授权、现场授权（短信、授权码、人脸）",
                "viewing_integration": "门急诊、住院医生站调阅",
            },
        )
        if hospital.went_live_on is None:
            hospital.went_live_on = timezone.localdate()
            hospital.contact_phone = "13800138000"
            hospital.save(update_fields=["went_live_on", "contact_phone"])
        for spec in demo["systems"]:
            self._system(hospital, spec)

    def _system(self, hospital: Hospital, spec: dict) -> None:
        # A system is found by its appId, or else by its name (a demo row from
        # before systems had appIds), and otherwise created.
        system = IntegratedSystem.objects.filter(app_id=spec["app_id"]).first() or (
            hospital.systems.filter(name=spec["name"]).order_by("id").first()
        )
        fields = {"name": spec["name"], "url": spec["url"], "ip": spec["ip"]}
        if system is None:
            system = hospital.systems.create(app_id=spec["app_id"], **fields)
        elif system.app_id != spec["app_id"] or system.hospital_id != hospital.pk:
            system.hospital, system.app_id = hospital, spec["app_id"]
            system.save(update_fields=["hospital", "app_id"])
        # Exactly the documented credentials, current, whatever happened before.
        HubCredential.objects.update_or_create(
            paasid=spec["paasid"],
            defaults={
                "hospital": hospital,
                "system": system,
                "paastoken": spec["paastoken"],
                "sm4_key": spec["sm4_key"],
                "valid_until": None,
            },
        )
