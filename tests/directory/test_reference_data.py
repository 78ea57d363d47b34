import pytest

from directory.models import Commune, Neighbourhood, Sector

pytestmark = pytest.mark.django_db


def test_the_nine_member_communes_are_loaded_with_their_codes():
    communes = {c.insee_code: (c.name, c.postal_codes) for c in Commune.objects.in_territory()}
    assert communes == {
        "93006": ("Bagnolet", ["93170"]),
        "93008": ("Bobigny", ["93000"]),
        "93010": ("Bondy", ["93140"]),
        "93045": ("Les Lilas", ["93260"]),
        "93048": ("Montreuil", ["93100"]),
        "93053": ("Noisy-le-Sec", ["93130"]),
        "93055": ("Pantin", ["93500"]),
        "93061": ("Le Pré-Saint-Gervais", ["93310"]),
        "93063": ("Romainville", ["93230"]),
    }


def test_neighbourhood_codes_are_left_empty_rather_than_guessed():
    assert Neighbourhood.objects.exclude(code="").count() == 0
    noue = Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")
    assert noue.npnru_status == Neighbourhood.NpnruStatus.NATIONAL
    assert sorted(noue.communes.values_list("name", flat=True)) == ["Bagnolet", "Montreuil"]


def test_sectors_have_two_levels_at_most():
    assert not Sector.objects.filter(parent__parent__isnull=False).exists()
