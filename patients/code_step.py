"""The steps sign-in and registration share: the patient types the code
texted to the phone they entered (a right one starts the session), or asks
for a fresh one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hub.errors import HubError
from identity.errors import CodeLocked
from patients import services
from patients.forms import CodeForm


def answer_code(request, *, start_over: str, done: str, template: str):
    """Check the code of the attempt in ``request.patient.login``; redirect to
    ``done`` when right, to ``start_over`` when there is no attempt or it is
    locked, else render ``template`` with the form's error."""
    attempt = request.patient.login
    if not attempt:
        return redirect(start_over)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_login_verify(
                reference=attempt["reference"],
                phone_digest=attempt["phone_digest"],
                code=form.cleaned_data["code"],
            )
        except CodeLocked as exc:
            request.patient.login_clear()
            messages.error(request, exc.message)
            return redirect(start_over)
        except HubError as exc:
            form.add_error("code", exc.message)
        else:
            request.patient.sign_in(attempt["phone_digest"])
            return redirect(done)
    return render(request, template, {"form": form, "masked": attempt["masked"]})


def resend_code(request, *, start_over: str, code_page: str):
    """A fresh code for the attempt in ``request.patient.login`` (identity's
    cooldown applies); back to ``code_page``, or ``start_over`` without one."""
    attempt = request.patient.login
    if not attempt:
        return redirect(start_over)
    try:
        services.patient_login_resend(
            reference=attempt["reference"], phone_digest=attempt["phone_digest"]
        )
    except HubError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new code has been sent."))
    return redirect(code_page)
