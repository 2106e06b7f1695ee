"""Code lists of the national registration form (建档立卡), defined once.

Stable codes are stored; labels are translatable (zh-hans is the canonical wording of
the national form; English is the translation). Forms, filters, API and imports all
use these classes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdCategory(models.TextChoices):
    """贫困户属性."""

    GENERAL = "general", _("General poor household")
    SUBSISTENCE = "subsistence", _("Subsistence-allowance poor household")
    EXTREME = "extreme", _("Extreme-poverty-support poor household")


class IdentificationStandard(models.TextChoices):
    """识别标准."""

    NATIONAL = "national", _("National standard")
    PROVINCIAL = "provincial", _("Provincial standard")
    MUNICIPAL = "municipal", _("Municipal standard")


class PovertyCause(models.TextChoices):
    """致贫原因: the 12 official options (main cause required; at most two others)."""

    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    SCHOOLING = "schooling", _("Schooling")
    DISASTER = "disaster", _("Disaster")
    LACK_LAND = "lack_land", _("Lack of land")
    LACK_WATER = "lack_water", _("Lack of water")
    LACK_SKILLS = "lack_skills", _("Lack of skills")
    LACK_LABOUR = "lack_labour", _("Lack of labour")
    LACK_FUNDS = "lack_funds", _("Lack of funds")
    POOR_TRANSPORT = "poor_transport", _("Poor transport")
    LACK_MOTIVATION = "lack_motivation", _("Lack of motivation")
    OTHER = "other", _("Other cause")


class HouseholdStatus(models.TextChoices):
    """Where a household stands in the registry (贫困状态)."""

    CANDIDATE = "candidate", _("Candidate")
    POOR = "poor", _("In poverty")
    EXITED = "exited", _("Exited poverty")
    RETURNED = "returned", _("Returned to poverty")
    REMOVED = "removed", _("Removed")
    MONITORED = "monitored", _("Monitoring object")


class MonitoringType(models.TextChoices):
    """防返贫监测对象类别."""

    UNSTABLE_EXITED = "unstable_exited", _("Unstable exited household")
    EDGE = "edge", _("Edge household at risk")
    SUDDEN_HARDSHIP = "sudden_hardship", _("Household in sudden serious hardship")


class DangerGrade(models.TextChoices):
    """危房级别 (C or D; A/B count as safe)."""

    C = "C", _("Grade C dangerous house")
    D = "D", _("Grade D dangerous house")


class RoadType(models.TextChoices):
    """入户路类型."""

    DIRT = "dirt", _("Dirt road")
    GRAVEL = "gravel", _("Gravel road")
    CEMENT = "cement", _("Cement road")
    ASPHALT = "asphalt", _("Asphalt road")


class FuelType(models.TextChoices):
    """主要燃料类型."""

    FIREWOOD = "firewood", _("Firewood")
    COAL = "coal", _("Coal")
    GAS = "gas", _("Gas")
    ELECTRICITY = "electricity", _("Electricity")
    BIOGAS = "biogas", _("Biogas")
    OTHER = "other", _("Other fuel")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    """与户主关系."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    DAUGHTER_IN_LAW = "daughter_in_law", _("Daughter-in-law")
    SON_IN_LAW = "son_in_law", _("Son-in-law")
    GRANDCHILD = "grandchild", _("Grandchild (son's side)")
    GRANDCHILD_DAUGHTER = "grandchild_d", _("Grandchild (daughter's side)")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW_WIFE = "parent_in_law_w", _("Parent-in-law (wife's parents)")
    PARENT_IN_LAW_HUSBAND = "parent_in_law_h", _("Parent-in-law (husband's parents)")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    GREAT_GRANDCHILD = "great_grandchild", _("Great-grandchild")
    NEPHEW_NIECE = "nephew_niece", _("Nephew or niece")
    SIBLING_IN_LAW = "sibling_in_law", _("Sibling-in-law")
    UNCLE = "uncle", _("Uncle")
    OTHER = "other", _("Other relation")


class Education(models.TextChoices):
    """文化程度 (for people not in school)."""

    ILLITERATE = "illiterate", _("Illiterate or semi-literate")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor or above")


class SchoolStatus(models.TextChoices):
    """在校生状况 (for people in school or below school age)."""

    PRESCHOOL_CHILD = "preschool_child", _("Pre-school child")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school pupil")
    JUNIOR = "junior", _("Junior secondary student (grades 7–9)")
    SENIOR = "senior", _("Senior secondary student")
    VOCATIONAL = "vocational", _("Secondary vocational student")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational student")
    TECHNICIAN = "technician", _("Technician college student")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    POSTGRADUATE = "postgraduate", _("Postgraduate or above")


class Health(models.TextChoices):
    """健康状况."""

    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Long-term chronic illness")
    SERIOUS = "serious", _("Serious illness")
    DISABLED = "disabled", _("Disabled")


class DisabilityGrade(models.IntegerChoices):
    GRADE_1 = 1, _("Disability grade 1")
    GRADE_2 = 2, _("Disability grade 2")
    GRADE_3 = 3, _("Disability grade 3")
    GRADE_4 = 4, _("Disability grade 4")


class LabourCapacity(models.TextChoices):
    """劳动技能."""

    SKILLED = "skilled", _("Skilled labour")
    ORDINARY = "ordinary", _("Ordinary labour")
    WEAK = "weak", _("Weak or half labour")
    LOST = "lost", _("Lost labour capacity")
    NONE = "none", _("No labour capacity")


# Able to work (劳动力 by capacity): the capacities the programme ledgers count as labour
# (training's trained labourers, employment's labourers in work).
WORKING_CAPACITIES = (
    LabourCapacity.SKILLED.value,
    LabourCapacity.ORDINARY.value,
    LabourCapacity.WEAK.value,
)


class MigrantPlace(models.TextChoices):
    """务工所在地."""

    IN_TOWNSHIP = "in_township", _("Within the township")
    IN_COUNTY = "in_county", _("Outside the township, within the county")
    IN_PROVINCE = "in_province", _("Outside the county, within the province")
    OUT_PROVINCE = "out_province", _("Outside the province")
    OTHER = "other", _("Other place")


class MemberChangeKind(models.TextChoices):
    """Member changes (家庭成员变更)."""

    BIRTH = "birth", _("Birth")
    MARRIAGE_IN = "marriage_in", _("Married in")
    MARRIAGE_OUT = "marriage_out", _("Married out")
    DEATH = "death", _("Death")
    SPLIT = "split", _("Split into a new household")
    MISSING_ADDED = "missing_added", _("Member missing from the record added")
    MOVED_IN = "moved_in", _("Moved in")
    MOVED_OUT = "moved_out", _("Moved out")


MEMBER_JOINS = {
    MemberChangeKind.BIRTH,
    MemberChangeKind.MARRIAGE_IN,
    MemberChangeKind.MISSING_ADDED,
    MemberChangeKind.MOVED_IN,
}
MEMBER_LEAVES = {
    MemberChangeKind.MARRIAGE_OUT,
    MemberChangeKind.DEATH,
    MemberChangeKind.SPLIT,
    MemberChangeKind.MOVED_OUT,
}


class AttachmentKind(models.TextChoices):
    """一户一档 file kinds."""

    PHOTO = "photo", _("Photo")
    SIGNED_SCAN = "signed_scan", _("Signed scan")
    OTHER = "other", _("Other document")


# 民族: the 56 groups with their GB 3304 codes.
_ETHNIC = [
    ("01", _("Han")),
    ("02", _("Mongol")),
    ("03", _("Hui")),
    ("04", _("Tibetan")),
    ("05", _("Uyghur")),
    ("06", _("Miao")),
    ("07", _("Yi")),
    ("08", _("Zhuang")),
    ("09", _("Bouyei")),
    ("10", _("Korean")),
    ("11", _("Manchu")),
    ("12", _("Dong")),
    ("13", _("Yao")),
    ("14", _("Bai")),
    ("15", _("Tujia")),
    ("16", _("Hani")),
    ("17", _("Kazakh")),
    ("18", _("Dai")),
    ("19", _("Li")),
    ("20", _("Lisu")),
    ("21", _("Va")),
    ("22", _("She")),
    ("23", _("Gaoshan")),
    ("24", _("Lahu")),
    ("25", _("Sui")),
    ("26", _("Dongxiang")),
    ("27", _("Naxi")),
    ("28", _("Jingpo")),
    ("29", _("Kyrgyz")),
    ("30", _("Tu")),
    ("31", _("Daur")),
    ("32", _("Mulao")),
    ("33", _("Qiang")),
    ("34", _("Blang")),
    ("35", _("Salar")),
    ("36", _("Maonan")),
    ("37", _("Gelao")),
    ("38", _("Xibe")),
    ("39", _("Achang")),
    ("40", _("Pumi")),
    ("41", _("Tajik")),
    ("42", _("Nu")),
    ("43", _("Uzbek")),
    ("44", _("Russian")),
    ("45", _("Evenki")),
    ("46", _("De'ang")),
    ("47", _("Bonan")),
    ("48", _("Yugur")),
    ("49", _("Gin")),
    ("50", _("Tatar")),
    ("51", _("Derung")),
    ("52", _("Oroqen")),
    ("53", _("Hezhen")),
    ("54", _("Monba")),
    ("55", _("Lhoba")),
    ("56", _("Jino")),
]
# The functional API with (value, label) pairs, which django-stubs does not describe.
Ethnicity = models.TextChoices(  # type: ignore[call-overload]
    "Ethnicity", [(f"E{c}", (c, label)) for c, label in _ETHNIC]
)

# Every code list, by name, for imports, exports and the API's /codes endpoint.
CODE_LISTS = {
    "household_category": HouseholdCategory,
    "identification_standard": IdentificationStandard,
    "poverty_cause": PovertyCause,
    "household_status": HouseholdStatus,
    "monitoring_type": MonitoringType,
    "danger_grade": DangerGrade,
    "road_type": RoadType,
    "fuel_type": FuelType,
    "sex": Sex,
    "relation": Relation,
    "education": Education,
    "school_status": SchoolStatus,
    "health": Health,
    "disability_grade": DisabilityGrade,
    "labour_capacity": LabourCapacity,
    "migrant_place": MigrantPlace,
    "member_change_kind": MemberChangeKind,
    "attachment_kind": AttachmentKind,
    "ethnicity": Ethnicity,
}
