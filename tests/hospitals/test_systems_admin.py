"""Per-system credentials and allowlists from the city's side: rotation of one
system, the system's own IP allowlist, the hospital page (inline and the
credentials page's forms), ``manage.py hospitals credentials --system`` and
the registry importer, which keeps systems that have credentials."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import OperationLog
from hospitals.models import Hospital, HubCredential, IntegratedSystem, Stage
from hospitals.selectors import credentials_cache_clear
from hospitals.services import hub_credential_rotate
from tests.fixtures.backoffice import verified_client
from tests.fixtures.hospitals import SignedClient

pytestmark = pytest.mark.django_db
ME = "/api/v1/hospitals/me"


def _system(app_id: str) -> IntegratedSystem:
    return IntegratedSystem.objects.get(app_id=app_id)


def _refused_ip(response) -> None:
    assert response.status_code == 403, response.content
    assert response.json()["errorCode"] == "IP_NOT_ALLOWED"


# --- signing, rotation, allowlists ------------------------------------------------------


def test_rotating_one_system_leaves_the_other_untouched(hospital_a_emr, api_a, api_a_emr):
    emr = _system("hosp-a-emr-app")
    issued = hub_credential_rotate(
        actor="test", hospital=hospital_a_emr, system=emr, overlap=timedelta(0)
    )
    assert (issued.system_name, issued.app_id) == ("EMR", "hosp-a-emr-app")
    # The EMR's old pair is retired at once; the HIS pair is still current.
    assert HubCredential.objects.get(paasid="hosp-a-emr").valid_until is not None
    assert HubCredential.objects.get(paasid="hosp-a").valid_until is None
    assert api_a_emr.get(ME).status_code == 401
    assert api_a.get(ME).status_code == 200
    fresh = SignedClient(issued.paasid, issued.paastoken)
    assert fresh.get(ME).json()["data"]["orgCode"] == "455404482"
    assert HubCredential.objects.get(paasid=issued.paasid).system == emr
    row = OperationLog.objects.filter(action="hub_credential.rotate").get()
    assert row.after["system"] == "EMR" and row.after["app_id"] == "hosp-a-emr-app"


def test_a_systems_own_allowlist_refuses_while_the_others_accepts(hospital_a_emr, api_a, api_a_emr):
    emr = _system("hosp-a-emr-app")
    emr.ip_allowlist = "10.20.0.0/16"
    emr.save()  # the signal forgets the cached credential set
    _refused_ip(api_a_emr.get(ME))  # from 127.0.0.1
    assert api_a_emr.get(ME, REMOTE_ADDR="10.20.3.4").status_code == 200
    assert api_a.get(ME).status_code == 200  # the HIS: the hospital's (empty) list
    # The hospital's list applies to a system without its own; the system's own wins.
    Hospital.objects.filter(pk=hospital_a_emr.pk).update(ip_allowlist="192.168.0.0/24")
    credentials_cache_clear()
    _refused_ip(api_a.get(ME))
    assert api_a.get(ME, REMOTE_ADDR="192.168.0.9").status_code == 200
    _refused_ip(api_a_emr.get(ME, REMOTE_ADDR="192.168.0.9"))
    assert api_a_emr.get(ME, REMOTE_ADDR="10.20.3.4").status_code == 200


def test_a_malformed_system_allowlist_refuses_that_system_only(hospital_a_emr, api_a, api_a_emr):
    IntegratedSystem.objects.filter(app_id="hosp-a-emr-app").update(ip_allowlist="10.0.0.300/33")
    credentials_cache_clear()
    for address in ("127.0.0.1", "10.0.0.1", "8.8.8.8"):
        _refused_ip(api_a_emr.get(ME, REMOTE_ADDR=address))
    assert api_a.get(ME).status_code == 200


def test_the_allowlist_costs_no_query_on_the_hot_path(hospital_a_emr, api_a_emr):
    IntegratedSystem.objects.filter(app_id="hosp-a-emr-app").update(ip_allowlist="127.0.0.0/8")
    credentials_cache_clear()
    with CaptureQueriesContext(connection) as queries:
        assert api_a_emr.get(ME).status_code == 200
    ours = [q["sql"] for q in queries.captured_queries if "hospitals_" in q["sql"]]
    assert len(ours) == 1, ours  # cold: credentials, system and hospital in one query
    with CaptureQueriesContext(connection) as queries:
        assert api_a_emr.get(ME).status_code == 200
    assert not [q for q in queries.captured_queries if "hospitals_" in q["sql"]]


# --- the hospital's admin page --------------------------------------------------------


class _Forms(HTMLParser):
    """Every form of a page as a browser would submit it: inputs with their
    values (checkboxes only when checked), textareas with their text, selects
    with their selected option; submit buttons apart."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"id": attrs.get("id", ""), "fields": {}, "submit": {}})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind == "submit":
                self.forms[-1]["submit"][name] = attrs.get("value", "")
            elif kind not in ("checkbox", "radio") or "checked" in attrs:
                fields[name] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _forms(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def _issued(response) -> dict:
    page = response.content.decode()
    return {
        key: re.search(rf'id="issued-{key}">([^<]*)<', page).group(1)
        for key in ("system", "app-id", "paasid", "paastoken", "sm4-key")
    }


def test_admin_connects_a_new_system_with_its_own_credentials(city_admin, hospital_a):
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a.pk}/credentials/"
    connect = next(f for f in _forms(client.get(url)) if f["id"] == "connect-system")
    assert {"new-name", "new-app_id", "new-ip_allowlist"} <= set(connect["fields"])
    data = {
        **connect["fields"],
        **connect["submit"],
        "new-name": "互联网医院",
        "new-app_id": "",
        "new-ip_allowlist": "10.8.0.0/16",
    }
    response = client.post(url, data)
    assert "no-store" in response["Cache-Control"]
    issued = _issued(response)
    assert issued["system"] == "互联网医院" and issued["app-id"]
    system = _system(issued["app-id"])
    assert system.hospital == hospital_a and system.ip_allowlist == "10.8.0.0/16"
    cred = HubCredential.objects.get(paasid=issued["paasid"])
    assert (cred.system, cred.paastoken, cred.sm4_key) == (
        system,
        issued["paastoken"],
        issued["sm4-key"],
    )
    # Its own allowlist: refused from here, accepted from its network.
    new = SignedClient(issued["paasid"], issued["paastoken"])
    _refused_ip(new.get(ME))
    assert new.get(ME, REMOTE_ADDR="10.8.1.1").status_code == 200
    # The HIS's credential is untouched; the secrets are never shown again.
    assert HubCredential.objects.get(paasid="hosp-a").valid_until is None
    again = client.get(url).content.decode()
    assert issued["paastoken"] not in again and issued["paasid"] in again
    row = OperationLog.objects.filter(action="integrated_system.create").get()
    assert row.after["system"] == "互联网医院"
    # A taken appId is refused on the form, nothing created.
    data.update({"new-name": "第二个", "new-app_id": "hosp-a-app"})
    refused = client.post(url, data)
    assert refused.status_code == 200 and 'id="issued-paasid"' not in refused.content.decode()
    assert not IntegratedSystem.objects.filter(name="第二个").exists()


def test_admin_rotates_one_system_through_its_own_button(city_admin, hospital_a_emr):
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a_emr.pk}/credentials/"
    emr = _system("hosp-a-emr-app")
    forms = [f for f in _forms(client.get(url)) if "system" in f["fields"]]
    assert {f["fields"]["system"] for f in forms} == {str(_system("hosp-a-app").pk), str(emr.pk)}
    form = next(f for f in forms if f["fields"]["system"] == str(emr.pk))
    issued = _issued(client.post(url, {**form["fields"], **form["submit"]}))
    assert (issued["system"], issued["app-id"]) == ("EMR", "hosp-a-emr-app")
    assert HubCredential.objects.get(paasid=issued["paasid"]).system == emr
    assert HubCredential.objects.get(paasid="hosp-a-emr").valid_until is not None
    assert HubCredential.objects.get(paasid="hosp-a").valid_until is None
    # With two systems, a POST naming none (or another hospital's) issues nothing.
    before = HubCredential.objects.count()
    client.post(url, {})
    client.post(url, {"system": "999999"})
    assert HubCredential.objects.count() == before


def test_the_systems_inline_shows_the_paasid_and_keeps_the_app_id(city_admin, hospital_a_emr):
    client = verified_client(city_admin)
    url = f"/admin/hospitals/hospital/{hospital_a_emr.pk}/change/"
    page = client.get(url)
    html = page.content.decode()
    assert "hosp-a-emr" in html and "hosp-a-emr-token" not in html
    assert "00112233445566778899aabbccddeeff" not in html
    formset = page.context["inline_admin_formsets"][0].formset
    assert formset.model is IntegratedSystem
    assert all(form.fields["app_id"].disabled for form in formset.forms)
    # Submit the page's own form: change the EMR's allowlist, try to change its appId.
    main = next(f for f in _forms(page) if "systems-TOTAL_FORMS" in f["fields"])
    index = next(i for i, form in enumerate(formset.forms) if form.instance.name == "EMR")
    assert f"systems-{index}-app_id" not in main["fields"]  # disabled: not submitted
    data = {**main["fields"], f"systems-{index}-ip_allowlist": "10.30.0.0/16"}
    data[f"systems-{index}-app_id"] = "stolen-app-id"  # a forged field is ignored
    response = client.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302, response.context and response.context["errors"]
    emr = IntegratedSystem.objects.get(pk=formset.forms[index].instance.pk)
    assert (emr.app_id, emr.ip_allowlist) == ("hosp-a-emr-app", "10.30.0.0/16")
    row = OperationLog.objects.filter(action="integrated_system.update").get()
    assert row.after["system"] == "EMR" and row.after["ip_allowlist"] == "10.30.0.0/16"


def test_operators_see_no_credential_on_their_hospitals_page(operator_a, hospital_a_emr):
    client = verified_client(operator_a)
    page = client.get(f"/admin/hospitals/hospital/{hospital_a_emr.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "455404482" in html
    assert "hosp-a-emr" not in html.replace("hosp-a-emr-app", "")
    assert "当前 paasid" not in html


# --- the command and the importer -------------------------------------------------------


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _field(out: str, name: str) -> str:
    return next(line.split()[-1] for line in out.splitlines() if line.strip().startswith(name))


def test_the_credentials_command_works_per_system(hospital_a_emr):
    listing = _run("hospitals", "credentials", "455404482")
    assert (
        "system HIS  appId hosp-a-app" in listing and "system EMR  appId hosp-a-emr-app" in listing
    )
    assert "hosp-a-emr-token" not in listing
    with pytest.raises(CommandError, match="several systems"):
        call_command("hospitals", "credentials", "455404482", "--rotate")
    with pytest.raises(CommandError, match="no single system"):
        call_command("hospitals", "credentials", "455404482", "--rotate", "--system", "PACS")

    out = _run("hospitals", "credentials", "455404482", "--rotate", "--system", "EMR")
    paasid = _field(out, "paasid")
    assert _field(out, "appId") == "hosp-a-emr-app"
    assert HubCredential.objects.get(paasid=paasid).system == _system("hosp-a-emr-app")
    assert HubCredential.objects.get(paasid="hosp-a").valid_until is None

    out = _run("hospitals", "credentials", "455404482", "--rotate", "--system", "hosp-a-app")
    assert HubCredential.objects.get(paasid=_field(out, "paasid")).system.name == "HIS"

    out = _run(
        "hospitals", "credentials", "455404482", "--new-system", "互联网医院", "--app-id", "net-app"
    )
    client = SignedClient(_field(out, "paasid"), _field(out, "paastoken"))
    assert client.get(ME).status_code == 200
    assert _system("net-app").name == "互联网医院"


def _import(tmp_path, systems: str, *args) -> str:
    path = tmp_path / "h.csv"
    path.write_text(f"org_code,org_name,systems\n700000001,甲医院,{systems}\n", encoding="utf-8")
    return _run("hospitals", "import", str(path), *args)


def test_the_importer_keeps_systems_with_credentials(tmp_path):
    creds = tmp_path / "creds.csv"
    out = _import(
        tmp_path,
        "HIS|http://his/|10.0.0.1;EMR|http://emr/|10.0.0.2",
        "--issue-credentials",
        "--credentials-out",
        str(creds),
    )
    assert "1 rows ok" in out and "2 credentials written" in out
    rows = list(csv.DictReader(io.StringIO(creds.read_text())))
    assert sorted(r["system"] for r in rows) == ["EMR", "HIS"]
    assert len({r["app_id"] for r in rows}) == 2 and all(r["app_id"] for r in rows)
    hospital = Hospital.objects.get(org_code="700000001")
    his = hospital.systems.get(name="HIS")
    emr_row = next(r for r in rows if r["system"] == "EMR")
    # A third system without credentials.
    IntegratedSystem.objects.create(hospital=hospital, name="PACS")

    # The sheet now lists the HIS alone, at a new address.
    out = _import(tmp_path, "HIS|http://his-new/|10.0.0.9")
    assert "OK updated 700000001" in out
    names = set(hospital.systems.values_list("name", flat=True))
    assert names == {"HIS", "EMR"}  # the EMR has credentials: kept; PACS had none
    his.refresh_from_db()
    assert (his.url, his.ip) == ("http://his-new/", "10.0.0.9")  # the same row, updated
    Hospital.objects.filter(pk=hospital.pk).update(stage=Stage.LIVE)
    emr = SignedClient(emr_row["paasid"], emr_row["paastoken"])
    assert emr.get(ME).json()["data"]["orgCode"] == "700000001"
    # A row naming a system twice is refused whole.
    refused = _import(tmp_path, "HIS|a|;HIS|b|")
    assert "ERROR" in refused and "named twice" in refused
