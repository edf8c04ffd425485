from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Student visits")

    def ready(self) -> None:
        from accounts import registry
        from accounts.models import Role
        from portal import registry as portal_registry

        from .selectors.outcomes import listing_visits_in_month, visits_in_month
        from .selectors.personal_data import volunteers_data_export, volunteers_recipient_export
        from .selectors.schools import coordinator_waiting
        from .selectors.students import student_waiting
        from .services.bookings import volunteers_data_erase
        from .services.coordinators import COORDINATOR_SCHOOLS

        registry.register_coordinator_schools(COORDINATOR_SCHOOLS)
        # Where these roles land after signing in: the school's page, the student's visits.
        registry.register_role_work(
            role=Role.SCHOOL_COORDINATOR,
            url_name="volunteers:school",
            title=_("My school"),
            waiting=coordinator_waiting,
        )
        registry.register_role_work(
            role=Role.STUDENT,
            url_name="volunteers:home",
            title=_("My visits"),
            waiting=student_waiting,
        )
        # A listing says how often students visited this month (a count, never when).
        portal_registry.register_listing_visits(listing_visits_in_month)
        # A reached person's sponsors are told how often students visited (a count only).
        portal_registry.register_visits_in_month(visits_in_month)
        officials_actions = (
            "officials' actions on the programme's records, audit-logged; an official's "
            "deleted account leaves the row without them (SET_NULL)"
        )
        registry.register_personal_data(
            app_label="volunteers",
            export=volunteers_data_export,
            erase=volunteers_data_erase,
            models=(
                "volunteers.Student",
                "volunteers.GuardianConsent",
                "volunteers.Booking",
                "volunteers.VisitReport",
                "volunteers.Certificate",
                "volunteers.SchoolCoordinator",
            ),
            exempt={
                "volunteers.School": "a school's name, not a person's",
                "volunteers.VisitSlot": officials_actions,
                "volunteers.VisitSlotTransition": officials_actions,
                "volunteers.StudentTransition": "the school's decisions on a membership: go "
                "with the student's record (CASCADE); the deciding official's link is SET_NULL",
                "volunteers.BookingTransition": "the history of a booking, kept with it "
                "(pseudonymised with the booking); no personal value, only statuses",
            },
        )
        registry.register_personal_data(
            app_label="volunteers",
            subject=registry.Subject.RECIPIENT,
            export=volunteers_recipient_export,
            models=("volunteers.VisitSlot", "volunteers.VisitReport"),
        )
