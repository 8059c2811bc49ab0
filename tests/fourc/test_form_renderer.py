"""Forms are drawn in Jinja2 (fourc.lib.forms.FormRenderer): 4C's markup and Django's
widgets, with values written as Django writes them; the admin's own widgets, which
exist only in Django's language, are drawn there."""

import re

from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from fourc.lib import once
from fourc.lib.forms import FormRenderer
from prescriptions.forms import CheckInForm


def test_forms_are_drawn_in_jinja2_and_the_admins_widgets_in_djangos_language():
    renderer = FormRenderer()

    for name in (
        "forms/div.html",
        "forms/field.html",
        "forms/widgets/scale.html",
        "django/forms/widgets/radio.html",
        "django/forms/widgets/textarea.html",
    ):
        assert isinstance(renderer.get_template(name), Jinja2Template), name
    assert isinstance(
        renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate
    )


def test_a_check_in_form_keeps_what_was_typed_escaped_with_its_errors():
    form = CheckInForm(
        data={"mood": "4", "energy": "9", "urge": "avoid", "note": '<b>"it\'s"</b>'}
    )
    form.is_valid()

    html = str(form)

    # What was typed is kept, escaped as Django's language writes it.
    assert "&lt;b&gt;&quot;it&#x27;s&quot;&lt;/b&gt;</textarea>" in html
    assert 'value="4" class="segments__input" required id="id_mood_4" checked>' in html
    assert 'value="avoid" id="id_urge_2" checked>' in html
    # The error sits in its field, tied to the input for screen readers.
    assert '<ul class="errorlist" id="id_energy_error"><li>Choose from 1 to 5.</li></ul>' in html
    assert '<fieldset aria-describedby="id_energy_error">' in html
    # 4C's markup: a labelled fieldset per scale, the mood scale's two ends, the help.
    assert "<legend>How much energy do you have?</legend>" in html
    assert '<div class="segments__ends" aria-hidden="true"><span>' in html
    assert '<label for="id_note">A private note (optional)</label>' in html
    assert 'id="id_note_helptext">Only you see this.' in html
    assert html.count('<div class="field">') == 4  # mood, energy, urge, note; the key hidden
    assert 'type="hidden" name="submit_key"' in html


def test_an_empty_check_in_form_is_drawn_once_and_stamped_with_a_new_key_each_time():
    first, second = str(CheckInForm()), str(CheckInForm())

    keys = [re.search(r'name="submit_key" value="([^"]+)"', html)[1] for html in (first, second)]
    assert keys[0] != keys[1]
    assert all(once._KEY.fullmatch(key) for key in keys)
    assert first.replace(keys[0], "K") == second.replace(keys[1], "K")
    # The very HTML the form draws without the shortcut, but for its key.
    usual = str(CheckInForm(initial={"submit_key": keys[0]}))
    assert usual == first
    assert "fourc-key-slot" not in first


def test_a_check_in_form_with_the_members_choices_is_drawn_as_usual():
    html = str(CheckInForm(data={"mood": "7", "energy": "2", "urge": "", "note": "hi"}))

    assert 'value="7" class="segments__input" required id="id_mood_7" checked>' in html
    assert ">\nhi</textarea>" in html
