"""A synthetic health record, generated deterministically from the ID number
(Faker ``zh_CN`` seeded by the ID's SM3 digest), so the same patient always
shows the same record and no real data is ever involved."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from faker import Faker

from hub.gm import sm3_hex

# A fixed window, not "today": the record must not change from one day to the next.
ANCHOR = date(2025, 6, 30)
HISTORY_START = date(2019, 1, 1)

DEPARTMENTS = [
    "内科",
    "外科",
    "儿科",
    "妇产科",
    "眼科",
    "耳鼻喉科",
    "皮肤科",
    "口腔科",
    "中医科",
    "骨科",
]
DIAGNOSES = [
    "急性上呼吸道感染",
    "原发性高血压",
    "2型糖尿病",
    "慢性胃炎",
    "腰椎间盘突出症",
    "过敏性鼻炎",
    "支气管炎",
    "龋齿",
    "湿疹",
    "颈椎病",
]
CHRONIC = ["高血压", "糖尿病", "慢性阻塞性肺疾病", "冠心病", "无"]
ALLERGIES = ["青霉素", "头孢类", "花粉", "海鲜", "无"]
VISIT_KINDS = ["门诊", "门诊", "门诊", "急诊", "住院"]
DOCUMENTS = {
    "门诊": ["门诊病历", "处方"],
    "急诊": ["急诊病历", "处方", "急诊观察记录"],
    "住院": ["入院记录", "病程记录", "手术记录", "出院小结"],
}
LAB_TESTS = [
    ("血常规", [("白细胞计数", "10^9/L", 3.5, 9.5), ("血红蛋白", "g/L", 115, 150)]),
    ("肝功能", [("谷丙转氨酶", "U/L", 7, 40), ("总胆红素", "μmol/L", 3.4, 20.5)]),
    ("血糖", [("空腹血糖", "mmol/L", 3.9, 6.1)]),
    ("血脂", [("总胆固醇", "mmol/L", 2.8, 5.2), ("甘油三酯", "mmol/L", 0.45, 1.7)]),
]
EXAMS = [
    ("胸部X线", "双肺纹理清晰，心影不大。"),
    ("腹部彩超", "肝胆胰脾未见明显异常。"),
    ("心电图", "窦性心律，正常心电图。"),
    ("头颅CT", "颅内未见明显异常密度影。"),
]
VACCINES = [
    "乙肝疫苗",
    "卡介苗",
    "脊灰疫苗",
    "百白破疫苗",
    "麻腮风疫苗",
    "乙脑疫苗",
    "流感疫苗",
    "新冠疫苗",
]
BLOOD_TYPES = ["A型 Rh阳性", "B型 Rh阳性", "O型 Rh阳性", "AB型 Rh阳性", "O型 Rh阴性"]

_faker = Faker("zh_CN")
_lock = threading.Lock()  # one seeded generator, so generation is serialised


def _birth_and_sex(id_number: str, fake: Faker) -> tuple[date, str]:
    """From an 18-character resident ID when it reads as one; else synthetic."""
    if len(id_number) == 18 and id_number[:17].isdigit():
        try:
            birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
            return birth, ("男" if int(id_number[16]) % 2 else "女")
        except ValueError:
            pass
    birth = fake.date_between_dates(date(1940, 1, 1), date(2015, 12, 31))
    return birth, fake.random_element(["男", "女"])


def _when(fake: Faker, start: date) -> date:
    return fake.date_between_dates(max(start, HISTORY_START), ANCHOR)


def _hospital(fake: Faker) -> str:
    return fake.city_name() + fake.random_element(
        ["市人民医院", "市中医院", "妇幼保健院", "社区卫生服务中心"]
    )


def generate_record(id_number: str, patient_name: str) -> dict[str, Any]:
    seed = int(sm3_hex(id_number.strip().upper())[:16], 16)
    with _lock:
        fake = _faker
        fake.seed_instance(seed)
        birth, sex = _birth_and_sex(id_number.strip(), fake)
        age = ANCHOR.year - birth.year - ((ANCHOR.month, ANCHOR.day) < (birth.month, birth.day))
        basic = {
            "姓名": patient_name,
            "性别": sex,
            "出生日期": birth.isoformat(),
            "年龄": f"{max(age, 0)} 岁",
            "民族": fake.random_element(["汉族", "汉族", "汉族", "壮族", "瑶族", "畲族"]),
            "血型": fake.random_element(BLOOD_TYPES),
            "联系电话": fake.phone_number()[:3] + "****" + fake.numerify("####"),
            "现住址": fake.address(),
            "过敏史": fake.random_element(ALLERGIES),
            "健康问题": fake.random_element(CHRONIC),
        }
        visits = []
        for _ in range(fake.random_int(2, 5)):
            kind = fake.random_element(VISIT_KINDS)
            visits.append(
                {
                    "日期": _when(fake, birth),
                    "类别": kind,
                    "医疗机构": _hospital(fake),
                    "科室": fake.random_element(DEPARTMENTS),
                    "诊断": fake.random_element(DIAGNOSES),
                    "医生": fake.name(),
                    "文书": "、".join(DOCUMENTS[kind]),
                }
            )
        reports = []
        for name, items in fake.random_sample(LAB_TESTS, length=2):
            results = []
            for item, unit, low, high in items:
                value = round(fake.pyfloat(min_value=low * 0.8, max_value=high * 1.2), 1)
                flag = "↑" if value > high else ("↓" if value < low else "")
                results.append(f"{item} {value}{flag} {unit}（参考 {low}–{high}）")
            reports.append(
                {
                    "日期": _when(fake, birth),
                    "类别": "检验",
                    "项目": name,
                    "结果": "；".join(results),
                }
            )
        for name, finding in fake.random_sample(EXAMS, length=2):
            reports.append(
                {"日期": _when(fake, birth), "类别": "检查", "项目": name, "结果": finding}
            )
        checkups = [
            {
                "日期": _when(fake, birth),
                "类别": kind,
                "机构": _hospital(fake),
                "结论": fake.random_element(
                    ["未见明显异常", "血压偏高，建议复查", "体重指数偏高，建议控制饮食"]
                ),
            }
            for kind in ("医院体检", "公共卫生体检")
        ]
        blood = [
            {
                "日期": _when(fake, birth),
                "类别": "献血",
                "机构": fake.city_name() + "中心血站",
                "说明": "全血 300 mL",
            }
        ]
        if fake.boolean(chance_of_getting_true=20):
            blood.append(
                {
                    "日期": _when(fake, birth),
                    "类别": "输血",
                    "机构": _hospital(fake),
                    "说明": "悬浮红细胞 2 U",
                }
            )
        vaccinations = [
            {
                "日期": _when(fake, birth),
                "疫苗": vaccine,
                "剂次": f"第 {fake.random_int(1, 3)} 剂",
                "接种单位": fake.city_name() + "疾病预防控制中心",
            }
            for vaccine in fake.random_sample(VACCINES, length=4)
        ]
    for group in (visits, reports, checkups, blood, vaccinations):
        group.sort(key=lambda row: row["日期"], reverse=True)
        for row in group:
            row["日期"] = row["日期"].isoformat()
    return {
        "基本信息": basic,
        "诊疗记录": visits,
        "检查检验报告": reports,
        "健康体检": checkups,
        "血液管理": blood,
        "疫苗接种": vaccinations,
    }


SECTION_TITLES = ("基本信息", "诊疗记录", "检查检验报告", "健康体检", "血液管理", "疫苗接种")
