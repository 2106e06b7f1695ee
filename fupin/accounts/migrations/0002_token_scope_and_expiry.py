"""API tokens get a scope and an expiry (issue 14).

Tokens issued before this migration keep working as they did: they become read-write
tokens, and every one of them that had no expiry now expires 90 days
(settings.API_TOKEN_DAYS) after the day this migration runs. New tokens are read-only
unless issued with `--scope write`.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def existing_tokens_expire(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = int(getattr(settings, "API_TOKEN_DAYS", 90))
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        # Existing rows get "write" (what they could do before) ...
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "read only"), ("write", "read and write")],
                default="write",
                max_length=5,
                verbose_name="scope",
            ),
        ),
        # ... new ones default to read only.
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "read only"), ("write", "read and write")],
                default="read",
                max_length=5,
                verbose_name="scope",
            ),
        ),
        migrations.RunPython(existing_tokens_expire, migrations.RunPython.noop),
    ]
