"""{% link_to %} gives the very address {% url %} gives, reversed once per view."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix


def link_to(viewname: str, *args) -> str:
    words = " ".join(["'" + viewname + "'", *(["arg"] if args else [])])
    template = engines["django"].from_string("{% load links %}{% link_to " + words + " %}")
    return template.render({"arg": args[0]} if args else {})


@pytest.mark.parametrize(
    ("viewname", "arg"),
    [
        ("community:reply-react", 7),
        ("community:reply-react", 0),
        ("community:post-detail", 123456789),
        ("community:space-detail", "bench-space-0"),
        ("community:space-detail", 3),
        ("community:member-detail", "maya_b"),
        ("community:member-detail", "Maya B"),  # not a handle's shape: reversed as usual
        ("prescriptions:plan", 42),
    ],
)
def test_an_address_is_the_one_url_gives(viewname, arg):
    assert link_to(viewname, arg) == reverse(viewname, args=[arg])


@pytest.mark.parametrize(
    ("viewname", "arg"),
    [
        ("community:space-detail", "bench-space-0"),  # a slug's hyphens
        ("community:space-detail", "Walks_2"),
        ("community:member-detail", "maya_b"),
        ("community:post-detail", 42),
    ],
)
def test_an_address_of_the_usual_shape_is_not_reversed_again(monkeypatch, viewname, arg):
    from fourc.templatetags import links

    link_to(viewname, arg)  # the view's address, reversed once
    reversed_again = []
    monkeypatch.setattr(links, "reverse", lambda *a, **k: reversed_again.append(a))
    assert link_to(viewname, arg) == reverse(viewname, args=[arg])
    assert reversed_again == []


def test_an_address_without_an_argument_is_the_one_url_gives():
    assert link_to("community:help") == reverse("community:help") == "/help/"


@pytest.mark.parametrize(
    ("viewname", "arg"),
    [
        ("community:reply-react", "seven"),
        ("community:reply-react", -1),
        ("community:member-detail", "a/b"),
    ],
)
def test_an_argument_the_view_refuses_is_refused_as_url_refuses_it(viewname, arg):
    with pytest.raises(NoReverseMatch):
        reverse(viewname, args=[arg])
    with pytest.raises(NoReverseMatch):
        link_to(viewname, arg)


def test_an_address_under_a_script_prefix_carries_it():
    set_script_prefix("/4c/")
    try:
        assert link_to("community:reply-react", 7) == "/4c/replies/7/react/"
        assert link_to("community:member-detail", "maya") == "/4c/members/maya/"
        assert link_to("home") == "/4c/"
    finally:
        set_script_prefix("/")
    assert link_to("community:reply-react", 7) == "/replies/7/react/"
