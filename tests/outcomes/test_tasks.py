"""The hourly refresh keeps its name: the beat's database rows call the task by it."""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from config.celery import app
from outcomes import tasks
from outcomes.models import MonthlyOutcome

pytestmark = pytest.mark.django_db


def test_the_beat_still_finds_the_refresh_by_its_old_name():
    assert settings.CELERY_BEAT_SCHEDULE["meals.outcomes_refresh"]["task"] == (
        "meals.outcomes_refresh"
    )
    assert app.tasks["meals.outcomes_refresh"].name == tasks.outcomes_refresh_task.name


def test_the_refresh_stores_this_month():
    months = tasks.outcomes_refresh_task.apply().get()
    assert months
    assert MonthlyOutcome.objects.filter(kecamatan=None).count() == len(months)


def test_the_stored_figures_keep_their_table():
    assert MonthlyOutcome._meta.db_table == "meals_monthlyoutcome"
    assert ContentType.objects.get_for_model(MonthlyOutcome).app_label == "outcomes"
