# MonthlyOutcome now belongs to the outcomes app, which keeps its table: only the state goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("meals", "0002_inspections_plans_deliveries"),
        ("outcomes", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MonthlyOutcome")],
            database_operations=[],
        ),
    ]
