"""WCAG 2.2 AA contrast for the design system's colour pairs, in both schemes."""

import re

import pytest
from django.conf import settings

PAIRS = [
    ("--text", "--bg", 7.0),
    ("--text", "--surface", 7.0),
    ("--muted", "--bg", 4.5),
    ("--muted", "--surface", 4.5),
    ("--link", "--bg", 4.5),
    ("--link", "--surface", 4.5),
    ("--accent-text", "--accent", 4.5),
    ("--help-text", "--help-bg", 4.5),
    ("--danger", "--danger-soft", 4.5),
    ("--text", "--accent-soft", 4.5),
    ("--focus", "--bg", 3.0),
    ("--focus", "--surface", 3.0),
    # The header: the current tab's word and marker, and links on a hovered or open item.
    ("--accent", "--surface", 4.5),
    ("--text", "--surface-2", 7.0),
    # Non-text contrast (WCAG 1.4.11): the edges of inputs and reaction buttons.
    ("--control-border", "--surface", 3.0),
    ("--control-border", "--bg", 3.0),
    # The Five Ways' colours in charts: on the card and the page as if they were text (so
    # they could be), and as graphics against a bar's empty track.
    *(
        pair
        for way in ("connect", "be-active", "take-notice", "keep-learning", "give")
        for pair in (
            (f"--way-{way}", "--surface", 4.5),
            (f"--way-{way}", "--bg", 4.5),
            (f"--way-{way}", "--surface-2", 3.0),
        )
    ),
    # A chosen segment of a mood or energy scale: its number, its bar, and its fill against
    # the segments beside it (WCAG 1.4.11).
    ("--choice-text", "--choice", 4.5),
    ("--choice", "--surface", 3.0),
]


def palettes() -> dict[str, dict[str, str]]:
    css = (settings.BASE_DIR / "static" / "css" / "fourc.css").read_text()
    light_block = re.search(r":root\s*{(.*?)}", css, re.S).group(1)
    dark_block = re.search(r"prefers-color-scheme: dark\)\s*{\s*:root\s*{(.*?)}", css, re.S).group(
        1
    )

    def parse(block):
        return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", block))

    light = parse(light_block)
    return {"light": light, "dark": {**light, **parse(dark_block)}}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("foreground", "background", "minimum"), PAIRS)
def test_colour_pairs_meet_wcag_aa(scheme, foreground, background, minimum):
    palette = palettes()[scheme]

    ratio = contrast(palette[foreground], palette[background])

    assert ratio >= minimum, f"{scheme} {foreground} on {background}: {ratio:.2f}"
