"""Crisis language, matched well: the phrase families, the phrase language, the matcher's
robustness, and the moderators' list in the admin.

The sentences are written from the families, not copied from anyone: the product will
meet sentences nobody listed, so the tables test the families' reach, not a list.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community import safety, services
from community.models import CrisisPhrase
from community.safety import Family, PhraseError, assess, compile_phrase, mentions_crisis
from tests.fourc.test_admin_and_roles import enrol_totp
from tests.queries import assert_same_queries_for_one_and_many

pytestmark = pytest.mark.django_db

PHRASES = "/admin/community/crisisphrase/"

MUST_MATCH = [
    # Suicidal thoughts and plans (and negation: help is still shown, gently)
    "I want to kill myself",
    "i want to kill my self",
    "I would never kill myself, I promise",
    "kms honestly",
    "I've been thinking about suicide a lot",
    "I'm feeling really SUICIDAL tonight",
    "i feel suicidel again",
    "I made a plan to end my life",
    "I'm going to take my own life",
    "I just want to end it all.",
    "I just want to end it.",
    "I'm ready to end it tonight",
    "I'm not safe right now",
    "I can't keep myself safe tonight",
    "Honestly I'd be better off dead",
    "I tried to end my life last year and I'm scared it's coming back",
    "I keep thinking about dying",
    # Wishing not to be alive: not waking up, not existing, wanting everything to end
    "I want to die",
    "I wanna die",
    "i just want 2 die... no, I want to die",
    "I wish I were dead",
    "I wish I'd never been born",
    "I wish I wasn't alive",
    "I don't want to be alive anymore",
    "I dont want to live.",
    "I don't want to be here anymore",
    "i dont want to exist",
    "Sometimes I hope I don't wake up in the morning",
    "I'd rather not wake up tomorrow",
    "I want to go to sleep and never wake up",
    "I just want to stop existing",
    "I want it all to stop",
    "I want everything to be over",
    "I pray I die in my sleep",
    "I wouldn't care if I died",
    "I hope I get hit by a bus on the way to work",
    "I'm so tired of living",
    # Self-harm, in everyday verbs, present and past, "again"
    "I've been self-harming again",
    "I self harmed last night",
    "I cut myself again last night",
    "I've started cutting again",
    "I burned myself on purpose",
    "I keep scratching myself until I bleed",
    "I hit myself when I get like this",
    "I want to hurt myself",
    "I have the urge to cut",
    "I relapsed, I'm cutting again",
    "I cut my arms yesterday",
    "there are fresh cuts on my thighs",
    "I overdosed last weekend",
    "I took an overdose",
    # Goodbyes and final arrangements
    "I'm writing a suicide note",
    "I've written goodbye letters to my family",
    "This is goodbye, everyone.",
    "I'm giving away all my things",
    "I gave away my stuff this week",
    "I'm putting my affairs in order",
    "I've found someone to take my cat when I'm gone",
    "please make sure my dog is looked after once I'm not here",
    "I won't be around much longer",
    # Hopelessness about living
    "There's no point in living",
    "no reason to go on anymore",
    "I have nothing left to live for",
    "What's the point of going on?",
    "I can't go on like this",
    "I cant take it anymore",
    "Life isn't worth living",
    "My life is pointless",
    "I've lost all hope",
    "nothing will ever get better",
    "Why am I still alive?",
    "I'm done with life",
    # Feeling a burden
    "Everyone would be better off without me",
    "I feel like such a burden to everyone",
    "I'm just a burden",
    "I don't want to be a burden anymore",
    "No one would even miss me",
    "nobody would notice if I was gone",
    "I don't deserve to live",
    "I'm a waste of space",
    # A method described
    "I'm going to hang myself",
    "I bought a noose",
    "I took 30 pills last night",
    "I swallowed a whole packet of paracetamol",
    "I've been stockpiling my tablets",
    "I have enough pills to not wake up",
    "how many paracetamol would kill you",
    "I want to jump off the bridge near my house",
    "I keep thinking about jumping off a building",
    "I'm going to step in front of a train",
    "I want to slit my wrists",
    "I'll kill myself with the pills I have",
    # Written in a hurry: spaces, capitals, apostrophes curly, straight or missing, typos
    "I   WANT    TO   DIE",
    "i don\u2019t want to be here anymore",
    "I DONT WANT TO WAKE UP",
    "I cant go on anymroe",
    "im thinking about sucide",
    "ive been overdosign on purpose",
    "everyone would be better off withuot me",
    "I'm such a burden to everyon",
]

MUST_NOT = [
    # Everyday sayings with dying and killing in them
    "my feet are killing me",
    "the suspense is killing me",
    "this traffic is killing me",
    "I'm dying for a cup of tea",
    "the printer died again",
    "kill two birds with one stone",
    "I could murder a pizza",
    "I'm dead tired",
    "I nearly died laughing",
    "I could kill for a coffee",
    "I'm dying to see you",
    "I could die of embarrassment",
    "my phone died",
    "the battery died halfway home",
    "that joke killed me",
    "you absolutely killed it at the presentation",
    "if my mum finds out she'll kill me",
    "I almost died when I saw the bill",
    "I'm going to die of boredom in this queue",
    "over my dead body",
    "the deadline is killing me",
    "this heat will be the death of me",
    "the suspense killed me",
    "I'm killing time before the bus",
    "I'm scared of dying at the dentist, lol",
    # Words that look like crisis words, or hold them
    "I want to dye my hair",
    "harmless fun",
    "my plants keep dying",
    "I'm willing myself to go to the gym",
    "she overdoes it with the garlic",
    "I've been doing meditation to calm down",
    "I'm putting again after years away from golf",
    "I relapsed after turning forty, back on the cigarettes",
    "the power was cut again last night",
    # Ending, going on, being here: said of other things
    "we ended the meeting early",
    "I want to end it with him, we're not good for each other",
    "I don't want to live with my parents anymore",
    "I don't want to be here at this party",
    "I can't go on holiday this year",
    "I'm not going to make it to the gathering tonight",
    "I'm going to take a break from social media",
    # Medication taken as meant, ropes and bridges without intent
    "I took my pills this morning like the doctor said",
    "I took 2 paracetamol for my headache",
    "I forgot to take my tablets",
    "I take 12 pills a day for my heart",
    "I bought a rope for the tent",
    "we jumped off the rocks into the sea on holiday",
    "I went to the bridge to watch the sunset",
    # Giving, writing, saying goodbye, being gone: everyday
    "I'm giving away my old baby clothes to a friend",
    "I wrote letters to my penpals",
    "my last post was about my garden",
    "I said goodbye to my friend at the station",
    "when I'm gone on holiday my sister feeds the cat",
    # Struggling, and saying so, but not in crisis
    "I went on a walk",
    "everything feels heavy this week",
    "my cat died last week and I miss her",
    "I'm so tired of this job",
    "I cut my hair short",
    "I burned the toast again",
    "I'm tired but OK",
    "I'm so done with this week",
    "I hate my commute",
    "what's the point of this meeting",
    "I feel hopeless at maths",
    "my back is a pain",
    "I need to cut down on sugar",
    "I've been cutting carbs",
    "I need some time to myself",
    "I scratched my knee on the fence",
    "my head hurts",
    "I feel so low today but I'm talking to my sister",
    "I can't sleep again",
    "lots of love to everyone here",
    "my dog is getting old and I worry about her",
    "I'm sick of the rain",
    "life is hard right now but I'm getting through it",
    "I want to sleep for a week",
    "I skipped lunch again",
    "I drank too much coffee",
    "my grandmother passed away peacefully",
    "I feel like a failure at work",
    "I just want to hide under the duvet today",
    "the meeting dragged on forever, I wanted the ground to swallow me",
    "",
]


@pytest.fixture(autouse=True)
def _own_matcher():
    """A test that changes the phrases leaves this process's matcher as it found it (the
    test's rows are rolled back; the matcher would not know)."""
    before = safety._current
    yield
    safety._current = before


# --- The families ---------------------------------------------------------------------


def test_the_tables_are_big_enough():
    assert len(MUST_MATCH) >= 60
    assert len(MUST_NOT) >= 60
    assert not set(MUST_MATCH) & set(MUST_NOT)


@pytest.mark.parametrize("text", MUST_MATCH)
def test_crisis_language_matches(text):
    assert mentions_crisis(text)
    assert assess(text).families  # the same answer, with its families


@pytest.mark.parametrize("text", MUST_NOT)
def test_everyday_words_do_not_match(text):
    found = assess(text)
    assert not mentions_crisis(text), found.phrases
    assert not found


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("I want to kill myself", Family.SUICIDAL),
        ("I hope I don't wake up", Family.DEATH_WISH),
        ("I cut myself again", Family.SELF_HARM),
        ("I've written my suicide note", Family.GOODBYE),
        ("there's no point in going on", Family.HOPELESS),
        ("I'm such a burden", Family.BURDEN),
        ("I'm going to hang myself", Family.METHOD),
    ],
)
def test_assess_names_the_family(text, family):
    assert family in assess(text).families


@pytest.mark.parametrize(
    "text",
    [
        "I took 40 tablets",
        "I'm going to take fifty pills tonight",
        "I swallowed a whole bottle of sleeping pills",
        "there's a noose in my wardrobe",
        "I'm going to jump off the multi-storey car park",
        "I'll walk in front of a lorry",
    ],
)
def test_words_that_describe_a_method_say_so(text):
    assert assess(text).describes_method


@pytest.mark.parametrize(
    "text", ["I want to die", "I cut myself again", "I overdosed", "I'm a burden"]
)
def test_crisis_words_without_a_method_are_not_held(text):
    found = assess(text)
    assert found
    assert not found.describes_method


# --- Robust to how people write --------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("I DON\u2019T   want to", "i do not want to"),
        ("cant, wont, im, ive", "can not , will not , i am , i have"),
        ("It's over. What's left?", "it is over . what is left ."),
        ("my mum's tablets", "my mum tablets"),
        ("self-harm, selfharm, self harm", "self harm , self harm , self harm"),
        ("my self, any more, good bye", "myself , anymore , goodbye"),
        ("Nobody would", "no one would"),
    ],
)
def test_words_are_read_in_one_normal_form(written, read):
    assert " ".join(safety.words_of(written)) == read


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("cut", "cutting"),
        ("cut", "cuts"),
        ("cut", "cut"),
        ("take", "took"),
        ("take", "taking"),
        ("hang", "hanged"),
        ("hang", "hung"),
        ("die", "dying"),
        ("try", "tried"),
        ("scratch", "scratches"),
        ("plan", "planned"),
        ("burn", "burnt"),
    ],
)
def test_a_base_word_matches_its_inflections(word, form):
    assert form in safety.forms(word)


def test_a_form_written_in_a_phrase_matches_only_itself():
    assert "take" not in safety.forms("took")
    assert safety.forms("myself") == {"myself"}  # function words take no -s/-ed/-ing


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("suicidel", "suicidal"),
        ("sucidal", "suicidal"),
        ("sucide", "suicide"),
        ("overdsoe", "overdose"),
    ],
)
def test_one_letter_typos_in_long_words_are_mended(typo, meant):
    assert safety.matcher().words(typo) == [meant]


@pytest.mark.parametrize(
    "word", ["overdoes", "meditation", "willing", "killing", "hunting", "putting", "turning"]
)
def test_real_words_and_short_words_are_never_taken_for_typos(word):
    assert safety.matcher().words(word) == [word]


@pytest.mark.parametrize(
    ("word", "long"),
    [("suicidal", True), ("painkillers", True), ("overdosed", True), ("cutting", False),
     ("burning", False), ("tablets", False), ("myself", False)],
)  # fmt: skip
def test_long_words_are_counted_without_their_ending(word, long):
    assert safety._long(word) is long


def test_a_phrase_never_matches_inside_other_words():
    assert not mentions_crisis("reskill myselfie")
    assert not mentions_crisis("the word suicidesque")  # not a word of the phrase
    assert mentions_crisis("suicide.")


def test_a_phrase_stays_inside_one_sentence():
    assert not mentions_crisis("I don't want to. Live music is too loud for me")
    assert mentions_crisis("I don't want to live. Not like this")


CURLY = {"'": "\u2019"}


@st.composite
def written_in_a_hurry(draw):
    """A must-match sentence, with random capitals, extra spaces and curly apostrophes."""
    text = draw(st.sampled_from(MUST_MATCH))
    letters = []
    for char in text:
        if char.isalpha() and draw(st.booleans()):
            char = char.swapcase()
        elif char == " ":
            char = " " * draw(st.integers(min_value=1, max_value=4))
        elif char == "'" and draw(st.booleans()):
            char = CURLY[char]
        letters.append(char)
    return "".join(letters)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(written_in_a_hurry())
def test_crisis_language_matches_whatever_the_case_spaces_and_apostrophes(text):
    assert mentions_crisis(text)


# --- The phrase language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("kill (my self|myself)", "I could kill my self", "kill my cat"),
        ("(don't|do not|dont) want to (wake up|be here)", "I dont want to wake up", "I want to"),
        ("no [more] hope", "no more hope, no hope", "no other hope"),
        ("took ... pills", "I took all my pills", "I took my time. Then pills"),
        ("took # pills", "took 30 pills, took twenty five pills", "took 3 pills"),
        ("want to live .", "I don't want to live.", "I want to live in Leeds"),
        ("want to die|wish I was dead", "I wish I was dead", "I wish I was there"),
    ],
)
def test_the_phrase_language(pattern, matching, not_matching):
    compiled = compile_phrase(pattern)
    regex = re.compile("(?<= )" + compiled.regex)

    def found(text):
        return regex.search(" " + " ".join(safety.words_of(text)) + " ") is not None

    assert found(matching)
    assert not found(not_matching)


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("", "Write a phrase"),
        ("   ", "Write a phrase"),
        ("(want to die", "has no matching"),
        ("want to die)", "closes nothing"),
        ("[want to die", "has no matching"),
        ("want to () die", "hold nothing"),
        ("want|", "holds nothing"),
        ("[kill myself]", "optional"),
        ("die", "on its own would match too much"),
        ("(die|dead)", "on its own would match too much"),
        ("kill.*myself", "is not part of the phrase language"),
        (r"kill\s+myself", "is not part of the phrase language"),
        ("kill_myself", "is not part of the phrase language"),
        ("... want to die", "starts with a word"),
        ("want " * 60, "under 200 characters"),
    ],
)
def test_a_phrase_that_cannot_compile_is_refused_with_a_reason(pattern, says):
    with pytest.raises(PhraseError, match=re.escape(says)):
        compile_phrase(pattern)


def test_every_default_phrase_compiles_and_no_family_is_empty():
    phrases = CrisisPhrase.objects.filter(is_active=True)
    for phrase in phrases:
        compile_phrase(phrase.pattern)
    assert {phrase.family for phrase in phrases} == set(Family.values)
    assert phrases.count() >= 60


def test_the_fallback_covers_every_family_and_matches_the_clearest_words():
    assert {family for family, _ in safety.FALLBACK_PHRASES} == set(Family.values)
    fallback = safety.Matcher(safety._fallback())
    for text in ("I want to kill myself", "I want to die", "I cut myself", "I'm hanging myself"):
        assert fallback.matches(text)
    assert not fallback.matches("my feet are killing me")


def test_an_empty_list_falls_back_rather_than_matching_nothing():
    CrisisPhrase.objects.update(is_active=False)

    built = safety.build()

    assert built.matches("I want to kill myself")
    assert all(phrase.pk is None for phrase in built.phrases)


# --- Refresh: compiled once a process, rebuilt when the list changes -------------------------


def test_the_matcher_is_built_once_and_reused(django_assert_num_queries):
    safety.forget()
    safety.matcher()

    with django_assert_num_queries(0):
        for text in MUST_MATCH + MUST_NOT:
            mentions_crisis(text)


def test_a_change_reaches_another_process_within_seconds(moderator, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(safety, "_clock", lambda: now[0])
    safety.forget()
    elsewhere = safety.matcher()  # what another process built before the change
    assert not mentions_crisis("the purple silence again")

    services.add_crisis_phrase(
        family=Family.HOPELESS, pattern="purple silence", by=moderator, note="A test."
    )
    safety._current = elsewhere  # as that other process still holds it
    assert not mentions_crisis("the purple silence again")  # it looks again within seconds

    now[0] += safety.CHECK_SECONDS
    assert mentions_crisis("the purple silence again")


def test_a_missing_generation_keeps_the_matcher(monkeypatch, django_assert_num_queries):
    from django.core.cache import cache

    now = [1000.0]
    monkeypatch.setattr(safety, "_clock", lambda: now[0])
    safety.forget()
    built = safety.matcher()
    cache.delete(safety.GENERATION_KEY)  # evicted, or the cache restarted

    now[0] += safety.CHECK_SECONDS
    with django_assert_num_queries(0):
        assert safety.matcher() is built


def test_retiring_twice_changes_nothing_the_second_time(moderator):
    phrase = CrisisPhrase.objects.get(pattern="noose")

    assert services.retire_crisis_phrase(phrase=phrase, by=moderator)
    assert not services.retire_crisis_phrase(phrase=phrase, by=moderator)
    assert not mentions_crisis("I bought a noose")


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture
def moderator_client(client, moderator):
    enrol_totp(moderator)  # staff reach the admin only with two-factor set up
    client.force_login(moderator)
    return client


def test_a_phrase_added_in_the_admin_matches_at_once(moderator_client, moderator):
    assert not mentions_crisis("I keep planning the quiet exit")

    response = moderator_client.post(
        f"{PHRASES}add/",
        {"family": Family.SUICIDAL, "pattern": "(plan|planning) the quiet exit", "note": "Seen"},
    )

    assert response.status_code == 302
    phrase = CrisisPhrase.objects.get(pattern="(plan|planning) the quiet exit")
    assert phrase.created_by == moderator
    assert phrase.is_active
    assert mentions_crisis("I keep planning the quiet exit")
    assert Family.SUICIDAL in assess("I've planned the quiet exit").families


def test_a_phrase_retired_in_the_admin_stops_matching(moderator_client):
    phrase = CrisisPhrase.objects.get(pattern="noose")
    assert mentions_crisis("I bought a noose")

    response = moderator_client.post(
        PHRASES, {"action": "retire", "_selected_action": [phrase.pk], "index": 0}
    )

    assert response.status_code == 302
    phrase.refresh_from_db()
    assert not phrase.is_active  # retired, still on the list
    assert not mentions_crisis("I bought a noose")


def test_a_bad_pattern_is_refused_with_a_clear_error_and_kept(moderator_client):
    response = moderator_client.post(
        f"{PHRASES}add/", {"family": Family.SUICIDAL, "pattern": "(want to go", "note": ""}
    )

    assert response.status_code == 200  # the admin's own answer to an invalid form
    page = response.content.decode()
    assert "“(” has no matching “)”." in page
    assert 'value="(want to go"' in page
    assert not CrisisPhrase.objects.filter(pattern="(want to go").exists()


def test_a_phrase_already_on_the_list_is_refused(moderator_client):
    response = moderator_client.post(
        f"{PHRASES}add/", {"family": Family.METHOD, "pattern": "NOOSE", "note": ""}
    )

    assert "This phrase is already on the list." in response.content.decode()
    assert CrisisPhrase.objects.filter(pattern__iexact="noose").count() == 1


def test_the_service_refuses_a_bad_pattern_too(moderator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="on its own would match too much"):
        services.add_crisis_phrase(family=Family.SUICIDAL, pattern="die", by=moderator)


def test_nobody_deletes_a_phrase_in_the_admin(moderator_client):
    phrase = CrisisPhrase.objects.get(pattern="noose")

    assert moderator_client.post(f"{PHRASES}{phrase.pk}/delete/", {"post": "yes"}).status_code in (
        403,
        302,
    )
    assert CrisisPhrase.objects.filter(pk=phrase.pk).exists()
    assert "delete_selected" not in moderator_client.get(PHRASES).content.decode()


def test_only_the_note_changes_on_a_saved_phrase(moderator_client):
    phrase = CrisisPhrase.objects.get(pattern="noose")

    response = moderator_client.post(
        f"{PHRASES}{phrase.pk}/change/",
        {"family": Family.HOPELESS, "pattern": "anything", "note": "Seen in hard weeks."},
    )

    assert response.status_code == 302
    phrase.refresh_from_db()
    assert (phrase.family, phrase.pattern, phrase.note) == (
        Family.METHOD,
        "noose",
        "Seen in hard weeks.",
    )


def test_the_list_filters_by_family_and_by_active(moderator_client, moderator):
    retired = CrisisPhrase.objects.get(pattern="noose")
    services.retire_crisis_phrase(phrase=retired, by=moderator)

    methods = moderator_client.get(PHRASES, {"family__exact": Family.METHOD}).content.decode()
    active = moderator_client.get(PHRASES, {"is_active__exact": "1"}).content.decode()

    assert "rope (around|round) my neck" in methods
    assert "better off without me" not in methods
    assert f"/{retired.pk}/change/" not in active


def test_test_a_sentence_shows_the_phrases_and_families(moderator_client):
    response = moderator_client.post(PHRASES, {"sentence": "I want to hang myself tonight"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "It matches." in page
    assert "hang myself" in page
    assert "A method described (held for review)" in page
    assert "held for review" in page
    assert "I want to hang myself tonight</textarea>" in page  # kept as typed


def test_test_a_sentence_says_when_nothing_matches(moderator_client):
    page = moderator_client.post(PHRASES, {"sentence": "My feet are killing me"}).content
    assert b"No phrase matches." in page
    assert b"Read as: <code>my feet are killing me</code>" in page


def test_test_a_sentence_reads_the_list_as_it_is_now(moderator_client, moderator):
    """Even before this process's matcher looks again: the page reads the table."""
    safety.matcher()
    CrisisPhrase.objects.create(family=Family.BURDEN, pattern="heavy anchor", created_by=moderator)

    page = moderator_client.post(PHRASES, {"sentence": "I'm a heavy anchor"}).content.decode()

    assert "It matches." in page


def test_test_a_sentence_with_nothing_in_it_is_a_400_that_says_why(moderator_client):
    response = moderator_client.post(PHRASES, {"sentence": "   "})

    assert response.status_code == 400
    assert "Write a sentence to test it against the phrases." in response.content.decode()


def test_members_never_reach_the_phrases(client, member):
    client.force_login(member)

    assert client.get(PHRASES).status_code in (302, 403)
    assert client.post(PHRASES, {"sentence": "hello"}).status_code in (302, 403)


def test_the_list_costs_the_same_queries_for_one_phrase_as_for_fifty(
    moderator_client, moderator, django_assert_num_queries
):
    CrisisPhrase.objects.all().delete()

    def add(i):
        CrisisPhrase.objects.create(
            family=Family.HOPELESS, pattern=f"phrase number {i}", created_by=moderator
        )

    assert_same_queries_for_one_and_many(moderator_client, PHRASES, add, django_assert_num_queries)
