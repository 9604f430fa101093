"""Admin forms: secrets and phone numbers are write-only fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hospitals.models import Hospital, ProvinceAccount, Stage
from hospitals.services.onboarding import allowed_next_stages


class HospitalForm(forms.ModelForm):
    callback_url = forms.URLField(
        label=_("complaint callback URL"), required=False, max_length=500, assume_scheme="https"
    )
    new_contact_phone = forms.CharField(
        label=_("contact phone"),
        required=False,
        max_length=32,
        help_text=_("Stored encrypted and shown masked; leave empty to keep the current one."),
    )

    class Meta:
        model = Hospital
        fields = [
            "org_code",
            "org_name",
            "uscc",
            "level",
            "district",
            "contact_name",
            "callback_url",
            "ip_allowlist",
            "throttle_rate",
            "mode1_daily_cap",
            "consent_at",
            "province_account",
            "authorization_integration",
            "viewing_integration",
        ]


class ProvinceAccountForm(forms.ModelForm):
    new_paastoken = forms.CharField(
        label=_("paastoken"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Write-only: never shown again. Leave empty to keep the current one."),
    )
    new_sm4_key = forms.CharField(
        label=_("SM4 key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("32 hexadecimal characters. Write-only: never shown again."),
    )

    class Meta:
        model = ProvinceAccount
        fields = ["name", "paasid", "app_id", "call_sys_code", "is_city_default"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not (data.get("new_paastoken") and data.get("new_sm4_key")):
            raise forms.ValidationError(_("A new account needs its paastoken and SM4 key."))
        return data


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("new stage"))
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(label=_("evidence"), required=False)

    #: Made only on the joint-test page (the recording checked with ffprobe
    #: and e-mailed; the province's confirmation recorded), never here.
    JOINT_TEST_MOVES = (Stage.TEST_SUBMITTED, Stage.TEST_CONFIRMED)

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [
            (s, Stage(s).label)
            for s in allowed_next_stages(hospital.stage)
            if s not in self.JOINT_TEST_MOVES
        ]
