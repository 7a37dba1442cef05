"""The management commands for people who script their polls."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from polls.models import Poll

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_leaves_one_demo_poll():
    call_command("seed_demo")
    call_command("seed_demo")

    poll = Poll.objects.get()
    assert (poll.slug, poll.question) == ("cats-vs-dogs", "Cats or dogs?")
    assert [(o.slug, o.label) for o in poll.options.all()] == [("cats", "Cats"), ("dogs", "Dogs")]


def test_seed_demo_if_no_polls_leaves_existing_polls_alone():
    call_command("createpoll", "Tea or coffee?", "Tea", "Coffee")

    call_command("seed_demo", "--if-no-polls")

    assert list(Poll.objects.values_list("slug", flat=True)) == ["tea-or-coffee"]


def test_createpoll_derives_slugs(capsys):
    call_command("createpoll", "Best season?", "Spring", "Summer", "Autumn", "Winter")

    poll = Poll.objects.get(slug="best-season")
    assert poll.state_at() == Poll.State.OPEN
    assert list(poll.options.values_list("slug", "position")) == [
        ("spring", 0),
        ("summer", 1),
        ("autumn", 2),
        ("winter", 3),
    ]
    assert "/polls/best-season/" in capsys.readouterr().out


def test_createpoll_takes_given_slugs():
    call_command("createpoll", "Cats or dogs?", "c=Cats", "d=Dogs", "--slug", "pets")

    assert list(Poll.objects.get(slug="pets").options.values_list("slug", flat=True)) == ["c", "d"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Lonely?", "Yes"], "at least two options"),
        (["Same?", "A", "a"], "clash"),
        (["!!!", "A", "B"], "needs a slug"),
        (["Bad?", "A", "B", "--slug", "bad slug/x"], "slug: Enter a valid"),
        (["Bad?", "@SUM(1+1)=A", "B"], "Option '@SUM\\(1\\+1\\)': slug: Enter a valid"),
        (["Long?" * 50, "A", "B", "--slug", "long"], "question: Ensure this value has at most"),
        (["Long label?", "x" * 101, "B"], "label: Ensure this value has at most 100"),
        (["Cap?", "A", "B", "--voters-per-address", "0"], "voters_per_address"),
    ],
)
def test_createpoll_refuses_bad_polls_and_makes_nothing(client, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createpoll", *args)

    assert not Poll.objects.exists()
    assert client.get("/").status_code == 200


def test_createpoll_caps_voters_per_address():
    call_command("createpoll", "Cap?", "A", "B", "--voters-per-address", "40")

    assert Poll.objects.get().voters_per_address == 40


def test_createpoll_refuses_a_slug_in_use(poll):
    with pytest.raises(CommandError, match="exists already"):
        call_command("createpoll", "Cats or dogs again?", "Cats", "Dogs", "--slug", "cats-vs-dogs")


def test_closepoll_closes_it(poll, capsys):
    call_command("closepoll", "cats-vs-dogs")

    poll.refresh_from_db()
    assert poll.state_at() == Poll.State.CLOSED
    assert "Closed cats-vs-dogs" in capsys.readouterr().out


def test_closepoll_names_an_unknown_poll():
    with pytest.raises(CommandError, match="no poll 'nope'"):
        call_command("closepoll", "nope")


def test_createpoll_sets_when_results_are_shown(capsys):
    call_command("createpoll", "Secret?", "Yes", "No", "--results", "revealed")

    poll = Poll.objects.get(slug="secret")
    assert poll.results_visibility == "revealed"
    assert f"/j/{poll.code}" in capsys.readouterr().out


def test_createpoll_refuses_an_unknown_visibility():
    with pytest.raises(CommandError):
        call_command("createpoll", "Secret?", "Yes", "No", "--results", "never")
    assert not Poll.objects.exists()


@pytest.mark.parametrize(
    ("action", "field", "value", "said"),
    [
        ("close", "is_open", False, "cats-vs-dogs closed. Now closed, round 1"),
        ("reveal", "results_shown", True, "cats-vs-dogs: results shown. Now open, round 1"),
        ("reset", "round", 2, "cats-vs-dogs: a new round started. Now open, round 2"),
    ],
)
def test_the_poll_command_runs_the_presenters_controls(
    poll, redis_db, capsys, action, field, value, said
):
    call_command("poll", "cats-vs-dogs", action)

    poll.refresh_from_db()
    assert getattr(poll, field) == value
    assert capsys.readouterr().out.startswith(said)


def test_the_poll_command_names_an_unknown_poll_or_action(poll):
    with pytest.raises(CommandError, match="no poll 'nope'"):
        call_command("poll", "nope", "close")
    with pytest.raises(CommandError):
        call_command("poll", "cats-vs-dogs", "explode")


def test_exportpoll_writes_results_or_votes_as_csv(poll, redis_db, capsys):
    from tally.ingest import casts_apply
    from tests.tally.conftest import at, cast

    casts_apply([cast("1-0", poll.pk, 1, (poll.options.get(slug="dogs").pk,), "ann", at(1))])

    call_command("exportpoll", "cats-vs-dogs")
    assert capsys.readouterr().out.splitlines() == [
        "round,option,label,votes,percent,fingerprint",
        "1,cats,Cats,0,0.0,",
        "1,dogs,Dogs,1,100.0,",
    ]
    call_command("exportpoll", "cats-vs-dogs", "--votes")
    assert capsys.readouterr().out.splitlines() == [
        "round,option,cast_at",
        f"1,dogs,{at(1).isoformat()}",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Q?", "A", "B", "C", "--kind", "multiple", "--min", "1", "--max", "2"],
         {"kind": "multiple", "min_choices": 1, "max_choices": 2}),
        (["How was it?", "--kind", "rating", "--scale", "0-10", "--low-label", "Awful"],
         {"kind": "rating", "scale_min": 0, "scale_max": 10, "scale_min_label": "Awful"}),
        (["Order these", "A", "B", "C", "D", "--kind", "ranking"], {"kind": "ranking"}),
        (["Final?", "Yes", "No", "--final"], {"kind": "single", "voters_may_change": False}),
    ],
)  # fmt: skip
def test_createpoll_makes_every_kind(args, expected):
    call_command("createpoll", *args)

    poll = Poll.objects.get()
    assert {field: getattr(poll, field) for field in expected} == expected
    if poll.kind == "rating":
        assert list(poll.options.values_list("slug", flat=True)) == [str(n) for n in range(11)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["How?", "A", "B", "--kind", "rating"], "A rating takes a scale"),
        (["How?", "--kind", "rating", "--scale", "five"], "--scale takes two scores"),
        (["Q?", "A", "B", "--kind", "multiple", "--max", "3"], "at most 2 options"),
    ],
)
def test_createpoll_refuses_kinds_it_cannot_make(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createpoll", *args)
    assert not Poll.objects.exists()


def test_createpoll_refuses_a_too_long_label_in_one_line_with_status_2():
    with pytest.raises(CommandError) as refused:
        call_command("createpoll", "Long?", "x" * 101, "B")

    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
    assert not Poll.objects.exists()


def test_createpoll_makes_slugs_from_labels_in_any_script():
    call_command("createpoll", "Colores?", "أحمر", "Москва", "日本")

    slugs = list(Poll.objects.get().options.values_list("slug", flat=True))
    assert slugs == ["hmr", "moskva", "riben"]


def test_createpoll_makes_open_answers_and_a_qa():
    call_command(
        "createpoll", "One word?", "--kind", "open", "--max-length", "40", "--answers", "3",
        "--moderation", "approve", "--keep-profanity",
    )  # fmt: skip
    call_command("createpoll", "Questions?", "--kind", "questions")

    word = Poll.objects.get(slug="one-word")
    assert (word.kind, word.max_length, word.answers_per_voter) == ("open", 40, 3)
    assert (word.moderation, word.masks_profanity) == ("approve", False)
    assert Poll.objects.get(slug="questions").kind == "questions"
    with pytest.raises(CommandError, match="take no options") as refused:
        call_command("createpoll", "Colour?", "Red", "Blue", "--kind", "open")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="max_length"):
        call_command("createpoll", "Long?", "--kind", "open", "--max-length", "999")
