"""The regional reference figures shown beside the observatory's own, with their source.

Only the figures of the portal's reference facts (the press report of 11 March 2019 on Est Ensemble's
ESS strategy); none is computed or estimated here.
"""

from django.utils.translation import gettext_lazy as _

SOURCE = _("Compte rendu de presse du 11 mars 2019 sur la stratégie ESS d'Est Ensemble")

REGIONAL_FIGURES = [
    {
        "area": _("Île-de-France"),
        "figures": [
            ("33 200", _("établissements employeurs de l'ESS")),
            ("388 700", _("salariés de l'ESS, soit 7,1 % des salariés de la région")),
            ("332 700", _("équivalents temps plein, soit 6,7 % de ceux de la région")),
            ("11,9 Md€", _("de masse salariale, soit 5,4 % de celle de la région")),
        ],
    },
    {
        "area": _("Seine-Saint-Denis"),
        "figures": [
            ("33 200", _("salariés de l'ESS")),
            ("3 000", _("établissements employeurs de l'ESS")),
        ],
    },
]
