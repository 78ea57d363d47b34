"""The observatory's small territory, whose aggregates are computed by hand in test_aggregates.py.

2025, all published unless said otherwise (employees, FTE, volunteers, budget, local purchasing %):

| actor | commune | typology | legal form | sector | QPV | employees | FTE | vol. | budget | local % |
|---|---|---|---|---|---|---|---|---|---|---|
| M1 | Montreuil | entrepreneurial | association | two of alim. | La Noue | 10 | 8.0 | | 100 000 | 50 |
| M2 | Montreuil | entrepreneurial | SCOP | restauration (alim.) | La Noue | 20 | 15.5 | | 200 000 | 30 |
| M3 | Montreuil | entrepreneurial | SCIC | alimentation | La Noue | 5 | 4.0 | | 50 000 | 10 |
| P1 | Pantin | militant | association | ressourcerie (réemploi) | | 2 | 1.5 | 10 | | 80 |
| P2 | Pantin | militant | association | réemploi | | 0 | 0.0 | 25 | | 20 |
| P3 | Pantin | militant | association | réemploi | | 1 | 0.5 | 5 | | 60 |
| B1 | Bondy | undetermined | foundation | | | 7 | | | | |
| G1 | Bagnolet | undetermined | mutual | | | 3 | | | | |
| N1 | Noisy-le-Sec | undetermined | association | | | 4 | | | | |
| D | Montreuil, draft | entrepreneurial | association | | | 1000 | | | | |

P1 also has a proposal for 2025 (999 employees), pending. 2024: M1 9, M2 18, M3 5 employees.
"""

import pytest

from directory.models import Neighbourhood, PublicationStatus, Sector, Typology
from observatory import services
from observatory.models import YearlyFigures
from tests import factories
from tests.observatory.factories import figures

E, M, U = Typology.ENTREPRENEURIAL, Typology.MILITANT, Typology.UNDETERMINED


def _actor(name, insee, typology, legal_form, sectors=(), neighbourhood=None, **extra):
    commune = factories.commune(insee)
    actor = factories.actor(
        name=f"{name} (fictif)",
        commune=commune,
        postal_code=commune.postal_codes[0],
        typology=typology,
        legal_form=legal_form,
        neighbourhood=neighbourhood,
        is_fictional=True,
        **extra,
    )
    actor.sectors.set([Sector.objects.get(slug=slug) for slug in sectors])
    return actor


@pytest.fixture
def territory(db):
    la_noue = Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")
    a = {
        "M1": _actor("M1", "93048", E, "association", ["epicerie-solidaire", "agriculture-urbaine"], la_noue),
        "M2": _actor("M2", "93048", E, "scop", ["restauration-solidaire"], la_noue),
        "M3": _actor("M3", "93048", E, "scic", ["alimentation"], la_noue),
        "P1": _actor("P1", "93055", M, "association", ["ressourcerie"]),
        "P2": _actor("P2", "93055", M, "association", ["reemploi-economie-circulaire"]),
        "P3": _actor("P3", "93055", M, "association", ["reemploi-economie-circulaire"]),
        "B1": _actor("B1", "93010", U, "foundation"),
        "G1": _actor("G1", "93006", U, "mutual"),
        "N1": _actor("N1", "93053", U, "association"),
        "D": _actor("D", "93048", E, "association", status=PublicationStatus.DRAFT),
    }
    figures(a["M1"], employees=10, fte=8.0, budget=100_000, local_purchasing_share=50)
    figures(a["M2"], employees=20, fte=15.5, budget=200_000, local_purchasing_share=30)
    figures(a["M3"], employees=5, fte=4.0, budget=50_000, local_purchasing_share=10)
    figures(a["P1"], employees=2, fte=1.5, volunteers=10, local_purchasing_share=80)
    figures(a["P2"], employees=0, fte=0.0, volunteers=25, local_purchasing_share=20)
    figures(a["P3"], employees=1, fte=0.5, volunteers=5, local_purchasing_share=60)
    figures(a["B1"], employees=7)
    figures(a["G1"], employees=3)
    figures(a["N1"], employees=4)
    figures(a["D"], employees=1000)
    for name, employees in (("M1", 9), ("M2", 18), ("M3", 5)):
        figures(a[name], 2024, employees=employees)
    account = factories.structure_account(a["P1"])
    services.propose_figures(actor=a["P1"], year=2025, values={"employees": 999}, user=account)
    assert YearlyFigures.objects.pending().count() == 1
    a["account"] = account
    return a
