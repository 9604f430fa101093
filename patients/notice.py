"""The user notice a patient reads before agreeing (the province's template,
"用户须知", adapted to the city platform). ``NOTICE_VERSION`` is written to the
operation log with every agreement, so what the patient agreed to is known;
change it whenever the text changes."""

from __future__ import annotations

from django.utils.translation import gettext as _

NOTICE_VERSION = "city-notice-1"


def notice_paragraphs(*, hospital_name: str, days: int) -> list[str]:
    """The notice, one paragraph per item, in the active language."""
    return [
        _(
            "The Guangdong health-record interoperability system was set up under the "
            "Basic Medical and Health Care Promotion Law and related laws and rules to "
            "build residents' health records and keep them continuously up to date. "
            "The city health information sharing platform passes hospitals' requests "
            "to it. Under the Civil Code, the Cybersecurity Law, the Personal "
            "Information Protection Law and the Data Security Law, reasonable and "
            "practicable steps have been taken to protect the privacy, confidentiality "
            "and security of all information in the system."
        ),
        _(
            "The health record is keyed on your electronic health code. It currently "
            "shows your visits to secondary and higher hospitals in Guangdong since "
            "January 2021, health check-ups, examination and lab results, and your "
            "vaccination and blood donation or transfusion records."
        ),
        _(
            "The system is only for residents to view their own health record, or to "
            "let a hospital view it with their own authorization, to improve the "
            'efficiency and quality of care. When you tap "Agree" below, you '
            "allow %(hospital)s to view your health record for %(days)s days. You can "
            'withdraw this at any time under "My authorizations" on these pages.'
        )
        % {"hospital": hospital_name, "days": days},
        _(
            "The system only gathers information provided by medical and health "
            "institutions and does not check it for timeliness, completeness or "
            "accuracy. If you have a question about your record or need it corrected, "
            'tell the doctor treating you, or use "Report a problem" on these '
            "pages: the platform passes it to the institution the data came from."
        ),
        _(
            "Except as required by law or with your consent, no information in the "
            "system is passed or disclosed to third parties. The platform does not "
            "store the content of your health record; it keeps a log of who viewed "
            'it, which you can read under "Who viewed my record".'
        ),
        _(
            "The information shown is not an institution's complete medical record and "
            "does not replace the records the institutions keep. It is for reference "
            "only and is not evidence or proof of anything."
        ),
    ]
