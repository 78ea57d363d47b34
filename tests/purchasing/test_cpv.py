"""The CPV reference table: the 45 divisions of CPV 2008, groups under their division, codes checked."""

import pytest
from django.core.exceptions import ValidationError

from purchasing import cpv
from purchasing.models import CpvCode
from purchasing.validators import normalise_cpv_code, validate_cpv_code_format

pytestmark = pytest.mark.django_db

DIVISIONS = [
    "03",
    "09",
    "14",
    "15",
    "16",
    "18",
    "19",
    "22",
    "24",
    "30",
    "31",
    "32",
    "33",
    "34",
    "35",
    "37",
    "38",
    "39",
    "41",
    "42",
    "43",
    "44",
    "45",
    "48",
    "50",
    "51",
    "55",
    "60",
    "63",
    "64",
    "65",
    "66",
    "70",
    "71",
    "72",
    "73",
    "75",
    "76",
    "77",
    "79",
    "80",
    "85",
    "90",
    "92",
    "98",
]


def test_the_table_holds_the_45_divisions_of_cpv_2008():
    divisions = CpvCode.objects.divisions()
    assert divisions.count() == 45
    assert sorted(code.code[:2] for code in divisions) == DIVISIONS
    assert CpvCode.objects.get(code="45000000-7").label == "Travaux de construction"


def test_every_code_has_the_shape_of_a_cpv_code_and_its_level():
    for code in CpvCode.objects.select_related("parent"):
        validate_cpv_code_format(code.code)
        if code.level == CpvCode.Level.DIVISION:
            assert code.code[2:8] == "000000" and code.parent is None
        else:
            assert code.code[3:8] == "00000" and code.code[2] != "0"
            assert code.parent.code[:2] == code.code[:2]


def test_the_data_module_and_the_table_agree():
    expected = {f"{digits}-{check}" for digits, check, _label in [*cpv.DIVISIONS, *cpv.GROUPS]}
    assert set(CpvCode.objects.values_list("code", flat=True)) == expected
    assert len(expected) == len(cpv.DIVISIONS) + len(cpv.GROUPS)


def test_a_category_scope_includes_its_groups():
    construction = CpvCode.objects.get(code="45000000-7")
    scope = set(CpvCode.objects.filter(pk__in=CpvCode.objects.scope([construction])).values_list("code", flat=True))
    assert scope == {"45000000-7", "45100000-8", "45200000-9", "45300000-0", "45400000-1"}
    group = CpvCode.objects.get(code="45300000-0")
    assert list(CpvCode.objects.filter(pk__in=CpvCode.objects.scope([group])).values_list("code", flat=True)) == [
        "45300000-0"
    ]


@pytest.mark.parametrize("value", ["45000000", "4500000-7", "45000000-77", "abcdefgh-1", "", "45000000_7"])
def test_a_code_of_the_wrong_shape_is_refused_in_french(value):
    with pytest.raises(ValidationError, match="n'est pas un code CPV"):
        validate_cpv_code_format(value)


def test_codes_typed_with_spaces_or_without_the_dash_are_read():
    assert normalise_cpv_code(" 45000000 7 ") == "45000000-7"
    assert normalise_cpv_code("450000007") == "45000000-7"
    assert normalise_cpv_code("45000000-7") == "45000000-7"
