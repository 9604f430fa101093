"""The patient pages (/me/): thin views over ``patients.services`` and
``selectors``. Every page but sign-in needs a live patient session
(``session.patient_page``); every object is looked up among the patient's
bound digests, so another person's request is a 404 whatever is typed."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.context import note
from hospitals.clientip import client_ip
from hub.errors import HubError
from hub.protect import mask_phone
from patients import selectors, services
from patients.code_step import answer_code, resend_code
from patients.forms import AgreeForm, PhoneForm, ReportForm
from patients.labels import labelled
from patients.notice import notice_paragraphs
from patients.session import patient_page


def _digests(request) -> list[str]:
    return selectors.bound_digests(request.patient.phone_digest)


def _not_found(request):
    """A 404 page of the patient pages: the same answer for "answered
    already", "expired" and "not yours", so nothing is learnt from it."""
    return render(request, "patients/not_found.html", status=404)


# --- Sign-in ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_page(signed_in=False)
def login(request):
    if request.patient.signed_in:
        return redirect("patients:home")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            _challenge, phone_digest = services.patient_login_start(
                phone=phone, client_ip=client_ip(request)
            )
        except HubError as exc:
            form.add_error(None, exc.message)
        else:
            request.patient.login_start(
                reference=_challenge.reference,
                phone_digest=phone_digest,
                masked_phone=mask_phone(phone),
            )
            return redirect("patients:login-code")
    return render(
        request,
        "patients/login.html",
        {"form": form, "expired": request.GET.get("expired") == "1"},
    )


@require_http_methods(["GET", "POST"])
@patient_page(signed_in=False)
def login_code(request):
    if request.patient.signed_in:
        return redirect("patients:home")
    return answer_code(
        request,
        start_over="patients:login",
        done="patients:home",
        template="patients/login_code.html",
    )


@require_POST
@patient_page(signed_in=False)
def login_resend(request):
    return resend_code(request, start_over="patients:login", code_page="patients:login-code")


@require_POST
@patient_page(signed_in=False)
def logout(request):
    request.patient.sign_out()
    messages.success(request, _("You have signed out."))
    return redirect("patients:login")


# --- Home and requests -------------------------------------------------------------------


@require_http_methods(["GET"])
@patient_page()
def home(request):
    phone_digest = request.patient.phone_digest
    identities = selectors.identities(phone_digest)
    digests = [i.patient_digest for i in identities]
    context = {
        "identities": identities,
        "pending": list(selectors.pending_requests(digests)[:20]),
        "live": [
            a
            for a in labelled(selectors.authorizations_of(digests).filter(state="granted")[:20])
            if a.revocable
        ],
    }
    return render(request, "patients/home.html", context)


@require_http_methods(["GET"])
@patient_page()
def request_list(request):
    pending = list(selectors.pending_requests(_digests(request))[:50])
    return render(request, "patients/requests.html", {"pending": pending})


@require_http_methods(["GET", "POST"])
@patient_page()
def request_detail(request, pk: int):
    auth = selectors.pending_request_get(_digests(request), pk)
    if auth is None:
        return _not_found(request)
    note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
    form = AgreeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision")
        actor = request.patient.actor
        if decision == "refuse":
            try:
                services.patient_request_refuse(authorization=auth, actor=actor)
            except HubError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("You refused the request. The hospital was not given access.")
                )
            return redirect("patients:requests")
        if decision == "agree" and form.is_valid():
            try:
                challenge, code = services.patient_request_agree(authorization=auth, actor=actor)
            except HubError as exc:
                error = exc.message
            else:
                remaining = max(0, int((challenge.expires_at - timezone.now()).total_seconds()))
                return render(
                    request,
                    "patients/code.html",
                    {
                        "auth": auth,
                        "code": code,
                        "expires_at": challenge.expires_at,
                        "remaining": remaining,
                        "remaining_text": f"{remaining // 60}:{remaining % 60:02d}",
                    },
                )
    context = {
        "auth": auth,
        "form": form,
        "error": error,
        "paragraphs": notice_paragraphs(hospital_name=auth.hospital.org_name, days=auth.auth_days),
    }
    return render(request, "patients/request_detail.html", context)


# --- My authorizations -------------------------------------------------------------------


@require_http_methods(["GET"])
@patient_page()
def authorization_list(request):
    rows = labelled(selectors.authorizations_of(_digests(request))[:100])
    return render(request, "patients/authorizations.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@patient_page()
def authorization_revoke(request, pk: int):
    auth = selectors.live_authorization_get(_digests(request), pk)
    if auth is None:
        return _not_found(request)
    note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
    if request.method == "POST":
        try:
            services.patient_authorization_revoke(authorization=auth, actor=request.patient.actor)
        except HubError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Revoked. %(hospital)s can no longer view your record.")
                % {"hospital": auth.hospital.org_name},
            )
        return redirect("patients:authorizations")
    return render(request, "patients/revoke_confirm.html", {"auth": auth})


# --- Who viewed my record ----------------------------------------------------------------


@require_http_methods(["GET"])
@patient_page()
def view_list(request):
    entries = selectors.views_of_record(_digests(request))
    return render(request, "patients/views.html", {"entries": entries})


# --- Report a problem ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_page()
def report(request):
    phone_digest = request.patient.phone_digest
    identities = selectors.identities(phone_digest)
    hospitals = list(selectors.hospitals_for_report())
    form = ReportForm(request.POST or None, identities=identities, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = next(i for i in identities if i.binding_id == data["patient"])
        hospital = next(h for h in hospitals if h.pk == data["hospital"])
        note(request, patient_digest=identity.patient_digest)
        try:
            services.patient_problem_report(
                phone_digest=phone_digest,
                patient_digest=identity.patient_digest,
                hospital=hospital,
                category=data["category"],
                record_date=data["record_date"],
                description=data["description"],
                actor=request.patient.actor,
            )
        except HubError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you. Your report was passed to %(hospital)s.")
                % {"hospital": hospital.org_name},
            )
            return redirect("patients:report")
    complaints = selectors.complaints_of([i.patient_digest for i in identities])
    return render(
        request,
        "patients/report.html",
        {"form": form, "identities": identities, "complaints": complaints},
    )
