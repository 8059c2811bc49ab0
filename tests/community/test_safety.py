import pytest

from community.safety import mentions_crisis


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "some days I think about ending my life",
        "I don't want to be here anymore",
        "I dont want to live",
        "everyone would be better off without me",
        "I keep thinking about suicide",
        "feeling suicidal tonight",
        "I've been self-harming again",
        "I might hurt myself",
        "I can't go on",
        "I'm not safe right now",
        "I wish I was dead",
        "I don\u2019t want to be alive",
    ],
)
def test_crisis_language_is_recognised(text):
    assert mentions_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I'm tired but OK",
        "this traffic is killing me",  # everyday phrases are not crisis language
        "I could die of embarrassment",
        "my phone died",
        "I want to dye my hair",
        "harmless fun",
        "I went on a walk",
    ],
)
def test_everyday_words_are_not_crisis_language(text):
    assert not mentions_crisis(text)
