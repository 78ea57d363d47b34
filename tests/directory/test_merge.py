"""Merging two actors: every link moves, duplicates collapse, history on both, stale merges refused, redirects."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from directory import merge
from directory.history import Origin, provenance
from directory.models import (
    Actor,
    ApiToken,
    ChangeRequest,
    Claim,
    Commune,
    Contact,
    Cooperation,
    Label,
    PublicationStatus,
    Representative,
    Role,
    Sector,
    SourceRecord,
    SupportOffer,
)
from directory.versions import StaleEdit, current_version
from projects.models import Consultation, ConsultationParticipant, FundingLine, Initiative, Involvement, Site
from tests import factories
from tests.projects import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


def valid_siret(siren_body: str, establishment: str = "0001") -> str:
    """A made-up, Luhn-valid SIRET, from 8 digits and an establishment number."""
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + establishment
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def moderator():
    return factories.staff_user(group="Modérateurs")


def links_to(actor: Actor) -> dict[str, int]:
    """How many rows of each relation still point to `actor` (every relation, whatever its app)."""
    found = {}
    for relation in Actor._meta.related_objects:
        n = relation.related_model._base_manager.filter(**{relation.field.name: actor}).count()
        if n:
            found[f"{relation.related_model._meta.label}.{relation.field.name}"] = n
    return found


@pytest.fixture
def world():
    """A survivor and a duplicate, each linked to everything an actor can be linked to."""
    survivor = factories.actor(name="Recyclerie fictive du canal", email="", website="https://survivante.example.org")
    merged = factories.actor(
        name="Recylerie fictive du Canal",
        email="contact@doublon.example.org",
        siret=valid_siret("12345678"),
        status=PublicationStatus.PENDING,
    )
    other, another = factories.actor(name="Voisin fictif"), factories.actor(name="Autre voisin fictif")
    sectors = list(Sector.objects.filter(parent__isnull=False)[:3])
    survivor.sectors.set(sectors[:2])
    merged.sectors.set(sectors[1:])
    merged.labels.set(Label.objects.all()[:1])
    merged.roles.set(Role.objects.all()[:1])
    merged.communes_served.set(Commune.objects.in_territory()[:2])

    offer = factories.support_offer(provider=merged)
    # Cooperations: one that moves each way, one the survivor already has (it collapses), one between the two.
    moves_out = factories.cooperation(source=merged, target=other, kind=Cooperation.Kind.SUPPLY)
    moves_in = factories.cooperation(source=another, target=merged, kind=Cooperation.Kind.POOLING)
    factories.cooperation(source=survivor, target=other, kind=Cooperation.Kind.PARTNERSHIP)
    twin = factories.cooperation(source=merged, target=other, kind=Cooperation.Kind.PARTNERSHIP)
    between = factories.cooperation(source=merged, target=survivor, kind=Cooperation.Kind.SHARED_PROJECT)
    contact = factories.contact(actor=merged)
    token, _secret = factories.api_token(organisation=merged)

    shared = f.initiative(lead_actor=merged)
    Involvement.objects.create(initiative=shared, actor=survivor, role=Involvement.Role.PARTNER)
    twin_involvement = Involvement.objects.create(initiative=shared, actor=merged, role=Involvement.Role.PARTNER)
    involvement = Involvement.objects.create(initiative=shared, actor=merged, role=Involvement.Role.FUNDER)
    funding = f.funding_line(shared, funder=merged)
    site = f.site(owner=merged)
    site.occupants.set([merged])
    shared_site = f.site()
    shared_site.occupants.set([merged, survivor])
    consultation = Consultation.objects.create(
        initiative=shared,
        held_on=datetime.date(2024, 3, 1),
        title="Atelier fictif",
        format=Consultation.Format.WORKSHOP,
        participation_level=Consultation.Level.CONSULTATION,
    )
    consultation.actors.set([merged])

    both = User.objects.create_user("representante", email="representante@example.org")
    only = User.objects.create_user("representant", email="representant@example.org")
    Representative.objects.create(user=both, actor=survivor)
    twin_representative = Representative.objects.create(user=both, actor=merged)
    representative = Representative.objects.create(user=only, actor=merged)
    claim = Claim.objects.create(
        actor=merged, method=Claim.Method.REVIEW, name="Camille Fictive", email="c@example.org"
    )
    request = ChangeRequest.objects.create(kind=ChangeRequest.Kind.CORRECTION, actor=merged, changes={"phone": "x"})
    now = timezone.now()
    SourceRecord.objects.create(actor=survivor, source="sirene", values={}, imported_at=now)
    twin_source = SourceRecord.objects.create(actor=merged, source="sirene", values={}, imported_at=now)
    source = SourceRecord.objects.create(actor=merged, source="rna", values={}, imported_at=now)
    earlier = factories.actor(name="Ancien doublon fictif", status=PublicationStatus.ARCHIVED, merged_into=merged)
    return {
        "survivor": survivor,
        "merged": merged,
        "other": other,
        "another": another,
        "sectors": sectors,
        "offer": offer,
        "moves_out": moves_out,
        "moves_in": moves_in,
        "twin": twin,
        "between": between,
        "contact": contact,
        "token": token,
        "initiative": shared,
        "twin_involvement": twin_involvement,
        "involvement": involvement,
        "funding": funding,
        "site": site,
        "shared_site": shared_site,
        "consultation": consultation,
        "twin_representative": twin_representative,
        "representative": representative,
        "claim": claim,
        "request": request,
        "twin_source": twin_source,
        "source": source,
        "earlier": earlier,
    }


def run_merge(world, user, **kwargs):
    with provenance(Origin.ADMIN, detail=user.username):
        return merge.merge_actors(survivor=world["survivor"], merged=world["merged"], user=user, **kwargs)


# ---------------------------------------------------------------------------
# The service


def test_a_merge_moves_every_link_to_the_survivor_and_archives_the_other(world, moderator):
    survivor, merged = world["survivor"], world["merged"]

    result = run_merge(world, moderator)

    assert links_to(merged) == {}
    merged.refresh_from_db()
    assert (merged.status, merged.merged_into) == (PublicationStatus.ARCHIVED, survivor)
    assert Actor.objects.filter(pk=merged.pk).exists()  # never deleted
    assert SupportOffer.objects.get(pk=world["offer"].pk).provider == survivor
    assert Cooperation.objects.get(pk=world["moves_out"].pk).source == survivor
    assert Cooperation.objects.get(pk=world["moves_in"].pk).target == survivor
    assert Contact.objects.get(pk=world["contact"].pk).actor == survivor
    assert ApiToken.objects.get(pk=world["token"].pk).organisation == survivor
    assert Initiative.objects.get(pk=world["initiative"].pk).lead_actor == survivor
    assert Involvement.objects.get(pk=world["involvement"].pk).actor == survivor
    assert FundingLine.objects.get(pk=world["funding"].pk).funder == survivor
    assert Site.objects.get(pk=world["site"].pk).owner == survivor
    assert list(world["site"].occupants.all()) == [survivor]
    assert list(world["shared_site"].occupants.all()) == [survivor]
    assert list(world["consultation"].actors.all()) == [survivor]
    assert Representative.objects.get(pk=world["representative"].pk).actor == survivor
    assert Claim.objects.get(pk=world["claim"].pk).actor == survivor
    assert ChangeRequest.objects.get(pk=world["request"].pk).actor == survivor
    assert SourceRecord.objects.get(pk=world["source"].pk).actor == survivor
    assert Actor.objects.get(pk=world["earlier"].pk).merged_into == survivor
    assert set(survivor.sectors.all()) == set(world["sectors"])
    assert survivor.labels.count() == survivor.roles.count() == 1
    assert survivor.communes_served.count() == 2
    assert result.moved["coopérations"] == 2
    assert result.dropped == {
        "coopérations": 2,
        "acteurs impliqués": 1,
        "lieux": 1,
        "représentants des structures": 1,
        "valeurs des sources": 1,
    }


def test_links_the_survivor_already_has_and_the_cooperation_between_the_two_collapse(world, moderator):
    run_merge(world, moderator)

    survivor = world["survivor"]
    for dropped in ("twin", "between"):
        assert not Cooperation.objects.filter(pk=world[dropped].pk).exists()
    assert not Involvement.objects.filter(pk=world["twin_involvement"].pk).exists()
    assert not Representative.objects.filter(pk=world["twin_representative"].pk).exists()
    assert not SourceRecord.objects.filter(pk=world["twin_source"].pk).exists()
    assert not Cooperation.objects.filter(source=survivor, target=survivor).exists()
    assert Cooperation.objects.filter(source=survivor, target=world["other"]).count() == 2  # partnership, supply
    assert Involvement.objects.filter(initiative=world["initiative"], actor=survivor).count() == 2
    # Dropped rows with a history keep their deletion record, restorable.
    deleted = Cooperation.history.filter(id=world["twin"].pk, history_type="-").get()
    assert deleted.history_batch is not None


def test_a_merge_is_in_the_history_of_both_records_and_of_what_moved(world, moderator):
    survivor, merged = world["survivor"], world["merged"]
    reason = "Fusion de Recylerie fictive du Canal dans Recyclerie fictive du canal"

    run_merge(world, moderator)

    for actor in (survivor, merged):
        record = actor.history.latest()
        assert (record.history_change_reason, record.history_user, record.history_source) == (
            reason,
            moderator,
            Origin.ADMIN,
        )
    assert {sector.sector_id for sector in survivor.history.latest().sectors.all()} == {s.pk for s in world["sectors"]}
    for model, pk in [
        (Cooperation, world["moves_out"].pk),
        (Contact, world["contact"].pk),
        (SupportOffer, world["offer"].pk),
        (Involvement, world["involvement"].pk),
        (FundingLine, world["funding"].pk),
        (Initiative, world["initiative"].pk),
        (Site, world["site"].pk),
        (Site, world["shared_site"].pk),
        (ConsultationParticipant, world["consultation"].participants.get().pk),
    ]:
        record = model.history.filter(id=pk).latest()
        assert (record.history_change_reason, record.history_user, record.history_source) == (
            reason,
            moderator,
            Origin.ADMIN,
        ), model
    site_record = Site.history.filter(id=world["site"].pk).latest()
    assert [row.actor_id for row in site_record.occupants.all()] == [survivor.pk]
    # One entry per record whose members changed, with a new « modifié le » where the record has one (a
    # consultation's participants are records of their own, moved above).
    assert Site.history.filter(id=world["shared_site"].pk, history_change_reason=reason).count() == 1
    assert Site.objects.get(pk=world["shared_site"].pk).updated_at > world["shared_site"].updated_at


def test_fields_chosen_are_taken_from_the_merged_record_and_a_siret_moves(world, moderator):
    survivor, merged = world["survivor"], world["merged"]
    siret = merged.siret

    run_merge(world, moderator, fields=["email", "siret", "siren"])

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert (survivor.email, survivor.siret, survivor.siren) == ("contact@doublon.example.org", siret, siret[:9])
    assert survivor.website == "https://survivante.example.org"  # not chosen: the survivor's
    assert survivor.name == "Recyclerie fictive du canal"
    assert merged.siret == ""


def test_a_survivor_made_invalid_by_the_choices_is_refused_and_nothing_is_written(world, moderator):
    world["merged"].commune = factories.commune("93006")  # Bagnolet, whose postal code is not 93100
    world["merged"].postal_code = "93170"
    world["merged"].save()

    with pytest.raises(ValidationError) as refused:
        run_merge(world, moderator, fields=["commune"])

    assert "postal_code" in refused.value.message_dict
    merged = Actor.objects.get(pk=world["merged"].pk)
    assert (merged.status, merged.merged_into_id) == (PublicationStatus.PENDING, None)
    assert SupportOffer.objects.get(pk=world["offer"].pk).provider == merged
    assert merged.sectors.count() == 2


def test_a_stale_merge_is_refused_with_who_changed_what(world, moderator):
    survivor, merged = world["survivor"], world["merged"]
    versions = (current_version(survivor), current_version(merged))
    merged.phone = "01 48 70 00 00"
    merged._history_user = factories.staff_user(username="collegue")
    merged.save()

    with pytest.raises(StaleEdit) as refused:
        run_merge(world, moderator, versions=versions)

    assert "« Recylerie fictive du Canal » a été modifiée depuis l'ouverture du formulaire, par collegue" in str(
        refused.value.messages[0]
    )
    assert "téléphone public" in refused.value.messages[0]
    assert Actor.objects.get(pk=merged.pk).merged_into_id is None
    assert links_to(merged)


def test_current_versions_let_the_merge_through(world, moderator):
    versions = (current_version(world["survivor"]), current_version(world["merged"]))

    run_merge(world, moderator, versions=versions)

    assert Actor.objects.get(pk=world["merged"].pk).merged_into == world["survivor"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "Une fiche ne peut pas être fusionnée avec elle-même."),
        ("already", "« Ancien doublon fictif » a déjà été fusionnée dans une autre fiche."),
        ("unknown", "Champs inconnus : slug."),
    ],
)
def test_impossible_merges_are_refused_in_french(world, moderator, case, message):
    survivor, merged, fields = world["survivor"], world["merged"], []
    if case == "itself":
        merged = survivor
    elif case == "already":
        merged = world["earlier"]
    else:
        fields = ["slug"]

    with pytest.raises(ValidationError) as refused:
        merge.merge_actors(survivor=survivor, merged=merged, user=moderator, fields=fields)

    assert refused.value.messages == [message]


def test_only_staff_who_may_change_and_delete_actors_merge(world):
    editor = factories.staff_user(group="Éditeurs")

    with pytest.raises(PermissionDenied):
        run_merge(world, editor)

    assert merge.can_merge(factories.staff_user(group="Modérateurs"))
    assert merge.can_merge(factories.staff_user(superuser=True))
    assert not merge.can_merge(factories.staff_user(group="Lecture seule"))
    assert links_to(world["merged"])


# ---------------------------------------------------------------------------
# The merged record's addresses


def test_the_merged_public_page_redirects_permanently_to_the_survivor(world, moderator, client):
    run_merge(world, moderator)

    response = client.get(world["merged"].get_absolute_url())

    assert response.status_code == 301
    assert response["Location"] == world["survivor"].get_absolute_url()


def test_the_merged_page_is_a_404_while_the_survivor_is_not_published(world, moderator, client):
    Actor.objects.filter(pk=world["survivor"].pk).update(status=PublicationStatus.DRAFT)
    run_merge(world, moderator)

    assert client.get(world["merged"].get_absolute_url()).status_code == 404
    assert client.get("/annuaire/aucune-fiche-de-ce-nom/").status_code == 404


def test_the_merged_record_in_the_api_answers_301_with_the_survivor_address(world, moderator, client):
    run_merge(world, moderator)

    response = client.get(f"/api/v1/actors/{world['merged'].slug}/?format=json")

    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api/v1/actors/{world['survivor'].slug}/?format=json"
    assert client.get(response["Location"]).json()["slug"] == world["survivor"].slug


def test_staff_reading_archived_records_are_redirected_too(world, moderator, client):
    run_merge(world, moderator)
    client.force_login(moderator)

    response = client.get(f"/api/v1/actors/{world['merged'].slug}/")

    assert response.status_code == 301
    assert response["Location"].endswith(f"/api/v1/actors/{world['survivor'].slug}/")


# ---------------------------------------------------------------------------
# The admin's confirmation page


def merge_url(first: Actor, second: Actor, survivor: Actor | None = None) -> str:
    url = reverse("admin:directory_actor_merge", args=[first.pk, second.pk])
    return f"{url}?conserver={survivor.pk}" if survivor else url


def confirmation_data(page, **choices) -> dict:
    form = page.context["form"]
    data = {name: form[name].value() for name in ("survivor", "survivor_version", "merged_version")}
    for name in form.fields:
        if name.startswith("keep_"):
            data[name] = form[name].value()
    data.update(choices)
    return {key: "" if value is None else value for key, value in data.items()}


def test_the_confirmation_page_shows_both_records_and_the_choices_where_they_differ(world, moderator, client):
    client.force_login(moderator)
    survivor, merged = world["survivor"], world["merged"]

    page = client.get(merge_url(survivor, merged, survivor))

    assert page.status_code == 200
    content = page.content.decode()
    assert "Recyclerie fictive du canal" in content and "Recylerie fictive du Canal" in content
    form = page.context["form"]
    assert {"keep_name", "keep_email", "keep_siret", "keep_website"} <= set(form.fields)
    assert "keep_legal_form" not in form.fields  # the same on both
    assert form["keep_email"].value() == survivor.pk  # the survivor's by default
    links = {label: (a, b) for label, a, b in page.context["links"]}
    assert links["coopérations"] == (2, 4)  # the one between them counts on both


def test_confirming_merges_with_the_values_chosen_and_leads_to_the_survivor(world, moderator, client):
    client.force_login(moderator)
    survivor, merged = world["survivor"], world["merged"]
    page = client.get(merge_url(survivor, merged, survivor))

    response = client.post(merge_url(survivor, merged), confirmation_data(page, keep_email=merged.pk))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:directory_actor_change", args=[survivor.pk])
    survivor.refresh_from_db()
    assert survivor.email == "contact@doublon.example.org"
    assert Actor.objects.get(pk=merged.pk).merged_into == survivor
    record = survivor.history.latest()
    assert (record.history_user, record.history_source) == (moderator, Origin.ADMIN)
    assert links_to(merged) == {}


def test_the_other_record_may_be_kept_instead(world, moderator, client):
    client.force_login(moderator)
    survivor, merged = world["survivor"], world["merged"]
    page = client.get(merge_url(survivor, merged, merged))

    client.post(merge_url(survivor, merged), confirmation_data(page))

    assert Actor.objects.get(pk=survivor.pk).merged_into_id == merged.pk
    assert SupportOffer.objects.get(pk=world["offer"].pk).provider_id == merged.pk


def test_a_merge_confirmed_after_someone_changed_a_record_is_refused_and_shown_again(world, moderator, client):
    client.force_login(moderator)
    survivor, merged = world["survivor"], world["merged"]
    page = client.get(merge_url(survivor, merged, survivor))
    merged.phone = "01 48 70 00 00"
    merged.save()

    refused = client.post(merge_url(survivor, merged), confirmation_data(page))

    assert refused.status_code == 200
    assert "a été modifiée depuis l'ouverture du formulaire" in refused.context["errors"][0]
    assert Actor.objects.get(pk=merged.pk).merged_into_id is None
    # Shown again with the current versions: confirming now merges knowingly.
    again = client.post(merge_url(survivor, merged), confirmation_data(refused))
    assert again.status_code == 302
    assert Actor.objects.get(pk=merged.pk).merged_into == survivor


def test_an_invalid_choice_is_a_french_message_on_the_page(world, moderator, client):
    client.force_login(moderator)
    survivor, merged = world["survivor"], world["merged"]
    Actor.objects.filter(pk=merged.pk).update(short_description="", description="")
    Actor.objects.filter(pk=survivor.pk).update(description="")
    page = client.get(merge_url(survivor, merged, survivor))

    refused = client.post(merge_url(survivor, merged), confirmation_data(page, keep_short_description=merged.pk))

    assert refused.status_code == 200
    assert refused.context["errors"] == ["État de publication : Une description est nécessaire pour publier la fiche."]
    assert Actor.objects.get(pk=merged.pk).merged_into_id is None


@pytest.mark.parametrize("group", ["Éditeurs", "Lecture seule"])
def test_staff_who_may_not_delete_actors_cannot_open_the_merge(world, client, group):
    client.force_login(factories.staff_user(group=group))

    assert client.get(merge_url(world["survivor"], world["merged"])).status_code == 403
    assert client.post(merge_url(world["survivor"], world["merged"]), {}).status_code == 403
    assert Actor.objects.get(pk=world["merged"].pk).merged_into_id is None


def test_unknown_records_are_a_404(world, moderator, client):
    client.force_login(moderator)
    survivor = world["survivor"]

    assert client.get(reverse("admin:directory_actor_merge", args=[survivor.pk, 999999])).status_code == 404
    assert client.get(reverse("admin:directory_actor_merge", args=[survivor.pk, survivor.pk])).status_code == 404
    assert client.get(merge_url(survivor, world["merged"]) + "?conserver=abc").status_code == 200


def test_a_record_already_merged_cannot_be_merged_again(world, moderator, client):
    client.force_login(moderator)

    page = client.get(merge_url(world["survivor"], world["earlier"]))

    assert page.status_code == 200
    assert "a déjà été fusionnée dans une autre fiche" in page.content.decode()
    assert 'type="submit"' not in page.content.decode().split('id="merge-form"')[1]


@pytest.mark.parametrize("extra", [0, 5])
def test_confirmation_page_query_count(world, moderator, client, django_assert_num_queries, extra):
    client.force_login(moderator)
    for _ in range(extra):
        factories.support_offer(provider=world["merged"])
        factories.contact(actor=world["merged"])
    # A many-to-many relation through a model of its own (a consultation's participants) is counted
    # through that model's foreign key, which is a relation too.
    relations = len(
        [
            relation
            for relation in Actor._meta.related_objects
            if not (relation.many_to_many and not relation.through._meta.auto_created)
        ]
    )

    # session, user and its permissions (user's, groups'); both actors, their sectors, labels, roles and
    # communes served; both versions; one count per kind of linked record.
    with django_assert_num_queries(2 + 2 + 1 + 4 + 2 + relations):
        response = client.get(merge_url(world["survivor"], world["merged"], world["survivor"]))

    assert response.status_code == 200
