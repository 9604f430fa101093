"""Forms of the patient pages. Input is checked here (shape, length, no
control characters); rights are checked by the views against the bindings."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Category
from complaints.models.complaint import DESCRIPTION_MAX
from hub.errors import HubError
from hub.province.params import RESIDENT_ID
from identity import codes
from identity.realname import services as realname


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "13800138000"}
        ),
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip().replace(" ", "")
        if not codes.phone_is_valid(phone):
            raise forms.ValidationError(
                _("The phone number must be an 11-digit mainland mobile number.")
            )
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not codes.code_format_ok(code):
            raise forms.ValidationError(_("The code must be 6 digits."))
        return code


class AgreeForm(forms.Form):
    read_notice = forms.BooleanField(
        label=_("I have read and understood the notice above."),
        required=True,
        error_messages={"required": _("Please confirm that you have read the notice.")},
    )


class ReportForm(forms.Form):
    """The problem report. ``patient`` offers only the identities bound to the
    signed-in phone (by binding id); ``hospital`` the active member hospitals."""

    patient = forms.TypedChoiceField(label=_("Whose record"), coerce=int)
    category = forms.ChoiceField(label=_("Part of the record"), choices=Category.choices)
    hospital = forms.TypedChoiceField(label=_("Hospital the data came from"), coerce=int)
    record_date = forms.DateField(
        label=_("Date of the record"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    description = forms.CharField(
        label=_("What is wrong"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, identities, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [
            (i.binding_id, f"{i.masked_name} {i.masked_id}".strip()) for i in identities
        ]
        self.fields["hospital"].choices = [(h.pk, h.org_name) for h in hospitals]
        if len(identities) == 1:
            self.fields["patient"].initial = identities[0].binding_id

    def clean_record_date(self):
        value = self.cleaned_data["record_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r\t" for ch in text):
            raise forms.ValidationError(_("The text contains characters that are not allowed."))
        return text


class RealNameForm(forms.Form):
    """Real-name registration (docs/realname.md): name, resident ID number and
    a selfie taken with the phone's camera. The checks of name and ID number
    are identity's own (``identity.realname.services``), so page and service
    refuse the same input; the provider decides the rest."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    card_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=[(RESIDENT_ID, _("Resident identity card"))],
        initial=RESIDENT_ID,
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    # capture="user": phones open the front camera; no script is needed.
    selfie = forms.FileField(
        label=_("A photo of your face, taken now"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png", "capture": "user"}),
        error_messages={"required": _("Take a photo of your face with the camera.")},
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my name, ID number and this photo are sent to the real-name "
            "verification service for this one check. The platform keeps neither the photo "
            "nor the check's details."
        ),
        required=True,
        error_messages={"required": _("Please agree to the check to continue.")},
    )

    def clean_name(self) -> str:
        try:
            return realname.clean_name(self.cleaned_data["name"])
        except HubError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_id_number(self) -> str:
        try:
            return realname.clean_id_number(self.cleaned_data["id_number"], RESIDENT_ID)
        except HubError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_selfie(self):
        selfie = self.cleaned_data["selfie"]
        if selfie.size > settings.FACE_MAX_IMAGE_BYTES:
            raise forms.ValidationError(_("The image is too large."))
        return selfie
