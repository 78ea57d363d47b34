"""Actor imports (directory.imports, `manage.py import_actors`): formats, matching, conflicts, bad input."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import imports
from directory.history import Origin
from directory.models import Actor, ImportRun, Neighbourhood, PublicationStatus, Sector, SourceRecord
from tests import factories
from tests.directory.import_files import establishment, legal_unit, sirene_files, siret

pytestmark = pytest.mark.django_db


def run_sirene(tmp_path, establishments, legal_units, **kwargs):
    stock, units = sirene_files(tmp_path, establishments, legal_units)
    kwargs.setdefault("dry_run", False)
    return imports.import_actors(path=stock, file_name=stock.name, format="sirene", legal_units_path=units, **kwargs)


def run_file(path, fmt="export", **kwargs):
    kwargs.setdefault("dry_run", False)
    return imports.import_actors(path=path, file_name=path.name, format=fmt, **kwargs)


def outcomes(result) -> dict[int, str]:
    return {line["line"]: line["outcome"] for line in result.lines}


def by_name(result) -> dict[str, dict]:
    return {line["name"]: line for line in result.lines}


# ---------------------------------------------------------------------------
# SIRENE


def test_sirene_dry_run_reports_each_line_and_writes_nothing(tmp_path):
    result = run_sirene(
        tmp_path,
        [establishment(1), establishment(2, siret="12345678901234")],
        [legal_unit(1), legal_unit(2)],
        dry_run=True,
    )

    assert Actor.objects.count() == 0
    assert SourceRecord.objects.count() == 0
    assert outcomes(result) == {2: "created", 3: "refused"}
    assert result.lines[1]["errors"] == [
        "SIRET : Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."
    ]
    assert result.run.state == ImportRun.State.PREVIEWED
    assert result.run.counts["created"] == 1 and result.run.counts["refused"] == 1


def test_sirene_creates_pending_actors_with_what_sirene_says(tmp_path):
    result = run_sirene(
        tmp_path,
        [
            establishment(
                1,
                numeroVoieEtablissement="12",
                indiceRepetitionEtablissement="B",
                typeVoieEtablissement="AV",
                libelleVoieEtablissement="DE LA REPUBLIQUE",
            ),
            establishment(
                2,
                enseigne1Etablissement="LA FABRIQUE FICTIVE",
                codeCommuneEtablissement="93055",
                codePostalEtablissement="93500",
                typeVoieEtablissement="BD",
                libelleVoieEtablissement="DU CANAL",
            ),
        ],
        [legal_unit(1), legal_unit(2, categorieJuridiqueUniteLegale="5458")],
    )

    assert result.written
    first, second = Actor.objects.order_by("siret")
    assert first.name == "ASSOCIATION FICTIVE 1"
    assert first.siret == siret(1) and first.siren == siret(1)[:9]
    assert first.address == "12 bis avenue de la Republique"
    assert (first.postal_code, first.commune.insee_code) == ("93100", "93048")
    assert first.legal_form == Actor.LegalForm.ASSOCIATION
    assert first.ess_status == Actor.EssStatus.STATUTORY
    assert first.status == PublicationStatus.PENDING
    assert (first.source, first.source_id, first.to_complete) == (Actor.Source.IMPORT, siret(1), True)
    assert first.slug == "association-fictive-1"
    assert first.search_text and first.completeness > 0
    assert second.name == "LA FABRIQUE FICTIVE"
    assert second.legal_form == Actor.LegalForm.SCOP
    assert second.address == "12 boulevard du Canal"
    record = first.history.get()
    assert record.history_type == "+"
    assert record.history_source == Origin.IMPORT
    assert record.history_source_detail == "sirene : StockEtablissement.csv"
    source = SourceRecord.objects.get(actor=first)
    assert source.source == "sirene" and source.source_id == siret(1)
    assert source.values["address"] == "12 bis avenue de la Republique"
    assert source.values["activite_principale"] == "88.99B"
    assert result.run.state == ImportRun.State.DONE


def test_sirene_keeps_active_ess_establishments_of_the_chosen_communes(tmp_path):
    rows = [
        establishment(1),
        establishment(2, etatAdministratifEtablissement="F"),
        establishment(3, codeCommuneEtablissement="75111", codePostalEtablissement="75011"),
        establishment(4),  # its legal unit is not ESS
        establishment(5, codeCommuneEtablissement="93055", codePostalEtablissement="93500"),
        establishment(6, statutDiffusionEtablissement="P"),
    ]
    units = [legal_unit(n) for n in (1, 2, 3, 5, 6)] + [legal_unit(4, economieSocialeSolidaireUniteLegale="N")]

    result = run_sirene(tmp_path, rows, units)
    assert set(Actor.objects.values_list("siret", flat=True)) == {siret(1), siret(5)}
    assert result.counts["ignored"] == 4
    assert result.counts["ignored_reasons"] == {
        "établissement fermé": 1,
        "hors des communes retenues": 1,
        "unité légale hors de l'ESS ou absente du fichier des unités légales": 1,
        "diffusion partielle : données protégées": 1,
    }

    Actor.objects.all().delete()
    run_sirene(tmp_path, rows, units, communes=["93055"])
    assert list(Actor.objects.values_list("siret", flat=True)) == [siret(5)]


@pytest.mark.parametrize(
    ("category", "form"),
    [
        ("9220", Actor.LegalForm.ASSOCIATION),
        ("9210", Actor.LegalForm.ASSOCIATION),
        ("9300", Actor.LegalForm.FOUNDATION),
        ("5458", Actor.LegalForm.SCOP),
        ("5558", Actor.LegalForm.SCOP),
        ("5658", Actor.LegalForm.SCOP),
        ("8210", Actor.LegalForm.MUTUAL),
        ("8250", Actor.LegalForm.MUTUAL),
        ("8290", Actor.LegalForm.MUTUAL),
        ("5710", Actor.LegalForm.OTHER),
        ("", Actor.LegalForm.OTHER),
    ],
)
def test_legal_categories_map_to_legal_forms(category, form):
    assert imports.legal_form_for_category(category) == form


@pytest.mark.parametrize(
    ("parts", "address"),
    [
        (("3", "", "R", "DU MOULIN"), "3 rue du Moulin"),
        (("10", "T", "BD", "JEAN JAURES"), "10 ter boulevard Jean Jaures"),
        (("", "", "PL", "DE L'EGLISE"), "place de l'Eglise"),
        (("7", "", "IMP", "SAINT-JUST"), "7 impasse Saint-Just"),
        (("1", "", "XYZ", "INCONNUE"), "1 xyz Inconnue"),
    ],
)
def test_sirene_street_types_are_written_out(parts, address):
    assert imports.sirene_address(*parts) == address


def test_a_failing_line_mid_file_leaves_the_database_untouched(tmp_path, monkeypatch):
    # Small batches: the lines before the bad one are written, then rolled back.
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    rows = [establishment(n) for n in range(1, 8)]
    rows[4]["codePostalEtablissement"] = "93500"  # line 6: Pantin's code for Montreuil
    stock, units = sirene_files(tmp_path, rows, [legal_unit(n) for n in range(1, 8)])

    with pytest.raises(CommandError) as error:
        call_command(
            "import_actors", str(stock), "--format", "sirene", "--legal-units", str(units), stdout=io.StringIO()
        )

    message = str(error.value)
    assert "1 ligne(s) refusée(s), rien n'est écrit" in message
    assert "ligne 6 : refusé" in message
    assert "Le code postal 93500 ne correspond pas à Montreuil (attendu : 93100)." in message
    assert Actor.objects.count() == 0
    assert Actor.history.count() == 0
    assert SourceRecord.objects.count() == 0
    assert ImportRun.objects.get().state == ImportRun.State.REFUSED


def test_skip_invalid_writes_the_valid_lines(tmp_path):
    rows = [establishment(1), establishment(2, siret="12345678901234"), establishment(3)]
    result = run_sirene(tmp_path, rows, [legal_unit(n) for n in (1, 2, 3)], skip_invalid=True)
    assert result.written
    assert Actor.objects.count() == 2
    assert result.run.state == ImportRun.State.DONE


def test_a_siret_twice_in_the_file_is_refused_the_second_time(tmp_path):
    result = run_sirene(tmp_path, [establishment(1), establishment(1)], [legal_unit(1)], dry_run=True)
    assert outcomes(result) == {2: "created", 3: "refused"}
    assert result.lines[1]["errors"] == ["SIRET : ce SIRET figure déjà à la ligne 2"]


def test_second_import_is_unchanged_and_staff_edits_are_kept_and_reported(tmp_path):
    run_sirene(tmp_path, [establishment(1)], [legal_unit(1)])
    actor = Actor.objects.get()
    actor.name = "Association fictive du Moulin"  # staff's better name
    actor.save()

    again = run_sirene(tmp_path, [establishment(1)], [legal_unit(1)])
    assert outcomes(again) == {2: "unchanged"}
    assert again.lines[0]["conflicts"] == [
        {"field": "nom", "current": "Association fictive du Moulin", "file": "ASSOCIATION FICTIVE 1"}
    ]

    moved = run_sirene(
        tmp_path, [establishment(1, libelleVoieEtablissement="DU CANAL")], [legal_unit(1, denominationUniteLegale="X")]
    )
    assert outcomes(moved) == {2: "updated"}
    assert moved.lines[0]["fields"] == ["adresse"]
    actor.refresh_from_db()
    assert actor.name == "Association fictive du Moulin"
    assert actor.address == "12 rue du Canal"
    assert actor.status == PublicationStatus.PENDING
    latest = actor.history.first()
    assert latest.history_type == "~" and latest.history_source == Origin.IMPORT
    assert actor.history.count() == 3  # created by the import, renamed by staff, moved by the import


def test_an_existing_actor_is_filled_in_but_its_values_are_not_overwritten(tmp_path):
    actor = factories.actor(name="Recyclerie fictive", siret=siret(1), address="")
    result = run_sirene(tmp_path, [establishment(1)], [legal_unit(1)])

    actor.refresh_from_db()
    assert actor.address == "12 rue de la Fiction"  # empty: filled
    assert actor.name == "Recyclerie fictive"  # said by someone else before: kept
    assert actor.status == PublicationStatus.PUBLISHED
    assert [conflict["field"] for conflict in result.lines[0]["conflicts"]] == ["nom"]
    assert outcomes(result) == {2: "updated"}


def test_sirene_without_legal_units_is_refused(tmp_path):
    stock, _units = sirene_files(tmp_path, [establishment(1)], [legal_unit(1)])
    with pytest.raises(CommandError, match="fichier des unités légales"):
        call_command("import_actors", str(stock), "--format", "sirene", stdout=io.StringIO())


def test_unknown_communes_are_named(tmp_path):
    result = run_sirene(tmp_path, [establishment(1)], [legal_unit(1)], communes=["93048", "99999"])
    assert result.error == "Codes INSEE inconnus : « 99999 »."


def test_a_batch_costs_the_same_queries_whatever_its_size(tmp_path):
    def queries(n):
        stock, units = sirene_files(
            tmp_path, [establishment(i) for i in range(1, n + 1)], [legal_unit(i) for i in range(1, n + 1)]
        )
        with CaptureQueriesContext(connection) as captured:
            result = imports.import_actors(
                path=stock, file_name="s.csv", format="sirene", legal_units_path=units, dry_run=False
            )
        assert result.counts["created"] == n
        Actor.objects.all().delete()
        return len(captured)

    # Vocabulary (5: communes, neighbourhoods and their communes, sectors, the territory's communes), the
    # batch's lookups (2), slugs (1), the keys of actors, history records and source records drawn from
    # their sequences (3), the run (1), and the savepoint of the test's transaction (2). The rows themselves:
    # on PostgreSQL three COPYs, which go round Django's cursors (not counted); on SQLite three executemany.
    expected = 14 if connection.vendor == "postgresql" else 17
    assert queries(2) == queries(20) == expected


# ---------------------------------------------------------------------------
# The directory's export, read back


def export_file(client, tmp_path, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(b"".join(client.get("/annuaire/export.csv").streaming_content))
    return path


def read_export(path):
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def write_export(path, rows, *, encoding="utf-8-sig", delimiter=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def edit(path, slug, column, value):
    rows = read_export(path)
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("identifiant")] == slug:
            row[header.index(column)] = value
    return write_export(path, rows)


def age(actor, hours=1):
    """Move an actor's last change (and its history) back in time, as if the export were taken then."""
    past = timezone.now() - timedelta(hours=hours)
    Actor.objects.filter(pk=actor.pk).update(updated_at=past)
    Actor.history.filter(id=actor.pk).update(history_date=past)


@pytest.fixture
def directory_actors():
    sectors = list(Sector.objects.filter(parent__isnull=False)[:2])
    first = factories.actor(
        name="Épicerie fictive du canal",
        siret=siret(3210987),  # starts with a 0, which a spreadsheet drops
        latitude=Decimal("48.861000"),
        longitude=Decimal("2.441000"),
        website="https://epicerie.example.org",
        email="bonjour@epicerie.example.org",
        phone="01 99 00 12 34",
        neighbourhood=Neighbourhood.objects.get(slug="la-noue-malassis-le-plateau"),
        is_fictional=True,
        short_description="=Une épicerie fictive, avec une formule pour voir",
    )
    first.sectors.set(sectors)
    second = factories.actor(name="Atelier fictif", commune=factories.commune("93055"), postal_code="93500")
    return first, second


def test_export_round_trip_changes_nothing(client, tmp_path, directory_actors):
    path = export_file(client, tmp_path)
    before = Actor.history.count()

    result = run_file(path)

    assert result.written
    assert outcomes(result) == {2: "unchanged", 3: "unchanged"}
    assert Actor.history.count() == before
    assert read_export(export_file(client, tmp_path, "again.csv"))[1:] == read_export(path)[1:]


def test_an_edited_cell_updates_that_field(client, tmp_path, directory_actors):
    first, second = directory_actors
    path = edit(export_file(client, tmp_path), first.slug, "téléphone", "0199005678")
    edit(path, second.slug, "secteurs", "Vélo, Épicerie solidaire")

    result = run_file(path)

    lines = by_name(result)
    assert lines[first.name]["outcome"] == lines[second.name]["outcome"] == "updated"
    assert lines[first.name]["fields"] == ["téléphone"]
    assert lines[second.name]["fields"] == ["secteurs"]
    first.refresh_from_db()
    assert first.phone == "01 99 00 56 78"
    assert first.status == PublicationStatus.PUBLISHED
    assert set(second.sectors.values_list("slug", flat=True)) == {"velo", "epicerie-solidaire"}
    record = second.history.first()
    assert record.history_type == "~" and record.history_source == Origin.IMPORT
    assert {row.sector.slug for row in record.sectors.all()} == {"velo", "epicerie-solidaire"}


def test_a_field_staff_changed_since_the_export_is_kept_and_reported(client, tmp_path, directory_actors):
    first, _second = directory_actors
    age(first)
    path = export_file(client, tmp_path)
    first.refresh_from_db()
    first.phone = "01 99 00 11 11"  # staff, after the export
    first.website = "https://nouveau.example.org"
    first.save()
    edit(path, first.slug, "téléphone", "01 99 00 22 22")  # the spreadsheet, on the old export
    edit(path, first.slug, "e-mail", "contact@epicerie.example.org")

    result = run_file(path)

    first.refresh_from_db()
    assert first.phone == "01 99 00 11 11"
    assert first.website == "https://nouveau.example.org"  # untouched in the file: kept
    assert first.email == "contact@epicerie.example.org"  # nobody else changed it: updated
    entry = by_name(result)[first.name]
    assert entry["outcome"] == "updated" and entry["fields"] == ["e-mail"]
    assert entry["conflicts"] == [
        {"field": "site web", "current": "https://nouveau.example.org", "file": "https://epicerie.example.org"},
        {"field": "téléphone", "current": "01 99 00 11 11", "file": "01 99 00 22 22"},
    ]


def test_a_new_row_creates_a_pending_actor_once(client, tmp_path, directory_actors):
    path = export_file(client, tmp_path)
    rows = read_export(path)
    header = rows[0]
    new = dict.fromkeys(header, "")
    new.update(
        {
            "nom": "Jardin partagé fictif",
            "forme juridique": "association",
            "code INSEE": "93010",
            "code postal": "93140",
            "fictif": "oui",
        }
    )
    write_export(path, [*rows, [new[column] for column in header]])

    created = run_file(path)
    again = run_file(path)

    actor = Actor.objects.get(name="Jardin partagé fictif")
    assert actor.status == PublicationStatus.PENDING
    assert actor.commune.insee_code == "93010" and actor.is_fictional
    assert actor.source == Actor.Source.IMPORT
    assert outcomes(created)[4] == "created"
    assert outcomes(again)[4] == "unchanged"
    assert Actor.objects.filter(name="Jardin partagé fictif").count() == 1


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("SIRET", "12345678901234", "SIRET : Ce SIRET n'est pas valide (clé de contrôle incorrecte)"),
        ("code postal", "93500", "code postal : Le code postal 93500 ne correspond pas à Montreuil"),
        ("forme juridique", "coopérative spatiale", "forme juridique : « coopérative spatiale » n'est pas une valeur"),
        ("latitude", "quarante-huit", "latitude : « quarante-huit » n'est pas un nombre."),
        ("commune", "Pantin", "La commune « Pantin » ne correspond pas au code INSEE 93048 (Montreuil)"),
        ("secteurs", "Astronautique", "secteurs : Secteur inconnu : « Astronautique »."),
        ("téléphone", "12", "téléphone : Numéro de téléphone invalide"),
        ("nom", "", "nom : Ce champ ne peut pas être vide."),
    ],
)
def test_bad_values_are_refused_with_the_line_and_field(client, tmp_path, directory_actors, column, value, message):
    first, _second = directory_actors
    path = edit(export_file(client, tmp_path), first.slug, column, value)
    before = list(Actor.objects.values_list("pk", "updated_at"))

    result = run_file(path)

    assert not result.written
    entry = by_name(result)[first.name] if column != "nom" else result.refused_lines[0]
    assert entry["outcome"] == "refused"
    assert message in entry["errors"][0]
    assert list(Actor.objects.values_list("pk", "updated_at")) == before


def test_missing_and_unknown_columns_are_named(client, tmp_path, directory_actors):
    rows = read_export(export_file(client, tmp_path))
    header = rows[0]
    keep = [i for i, title in enumerate(header) if title not in ("SIRET", "typologie")]
    rows = [[row[i] for i in keep] + ["x"] for row in rows]
    rows[0][-1] = "remarques"
    path = write_export(tmp_path / "colonnes.csv", rows)

    result = run_file(path)

    assert result.error.startswith("Le fichier ne peut pas être lu au format « export » : ")
    assert "colonnes manquantes : « SIRET », « typologie »" in result.error
    assert "colonnes inconnues : « remarques »" in result.error
    assert result.run.state == ImportRun.State.REFUSED


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";"), ("latin-1", "\t"), ("utf-16", "\t")],
)
def test_encodings_and_delimiters_are_detected(client, tmp_path, directory_actors, encoding, delimiter):
    first, _second = directory_actors
    path = edit(export_file(client, tmp_path), first.slug, "description courte", "Une épicerie fictive à Montreuil")
    # Latin-1 has no dash « – »: the neighbourhood is written as its slug, which reads the same.
    path = edit(path, first.slug, "quartier prioritaire", "la-noue-malassis-le-plateau")
    path = write_export(tmp_path / "encodage.csv", read_export(path), encoding=encoding, delimiter=delimiter)

    result = run_file(path)

    assert result.written, result.lines
    first.refresh_from_db()
    assert first.short_description == "Une épicerie fictive à Montreuil"


def test_xlsx_is_read(client, tmp_path, directory_actors):
    first, _second = directory_actors
    rows = read_export(export_file(client, tmp_path))
    header = rows[0]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows):
        if number:
            # As a spreadsheet types them: numbers as numbers.
            row[header.index("code postal")] = int(row[header.index("code postal")])
            if row[header.index("latitude")]:
                row[header.index("latitude")] = float(row[header.index("latitude")])
            if row[header.index("SIRET")]:
                row[header.index("SIRET")] = int(row[header.index("SIRET")])
        sheet.append(row)
    line = [row[header.index("identifiant")] for row in rows].index(first.slug) + 1
    sheet.cell(row=line, column=header.index("site web") + 1, value="www.epicerie-fictive.example.org")
    path = tmp_path / "classeur.xlsx"
    workbook.save(path)

    result = run_file(path)

    assert not result.refused_lines, result.refused_lines
    assert {name: entry["outcome"] for name, entry in by_name(result).items()} == {
        first.name: "updated",
        "Atelier fictif": "unchanged",
    }
    first.refresh_from_db()
    assert first.website == "https://www.epicerie-fictive.example.org"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", "Le fichier est vide."),
        ("entete.csv", b"nom;identifiant\n", "colonnes manquantes"),
        ("faux.xlsx", b"nom;identifiant\n", "Le fichier n'est pas un classeur Excel valide"),
        ("abime.xlsx", b"PK\x03\x04" + b"\x00" * 100, "Le fichier n'est pas un classeur Excel (.xlsx) lisible"),
        ("ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003 (.xls)"),
        ("binaire.csv", b"nom;SIRET\n\x00\x01\x02", "il contient des octets nuls"),
    ],
)
def test_unreadable_files_are_refused_with_a_french_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    result = run_file(path)

    assert message in result.error
    assert result.run.state == ImportRun.State.REFUSED
    assert result.lines[0]["errors"] == [result.error]


def test_a_header_without_rows_is_refused(client, tmp_path, directory_actors):
    rows = read_export(export_file(client, tmp_path))
    path = write_export(tmp_path / "entete.csv", rows[:1])
    assert run_file(path).error == "Le fichier ne contient aucune ligne à importer (l'en-tête seul)."


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024
    path = tmp_path / "gros.csv"
    path.write_bytes(b"x" * 2048)
    assert run_file(path).error.startswith("Le fichier fait 0 Mo : la limite est de 0 Mo")


def test_a_row_with_too_many_cells_is_refused(client, tmp_path, directory_actors):
    rows = read_export(export_file(client, tmp_path))
    rows[1].append("de trop")
    result = run_file(write_export(tmp_path / "large.csv", rows))
    assert result.lines[0]["errors"] == [
        f"la ligne a {len(rows[1])} cellules pour {len(rows[0])} colonnes (un « ; » ou une « , » de trop ?)"
    ]


# ---------------------------------------------------------------------------
# The command


def test_command_dry_run_prints_every_line_and_a_summary(tmp_path):
    stock, units = sirene_files(tmp_path, [establishment(1), establishment(2)], [legal_unit(1), legal_unit(2)])
    out = io.StringIO()

    call_command(
        "import_actors", str(stock), "--format", "sirene", "--legal-units", str(units), "--dry-run", stdout=out
    )

    text = out.getvalue()
    assert "ligne 2 : créé — « ASSOCIATION FICTIVE 1 »" in text
    assert "ligne 3 : créé — « ASSOCIATION FICTIVE 2 »" in text
    assert "Aperçu, rien n'est écrit — StockEtablissement.csv (source « sirene ») — 2 lignes lues : 2 créées." in text
    assert "\r" not in text  # not a terminal: no progress counter
    assert Actor.objects.count() == 0


def test_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_actors", str(tmp_path / "absent.csv"), stdout=io.StringIO())


def test_command_shows_progress_on_a_terminal(tmp_path):
    stock, units = sirene_files(tmp_path, [establishment(1)], [legal_unit(1)])

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    call_command("import_actors", str(stock), "--format", "sirene", "--legal-units", str(units), stdout=out)
    assert "\r100% — 1 lignes lues" in out.getvalue()
    assert "Import terminé" in out.getvalue()


# ---------------------------------------------------------------------------
# How new actors are written (a BulkWriter: COPY on PostgreSQL, executemany on SQLite)


def new_rows_file(client, tmp_path, directory_actors):
    """The export of `directory_actors`, as rows for new actors (no identifier, another SIRET and name)."""
    path = export_file(client, tmp_path)
    rows = read_export(path)
    header = rows[0]
    for n, row in enumerate(rows[1:], start=1):
        row[header.index("identifiant")] = ""
        row[header.index("SIRET")] = siret(7000 + n)
        row[header.index("nom")] = f"{row[header.index('nom')]} (copie)"
    return write_export(path, rows)


def test_new_actors_are_written_with_their_history_links_and_source_records(client, tmp_path, directory_actors):
    path = new_rows_file(client, tmp_path, directory_actors)
    editor = factories.staff_user()

    result = run_file(path, user=editor)

    assert result.written and result.counts["created"] == 2
    history = Actor.history.model
    fields = [f.attname for f in history._meta.concrete_fields if f.attname in {f.attname for f in Actor._meta.fields}]
    for original in directory_actors:
        actor = Actor.objects.get(name=f"{original.name} (copie)")
        assert by_name(result)[actor.name]["actor"] == actor.pk
        assert (actor.status, actor.source, actor.source_id) == (PublicationStatus.PENDING, Actor.Source.IMPORT, "")
        assert actor.slug == f"{original.slug}-copie"
        assert actor.siren == actor.siret[:9]
        # What normalise() derives, as save() would have it.
        search_text, name_words, completeness = actor.search_text, actor.name_words, actor.completeness
        actor.normalise()
        assert (actor.search_text, actor.name_words, actor.completeness) == (search_text, name_words, completeness)
        assert set(actor.sectors.all()) == set(original.sectors.all())
        for name in ("address", "postal_code", "commune_id", "neighbourhood_id", "latitude", "longitude", "phone"):
            assert getattr(actor, name) == getattr(original, name), name
        # One creation record, stamped as bulk_history_create stamps an import's records.
        record = actor.history.get()
        assert record.history_type == "+"
        assert record.history_user == editor
        assert record.history_change_reason == "Import « export » : export.csv"
        assert (record.history_source, record.history_source_detail) == (Origin.IMPORT, "export : export.csv")
        assert record.history_batch is None
        assert {name: getattr(record, name) for name in fields} == {name: getattr(actor, name) for name in fields}
        assert actor.created_at == actor.updated_at == record.history_date
        links = set(Actor.sectors.through.objects.filter(actor=actor).values_list("id", "actor_id", "sector_id"))
        assert set(record.sectors.values_list("id", "actor_id", "sector_id")) == links
        assert len(links) == original.sectors.count()
        assert not record.labels.exists() and not record.roles.exists()
        source_record = SourceRecord.objects.get(actor=actor)
        assert (source_record.source, source_record.source_id) == ("export", "")
        assert source_record.imported_at == record.history_date
        assert source_record.values == {
            "name": actor.name,
            "siret": actor.siret,
            "legal_form": actor.legal_form,
            "typology": actor.typology,
            "sectors": sorted(actor.sectors.values_list("slug", flat=True)),
            "address": actor.address,
            "postal_code": actor.postal_code,
            "commune": actor.commune.insee_code,
            "neighbourhood": actor.neighbourhood.slug if actor.neighbourhood else "",
            "latitude": f"{actor.latitude:.6f}" if actor.latitude is not None else "",
            "longitude": f"{actor.longitude:.6f}" if actor.longitude is not None else "",
            "website": actor.website,
            "email": actor.email,
            "phone": actor.phone,
            "short_description": actor.short_description,
            "is_fictional": actor.is_fictional,
        }
    # The keys came from the tables' own sequences: what is written next does not collide with them.
    later = factories.actor(name="Fiche créée après l'import")
    later.sectors.set(Sector.objects.filter(parent__isnull=False)[:1])
    assert later.pk > max(Actor.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    assert later.history.filter(history_type="+").count() == 1


def test_a_second_import_of_new_rows_finds_the_actors_the_first_wrote(client, tmp_path, directory_actors):
    path = new_rows_file(client, tmp_path, directory_actors)
    run_file(path)

    again = run_file(path)

    assert set(outcomes(again).values()) == {"unchanged"}
    assert Actor.objects.filter(name__endswith="(copie)").count() == 2


def test_rows_naming_an_actor_created_by_an_earlier_batch_are_matched(client, tmp_path, directory_actors, monkeypatch):
    # Batches of one row: the second row, without SIRET nor identifier, names (by name and commune) the actor
    # the first row created, which the writer must have written before the second batch looks it up.
    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    path = new_rows_file(client, tmp_path, directory_actors)
    rows = read_export(path)
    header = rows[0]
    rows[1][header.index("SIRET")] = ""
    write_export(path, [header, rows[1], rows[1]])

    result = run_file(path)

    assert outcomes(result) == {2: "created", 3: "unchanged"}
    assert Actor.objects.filter(name=rows[1][header.index("nom")]).count() == 1


def test_a_refused_copy_cancels_the_import_with_a_french_message(client, tmp_path, directory_actors, monkeypatch):
    # A slug taken between the batch's check and its writing (another writer): the database refuses the rows.
    path = new_rows_file(client, tmp_path, directory_actors)

    def same_slug(self, actors):
        for actor in actors:
            actor.slug = "meme-identifiant"

    monkeypatch.setattr(imports._Importer, "_give_slugs", same_slug)

    result = run_file(path)

    assert not result.written
    assert result.error.startswith("L'import a été annulé : la base de données a refusé une écriture")
    assert not Actor.objects.filter(name__endswith="(copie)").exists()
    assert result.run.state == ImportRun.State.REFUSED


def test_new_actors_are_checked_on_the_fields_the_row_sets_and_the_rest_is_valid_by_default():
    # _validate_new leaves out the fields a row does not set: at their defaults they must pass.
    actor = Actor(name="Fiche fictive", legal_form=Actor.LegalForm.ASSOCIATION, status=PublicationStatus.PENDING)
    actor.full_clean(exclude=["commune", "neighbourhood"], validate_unique=False, validate_constraints=False)
