import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from directory import services
from directory.models import Actor, PublicationStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_publish_actors_publishes_ready_actors_and_refuses_the_others_with_reasons():
    ready = factories.actor(name="Prête", status=PublicationStatus.DRAFT)
    no_description = factories.actor(name="Sans description", status=PublicationStatus.PENDING, short_description="")
    already = factories.actor(name="Déjà publiée")
    user = factories.staff_user(group="Modérateurs")

    result = services.publish_actors(actors=Actor.objects.all(), user=user)

    assert [a.name for a in result.published] == ["Prête"]
    assert [a.name for a in result.unchanged] == ["Déjà publiée"]
    assert [(a.name, problems) for a, problems in result.refused] == [
        ("Sans description", ["Une description est nécessaire pour publier la fiche."])
    ]
    ready.refresh_from_db()
    no_description.refresh_from_db()
    already.refresh_from_db()
    assert ready.status == PublicationStatus.PUBLISHED
    assert no_description.status == PublicationStatus.PENDING
    record = ready.history.latest()
    assert (record.status, record.history_user, record.history_change_reason) == ("published", user, "Publication")
    assert already.history.count() == 1  # unchanged actors get no new history record


def test_publish_actors_accepts_a_list_of_actors():
    actor = factories.actor(status=PublicationStatus.DRAFT)

    result = services.publish_actors(actors=[actor])

    assert result.published == [actor]
    assert Actor.objects.get(pk=actor.pk).status == PublicationStatus.PUBLISHED


def test_archive_actors_keeps_the_rows_and_records_who_archived_them():
    first, second = factories.actor(), factories.actor(status=PublicationStatus.ARCHIVED)
    user = factories.staff_user(group="Modérateurs")

    changed = services.archive_actors(actors=Actor.objects.all(), user=user)

    assert changed == [first]
    assert set(Actor.objects.values_list("status", flat=True)) == {PublicationStatus.ARCHIVED}
    assert first.history.latest().history_user == user
    assert second.history.count() == 1


def test_submit_actors_for_review_withdraws_published_actors_from_the_public():
    actor = factories.actor()

    services.submit_actors_for_review(actors=Actor.objects.filter(pk=actor.pk))

    assert not Actor.objects.published().exists()
    assert Actor.objects.get().status == PublicationStatus.PENDING


def test_mark_actors_verified_sets_today_by_default_and_records_history():
    actor = factories.actor()

    services.mark_actors_verified(actors=Actor.objects.all())

    actor.refresh_from_db()
    assert actor.last_verified_at == timezone.localdate()
    assert actor.history.latest().history_change_reason == "Vérification"


def test_mark_actors_verified_refuses_a_date_in_the_future_and_writes_nothing():
    factories.actor()

    with pytest.raises(ValidationError, match="futur"):
        services.mark_actors_verified(actors=Actor.objects.all(), on=timezone.localdate() + datetime.timedelta(days=1))

    assert Actor.objects.get().last_verified_at is None


def test_token_expiry_is_the_midnight_after_the_given_day_in_paris():
    expiry = services.token_expiry(datetime.date(2027, 6, 30))

    assert expiry == datetime.datetime(2027, 7, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def test_revoke_api_token_twice_is_refused_in_french():
    token, _secret = services.create_api_token(organisation=factories.actor(), name="synchro", scopes=[])
    services.revoke_api_token(token=token)

    with pytest.raises(ValidationError, match="déjà révoqué"):
        services.revoke_api_token(token=token)
