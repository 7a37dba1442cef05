"""The audience's pages in English and in Spanish: chosen by the browser's
Accept-Language or by the switcher, and in Spanish with no English left."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from tests.support.pages import english_left, text_of

pytestmark = pytest.mark.django_db

VOTE_PAGE = "/polls/cats-vs-dogs/"


@pytest.mark.parametrize("path", ["/", VOTE_PAGE, "/polls/cats-vs-dogs/results/"])
def test_a_spanish_browser_gets_spanish_pages_with_no_english(poll, redis_db, path):
    page = Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5").get(path)

    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    assert '<html lang="es">' in page.content.decode()
    assert english_left(page.content.decode()) == []


def test_an_english_or_unknown_language_gets_english(poll, redis_db):
    for accept in ("en-GB,en;q=0.9", "de-DE,de;q=0.9", ""):
        page = Client(HTTP_ACCEPT_LANGUAGE=accept).get("/").content.decode()

        assert '<html lang="en">' in page
        assert "Join with the code on the screen" in page


def test_the_switcher_changes_the_language_and_keeps_it(poll, redis_db):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(VOTE_PAGE).content.decode()
    assert 'name="language"' in page and 'action="/i18n/setlang/"' in page

    answer = browser.post("/i18n/setlang/", {"language": "es", "next": VOTE_PAGE})

    assert answer.status_code == 302
    assert answer["Location"] == VOTE_PAGE
    page = browser.get(VOTE_PAGE).content.decode()  # the browser still asks for English
    assert '<html lang="es">' in page
    assert "Toca una opción para votar." in page
    assert english_left(page) == []


def test_a_refused_vote_is_explained_in_spanish(poll, redis_db):
    browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    browser.get(VOTE_PAGE)

    answer = browser.post(VOTE_PAGE, {"option": "parrots"})

    assert answer.status_code == 400
    assert "Esa no es una opción de esta votación" in answer.content.decode()


def test_the_switcher_offers_each_language_in_its_own_name(poll, redis_db):
    page = Client().get("/").content.decode()

    assert '<option value="en" lang="en" selected>English</option>' in page
    assert '<option value="es" lang="es">Español</option>' in page


def test_opening_times_are_in_the_configured_time_zone_and_the_pages_language(
    poll, redis_db, settings
):
    settings.TIME_ZONE = "Europe/Madrid"
    poll.opens_at = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    poll.save()

    spanish = text_of(Client(HTTP_ACCEPT_LANGUAGE="es").get(VOTE_PAGE).content.decode())
    english = text_of(Client(HTTP_ACCEPT_LANGUAGE="en").get(VOTE_PAGE).content.decode())

    assert "Se abre el 15 de enero de 2030 a las 10:00 (CET)." in spanish
    assert "It opens Jan. 15, 2030, 10 a.m. (CET)." in english


def test_commands_speak_the_configured_language(poll, redis_db, settings, capsys):
    settings.LANGUAGE_CODE = "es"  # DJANGO_LANGUAGE_CODE=es
    translation.deactivate()  # as a command starts: nothing chosen, so the configured one

    call_command("votes_queue")
    call_command("closepoll", "cats-vs-dogs")

    out = capsys.readouterr().out
    assert "0 votos pendientes de contar." in out
    assert "Cerrada cats-vs-dogs." in out


def test_the_admin_in_spanish(poll, admin_client):
    page = admin_client.get("/admin/polls/poll/add/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    change = admin_client.get(
        f"/admin/polls/poll/{poll.pk}/change/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "Código de la votación" in change  # a poll has its code once it is saved
    for label in ("Pregunta", "Tipo", "Solo por invitación", "Se abre el"):
        assert label in page
    for english in ("Question", "Leave empty to accept votes from now on."):
        assert english not in page


def test_every_polls_state_is_in_spanish_on_the_presenters_home(poll, redis_db, admin_user, client):
    from datetime import timedelta

    from django.utils import timezone

    from polls.models import Poll
    from polls.services import poll_create

    two = [("a", "A"), ("b", "B")]
    closed = poll_create(question="Closed?", options=two, slug="closed")
    Poll.objects.filter(pk=closed.pk).update(is_open=False)
    later = poll_create(question="Later?", options=two, slug="later")
    Poll.objects.filter(pk=later.pk).update(opens_at=timezone.now() + timedelta(days=1))

    Poll.objects.update(owner=admin_user)
    client.force_login(admin_user)
    page = client.get("/host/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    badges = re.findall(r'<span class="badge badge-(open|closed|scheduled)">([^<]+)</span>', page)
    assert sorted(badges) == [
        ("closed", "cerrada"),
        ("open", "abierta"),
        ("scheduled", "aún no abierta"),
    ]


def test_the_admin_speaks_of_each_thing_without_a_gender(poll, admin_client, redis_db):
    """Django's Spanish says "El votación … fue agregado": this project's says it without
    an article; an event's code is the session's, not a poll's."""
    from events.services import event_create

    event = event_create(title="Semana 3", polls=[poll], slug="semana-3")
    answer = admin_client.post(
        f"/admin/events/event/{event.pk}/change/",
        {"title": "Semana 3", "slug": "semana-3", "pace": "presenter", "opens_questions": "on",
         "mode": "polls", "speed": "on", "participation": "anonymous", "questions-TOTAL_FORMS": "0",
         "hosts-TOTAL_FORMS": "0", "hosts-INITIAL_FORMS": "0",
         "decks-TOTAL_FORMS": "0", "decks-INITIAL_FORMS": "0",
         "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "0",
         "questions-MAX_NUM_FORMS": "1000"},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )  # fmt: skip
    said = [re.sub("<[^>]+>", "", str(message)) for message in answer.context["messages"]]
    assert said == ["Se guardaron los cambios: sesión “Semana 3”."]
    page = answer.content.decode()
    assert "Código de la sesión" in page and "Código de la votación" not in page
    assert "El sesión" not in page


def test_the_admin_is_named_and_keeps_the_operators_tools_to_superusers(admin_client, redis_db):
    from django.contrib.auth.models import Permission, User

    index = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Votación en vivo" in index and "Administración de Django" not in index
    assert "Bloqueos de acceso" in index and "Intentos de acceso" in index
    assert "Axes" not in index and "Django_Rq" not in index
    assert index.index("Sesiones") < index.index("Bloqueos de acceso")

    presenter = User.objects.create_user("ana", password="a long pass phrase", is_staff=True)
    presenter.user_permissions.set(Permission.objects.filter(codename__endswith="_poll"))
    client = Client()
    client.force_login(presenter)
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Votaciones" in index and "Bloqueos de acceso" not in index
