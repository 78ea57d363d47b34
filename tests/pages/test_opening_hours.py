import pytest

from directory.templatetags.portal import describe_opening_hours


@pytest.mark.parametrize(
    ("expression", "lines", "holidays_closed"),
    [
        (
            "Mo-Fr 09:00-18:00; Sa 10:00-12:00",
            [("Du lundi au vendredi", "9 h – 18 h"), ("Samedi", "10 h – 12 h"), ("Dimanche", "fermé")],
            False,
        ),
        ("24/7", [("Du lundi au dimanche", "24 h sur 24")], False),
        ("Mo-Su 10:00-20:00; PH off", [("Du lundi au dimanche", "10 h – 20 h")], True),
        (
            "Mo,We 10:00-12:30",
            [
                ("Lundi", "10 h – 12 h 30"),
                ("Mardi", "fermé"),
                ("Mercredi", "10 h – 12 h 30"),
                ("Du jeudi au dimanche", "fermé"),
            ],
            False,
        ),
        ("Sa-Su 08:00-13:00", [("Du lundi au vendredi", "fermé"), ("Samedi et dimanche", "8 h – 13 h")], False),
    ],
)
def test_weekly_opening_hours_read_in_french(expression, lines, holidays_closed):
    assert describe_opening_hours(expression) == {"lines": lines, "holidays_closed": holidays_closed}


@pytest.mark.parametrize(
    "expression", ["", "Jul-Aug Mo-Fr 10:00-18:00", "Tu-Sa 22:00-02:00", "sunrise-sunset", "Mo-Fr 09:00-18:00; SH off"]
)
def test_other_opening_hours_are_left_as_written(expression):
    assert describe_opening_hours(expression) is None
