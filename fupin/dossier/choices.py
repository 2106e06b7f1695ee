"""The documents of a household's paper file (一户一档) and the records of the system
that stand for each of them (a checklist item's sources)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Document(models.TextChoices):
    """A document the file may require. Its name is the document's; what satisfies it
    is configured per checklist (its sources)."""

    APPLICATION = "application", _("Application (申请书)")
    SURVEY = "survey", _("Signed household survey (入户调查表)")
    APPRAISAL = "appraisal", _("Democratic appraisal record (民主评议记录)")
    NOTICE_PHOTO = "notice_photo", _("Photo of the public notice (公示照片)")
    REVIEW = "review", _("Approval record (审核审定)")
    EXIT_CONFIRMATION = "exit_confirmation", _("Household's exit confirmation (退出确认书)")
    CHECK = "check", _("Comparison check record (比对核查)")
    INCOME_CARD = "income_card", _("Income record (收入明白卡)")
    GUARANTEES = "guarantees", _("Two assurances, three guarantees assessment (两不愁三保障)")
    SURVEYOR_SIGNATURE = "surveyor_signature", _("Surveyor's signed statement (谁调查谁签字)")
    HOUSE_PHOTO = "house_photo", _("Photo of the house (住房照片)")
    OTHER = "other", _("Other document")


class SourceKind(models.TextChoices):
    """A record of the system that stands for a document of the paper file."""

    ATTACHMENT = "attachment", _("A file of the household's dossier")
    CASE_STEP = "case_step", _("A case step done with evidence")
    ASSESSMENT = "assessment", _("A guarantees assessment")
    INCOME = "income", _("An income record")
    SIGNATURE = "signature", _("The surveyor's signed statement")


class SignatureKind(models.TextChoices):
    TYPED = "typed", _("Typed attestation by the surveyor, signed in")
    SCAN = "scan", _("Scan of the signed statement")


class PrintKind(models.TextChoices):
    FILE = "file", _("Household file")
    HANDBOOK = "handbook", _("Household handbook / clear card")


class PrintStatus(models.TextChoices):
    """A village's print built by the job worker."""

    RUNNING = "running", _("Being prepared")
    FINISHED = "finished", _("Ready")
    FAILED = "failed", _("Failed")
