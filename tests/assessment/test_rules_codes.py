"""The rules copy a few registry codes instead of importing Django (SPEC §0): the copies must still agree."""

from assessment.rules import codes
from households import choices


def test_status_codes_agree():
    assert {v for k, v in vars(codes.Status).items() if k.isupper()} == set(choices.HouseholdStatus.values)


def test_fact_kinds_and_labels_agree():
    assert codes.FACT_KIND_LABELS == dict(choices.FactKind.choices)


def test_schooling_dropout_and_attribute_labels_agree():
    assert codes.SCHOOLING_LABELS == dict(choices.SchoolingStatus.choices)
    assert codes.DROPOUT_LABELS == dict(choices.DropoutReason.choices)
    assert codes.ATTRIBUTE_LABELS == dict(choices.PovertyAttribute.choices)


def test_single_codes_agree():
    assert codes.Attribute.DIBAO == choices.PovertyAttribute.DIBAO
    assert codes.Relation.HEAD == choices.Relation.HEAD
    assert codes.Schooling.NOT_STUDENT == choices.SchoolingStatus.NOT_STUDENT
    assert codes.Dropout.POVERTY == choices.DropoutReason.POVERTY
    assert codes.Relocation.MOVED_NOT_IN == choices.Relocation.MOVED_NOT_IN
    assert {v for k, v in vars(codes.Relocation).items() if k.isupper()} == set(choices.Relocation.values)
    assert codes.SAFE_GRADES | codes.DANGEROUS_GRADES == set(choices.HousingGrade.values)


def test_graded_schooling_agrees_with_the_registry():
    assert codes.GRADED_SCHOOLING == set(choices.GRADED_SCHOOLING)


def test_beyond_compulsory_is_high_school_vocational_polytechnic_and_college():
    labels = {codes.SCHOOLING_LABELS[c] for c in codes.BEYOND_COMPULSORY}
    assert labels == {
        "高中一年级", "高中二年级", "高中三年级",
        "中职一年级", "中职二年级", "中职三年级",
        "高职一年级", "高职二年级", "高职三年级",
        "大专及以上",
    }  # fmt: skip


def test_fact_kinds_of_the_exclusion_criteria():
    assert set(codes.EXCLUSION_FACT_KIND.values()) | set(codes.REMOVAL_FACT_KINDS) | {
        "dibao",
        "support_measure",
    } == set(choices.FactKind.values)
