"""Real-name registration on the patient pages (/me/register/, docs/realname.md).

A phone proves itself with the sign-in SMS code (the same services and
session as /me/login/); a signed-in phone then registers its holder: name,
resident ID number and a selfie from the phone's camera, checked by the
real-name provider (``identity.realname``). On success the phone becomes the
patient's phone of record and their requests appear on /me/.

| path | page |
| --- | --- |
| ``/me/register/`` | signed out: the phone number; signed in: the real-name form |
| ``/me/register/code/`` | the sign-in code (the attempt of /me/register/ or of /me/login/) |
| ``/me/register/resend/`` | a new code (POST) |
| ``/me/register/done/`` | registered: the masked ID number |

The selfie is read into memory only (``SelfieUploadHandler``: never a
temporary file) and dropped with the request.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from hospitals.clientip import client_ip
from hub.errors import HubError
from hub.protect import mask_phone
from identity.face import FaceImageTooLarge
from identity.realname.backends import get_backend
from identity.realname.errors import RealNamePhoneNotProven
from identity.realname.selectors import proven_phone
from identity.realname.services import realname_register
from patients import selectors, services
from patients.code_step import answer_code, resend_code
from patients.forms import PhoneForm, RealNameForm
from patients.session import patient_page

SELFIE_FIELD = "selfie"
#: Session key: the masked ID number shown once on the "registered" page.
_DONE = "patient_register_done"


class SelfieUploadHandler(FileUploadHandler):
    """Keeps the selfie in memory (Django would spool a file over 2.5 MB to a
    temporary file on disk) and skips any file over ``FACE_MAX_IMAGE_BYTES``
    or in another field, noting ``request.selfie_too_large``."""

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.buffer = io.BytesIO()
        if field_name != SELFIE_FIELD:
            raise SkipFile()

    def receive_data_chunk(self, raw_data, start):
        if self.buffer.tell() + len(raw_data) > settings.FACE_MAX_IMAGE_BYTES:
            self.request.selfie_too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile()
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# The upload handlers must be set before anything reads request.POST, and
# the CSRF middleware reads it: so the middleware skips this view and the
# inner one checks the token itself (Django's documented way).
@csrf_exempt
def register(request):
    request.upload_handlers = [SelfieUploadHandler(request)]
    return _register(request)


@csrf_protect
@sensitive_post_parameters("name", "id_number")
@require_http_methods(["GET", "POST"])
@patient_page(signed_in=False)
def _register(request):
    if not request.patient.signed_in:
        return _phone_step(request)
    return _identity_step(request)


def _phone_step(request):
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            challenge, phone_digest = services.patient_login_start(
                phone=phone, client_ip=client_ip(request)
            )
        except HubError as exc:
            form.add_error(None, exc.message)
        else:
            request.patient.login_start(
                reference=challenge.reference,
                phone_digest=phone_digest,
                masked_phone=mask_phone(phone),
            )
            return redirect("patients:register-code")
    return render(request, "patients/register_phone.html", {"form": form})


@sensitive_variables()
def _identity_step(request):
    phone_digest = request.patient.phone_digest
    backend = get_backend()
    available = getattr(backend, "available", True)
    form = RealNameForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "selfie_too_large", False):
        form.add_error("selfie", FaceImageTooLarge().message)
    if request.method == "POST" and available and form.is_valid():
        data = form.cleaned_data
        phone = proven_phone(phone_digest=phone_digest)
        if phone is None:
            form.add_error(None, RealNamePhoneNotProven().message)
        else:
            try:
                registration = realname_register(
                    phone=phone,
                    name=data["name"],
                    id_number=data["id_number"],
                    card_type=data["card_type"],
                    selfie=data["selfie"].read(),
                    actor=request.patient.actor,
                )
            except HubError as exc:
                form.add_error(None, exc.message)
            else:
                request.patient.store[_DONE] = registration.masked_id
                return redirect("patients:register-done")
    context = {
        "form": form,
        "available": available,
        "identities": selectors.identities(phone_digest),
    }
    return render(request, "patients/register.html", context)


@require_http_methods(["GET", "POST"])
@patient_page(signed_in=False)
def register_code(request):
    if request.patient.signed_in:
        return redirect("patients:register")
    return answer_code(
        request,
        start_over="patients:register",
        done="patients:register",
        template="patients/register_code.html",
    )


@require_POST
@patient_page(signed_in=False)
def register_resend(request):
    return resend_code(request, start_over="patients:register", code_page="patients:register-code")


@require_http_methods(["GET"])
@patient_page()
def register_done(request):
    masked = request.patient.store.pop(_DONE, None)
    if not masked:
        return redirect("patients:home")
    return render(request, "patients/register_done.html", {"masked_id": masked})
