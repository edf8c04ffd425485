from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MealsConfig(AppConfig):
    name = "meals"
    verbose_name = _("Meals")

    def ready(self) -> None:
        from accounts import registry
        from accounts.models import Role

        from .selectors.officials import health_inspector_waiting
        from .selectors.personal_data import meals_recipient_export

        # Where a health inspector lands after signing in: the warung and their inspections.
        registry.register_role_work(
            role=Role.HEALTH_INSPECTOR,
            url_name="meals:home",
            title=_("Meals: warung"),
            waiting=health_inspector_waiting,
        )

        officials = (
            "officials' actions (who planned, changed or inspected), audit-logged; an "
            "official's deleted account leaves the row without them"
        )
        warung = (
            "a contracted business: its owner's name and address are held under the "
            "warung's contract, not an account's (public task)"
        )
        registry.register_personal_data(
            app_label="meals",
            exempt={
                "meals.Warung": warung,
                "meals.Inspection": officials,
                "meals.MealPlan": officials + "; the plan is the elderly person's (recipient)",
                "meals.MealPlanTransition": officials,
                "meals.Delivery": "a courier's mark and note about the elderly person "
                "(recipient); couriers have no account",
            },
        )
        registry.register_personal_data(
            app_label="meals",
            subject=registry.Subject.RECIPIENT,
            export=meals_recipient_export,
            models=("meals.MealPlan", "meals.MealPlanTransition", "meals.Delivery"),
            exempt={
                "meals.Warung": warung,
                "meals.Inspection": "a warung's hygiene, not the person's",
            },
        )
