"""The staff admin of the directory: pages, query counts, bad input, actions, history, tokens, groups."""

import csv
import hashlib
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from directory.models import (
    Actor,
    ApiToken,
    Commune,
    Contact,
    Cooperation,
    Label,
    PublicationStatus,
    Role,
    Sector,
    Stage,
    SupportOffer,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

INLINE_PREFIXES = ["contacts", "support_offers", "cooperations_out", "cooperations_in"]


def valid_siret(siren_body: str, establishment: str = "0001") -> str:
    """A made-up, Luhn-valid SIRET for fictional actors, from 8 digits and an establishment number."""
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + establishment
    return body + luhn.calc_check_digit(body)


def actor_form_data(**overrides) -> dict:
    """POST data of a valid actor form, with empty inlines."""
    data = {
        "name": "Recyclerie fictive du canal",
        "legal_form": Actor.LegalForm.ASSOCIATION,
        "ess_status": Actor.EssStatus.STATUTORY,
        "typology": "militant",
        "address": "1 rue Fictive",
        "postal_code": "93100",
        "commune": str(factories.commune("93048").pk),
        "short_description": "Une recyclerie fictive.",
        "status": PublicationStatus.DRAFT,
        "source": Actor.Source.STAFF,
    }
    for prefix in INLINE_PREFIXES:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def superuser():
    return factories.staff_user(superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def populate(size: int) -> None:
    """`size` actors with sectors, labels, roles, a contact, an offer and a cooperation each, and tokens."""
    sectors = list(Sector.objects.filter(parent__isnull=False)[:2])
    labels = list(Label.objects.all()[:2])
    roles = list(Role.objects.all()[:2])
    previous = None
    for n in range(size):
        actor = factories.actor(commune=factories.commune("93055"), postal_code="93500")
        actor.sectors.set(sectors)
        actor.labels.set(labels)
        actor.roles.set(roles)
        factories.contact(actor=actor)
        factories.support_offer(provider=actor)
        if previous:
            factories.cooperation(source=previous, target=actor)
        previous = actor
        if n % 3 == 0:
            from directory import services

            services.create_api_token(organisation=actor, name=f"synchro {n}", scopes=["write:actors"])


# ---------------------------------------------------------------------------
# Pages and query counts

# Every changelist: session, user, result count, total count, rows (2 + 3), plus one query per
# prefetched relation, per related list filter, and two for a date hierarchy.
CHANGELIST_QUERIES = {
    # the data version instead of the total count (the count is kept per version, never the whole
    # table's); + sectors prefetch; filters commune, neighbourhood, sectors, labels, roles
    "actor": 5 + 1 + 5,
    "contact": 5,
    # + stages prefetch; filters stages, sectors
    "supportoffer": 5 + 1 + 2,
    # date hierarchy on since
    "cooperation": 5 + 2,
    "apitoken": 5,
    # filter department (distinct values)
    "commune": 5 + 1,
    # + communes prefetch; filter communes
    "neighbourhood": 5 + 1 + 1,
    # filter parent
    "sector": 5 + 1,
    "label": 5,
    "role": 5,
    "stage": 5,
}


@pytest.mark.parametrize("size", [3, 30])
def test_changelist_query_counts_do_not_grow_with_rows(admin_client, size):
    populate(size)

    counts = {}
    for model in CHANGELIST_QUERIES:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(f"admin:directory_{model}_changelist"))
        assert response.status_code == 200, model
        counts[model] = len(queries)

    assert counts == CHANGELIST_QUERIES


@pytest.mark.parametrize("size", [3, 30])
def test_actor_changelist_search_query_count_does_not_grow_with_rows(admin_client, django_assert_num_queries, size):
    populate(size)
    factories.actor(name="Épicerie solidaire fictive")
    admin_client.get(reverse("admin:directory_actor_changelist"), {"q": "epicerie"})  # vocabulary cached

    # The changelist's 11, the search's count (kept for the page), its common words and, on SQLite,
    # the names compared with typos (one query per query word).
    extra = 2 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(11 + extra):
        response = admin_client.get(reverse("admin:directory_actor_changelist"), {"q": "epiceri"})

    assert "Épicerie solidaire fictive" in [actor.name for actor in response.context["cl"].result_list]


def test_actor_changelist_finds_a_siret_typed_with_spaces(admin_client):
    siret = valid_siret("12345678")
    factories.actor(name="Avec SIRET", siret=siret)
    factories.actor(name="Sans SIRET")
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"

    response = admin_client.get(reverse("admin:directory_actor_changelist"), {"q": spaced})

    assert [a.name for a in response.context["cl"].result_list] == ["Avec SIRET"]


@pytest.mark.parametrize("term", ["ecole", "ÉCOLE", "Bagnolet", "93170"])
def test_actor_changelist_search_tolerates_accents_and_searches_the_commune(admin_client, term):
    factories.actor(name="École fictive du vélo", commune=factories.commune("93006"), postal_code="93170")
    factories.actor(name="Autre fiche fictive")

    response = admin_client.get(reverse("admin:directory_actor_changelist"), {"q": term})

    assert [a.name for a in response.context["cl"].result_list] == ["École fictive du vélo"]


def test_actor_add_form_renders_with_its_fieldsets_and_inlines(admin_client):
    response = admin_client.get(reverse("admin:directory_actor_add"))

    assert response.status_code == 200
    content = response.content.decode()
    for title in ["Identité", "Économie sociale et solidaire", "Lieu", "Publication et provenance"]:
        assert title in content
    assert [formset.formset.prefix for formset in response.context["inline_admin_formsets"]] == INLINE_PREFIXES


def test_actor_change_form_renders_with_related_records_and_a_view_on_site_link(admin_client):
    actor = factories.actor()
    factories.contact(actor=actor)
    factories.support_offer(provider=actor)
    factories.cooperation(source=actor)
    factories.cooperation(target=actor)

    response = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk]))

    assert response.status_code == 200
    assert response.context["has_absolute_url"] is True
    assert [len(formset.formset.forms) for formset in response.context["inline_admin_formsets"]] == [1, 1, 1, 1]


@pytest.mark.parametrize("rows", [1, 5])
def test_actor_change_form_query_count(admin_client, django_assert_num_queries, rows):
    actor = factories.actor()
    actor.sectors.set(Sector.objects.filter(parent__isnull=False)[:3])
    for _ in range(rows):
        factories.contact(actor=actor)
        factories.support_offer(provider=actor)
        factories.cooperation(source=actor)
        factories.cooperation(target=actor)
    ContentType.objects.clear_cache()

    # session, user, actor, its sectors, roles, labels, commune; the four inlines (offers with
    # their stages); the selected sectors and communes served of the autocomplete widgets; the
    # content type of « voir sur le site ». Then one query per offer and per outgoing
    # cooperation: Django's autocomplete widget fetches each inline row's selected options. The
    # versions the form carries: the actor's, and one query for each of the three edited inlines.
    with django_assert_num_queries(7 + 5 + 2 + 1 + 4 + 2 * rows):
        response = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk]))

    assert response.status_code == 200


def test_view_on_site_is_offered_only_for_published_actors(admin_client):
    draft = factories.actor(status=PublicationStatus.DRAFT)

    response = admin_client.get(reverse("admin:directory_actor_change", args=[draft.pk]))

    assert response.context["has_absolute_url"] is False


def test_view_on_site_leads_to_the_public_page(admin_client):
    actor = factories.actor()
    response = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk]))

    assert response.context["absolute_url"] == f"/annuaire/{actor.slug}/"
    public_page = admin_client.get(response.context["absolute_url"])
    assert public_page.status_code == 200
    assert actor.name in public_page.content.decode()


def test_adding_an_actor_saves_it_with_compacted_siret_and_records_the_staff_user(admin_client, superuser):
    siret = valid_siret("12345678")

    response = admin_client.post(
        reverse("admin:directory_actor_add"),
        actor_form_data(siret=f"{siret[:9]} {siret[9:]}", phone="+33 1 23 45 67 89"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    actor = Actor.objects.get()
    assert (actor.siret, actor.siren, actor.phone) == (siret, siret[:9], "01 23 45 67 89")
    assert actor.history.get().history_user == superuser


BAD_INPUT = [
    ({"siret": "12345678901234"}, "siret", "clé de contrôle"),
    ({"siret": "1234"}, "siret", "14 chiffres"),
    ({"postal_code": "93500"}, "postal_code", "ne correspond pas à Montreuil"),
    ({"latitude": "40.0", "longitude": "2.4"}, "latitude", "hors de France"),
    ({"latitude": "48.86"}, "longitude", "la latitude et la longitude"),
    ({"website": "pas une adresse"}, "website", "Saisissez une URL valide."),
    ({"email": "pas-un-courriel"}, "email", "Saisissez une adresse e-mail valide."),
    ({"phone": "12345"}, "phone", "Numéro de téléphone invalide"),
    ({"opening_hours": "le lundi matin"}, "opening_hours", "Horaires illisibles"),
    ({"status": PublicationStatus.PUBLISHED, "short_description": ""}, "status", "Une description est nécessaire"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_shows_a_french_error_on_the_field_and_saves_nothing(admin_client, overrides, field, message):
    response = admin_client.post(reverse("admin:directory_actor_add"), actor_form_data(**overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors[field]), errors
    assert not Actor.objects.exists()
    assert not Actor.history.exists()


def test_duplicate_siret_shows_a_french_error_on_the_siret_field(admin_client):
    siret = valid_siret("12345678")
    factories.actor(siret=siret)

    response = admin_client.post(reverse("admin:directory_actor_add"), actor_form_data(siret=siret))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["siret"] == [
        "Un acteur avec ce SIRET existe déjà dans l'annuaire."
    ]
    assert Actor.objects.count() == 1


def test_a_bad_inline_row_saves_neither_the_actor_nor_its_other_rows(admin_client):
    data = actor_form_data(
        **{
            "contacts-TOTAL_FORMS": "2",
            "contacts-0-last_name": "Fictive",
            "contacts-0-phone": "01 23 45 67 89",
            "contacts-1-last_name": "Publique sans consentement",
            "contacts-1-is_public": "on",
        }
    )

    response = admin_client.post(reverse("admin:directory_actor_add"), data)

    assert response.status_code == 200
    contact_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert contact_errors[1]["consent_date"] == [
        "Un contact ne peut être affiché publiquement sans la date de son consentement."
    ]
    assert not Actor.objects.exists()
    assert not Contact.objects.exists()


def test_a_duplicate_or_self_cooperation_in_the_inline_is_a_french_error_not_a_crash(admin_client):
    actor, partner = factories.actor(), factories.actor()
    existing = factories.cooperation(source=actor, target=partner)
    data = actor_form_data(
        name=actor.name,
        **{
            "cooperations_out-TOTAL_FORMS": "3",
            "cooperations_out-INITIAL_FORMS": "1",
            "cooperations_out-0-id": str(existing.pk),
            "cooperations_out-0-source": str(actor.pk),
            "cooperations_out-0-target": str(partner.pk),
            "cooperations_out-0-kind": existing.kind,
            "cooperations_out-1-target": str(partner.pk),
            "cooperations_out-1-kind": existing.kind,
            "cooperations_out-2-target": str(actor.pk),
            "cooperations_out-2-kind": Cooperation.Kind.POOLING,
        },
    )

    response = admin_client.post(reverse("admin:directory_actor_change", args=[actor.pk]), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][2].formset
    assert formset.errors[2] == {"target": ["Un acteur ne peut pas coopérer avec lui-même."]}
    assert formset.non_form_errors() == [
        "Deux lignes ont les mêmes valeurs pour : acteur, coopère avec et nature. Supprimez le doublon."
    ]
    assert Cooperation.objects.count() == 1
    assert Actor.objects.get(pk=actor.pk).name == actor.name


def test_an_actor_is_saved_with_its_contacts_offers_and_cooperations(admin_client, superuser):
    partner = factories.actor(name="Partenaire fictif")
    stage = Stage.objects.order_by("position").first()
    data = actor_form_data(
        **{
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-last_name": "Fictive",
            "support_offers-TOTAL_FORMS": "1",
            "support_offers-0-title": "Permanence fictive",
            "support_offers-0-kind": SupportOffer.Kind.COACHING,
            "support_offers-0-stages": [str(stage.pk)],
            "support_offers-0-target_typology": SupportOffer.TargetTypology.ALL,
            "support_offers-0-cost": SupportOffer.Cost.FREE,
            "support_offers-0-status": PublicationStatus.DRAFT,
            "cooperations_out-TOTAL_FORMS": "1",
            "cooperations_out-0-target": str(partner.pk),
            "cooperations_out-0-kind": Cooperation.Kind.POOLING,
        }
    )

    response = admin_client.post(reverse("admin:directory_actor_add"), data)

    assert response.status_code == 302
    actor = Actor.objects.get(name="Recyclerie fictive du canal")
    assert list(actor.contacts.values_list("last_name", flat=True)) == ["Fictive"]
    offer = actor.support_offers.get()
    assert list(offer.stages.all()) == [stage]
    assert offer.history.latest().history_user == superuser
    cooperation = actor.cooperations_out.get()
    assert (cooperation.target, cooperation.history.get().history_user) == (partner, superuser)


# ---------------------------------------------------------------------------
# Bulk actions


def streamed_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def run_action(client, action: str, actors, **extra):
    return client.post(
        reverse("admin:directory_actor_changelist"),
        {"action": action, "_selected_action": [str(a.pk) for a in actors], **extra},
    )


def test_publish_action_publishes_ready_actors_and_lists_the_refused_ones_with_reasons(admin_client, superuser):
    ready = factories.actor(name="Prête", status=PublicationStatus.DRAFT)
    incomplete = factories.actor(name="Incomplète", status=PublicationStatus.DRAFT, short_description="")

    response = run_action(admin_client, "publish", [ready, incomplete])

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 acteur publié.",
        "Non publié : « Incomplète ». Une description est nécessaire pour publier la fiche.",
    ]
    assert Actor.objects.get(pk=ready.pk).status == PublicationStatus.PUBLISHED
    assert Actor.objects.get(pk=incomplete.pk).status == PublicationStatus.DRAFT
    assert ready.history.latest().history_user == superuser


def test_publish_action_groups_refused_actors_by_reason(admin_client):
    no_description = [
        factories.actor(name=f"Sans description {n:02}", status="draft", short_description="") for n in range(22)
    ]
    nowhere = factories.actor(name="Sans commune", status="draft")
    Actor.objects.filter(pk=nowhere.pk).update(commune=None, postal_code="")

    response = run_action(admin_client, "publish", [*no_description, nowhere])

    names = ", ".join(f"« Sans description {n:02} »" for n in range(20))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Non publié : « Sans commune ». "
        "Indiquez la commune ou cochez « intervient sur tout le territoire » pour publier.",
        f"Non publiés : {names} et 2 autres. Une description est nécessaire pour publier la fiche.",
    ]
    assert not Actor.objects.published().exists()


def test_submit_for_review_action_withdraws_actors_from_the_public(admin_client):
    actor = factories.actor()

    run_action(admin_client, "submit_for_review", [actor])

    assert Actor.objects.get().status == PublicationStatus.PENDING


def test_archive_action_archives_instead_of_deleting(admin_client, superuser):
    kept, archived = factories.actor(), factories.actor()

    response = run_action(admin_client, "archive", [archived])

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 acteur archivé : il n'est plus visible du public."
    ]
    assert Actor.objects.count() == 2
    assert Actor.objects.get(pk=archived.pk).status == PublicationStatus.ARCHIVED
    assert Actor.objects.get(pk=kept.pk).status == PublicationStatus.PUBLISHED
    assert archived.history.latest().history_user == superuser


def test_mark_verified_action_records_today(admin_client):
    actor = factories.actor()

    run_action(admin_client, "mark_verified", [actor])

    assert Actor.objects.get().last_verified_at == timezone.localdate()


def test_csv_export_has_a_bom_semicolons_and_only_the_selected_actors(admin_client):
    sector = Sector.objects.filter(parent__isnull=False).select_related("parent").first()
    selected = factories.actor(name="Café fictif ; solidaire", siret=valid_siret("12345678"), phone="0123456789")
    selected.sectors.set([sector])
    factories.actor(name="Non sélectionné")
    injected = factories.actor(name="=HYPERLINK(fictif)")

    response = run_action(admin_client, "export_csv", [selected, injected])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acteurs-')
    body = streamed_text(response)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    assert [row["nom"] for row in rows] == ["'=HYPERLINK(fictif)", "Café fictif ; solidaire"]
    row = rows[1]
    assert row["SIRET"] == selected.siret
    assert row["commune"] == "Montreuil"
    assert row["code INSEE"] == "93048"
    assert row["secteurs"] == f"{sector.parent.name} › {sector.name}"
    assert row["forme juridique"] == "association"
    assert row["téléphone public"] == "01 23 45 67 89"
    assert row["état de publication"] == "publié"


@pytest.mark.parametrize("size", [3, 30])
def test_csv_export_query_count_does_not_grow_with_rows(admin_client, django_assert_num_queries, size):
    populate(size)
    selected = [str(pk) for pk in Actor.objects.values_list("pk", flat=True)]

    # session, user; the changelist behind the action: its 5 related filters (built twice by
    # Django for an action) and 2 counts; then the export: actors with commune and neighbourhood,
    # sectors with their parent, labels, roles.
    with django_assert_num_queries(2 + 5 * 2 + 2 + 4):
        response = admin_client.post(
            reverse("admin:directory_actor_changelist"), {"action": "export_csv", "_selected_action": selected}
        )
        body = streamed_text(response)

    assert body.count("\r\n") == size + 1


# ---------------------------------------------------------------------------
# History


def test_history_page_shows_who_changed_the_actor(admin_client, superuser):
    actor = factories.actor()
    data = actor_form_data(name="Nouveau nom fictif", status=PublicationStatus.PUBLISHED)
    admin_client.post(reverse("admin:directory_actor_change", args=[actor.pk]), data)

    response = admin_client.get(reverse("admin:directory_actor_history", args=[actor.pk]))

    assert response.status_code == 200
    assert actor.history.latest().history_user == superuser
    assert superuser.username in response.content.decode()


def test_reverting_to_a_previous_version_restores_it_with_its_sectors_and_records_who_reverted(admin_client, superuser):
    old_sector, new_sector = Sector.objects.filter(parent__isnull=False)[:2]
    actor = factories.actor(name="Nom d'origine fictif")
    actor.sectors.set([old_sector])
    version = actor.history.latest()
    admin_client.post(
        reverse("admin:directory_actor_change", args=[actor.pk]),
        actor_form_data(name="Nom modifié fictif", status="published", sectors=[str(new_sector.pk)]),
    )
    assert list(Actor.objects.get().sectors.all()) == [new_sector]
    revert_url = reverse("admin:directory_actor_simple_history", args=[actor.pk, version.history_id])

    page = admin_client.get(revert_url)
    initial = page.context["adminform"].form.initial
    assert (initial["name"], initial["sectors"]) == ("Nom d'origine fictif", [old_sector.pk])
    response = admin_client.post(
        revert_url, actor_form_data(name=initial["name"], status="published", sectors=[str(old_sector.pk)])
    )

    assert response.status_code == 302
    actor = Actor.objects.get()
    assert (actor.name, list(actor.sectors.all())) == ("Nom d'origine fictif", [old_sector])
    assert actor.history.latest().history_user == superuser


@pytest.mark.parametrize("model", ["supportoffer", "cooperation"])
def test_offers_and_cooperations_have_a_history_page(admin_client, model):
    obj = factories.support_offer() if model == "supportoffer" else factories.cooperation()

    response = admin_client.get(reverse(f"admin:directory_{model}_history", args=[obj.pk]))

    assert response.status_code == 200
    assert obj.history.exists()


# ---------------------------------------------------------------------------
# API tokens


def test_token_creation_shows_the_secret_once_and_stores_only_its_hash(admin_client, superuser):
    partner = factories.actor(name="Partenaire fictif")

    response = admin_client.post(
        reverse("admin:directory_apitoken_add"),
        {"organisation": str(partner.pk), "name": "synchro nocturne", "scopes": ["read:unpublished", "write:actors"]},
        follow=True,
    )

    token = ApiToken.objects.get()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    secret = warnings[0].rsplit(" ", 1)[1]
    assert secret.startswith(f"ess_{token.prefix}_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.organisation, token.name, token.created_by) == (partner, "synchro nocturne", superuser)
    assert token.scopes == ["read:unpublished", "write:actors"]
    assert token.expires_at is None

    change_page = admin_client.get(reverse("admin:directory_apitoken_change", args=[token.pk])).content.decode()
    changelist = admin_client.get(reverse("admin:directory_apitoken_changelist")).content.decode()
    for page in (change_page, changelist):
        assert secret not in page
        assert token.key_hash not in page
        assert token.prefix in page


def test_token_creation_with_an_expiry_day_and_refusal_of_a_past_day(admin_client):
    partner = factories.actor()
    url = reverse("admin:directory_apitoken_add")

    refused = admin_client.post(url, {"organisation": str(partner.pk), "name": "vieux", "expires_on": "2020-01-01"})
    assert refused.context["adminform"].form.errors["expires_on"] == ["La date d'expiration est déjà passée."]
    assert not ApiToken.objects.exists()

    admin_client.post(url, {"organisation": str(partner.pk), "name": "temporaire", "expires_on": "2099-06-30"})
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at).isoformat() == "2099-07-01T00:00:00+02:00"


def test_revoke_action_revokes_active_tokens(admin_client):
    from directory import services

    token, _secret = services.create_api_token(organisation=factories.actor(), name="synchro", scopes=[])

    response = admin_client.post(
        reverse("admin:directory_apitoken_changelist"), {"action": "revoke", "_selected_action": [str(token.pk)]}
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 jeton révoqué : il ne donne plus accès à l'API."
    ]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.active().filter(pk=token.pk).exists()


def test_token_change_form_edits_name_and_scopes_only(admin_client):
    from directory import services

    token, _secret = services.create_api_token(organisation=factories.actor(), name="ancien", scopes=[])
    key_hash = token.key_hash

    admin_client.post(
        reverse("admin:directory_apitoken_change", args=[token.pk]), {"name": "nouveau", "scopes": ["write:actors"]}
    )

    token.refresh_from_db()
    assert (token.name, token.scopes, token.key_hash) == ("nouveau", ["write:actors"], key_hash)


# ---------------------------------------------------------------------------
# Staff groups


def test_editors_edit_actors_but_cannot_publish_archive_or_delete_them(client):
    editor = factories.staff_user(group="Éditeurs")
    actor = factories.actor()
    client.force_login(editor)

    changelist = client.get(reverse("admin:directory_actor_changelist"))
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]

    assert actions == ["", "submit_for_review", "mark_verified", "export_csv"]
    assert client.get(reverse("admin:directory_actor_delete", args=[actor.pk])).status_code == 403
    assert client.get(reverse("admin:directory_actor_change", args=[actor.pk])).context["has_change_permission"]
    assert client.get(reverse("admin:directory_apitoken_add")).status_code == 403


def test_editors_may_remove_a_contact_who_withdraws_consent():
    editor = factories.staff_user(group="Éditeurs")

    assert editor.has_perm("directory.delete_contact")
    assert not editor.has_perm("directory.delete_actor")


def test_moderators_publish_and_archive_but_do_not_delete(client):
    moderator = factories.staff_user(group="Modérateurs")
    actor = factories.actor()
    client.force_login(moderator)

    changelist = client.get(reverse("admin:directory_actor_changelist"))
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]

    assert actions == ["", "publish", "submit_for_review", "archive", "mark_verified", "export_csv"]
    assert client.get(reverse("admin:directory_actor_delete", args=[actor.pk])).status_code == 403


def test_superusers_keep_bulk_deletion(admin_client):
    changelist = admin_client.get(reverse("admin:directory_actor_changelist"))

    assert "delete_selected" in dict(changelist.context["action_form"].fields["action"].choices)


def test_read_only_staff_can_view_and_export_but_change_nothing(client):
    reader = factories.staff_user(group="Lecture seule")
    actor = factories.actor(name="Nom fictif")
    client.force_login(reader)

    changelist = client.get(reverse("admin:directory_actor_changelist"))
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    change_page = client.get(reverse("admin:directory_actor_change", args=[actor.pk]))
    post = client.post(reverse("admin:directory_actor_change", args=[actor.pk]), actor_form_data(name="Piratage"))

    assert changelist.status_code == 200
    assert actions == ["", "export_csv"]
    assert change_page.status_code == 200
    assert change_page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert client.get(reverse("admin:directory_actor_add")).status_code == 403
    run_action(client, "archive", [actor])  # not offered, hence refused
    assert Actor.objects.get().name == "Nom fictif"
    assert Actor.objects.get().status == PublicationStatus.PUBLISHED


def test_autocomplete_of_sectors_answers_in_one_query_per_page(admin_client, django_assert_num_queries):
    url = reverse("admin:autocomplete")
    params = {"app_label": "directory", "model_name": "actor", "field_name": "sectors", "term": ""}

    # session, user, count (pagination), sectors with their parent
    with django_assert_num_queries(4):
        response = admin_client.get(url, params)

    results = response.json()["results"]
    assert results
    assert any("›" in result["text"] for result in results)


def test_commune_admin_lists_the_nine_member_communes_first(admin_client):
    response = admin_client.get(reverse("admin:directory_commune_changelist"))

    names = [c.name for c in response.context["cl"].result_list]
    members = list(Commune.objects.in_territory().order_by("name").values_list("name", flat=True))
    assert names[:9] == members


def test_actor_change_form_tells_what_is_missing_before_publication(admin_client):
    actor = factories.actor(status=PublicationStatus.DRAFT, short_description="")

    response = admin_client.get(reverse("admin:directory_actor_change", args=[actor.pk]))

    assert "Une description est nécessaire pour publier la fiche." in response.content.decode()


def test_commune_postal_codes_are_typed_as_a_comma_separated_list(admin_client):
    url = reverse("admin:directory_commune_add")
    data = {"insee_code": "93066", "name": "Saint-Denis", "slug": "saint-denis", "department_code": "93"}

    refused = admin_client.post(url, {**data, "postal_codes": "93200, 932"})
    admin_client.post(url, {**data, "postal_codes": "93200, 93210"})

    assert refused.context["adminform"].form.errors["postal_codes"] == ["Un code postal compte exactement 5 chiffres."]
    assert Commune.objects.get(insee_code="93066").postal_codes == ["93200", "93210"]
    change_page = admin_client.get(
        reverse("admin:directory_commune_change", args=[Commune.objects.get(insee_code="93066").pk])
    )
    assert 'value="93200, 93210"' in change_page.content.decode()
