"""The hospital page's connected systems: the inline (appId fixed once set,
its own IP allowlist, its current paasid; secrets never shown) and the
credentials page (issue or rotate the credentials of one system, or connect a
new system with its own; the new secrets shown once)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hospitals.admin_scope import is_operator
from hospitals.models import Hospital, IntegratedSystem
from hospitals.selectors import current_credential, systems_with_credentials
from hospitals.services import hub_credential_issue
from hospitals.services.systems import (
    APP_ID_RE,
    integrated_system_delete,
    integrated_system_save,
    system_connect,
)
from hub.errors import HubError


class IntegratedSystemForm(forms.ModelForm):
    class Meta:
        model = IntegratedSystem
        fields = ["name", "url", "ip", "app_id", "ip_allowlist"]
        widgets = {"ip_allowlist": forms.Textarea(attrs={"rows": 2, "cols": 24})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.app_id:
            # Integrators configure it; it identifies the system's calls.
            self.fields["app_id"].disabled = True
        self.fields["app_id"].required = False

    def clean_app_id(self):
        value = (self.cleaned_data.get("app_id") or "").strip() or None
        if value is not None and not APP_ID_RE.match(value):
            raise forms.ValidationError(_("An appId is 3-128 letters, digits or ._:-"))
        return value


class IntegratedSystemInline(admin.TabularInline):
    model = IntegratedSystem
    form = IntegratedSystemForm
    extra = 0
    fields = ["name", "url", "ip", "app_id", "ip_allowlist", "current_paasid"]
    readonly_fields = ["current_paasid"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if is_operator(request):  # credentials are the city administrators' alone
            fields.remove("current_paasid")
        return fields

    @admin.display(description=_("current paasid"))
    def current_paasid(self, obj: IntegratedSystem) -> str:
        if not obj.pk:
            return "—"
        credential = current_credential(obj.hospital, obj)
        url = reverse("admin:hospitals_hospital_rotate", args=[obj.hospital_id])
        label = _("Issue / rotate")
        return format_html(
            '{} (<a href="{}#system-{}">{}</a>)',
            credential.paasid if credential else "—",
            url,
            obj.pk,
            label,
        )


def systems_formset_save(request, formset) -> None:
    """Save the systems inline through the services (validated, logged)."""
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        integrated_system_delete(actor=request.user, system=obj)
    for obj in instances:
        integrated_system_save(actor=request.user, system=obj)


class NewSystemForm(forms.Form):
    name = forms.CharField(label=_("system name"), max_length=200)
    app_id = forms.CharField(
        label=_("hub appId"),
        required=False,
        max_length=128,
        help_text=_("Empty = one is generated."),
    )
    ip_allowlist = forms.CharField(
        label=_("IP allowlist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Empty = the hospital's allowlist applies."),
    )


def credentials_page(model_admin, request, hospital: Hospital) -> TemplateResponse:
    """GET: each system with its credentials, masked. POST ``system=<id>``:
    issue (or rotate) that system's credentials; POST ``connect``: a new
    system with its first credentials. New secrets appear on this answer only."""
    issued, error = None, ""
    new_form = NewSystemForm(prefix="new")
    if request.method == "POST" and "connect" in request.POST:
        new_form = NewSystemForm(request.POST, prefix="new")
        if new_form.is_valid():
            data = new_form.cleaned_data
            try:
                issued = system_connect(
                    actor=request.user,
                    hospital=hospital,
                    name=data["name"],
                    app_id=data["app_id"] or None,
                    ip_allowlist=data["ip_allowlist"],
                )
            except HubError as exc:
                new_form.add_error(None, exc.message)
            else:
                new_form = NewSystemForm(prefix="new")
    elif request.method == "POST":
        issued, error = _issue(request, hospital)
    if error:
        model_admin.message_user(request, error, messages.ERROR)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": hospital,
        "title": _("Hub credentials"),
        "systems": systems_with_credentials(hospital),
        "issued": issued,
        "new_form": new_form,
    }
    response = TemplateResponse(request, "admin/hospitals/credentials.html", context)
    # The new secrets are on this page only: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


def _issue(request, hospital: Hospital):
    """(issued, error) for a POST naming one of the hospital's systems (none
    named: its only system, or a first one created when it has none)."""
    text = request.POST.get("system", "")
    system = None
    if text:
        system = hospital.systems.filter(pk=int(text)).first() if text.isdigit() else None
        if system is None:
            return None, _("Choose one of this hospital's systems.")
    elif hospital.systems.count() > 1:
        return None, _("Choose one of this hospital's systems.")
    try:
        return hub_credential_issue(actor=request.user, hospital=hospital, system=system), ""
    except HubError as exc:
        return None, exc.message
