"""The joint-test page of a hospital: upload the screen recording (checked
with ffprobe, e-mailed to the province with the city's mailbox copied), send
it again after a failed e-mail, record the province's confirmation.

``/admin/hospitals/jointtestrecording/`` lists every recording;
``/admin/hospitals/jointtestrecording/hospital/<pk>/`` is the hospital's page
(linked from the hospital's "actions"). City administrators only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hospitals.admin_scope import is_operator
from hospitals.joint_test import (
    SUBMIT_FROM,
    RecordingRefused,
    joint_test_confirm,
    joint_test_recording_send,
    joint_test_recording_submit,
)
from hospitals.models import Hospital, JointTestRecording, Stage
from hub.errors import HubError


class RecordingForm(forms.Form):
    recording = forms.FileField(
        label=_("joint-test screen recording"),
        help_text=_("A video of 10 to 30 seconds (checked with ffprobe)."),
    )
    system = forms.ModelChoiceField(
        label=_("system"), queryset=Hospital.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = hospital.systems.all()


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("the province's answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@admin.register(JointTestRecording)
class JointTestRecordingAdmin(admin.ModelAdmin):
    list_display = [
        "hospital",
        "uploaded_at",
        "duration_seconds",
        "emailed_at",
        "confirmed_at",
        "page",
    ]
    list_filter = ["uploaded_at", "emailed_at", "confirmed_at"]
    search_fields = ["hospital__org_code", "hospital__org_name"]
    readonly_fields = [
        "hospital",
        "system",
        "file",
        "duration_seconds",
        "uploaded_at",
        "uploaded_by",
        "emailed_at",
        "emailed_to",
        "confirmed_at",
        "confirmed_by",
        "note",
    ]

    def has_add_permission(self, request):
        return False  # from the hospital's joint-test page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return not is_operator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not is_operator(request) and super().has_view_permission(request, obj)

    @admin.display(description=_("joint test"))
    def page(self, obj: JointTestRecording) -> str:
        url = reverse("admin:hospitals_jointtestrecording_hospital", args=[obj.hospital_id])
        return format_html('<a href="{}">{}</a>', url, _("open"))

    def get_urls(self):
        return [
            path(
                "hospital/<int:pk>/",
                self.admin_site.admin_view(self.hospital_view),
                name="hospitals_jointtestrecording_hospital",
            ),
            *super().get_urls(),
        ]

    # --- the hospital's joint-test page -----------------------------------------

    def _require_city_admin(self, request) -> None:
        if is_operator(request) or not request.user.has_perm("hospitals.change_hospital"):
            raise PermissionDenied

    def hospital_view(self, request, pk: int):
        self._require_city_admin(request)
        hospital = get_object_or_404(Hospital, pk=pk)
        action = request.POST.get("action") if request.method == "POST" else None
        upload_form = RecordingForm(
            request.POST if action == "upload" else None,
            request.FILES if action == "upload" else None,
            hospital=hospital,
        )
        confirm_form = ConfirmForm(request.POST if action == "confirm" else None)
        if action == "upload" and upload_form.is_valid():
            if self._upload(request, hospital, upload_form):
                return redirect(request.path)
        elif action in ("send", "confirm"):
            recording = get_object_or_404(
                JointTestRecording, pk=request.POST.get("recording"), hospital=hospital
            )
            if action == "send":
                self._send(request, recording)
                return redirect(request.path)
            if confirm_form.is_valid() and self._confirm(request, recording, confirm_form):
                return redirect(request.path)
        recordings = list(hospital.joint_test_recordings.select_related("system"))
        context = {
            **self.admin_site.each_context(request),
            "opts": Hospital._meta,
            "original": hospital,
            "title": _("Joint test with the province"),
            "upload_form": upload_form,
            "confirm_form": confirm_form,
            "may_upload": hospital.stage in SUBMIT_FROM,
            "may_confirm": hospital.stage == Stage.TEST_SUBMITTED,
            "recordings": recordings,
            "submit_stages": [Stage(s).label for s in sorted(SUBMIT_FROM)],
        }
        return TemplateResponse(request, "admin/hospitals/joint_test.html", context)

    def _upload(self, request, hospital: Hospital, form: RecordingForm) -> bool:
        try:
            _recording, sent = joint_test_recording_submit(
                hospital=hospital,
                upload=form.cleaned_data["recording"],
                actor=request.user,
                system=form.cleaned_data.get("system"),
                note=form.cleaned_data.get("note") or "",
            )
        except RecordingRefused as exc:
            form.add_error("recording", exc.message)
            return False
        except HubError as exc:
            form.add_error(None, exc.message)
            return False
        if sent:
            self.message_user(
                request,
                _("The recording was e-mailed to the province; the hospital is now at %(stage)s.")
                % {"stage": Stage.TEST_SUBMITTED.label},
                messages.SUCCESS,
            )
        else:
            self._send_failed(request)
        return True

    def _send_failed(self, request) -> None:
        self.message_user(
            request,
            _(
                "The recording is kept, but the e-mail could not be sent. "
                "Check the mail settings and press “Send again”."
            ),
            messages.ERROR,
        )

    def _send(self, request, recording: JointTestRecording) -> None:
        if joint_test_recording_send(recording=recording, actor=request.user):
            self.message_user(request, _("The recording was e-mailed."), messages.SUCCESS)
        else:
            self._send_failed(request)

    def _confirm(self, request, recording: JointTestRecording, form: ConfirmForm) -> bool:
        try:
            joint_test_confirm(
                recording=recording, actor=request.user, note=form.cleaned_data.get("note") or ""
            )
        except HubError as exc:
            form.add_error(None, exc.message)
            return False
        self.message_user(
            request,
            _("The province's confirmation is recorded; the hospital is now at %(stage)s.")
            % {"stage": Stage.TEST_CONFIRMED.label},
            messages.SUCCESS,
        )
        return True
