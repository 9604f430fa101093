"""factory_boy factories for object graphs used across test areas."""

from __future__ import annotations

import secrets

import factory

from hospitals.models import Hospital, HubCredential, ProvinceAccount, Stage, Status
from hospitals.validators import uscc_check_char


def _uscc(n: int) -> str:
    first17 = f"91440100{n:09d}"
    return first17 + uscc_check_char(first17)


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital
        django_get_or_create = ("org_code",)

    org_code = factory.Sequence(lambda n: f"7{n:08d}")
    org_name = factory.Sequence(lambda n: f"测试医院{n}")
    uscc = factory.Sequence(_uscc)
    district = "越秀区"
    contact_name = "张工"
    contact_phone = "13800138000"
    status = Status.ACTIVE
    stage = Stage.LIVE


class HubCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HubCredential

    hospital = factory.SubFactory(HospitalFactory)
    paasid = factory.Sequence(lambda n: f"hosp-test-{n}")
    paastoken = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    sm4_key = factory.LazyFunction(lambda: secrets.token_hex(16))


class ProvinceAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvinceAccount

    name = factory.Sequence(lambda n: f"province account {n}")
    paasid = factory.Sequence(lambda n: f"prov-{n}")
    paastoken = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    sm4_key = factory.LazyFunction(lambda: secrets.token_hex(16))
    app_id = factory.LazyFunction(lambda: secrets.token_hex(16))
    call_sys_code = "zhspt"
    is_city_default = False
