from django.apps import AppConfig


class PiiTestappConfig(AppConfig):
    name = "tests.pii_testapp"
    label = "pii_testapp"
