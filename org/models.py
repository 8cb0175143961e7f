"""Who is scored and for whom they work: teams, employees and customers."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """The four roles; each is a Django group of the same name (created by a migration)."""

    MERCHANDISER = "merchandiser", _("Merchandiser")
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")
    ADMIN = "admin", _("Administrator")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        "org.Employee",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    is_scored = models.BooleanField(
        _("scored"),
        default=True,
        help_text=_("Members of unscored teams (HR, administration) get no performance score."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="team_not_own_parent",
                violation_error_message=_("A team cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    SENIOR = "senior", _("Senior")


class Employee(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="members"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    hire_date = models.DateField(_("hire date"))
    # The last day worked; scoring must not score a person for periods after it (NULL: still
    # employed, or the date is not known).
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Whom the person reports to (set by the people import); a team's manager decides who
    # sees the team's pages.
    manager = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="employee_level_valid",
                violation_error_message=_("Level must be junior, intermediate or senior."),
            ),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True) | Q(leave_date__gte=F("hire_date")),
                name="employee_leaves_after_hire",
                violation_error_message=_("The leave date cannot be before the hire date."),
            ),
            models.CheckConstraint(
                condition=~Q(manager=F("id")),
                name="employee_not_own_manager",
                violation_error_message=_("An employee cannot report to themselves."),
            ),
        ]
        indexes = [
            # Team pages and per-team score runs list a team's active members.
            models.Index(fields=["team", "is_active"], name="employee_team_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class CustomerTier(models.TextChoices):
    VIP = "vip", _("VIP")
    KEY = "key", _("Key account")
    REGULAR = "regular", _("Regular")


class Customer(models.Model):
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(
        _("tier"), max_length=16, choices=CustomerTier.choices, default=CustomerTier.REGULAR
    )
    customer_since = models.DateField(_("customer since"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__in=CustomerTier.values),
                name="customer_tier_valid",
                violation_error_message=_("Tier must be VIP, key account or regular."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Company holiday")
    WORKING_DAY = "working_day", _("Company working day")


class CompanyDay(models.Model):
    """A day the company's calendar treats otherwise than its week and its country's public
    holidays do: a holiday of its own (a founding day, a closure) or a working day (a make-up
    Saturday). Appeal deadlines count working days by it (``org.calendar``)."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CompanyDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company day")
        verbose_name_plural = _("company days")
        ordering = ["-day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CompanyDayKind.values),
                name="company_day_kind_valid",
                violation_error_message=_("Kind must be company holiday or company working day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"
