"""`import_neighbourhoods`: the official QPV perimeters create or update neighbourhoods, and locate actors and sites.

The files are small and synthetic: fictional codes (department 099 does not exist), squares for shapes.
"""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command, load_command_class

from directory.history import Origin
from directory.models import Actor, Commune, Neighbourhood
from projects import services
from projects.models import Site
from tests import factories
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

MONTREUIL, BAGNOLET, PANTIN = "93048", "93006", "93055"


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, name, commune, geometry=None, **properties) -> dict:
    props = {"code_qp": code, "lib_qp": name, "insee_com": commune, **properties}
    return {"type": "Feature", "properties": props, "geometry": geometry or square(2.44, 48.86)}


def collection(*features, **members) -> dict:
    return {"type": "FeatureCollection", "features": list(features), **members}


# Montreuil: a square; a neighbourhood on both sides of Montreuil and Bagnolet (one feature per commune,
# as the ANCT publishes them); Pantin's Quatre-Chemins, seeded without a code; one outside the territory.
OFFICIAL = collection(
    feature("QN09901A", "Les Murs fictifs", MONTREUIL, square(2.44, 48.86)),
    feature("QN09902B", "Le Plateau fictif", MONTREUIL, square(2.46, 48.86, 0.005)),
    feature("QN09902B", "Le Plateau fictif", BAGNOLET, square(2.46, 48.865, 0.005)),
    feature("QN09903C", "Quatre Chemins", PANTIN, square(2.40, 48.90)),
    feature("QN07501D", "Quartier fictif de Paris", "75120", square(2.39, 48.86)),
)


def write(tmp_path, document, name="qpv.geojson") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


def run(*args) -> str:
    out = StringIO()
    call_command("import_neighbourhoods", *args, stdout=out)
    return out.getvalue()


def located_actor(commune: str, lon: str, lat: str, **overrides) -> Actor:
    postal = {MONTREUIL: "93100", BAGNOLET: "93170", PANTIN: "93500"}[commune]
    return factories.actor(
        commune=factories.commune(commune),
        postal_code=postal,
        longitude=Decimal(lon),
        latitude=Decimal(lat),
        **overrides,
    )


def test_creates_the_territorys_neighbourhoods_with_their_official_codes_and_communes(tmp_path):
    output = run(write(tmp_path, OFFICIAL))
    murs = Neighbourhood.objects.get(code="QN09901A")
    assert (murs.name, murs.slug, murs.npnru_status) == ("Les Murs fictifs", "les-murs-fictifs", "none")
    assert [c.insee_code for c in murs.communes.all()] == [MONTREUIL]
    plateau = Neighbourhood.objects.get(code="QN09902B")
    assert sorted(c.insee_code for c in plateau.communes.all()) == [BAGNOLET, MONTREUIL]
    assert not Neighbourhood.objects.filter(code="QN07501D").exists()
    assert "5 entité(s) lue(s) : 3 quartier(s) du territoire, 1 quartier(s) hors du territoire ignoré(s)." in output
    assert "Quartiers prioritaires : 2 créé(s), 1 mis à jour, 0 inchangé(s)." in output


def test_an_existing_neighbourhood_is_matched_by_name_and_commune_and_keeps_its_npnru_status(tmp_path):
    seeded = Neighbourhood.objects.get(slug="quatre-chemins")
    assert (seeded.code, seeded.npnru_status) == ("", Neighbourhood.NpnruStatus.NATIONAL)
    run(write(tmp_path, OFFICIAL))
    seeded.refresh_from_db()
    assert (seeded.code, seeded.name, seeded.slug) == ("QN09903C", "Quatre Chemins", "quatre-chemins")
    assert seeded.npnru_status == Neighbourhood.NpnruStatus.NATIONAL
    assert seeded.description


def test_a_neighbourhood_is_matched_by_code_first_and_a_second_run_changes_nothing(tmp_path):
    renamed = Neighbourhood.objects.create(name="Ancien nom", slug="ancien-nom", code="QN09901A")
    renamed.communes.set([factories.commune(MONTREUIL)])
    path = write(tmp_path, OFFICIAL)
    run(path)
    renamed.refresh_from_db()
    assert (renamed.name, renamed.slug) == ("Les Murs fictifs", "ancien-nom")
    count = Neighbourhood.objects.count()
    output = run(path)
    assert Neighbourhood.objects.count() == count
    assert "Quartiers prioritaires : 0 créé(s), 0 mis à jour, 3 inchangé(s)." in output


def test_the_same_name_in_another_commune_is_another_neighbourhood(tmp_path):
    gagarine = Neighbourhood.objects.get(slug="gagarine")  # Romainville
    run(write(tmp_path, collection(feature("QN09904E", "Gagarine", MONTREUIL))))
    gagarine.refresh_from_db()
    assert gagarine.code == ""
    created = Neighbourhood.objects.get(code="QN09904E")
    assert (created.name, created.slug) == ("Gagarine", "gagarine-2")


def test_located_actors_and_sites_get_the_neighbourhood_that_contains_them_with_history(tmp_path):
    inside = located_actor(MONTREUIL, "2.445", "48.865")
    on_the_bagnolet_side = located_actor(BAGNOLET, "2.4625", "48.8675")
    elsewhere = located_actor(MONTREUIL, "2.50", "48.86")
    unlocated = factories.actor()
    site = project_factories.site(longitude=Decimal("2.463"), latitude=Decimal("48.862"))
    output = run(write(tmp_path, OFFICIAL, name="QP2024_fictif.geojson"))
    inside.refresh_from_db()
    on_the_bagnolet_side.refresh_from_db()
    site.refresh_from_db()
    assert inside.neighbourhood.code == "QN09901A"
    assert on_the_bagnolet_side.neighbourhood.code == "QN09902B"
    assert site.neighbourhood.code == "QN09902B"
    assert Actor.objects.get(pk=elsewhere.pk).neighbourhood is None
    assert Actor.objects.get(pk=unlocated.pk).neighbourhood is None
    record = inside.history.latest()
    assert (record.history_source, record.history_source_detail) == (Origin.IMPORT, "QP2024_fictif.geojson")
    assert "fichier des périmètres officiels" in record.history_change_reason
    site_record = site.history.latest()
    assert (site_record.history_source, site_record.history_source_detail) == (Origin.IMPORT, "QP2024_fictif.geojson")
    assert "Acteurs localisés : 2 rattaché(s) à un quartier, 0 retiré(s) de leur quartier, 1 inchangé(s)." in output
    assert "Lieux localisés : 1 rattaché(s) à un quartier" in output


def test_a_point_in_no_perimeter_keeps_its_neighbourhood_unless_clear_outside(tmp_path):
    bondy_nord = Neighbourhood.objects.get(slug="bondy-nord")
    kept = located_actor(
        MONTREUIL, "2.50", "48.86", neighbourhood=Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau")
    )
    path = write(tmp_path, OFFICIAL)
    run(path)
    assert Actor.objects.get(pk=kept.pk).neighbourhood.slug == "la-noue-malassis-le-plateau"
    output = run(path, "--clear-outside")
    assert Actor.objects.get(pk=kept.pk).neighbourhood is None
    assert "1 retiré(s) de leur quartier" in output
    assert Neighbourhood.objects.filter(pk=bondy_nord.pk).exists()  # neighbourhoods absent from the file stay


def test_a_point_in_a_neighbourhood_of_another_commune_is_left_as_it_is_and_reported(tmp_path):
    # Said to be in Pantin, positioned inside a Montreuil neighbourhood: the import does not guess which is wrong.
    misplaced = located_actor(PANTIN, "2.445", "48.865")
    output = run(write(tmp_path, OFFICIAL))
    assert Actor.objects.get(pk=misplaced.pk).neighbourhood is None
    assert "1 situé(s) dans un quartier d'une autre commune que la leur" in output


def test_only_records_of_the_territorys_communes_are_assigned(tmp_path):
    paris = Commune.objects.create(insee_code="75120", name="Paris 20e", slug="paris-20e", postal_codes=["75020"])
    outsider = factories.actor(
        commune=paris, postal_code="75020", longitude=Decimal("2.445"), latitude=Decimal("48.865")
    )
    run(write(tmp_path, OFFICIAL))
    assert Actor.objects.get(pk=outsider.pk).neighbourhood is None
    assert not Neighbourhood.objects.filter(code="QN07501D").exists()


def test_dry_run_counts_everything_and_writes_nothing(tmp_path):
    actor = located_actor(MONTREUIL, "2.445", "48.865")
    before = (Neighbourhood.objects.count(), actor.history.count())
    output = run(write(tmp_path, OFFICIAL), "--dry-run")
    assert "Quartiers prioritaires : 2 créé(s), 1 mis à jour" in output
    assert "Acteurs localisés : 1 rattaché(s)" in output
    assert "Simulation (--dry-run) : rien n'a été enregistré." in output
    assert (Neighbourhood.objects.count(), actor.history.count()) == before
    assert Actor.objects.get(pk=actor.pk).neighbourhood is None
    assert Neighbourhood.objects.get(slug="quatre-chemins").code == ""


def test_older_field_names_multipolygons_and_commune_names_are_read(tmp_path):
    multipolygon = {
        "type": "MultiPolygon",
        "coordinates": [square(2.44, 48.86)["coordinates"], square(2.47, 48.86)["coordinates"]],
    }
    document = collection(
        {
            "type": "Feature",
            "properties": {
                "CODE_QP": "QP099001",
                "NOM_QP": "Les Deux Rives fictives",
                "COMMUNE_QP": "Montreuil, Bagnolet",
            },
            "geometry": multipolygon,
        },
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    )
    actor = located_actor(BAGNOLET, "2.475", "48.865")
    run(write(tmp_path, document))
    hood = Neighbourhood.objects.get(code="QP099001")
    assert sorted(c.insee_code for c in hood.communes.all()) == [BAGNOLET, MONTREUIL]
    assert Actor.objects.get(pk=actor.pk).neighbourhood == hood


def test_field_names_can_be_given(tmp_path):
    document = collection(
        {
            "type": "Feature",
            "properties": {"id": "QN09905F", "titre": "Quartier fictif", "ville": 93048},
            "geometry": square(2.44, 48.86),
        }
    )
    path = write(tmp_path, document)
    with pytest.raises(CommandError, match="champ du code absent"):
        run(path)
    run(path, "--code-field", "id", "--name-field", "titre", "--commune-field", "ville")
    assert Neighbourhood.objects.get(code="QN09905F").communes.get().insee_code == MONTREUIL


def test_features_outside_the_territory_are_not_examined_beyond_their_fields(tmp_path):
    broken_elsewhere = feature("QN01301G", "Ailleurs", "13055", {"type": "Point", "coordinates": [5.4, 43.3]})
    run(write(tmp_path, collection(feature("QN09901A", "Les Murs fictifs", MONTREUIL), broken_elsewhere)))
    assert Neighbourhood.objects.filter(code="QN09901A").exists()


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[2.44, 48.86], [2.45, 48.87], [2.45, 48.86], [2.44, 48.87], [2.44, 48.86]]],
}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "n'est pas du JSON valide (ligne 1, colonne 2"),
        (b"\xff\xfe{}", "n'est pas encodé en UTF-8"),
        ({"type": "Feature"}, "n'est pas une collection d'entités GeoJSON"),
        (collection(), "ne contient aucune entité"),
        (
            collection(
                feature("QN09901A", "A", MONTREUIL),
                {"type": "Feature", "properties": {"lib_qp": "B", "insee_com": MONTREUIL}},
            ),
            "Entité n° 2 : champ du code absent",
        ),
        (
            collection(feature("QN09901A", "A", MONTREUIL), {"type": "Feature", "properties": None}),
            "Entité n° 2 : champ du code absent",
        ),
        (collection(feature("QN09901A", "", MONTREUIL)), "Entité n° 1 : champ du nom absent"),
        (collection(feature("QN09901A", "A", None)), "Entité n° 1 : champ de la commune absent"),
        (collection(feature("QN09901A", "A", "9304")), "Entité n° 1 : « 9304 » n'est pas un code INSEE de commune"),
        (collection(feature("QN09901A", "A", {"code": MONTREUIL})), "Entité n° 1 : commune illisible"),
        (collection(feature("QN09901A", "A", " , ")), "Entité n° 1 : commune absente"),
        (collection(feature("QN09901A" * 2, "A", MONTREUIL)), "Entité n° 1 : le code dépasse 12 caractères"),
        (
            collection(feature("QN09901A", "A", MONTREUIL), feature("QN09902B", "B", MONTREUIL, BOWTIE)),
            "Entité n° 2 : géométrie invalide (Self-intersection",
        ),
        (
            collection(feature("QN09901A", "A", MONTREUIL, {"type": "Point", "coordinates": [2.44, 48.86]})),
            "Entité n° 1 : géométrie de type « Point »",
        ),
        (
            collection(
                {
                    "type": "Feature",
                    "properties": {"code_qp": "QN09901A", "lib_qp": "A", "insee_com": MONTREUIL},
                    "geometry": None,
                }
            ),
            "Entité n° 1 : pas de géométrie",
        ),
        (
            collection(
                feature(
                    "QN09901A", "A", MONTREUIL, {"type": "Polygon", "coordinates": [[[2.44, 48.86], [2.45, 48.86]]]}
                )
            ),
            "Entité n° 1 : coordonnées illisibles",
        ),
        (
            collection(
                feature("QN09901A", "A", MONTREUIL, {"type": "Polygon", "coordinates": [[["2.44", 48.86]] * 4]})
            ),
            "Entité n° 1 : coordonnées illisibles",
        ),
        (
            collection(feature("QN09901A", "A", MONTREUIL, square(655000, 6860000, 100))),
            "Entité n° 1 : les coordonnées ne sont pas des degrés WGS 84",
        ),
        (
            collection(
                feature("QN09901A", "A", MONTREUIL),
                crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
            ),
            "« urn:ogc:def:crs:EPSG::2154 » : seul le WGS 84",
        ),
        (
            collection(feature("QN09901A", "A", MONTREUIL), crs={"type": "name", "properties": "EPSG:2154"}),
            "seul le WGS 84",
        ),
        (
            collection(feature("QN07501D", "Paris", "75120")),
            "Aucun quartier du fichier n'est situé dans une commune du territoire",
        ),
    ],
)
def test_bad_files_are_refused_whole_with_the_feature_named(tmp_path, document, message):
    actor = located_actor(MONTREUIL, "2.445", "48.865")
    path = tmp_path / "qpv.geojson"
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        write(tmp_path, document)
    before = list(Neighbourhood.objects.order_by("pk").values_list("pk", "code", "name"))
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert str(error.value).startswith("Import annulé, rien n'a été enregistré.")
    assert message in str(error.value)
    assert list(Neighbourhood.objects.order_by("pk").values_list("pk", "code", "name")) == before
    assert Actor.objects.get(pk=actor.pk).neighbourhood is None


def test_an_error_while_writing_leaves_nothing_written(tmp_path, monkeypatch):
    first = located_actor(MONTREUIL, "2.445", "48.865")
    located_actor(BAGNOLET, "2.4625", "48.8675")
    calls = []

    def refuse_the_second(neighbourhood, commune):
        calls.append(neighbourhood)
        if len(calls) == 2:
            raise ValidationError({"neighbourhood": "Ce quartier n'est pas situé dans la commune choisie."})

    monkeypatch.setattr(services.directory_validators, "validate_neighbourhood_in_commune", refuse_the_second)
    with pytest.raises(CommandError, match="Ce quartier n'est pas situé dans la commune choisie."):
        run(write(tmp_path, OFFICIAL))
    assert len(calls) == 2
    assert not Neighbourhood.objects.filter(code__startswith="QN099").exists()
    assert Neighbourhood.objects.get(slug="quatre-chemins").code == ""
    assert Actor.objects.get(pk=first.pk).neighbourhood is None
    assert first.history.count() == 1


def test_a_missing_file_is_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire le fichier"):
        run(str(tmp_path / "absent.geojson"))


def test_the_command_exits_with_a_message_not_a_traceback(tmp_path, capsys):
    command = load_command_class("projects", "import_neighbourhoods")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", "import_neighbourhoods", write(tmp_path, "[]"), "--skip-checks"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: Import annulé, rien n'a été enregistré. Le fichier n'est pas une collection" in err
    assert "Traceback" not in err


def test_an_assignment_keeps_sites_in_their_commune(tmp_path):
    site = project_factories.site(
        commune=factories.commune(BAGNOLET), postal_code="93170", longitude=Decimal("2.445"), latitude=Decimal("48.865")
    )
    run(write(tmp_path, OFFICIAL))
    assert Site.objects.get(pk=site.pk).neighbourhood is None


@pytest.mark.parametrize(
    "document",
    [
        "null",
        "1e999",
        "[" * 100_000,
        {"type": "FeatureCollection", "features": "x"},
        collection(None),
        collection([1, 2]),
        collection(feature({"a": 1}, "A", MONTREUIL)),
        collection(feature("QN09901A", ["A"], MONTREUIL)),
        collection(feature("QN09901A", "A", True)),
        collection(feature("QN09901A", "A", [93048, None])),
        collection(feature("QN09901A", "A", MONTREUIL, {"type": "Polygon", "coordinates": 5})),
        collection(feature("QN09901A", "A", MONTREUIL, {"type": "MultiPolygon", "coordinates": [[[[1e400, 1]] * 4]]})),
        collection(feature("QN09901A", "A", MONTREUIL, {"type": "MultiPolygon", "coordinates": [[[[[2.4, 48.8]]]]]})),
        collection(feature("QN09901A", "A", MONTREUIL, {"type": "Polygon", "coordinates": [[[True, False]] * 4]})),
        collection(feature("QN09901A", "A", MONTREUIL), crs=["EPSG:2154"]),
    ],
)
def test_odd_documents_get_a_message_never_a_crash(tmp_path, document):
    with pytest.raises(CommandError, match="^Import annulé, rien n'a été enregistré. "):
        run(write(tmp_path, document))
