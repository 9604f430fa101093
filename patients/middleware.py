"""Security headers of every answer under /me/ (pages, redirects, 404s and
CSRF refusals alike), so the patient pages never load anything but their own
stylesheet and script, cannot be framed, and never leak their URLs."""

from __future__ import annotations

PATIENT_PREFIX = "/me/"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Not "no-referrer": under it browsers send "Origin: null" with every form
    # POST, which Django's CSRF origin check (rightly) refuses. "same-origin"
    # still sends nothing to any other site, which is the leak that matters.
    "Referrer-Policy": "same-origin",
    # Pages carry personal data and one-time codes: never kept by a cache.
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "X-Frame-Options": "DENY",
}


class PatientPageHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(PATIENT_PREFIX):
            for name, value in HEADERS.items():
                response[name] = value
        return response
