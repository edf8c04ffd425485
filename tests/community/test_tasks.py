"""The beat's community tasks are thin, idempotent and registered."""

import pytest
from django.conf import settings

from community import tasks

pytestmark = pytest.mark.django_db


def test_the_beat_runs_the_community_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "community.rights_overdue_alert",
        "community.referral_progress",
        "community.retention_purge",
    } <= scheduled


def test_the_tasks_run_on_an_empty_database():
    assert tasks.rights_overdue_alert_task.apply().get() == 0
    assert tasks.referral_progress_task.apply().get() == 0
    assert tasks.retention_purge_task.apply().get() == {"deleted": 0, "wiped": 0}
