"""Work teams get dated memberships (issue 18): today's members (a plain many-to-many
without dates) and the team's leader and first secretary become one term each, from
the team's start (or, without one, the day of the migration), with the cadre's unit as
the sending unit. A cadre on several teams keeps the latest term open; an earlier one
ends the day before the later one starts (one open team a cadre from now on). Then the
many-to-many and the two role fields go: the roles are the terms' own."""

import datetime as dt
import itertools

import django.db.models.deletion
from django.db import migrations, models

import fupin.core.display

REASON = "migration 0004: member of a later team"


def memberships_from_members(apps, schema_editor):
    WorkTeam = apps.get_model("assistance", "WorkTeam")
    Cadre = apps.get_model("assistance", "Cadre")
    Membership = apps.get_model("assistance", "TeamMembership")
    through = WorkTeam.members.through
    today = dt.date.today()
    teams = {t.pk: t for t in WorkTeam.objects.all()}
    pairs = set(through.objects.values_list("workteam_id", "cadre_id"))
    for t in teams.values():
        pairs |= {(t.pk, cid) for cid in (t.leader_id, t.first_secretary_id) if cid}
    units = dict(Cadre.objects.filter(pk__in={c for _t, c in pairs}).values_list("pk", "unit"))
    by_cadre: dict[int, list] = {}
    for team_id, cadre_id in sorted(pairs):
        team = teams[team_id]
        by_cadre.setdefault(cadre_id, []).append(
            Membership(
                team_id=team_id,
                cadre_id=cadre_id,
                unit=(units.get(cadre_id) or team.unit)[:100],
                is_leader=team.leader_id == cadre_id,
                is_first_secretary=team.first_secretary_id == cadre_id,
                start_date=team.started_on or today,
            )
        )
    rows = []
    for terms in by_cadre.values():
        terms.sort(key=lambda m: (m.start_date, m.team_id))
        for term, later in itertools.pairwise(terms):
            term.end_date = max(term.start_date, later.start_date - dt.timedelta(days=1))
            term.end_reason = REASON
        rows += terms
    Membership.objects.bulk_create(rows, batch_size=2000)


def members_from_memberships(apps, schema_editor):
    WorkTeam = apps.get_model("assistance", "WorkTeam")
    Membership = apps.get_model("assistance", "TeamMembership")
    through = WorkTeam.members.through
    open_terms = Membership.objects.filter(end_date__isnull=True).order_by("start_date", "id")
    through.objects.bulk_create(
        [through(workteam_id=m.team_id, cadre_id=m.cadre_id) for m in open_terms],
        batch_size=2000,
    )
    for m in open_terms:
        if m.is_leader:
            WorkTeam.objects.filter(pk=m.team_id).update(leader_id=m.cadre_id)
        if m.is_first_secretary:
            WorkTeam.objects.filter(pk=m.team_id).update(first_secretary_id=m.cadre_id)


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0003_assistancepolicy_transition_years"),
    ]

    operations = [
        migrations.CreateModel(
            name="TeamMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit", models.CharField(max_length=100, verbose_name="sending unit")),
                (
                    "unit_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("central", "Central"),
                            ("province", "Provincial"),
                            ("prefecture", "Prefectural"),
                            ("county", "County-level"),
                            ("township", "Township-level"),
                        ],
                        max_length=12,
                        verbose_name="affiliation of the unit",
                    ),
                ),
                ("is_leader", models.BooleanField(default=False, verbose_name="team leader")),
                (
                    "is_first_secretary",
                    models.BooleanField(default=False, verbose_name="first secretary"),
                ),
                ("start_date", models.DateField(verbose_name="start date")),
                ("end_date", models.DateField(blank=True, null=True, verbose_name="end date")),
                (
                    "end_reason",
                    models.CharField(blank=True, max_length=200, verbose_name="reason for ending"),
                ),
                (
                    "cadre",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="team_memberships",
                        to="assistance.cadre",
                        verbose_name="cadre",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="assistance.workteam",
                        verbose_name="team",
                    ),
                ),
            ],
            options={
                "verbose_name": "work team membership",
                "verbose_name_plural": "work team memberships",
                "ordering": ["team_id", "-is_first_secretary", "-is_leader", "start_date", "id"],
                "indexes": [models.Index(fields=["team", "end_date"], name="membership_team_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("end_date__isnull", True)),
                        fields=("cadre",),
                        name="membership_one_open_term",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("end_date__isnull", True),
                            ("end_date__gte", models.F("start_date")),
                            _connector="OR",
                        ),
                        name="membership_end_after_start",
                    ),
                ],
            },
            bases=(fupin.core.display.ChoiceLabels, models.Model),
        ),
        migrations.RunPython(memberships_from_members, members_from_memberships),
        migrations.RemoveField(
            model_name="workteam",
            name="first_secretary",
        ),
        migrations.RemoveField(
            model_name="workteam",
            name="leader",
        ),
        migrations.RemoveField(
            model_name="workteam",
            name="members",
        ),
        migrations.AlterField(
            model_name="workteam",
            name="unit",
            field=models.CharField(max_length=100, verbose_name="lead unit"),
        ),
    ]
