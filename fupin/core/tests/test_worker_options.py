"""`fupin worker` refuses options that would make a live worker look dead."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.tasks.base import TaskResultStatus
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from fupin.core import worker as W

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "args",
    [
        ["--heartbeat", "60"],  # the default stale limit is 60 s
        ["--heartbeat", "30", "--stale-after", "30"],
        ["--heartbeat", "31", "--stale-after", "30"],
    ],
)
def test_a_heartbeat_not_shorter_than_the_stale_limit_is_refused(args):
    waiting = W.run_command.enqueue(name="check", args=["check"])
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("worker", "--batch", "--no-schedule", *args)
    assert "must be shorter than --stale-after" in str(refused.value)
    # Refused before it started: the queued task was not run.
    assert DBTaskResult.objects.get(pk=waiting.id).status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)  # the worker closes its connections
def test_a_heartbeat_shorter_than_the_stale_limit_runs():
    waiting = W.run_command.enqueue(name="check", args=["check"])
    call_command("worker", "--batch", "--no-schedule", "--heartbeat", "29", "--stale-after", "30")
    assert DBTaskResult.objects.get(pk=waiting.id).status == TaskResultStatus.SUCCESSFUL
