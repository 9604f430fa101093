"""The member registry: a hospital, its integrated systems and its onboarding history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hospitals.principal import ApiPrincipal
from hospitals.validators import validate_cidrs, validate_throttle_rate, validate_uscc
from hub.protect import SealedTextField, mask_phone


class Stage(models.TextChoices):
    """Onboarding stages of seed §6, in order."""

    PARAMETERS_ISSUED = "parameters_issued", _("Parameters issued")
    INTEGRATING = "integrating", _("System integration")
    TEST_SUBMITTED = "test_submitted", _("Joint-test evidence submitted")
    TEST_CONFIRMED = "test_confirmed", _("Joint test confirmed")
    LIVE = "live", _("Live")
    REPORT_SUBMITTED = "report_submitted", _("Operation report submitted")
    RECEIPT_CONFIRMED = "receipt_confirmed", _("Receipt confirmed")


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)
# Seed §7.4: only systems that went live may be served.
RELAY_STAGES = frozenset({Stage.LIVE, Stage.REPORT_SUBMITTED, Stage.RECEIPT_CONFIRMED})


#: Before go-live a hospital is in the joint test with the province: it may
#: call the hub, its traffic goes to the test target and is counted apart.
TEST_STAGES = frozenset(
    {Stage.PARAMETERS_ISSUED, Stage.INTEGRATING, Stage.TEST_SUBMITTED, Stage.TEST_CONFIRMED}
)


class ConsentAt(models.TextChoices):
    """Where a patient's consent to a view is taken (issue: consent at the province)."""

    HUB = "hub", _("at the hub (the hub's own consent required)")
    PROVINCE = "province", _("at the province viewer (its modes 2 and 3)")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Level(models.TextChoices):
    TERTIARY = "tertiary", _("Tertiary (level 3)")
    SECONDARY = "secondary", _("Secondary (level 2)")
    PRIMARY = "primary", _("Primary (level 1)")
    UNGRADED = "ungraded", _("Ungraded")


class Hospital(ApiPrincipal, models.Model):
    org_code = models.CharField(_("organisation code (orgCode)"), max_length=32, unique=True)
    org_name = models.CharField(_("organisation name (orgName)"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.UNGRADED
    )
    district = models.CharField(_("district"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = SealedTextField(_("contact phone"), purpose="hospital-contact-phone", null=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    stage = models.CharField(
        _("onboarding stage"), max_length=32, choices=Stage.choices, default=Stage.PARAMETERS_ISSUED
    )
    went_live_on = models.DateField(_("go-live date"), null=True, blank=True)
    callback_url = models.URLField(_("complaint callback URL"), max_length=500, blank=True)
    ip_allowlist = models.TextField(
        _("IP allowlist"),
        blank=True,
        validators=[validate_cidrs],
        help_text=_(
            "Addresses or CIDRs the hospital calls from, one per line. "
            "Empty = calls are accepted from any address."
        ),
    )
    throttle_rate = models.CharField(
        _("throttle rate"),
        max_length=32,
        blank=True,
        validators=[validate_throttle_rate],
        help_text=_('e.g. "600/min"; empty = the default rate; "off" = not throttled.'),
    )
    mode1_daily_cap = models.PositiveIntegerField(
        _("mode-1 grants per day"),
        null=True,
        blank=True,
        help_text=_(
            "Consents the hospital's system may assert per day (province-compatible save, "
            "status 1); empty = the city's default (MODE1_DAILY_CAP)."
        ),
    )
    consent_at = models.CharField(
        _("where consent is taken"),
        max_length=16,
        choices=ConsentAt.choices,
        blank=True,
        default="",
        help_text=_("Empty = the city's setting (CONSENT_AT)."),
    )
    province_account = models.ForeignKey(
        "hospitals.ProvinceAccount",
        verbose_name=_("province account override"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hospitals",
        help_text=_("Empty = the city platform's province account."),
    )
    # Appendix 1, "system integration": which scenarios of each interface are integrated.
    authorization_integration = models.CharField(
        _("authorization interface integration"), max_length=300, blank=True
    )
    viewing_integration = models.CharField(
        _("viewing interface integration"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")
        ordering = ["org_code"]

    def __str__(self) -> str:
        return f"{self.org_name} ({self.org_code})"

    @property
    def name(self) -> str:
        """Display name (audit rows describe actors by ``org_code`` and ``name``)."""
        return self.org_name

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def is_live(self) -> bool:
        return self.stage in RELAY_STAGES

    @property
    def in_joint_test(self) -> bool:
        """Before go-live: its calls go to the joint-test target, counted apart."""
        return self.stage in TEST_STAGES

    @property
    def province_target(self) -> str:
        """``"test"`` (the joint-test target) before go-live, else ``"live"``
        (the values of ``relay.models.Target``)."""
        return "test" if self.in_joint_test else "live"

    @property
    def may_relay(self) -> bool:
        """Active hospitals that went live (seed §7.4) or are in the joint test
        with the province (their traffic on the test target), unless the city
        has no test target (``PROVINCE_TEST_BASE_URL=off``)."""
        if not self.is_active:
            return False
        return self.is_live or (
            self.in_joint_test and bool(getattr(settings, "PROVINCE_TEST_BASE_URL", ""))
        )

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)


class IntegratedSystem(models.Model):
    """A hospital system connected to the hub (appendix 1: name, URL, IP).

    Each system (HIS, EMR, internet hospital...) has its own hub appId, its
    own credentials (``HubCredential.system``, rotated on their own) and its
    own IP allowlist; calls, logs and usage are attributed to it as well as
    to its hospital.
    """

    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, related_name="systems", verbose_name=_("hospital")
    )
    name = models.CharField(_("system name"), max_length=200)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    ip = models.CharField(_("IP address"), max_length=100, blank=True)
    app_id = models.CharField(
        _("hub appId"),
        max_length=128,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The appId this system sends to the hub's viewer entry."),
    )
    ip_allowlist = models.TextField(
        _("IP allowlist"),
        blank=True,
        validators=[validate_cidrs],
        help_text=_(
            "Addresses or CIDRs this system calls from, one per line. "
            "Empty = the hospital's allowlist applies."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("integrated system")
        verbose_name_plural = _("integrated systems")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def _evidence_path(instance: StageChange, filename: str) -> str:
    return f"onboarding/{instance.hospital.org_code}/{filename}"


class StageChange(models.Model):
    """One onboarding move: who, when, from which stage to which, and why."""

    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("hospital")
    )
    from_stage = models.CharField(_("from"), max_length=32, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=32, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=_evidence_path, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("onboarding stage change")
        verbose_name_plural = _("onboarding stage changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hospital.org_code}: {self.from_stage or '-'} -> {self.to_stage}"
