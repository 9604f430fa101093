"""Forms of the complaint back office: entry by the city, and the change page's
extra controls (comment, resolve, reassign) that call services, never save()."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.intake import ComplaintInput
from complaints.models import Category, Complaint
from complaints.models.complaint import DESCRIPTION_MAX
from hospitals.models import Hospital


class ComplaintEntryForm(forms.ModelForm):
    """A complaint taken by the city (phone, letter, counter)."""

    entry_patient_idcard = forms.RegexField(
        label=_("patient ID number"), regex=r"^[0-9A-Za-z]{6,32}$", max_length=32
    )
    entry_reporter_phone = forms.RegexField(
        label=_("reporter phone"), regex=r"^\+?[0-9][0-9\- ]{4,19}$", required=False
    )

    class Meta:
        model = Complaint
        fields = [
            "org_code",
            "patient_name",
            "category",
            "record_date",
            "description",
            "reporter_name",
        ]

    def clean_record_date(self) -> date:
        value = self.cleaned_data["record_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The record date is in the future."))
        return value

    def complaint_input(self) -> ComplaintInput:
        data = self.cleaned_data
        return ComplaintInput(
            org_code=data["org_code"].strip(),
            patient_idcard=data["entry_patient_idcard"].upper(),
            patient_name=data["patient_name"].strip(),
            category=data["category"],
            record_date=data["record_date"],
            description=data["description"][:DESCRIPTION_MAX],
            reporter_name=data.get("reporter_name", "").strip(),
            reporter_phone=data.get("entry_reporter_phone") or None,
        )


class ComplaintChangeForm(forms.ModelForm):
    """Every model field is read-only here; these controls drive services."""

    add_comment = forms.CharField(
        label=_("add a comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    resolve_with = forms.CharField(
        label=_("resolve with (what was fixed)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=DESCRIPTION_MAX,
    )
    reassign_to = forms.ModelChoiceField(
        label=_("reassign to hospital"), queryset=Hospital.objects.all(), required=False
    )
    send_to_triage = forms.BooleanField(label=_("send to the triage queue"), required=False)

    class Meta:
        model = Complaint
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("reassign_to") and data.get("send_to_triage"):
            raise forms.ValidationError(_("Reassign or send to triage, not both."))
        return data


class ReassignForm(forms.Form):
    hospital = forms.ModelChoiceField(label=_("hospital"), queryset=Hospital.objects.all())
    note = forms.CharField(label=_("note"), required=False)


__all__ = ["Category", "ComplaintChangeForm", "ComplaintEntryForm", "ReassignForm"]
