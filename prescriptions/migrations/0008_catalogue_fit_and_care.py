"""The catalogue says what each step fits and when it is offered, gains steps towards
help and care, and some words are kinder.

1. TAGS: every activity 0002 and 0003 made gets the fields 0007 added: what doing it
   tends to give (mastery or pleasure); whether it is a step towards support or help;
   whether it needs a link worker; whether it is never offered at night (doors, calls,
   visits, anywhere outside, anything that needs daylight); and, for a step on a post
   or a gathering, what it fits, so a step only ever points at something its words
   suit. An activity not named in TAGS (a moderator's own) is left as it is.
2. WORDING: lines that assumed friends, presumed success, or put weight on the member.
   A line is changed only while it still reads as 0002 wrote it, so a moderator's own
   edit stays; the reverse changes it back only while it still reads as this wrote it.
3. NEW_ACTIVITIES: help-seeking and asking for support at every energy, practical
   self-care, things to look forward to, green and creative steps.

Plain data, like 0002: values are the plain strings of the models' choices (Way,
Technique, Urge, CommunityAction, Satisfaction, TargetAuthor, community's Intent and
GatheringFormat), so this never imports the live models. Words follow
../shared/VOICE.md; at energy 1 a step takes five minutes or less, at energy 2 ten.

Running it twice changes nothing. The reverse puts back what it changed (the words,
and the fields 0007 added, to their defaults) and removes the activities it added; one
a member has already been given stays, retired, because their steps are kept.
"""

from django.db import migrations

# What 0007 gave every activity: the reverse puts these back.
UNTAGGED = {
    "satisfaction": "",
    "is_support": False,
    "needs_link_worker": False,
    "night_unsafe": False,
    "target_intents": [],
    "target_author": "",
    "target_at_night": False,
    "target_format": "",
}

MASTERY = {"satisfaction": "mastery"}
PLEASURE = {"satisfaction": "pleasure"}

# slug -> the fields that differ from UNTAGGED.
TAGS = {
    # The crisis step: towards a person, now, at any hour (the lines are there at night).
    "reach-out-to-someone-now": {**MASTERY, "is_support": True},
    # --- Energy 1 ---
    "hear-you-reaction": {**MASTERY, "target_intents": ["support"]},
    "me-too-reaction": {**PLEASURE, "target_intents": ["support"]},
    "sit-up-and-send-strength": {**MASTERY, "target_intents": ["support"]},
    "thank-a-helpful-post": {**PLEASURE, "target_intents": ["idea"]},
    "cheer-a-small-win": {**PLEASURE, "target_intents": ["win"]},
    "welcome-a-newcomer-reaction": {
        **PLEASURE,
        "target_intents": ["hello"],
        "target_author": "newcomer",
    },
    "text-one-friend": {**PLEASURE},
    "open-one-avoided-message": {**MASTERY},
    "ask-a-friend-about-their-day": {**PLEASURE},
    "shrink-the-plan": {**MASTERY},
    # "Notice the light": a daytime step.
    "curtains-and-water": {**MASTERY, "night_unsafe": True},
    "feet-on-the-floor": {**MASTERY},
    "stretch-for-two-minutes": {**PLEASURE},
    "listen-to-one-song": {**PLEASURE},
    "five-things-you-can-see": {**MASTERY},
    "water-a-plant": {**PLEASURE},
    "learn-one-word": {**MASTERY},
    "change-your-spot": {**MASTERY},
    "wash-your-face": {**MASTERY},
    # --- Energy 2 ---
    "one-kind-sentence-reply": {**MASTERY},
    "first-reply-one-sentence": {**MASTERY},
    "not-alone-reply": {**MASTERY, "target_intents": ["support"]},
    "hello-to-someone-waiting": {**PLEASURE, "target_intents": ["hello"]},
    "good-morning-to-a-late-night-post": {
        **MASTERY,
        "target_intents": ["support", "hello"],
        "target_at_night": True,
    },
    "welcome-someone-by-name": {
        **PLEASURE,
        "target_intents": ["hello"],
        "target_author": "newcomer",
    },
    "well-done-reply": {**PLEASURE, "target_intents": ["win"]},
    "reply-to-a-familiar-face": {**PLEASURE, "target_author": "friend"},
    "ask-a-gentle-question": {**PLEASURE, "target_intents": ["support"]},
    "read-slowly-and-react": {**MASTERY},
    "three-kind-reactions": {**PLEASURE},
    "share-one-tiny-win": {**MASTERY},
    "share-rest-as-a-win": {**MASTERY},
    "share-a-good-moment": {**PLEASURE},
    "share-a-kept-plan": {**MASTERY},
    "say-hello-post": {**MASTERY},
    "step-outside-five-minutes": {**PLEASURE, "night_unsafe": True},
    "thank-someone": {**PLEASURE},
    "learn-one-new-thing": {**MASTERY},
    "tidy-one-small-surface": {**MASTERY},
    "three-things-you-noticed": {**PLEASURE},
    "put-the-worry-on-paper": {**MASTERY},
    "phone-in-another-room": {**MASTERY},
    "give-a-compliment": {**PLEASURE},
    "send-a-voice-note": {**PLEASURE},
    "answer-one-message": {**MASTERY},
    "make-someone-a-drink": {**PLEASURE},
    "read-a-few-pages": {**PLEASURE},
    "move-to-one-song": {**PLEASURE},
    "walk-to-the-end-of-the-road": {**MASTERY, "night_unsafe": True},
    "first-two-minutes": {**MASTERY},
    # --- Energy 3 ---
    "ten-minute-walk": {**MASTERY, "night_unsafe": True},
    "cook-something-simple": {**MASTERY},
    "call-someone-five-minutes": {**PLEASURE, "night_unsafe": True},
    "listen-in-writing": {**MASTERY, "target_intents": ["support"]},
    "answer-the-longest-wait": {**MASTERY},
    "say-what-you-hear": {**MASTERY, "target_intents": ["support"]},
    "share-what-helped-you": {**MASTERY, "target_intents": ["support"]},
    "post-how-today-is": {**MASTERY, "is_support": True},
    "post-whats-on-your-mind": {**MASTERY, "is_support": True},
    "post-something-you-noticed": {**PLEASURE},
    "post-something-you-learned": {**MASTERY},
    "post-a-small-thing-that-helps": {**MASTERY},
    "share-a-step-you-took": {**MASTERY},
    "share-something-outside": {**PLEASURE},
    "share-learning-progress": {**MASTERY},
    "join-a-gathering-and-listen": {**PLEASURE},
    "go-to-the-gathering-you-said-yes-to": {**MASTERY},
    "draw-what-you-see": {**PLEASURE},
    "gentle-movement-video": {**MASTERY},
    "chore-with-music": {**MASTERY},
    "learn-a-small-skill": {**MASTERY},
    "listen-to-something-new": {**PLEASURE},
    "mend-one-thing": {**MASTERY},
    "check-in-on-a-neighbour": {**MASTERY, "night_unsafe": True},
    # --- Energy 4 ---
    "join-a-gathering-and-say-hello": {**MASTERY},
    "share-your-story-with-someone-waiting": {**MASTERY, "target_intents": ["support"]},
    "start-a-friendly-question": {**PLEASURE},
    "thirty-minute-walk": {**PLEASURE, "night_unsafe": True},
    "cook-for-someone": {**MASTERY, "night_unsafe": True},
    "try-a-new-recipe": {**MASTERY},
    "visit-a-library": {**PLEASURE, "night_unsafe": True},
    # --- Energy 5 ---
    "go-to-an-in-person-gathering": {
        **MASTERY,
        "night_unsafe": True,
        "target_format": "in_person",
    },
    "help-out-for-an-hour": {**MASTERY, "night_unsafe": True},
    "brisk-walk-swim-or-cycle": {**PLEASURE, "night_unsafe": True},
    "try-a-taster-class": {**PLEASURE, "night_unsafe": True},
}

# slug -> field -> (as 0002 wrote it, as it reads now).
WORDING = {
    "text-one-friend": {
        "title": ("Text one friend", "Text someone: a friend, family, or someone here"),
        "how_to": (
            "Send one friend a short text, like 'Thinking of you' or 'How's your week "
            "going?' You don't need a reason to get in touch.",
            "Send someone a short text, like 'Thinking of you' or 'How's your week going?' "
            "It can be a friend, someone in your family or someone you've met here, and "
            "you don't need a reason to get in touch.",
        ),
    },
    "ask-a-friend-about-their-day": {
        "title": ("Ask a friend about their day", "Ask someone about their day"),
    },
    "open-one-avoided-message": {
        "how_to": (
            "Open it and send a short holding reply, like 'Thanks for this, I'll get back "
            "to you properly soon.' That's the whole step, and you've done it.",
            "Open it and read it once, at your own pace. If it needs an answer, a holding "
            "reply like 'Thanks, I'll get back to you properly soon' is plenty for today; "
            "if it's something heavier, like a bill, opening it is the whole step.",
        ),
    },
    "first-reply-one-sentence": {
        "how_to": (
            "Pick a post in Needs a reply and write one kind sentence, like 'I read this, "
            "and I'm glad you posted.' Your reply can be the one they were waiting for.",
            "Pick a post in Needs a reply and write one kind sentence, like 'I read this, "
            "and I'm glad you posted.' One sentence from you is enough.",
        ),
    },
    "send-a-voice-note": {
        "title": ("Send a friend a short voice note", "Send someone a short voice note"),
    },
    "walk-to-the-end-of-the-road": {
        "how_to": (
            "Put your shoes on and walk to the end of your road or corridor and back, at "
            "any pace. Getting out of the door is the big part, and you did it.",
            "Put your shoes on and walk to the end of your road or corridor and back, at "
            "any pace. If you only get as far as the door, that counts too.",
        ),
    },
    "answer-the-longest-wait": {
        "how_to": (
            "Open Needs a reply and find the post that has waited longest. Write a few "
            "kind lines; your answer can mean a lot to someone who's been waiting.",
            "Open Needs a reply and find the post that has waited longest. Write a few "
            "kind lines, as many as you have in you today; there's nothing you need to fix.",
        ),
    },
    "cook-for-someone": {
        "how_to": (
            "Cook a simple meal for someone else, or make a double batch and share it "
            "with a friend or neighbour. Your cooking doesn't need to be fancy to mean "
            "a lot.",
            "Cook a simple meal for someone else, or make a double batch and share it "
            "with a neighbour or someone you live with. Your cooking doesn't need to be "
            "fancy to mean a lot.",
        ),
    },
}


def _new(slug, title, how_to, energy, way, technique, opposite_of, minutes, action, **tags):
    return {
        "slug": slug,
        "title": title,
        "how_to": how_to,
        "energy": energy,
        "way": way,
        "technique": technique,
        "opposite_of": opposite_of,
        "minutes": minutes,
        "action": action,
        **UNTAGGED,
        **tags,
    }


NEW_ACTIVITIES = [
    # --- Steps towards support and help ---------------------------------------------
    _new(
        "tell-one-person-how-you-are",
        "Tell one person how you really are",
        "Send a message to one person you trust, or tell them face to face, like "
        "'Today's hard, I wanted you to know.' You don't have to explain more than you "
        "want to.",
        1, "connect", "opposite", ["keep_to_myself", "avoid"], 3, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "ask-someone-to-check-in-on-you",
        "Ask someone to check in on you",
        "Send one person a short message, like 'Could you message me later? I'm finding "
        "things hard.' It's OK to ask for that, and you can keep it that short.",
        1, "connect", "opposite", ["keep_to_myself"], 3, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "save-a-support-number",
        "Save one support number in your phone",
        "Save the number of your GP practice, or of a line from the help page, in your "
        "phone's contacts. Then it's there whenever you might want it.",
        1, "connect", "activation", [], 3, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "message-your-link-worker",
        "Send your link worker a message",
        "Send your link worker a few words about how things are, or one thing you'd like "
        "help with. You don't need to have it all worked out.",
        1, "connect", "opposite", ["keep_to_myself", "avoid"], 5, "none",
        satisfaction="mastery", is_support=True, needs_link_worker=True,
    ),
    _new(
        "post-a-word-about-how-you-are",
        "Post a word here about how you are",
        "Start a short post with one word or one line about how you are right now, like "
        "'Tired' or 'A hard day'. You don't need to say more than you want to.",
        2, "connect", "opposite", ["keep_to_myself"], 5, "post",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "ask-for-one-small-thing",
        "Ask someone for one small bit of help",
        "Think of one small thing that would help, like a lift, a call or someone to come "
        "with you somewhere, and ask one person for it. If they can't, that's about their "
        "day, not about you.",
        2, "connect", "opposite", ["avoid", "keep_to_myself"], 5, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "note-for-your-gp",
        "Write down what you'd like your GP to know",
        "Write three short lines: how you've been, for how long, and what you'd like help "
        "with. You can read it out or hand it over, if you book an appointment.",
        2, "take_notice", "activation", [], 10, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "contact-your-gp",
        "Contact your GP practice",
        "Call your GP practice or use its online form to ask for an appointment, and say "
        "you'd like to talk about how you've been feeling. If it helps, read from a note "
        "you wrote first.",
        3, "connect", "opposite", ["avoid"], 15, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    _new(
        "refer-yourself-to-talking-therapies",
        "Refer yourself to NHS Talking Therapies",
        "In England you can refer yourself to NHS Talking Therapies without seeing your GP "
        "first. Search for NHS Talking Therapies and your area, and fill in your local "
        "service's form; it takes about fifteen minutes.",
        3, "connect", "opposite", ["avoid"], 15, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "talk-to-a-pharmacist",
        "Talk to a pharmacist",
        "Go into a pharmacy and ask to talk to the pharmacist about how you've been, or "
        "about any medicines you take. You can ask whether there's somewhere quieter "
        "to talk.",
        3, "connect", "opposite", ["avoid"], 15, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    _new(
        "meet-someone-and-say-how-you-are",
        "Meet someone you trust and tell them how things are",
        "Meet someone you trust for a walk or a drink and tell them honestly how things "
        "have been. You choose how much to share.",
        4, "connect", "opposite", ["keep_to_myself"], 45, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    _new(
        "say-how-your-week-was-at-a-gathering",
        "Tell a gathering how your week has been",
        "Join a gathering and, when there's a moment, say a line about how your week has "
        "really been, out loud or in the chat. You can keep it short, and you can pass.",
        4, "connect", "opposite", ["keep_to_myself", "avoid"], 45, "attend",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "find-a-support-group",
        "Find a peer support group and ask about it",
        "Look up a peer support group near you or online, like a walking group or a group "
        "for people going through something similar. Send them a message to ask how you "
        "could come along; asking is the whole step.",
        4, "keep_learning", "opposite", ["avoid"], 20, "none",
        satisfaction="mastery", is_support=True,
    ),
    _new(
        "go-to-a-support-group",
        "Go to a peer support group near you",
        "Go along to a local peer support group or community group you've found. Sitting "
        "and listening is a fine way to take part, and you can leave when you like.",
        5, "connect", "opposite", ["keep_to_myself", "avoid"], 60, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    _new(
        "ask-for-help-with-something-heavy",
        "Ask someone to help with something you've been carrying alone",
        "Pick one thing that's been weighing on you, like post you haven't opened or a "
        "form, and ask someone you trust to sit with you while you go through it. Sharing "
        "it counts, however much gets done.",
        5, "connect", "opposite", ["avoid", "keep_to_myself"], 60, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    _new(
        "go-to-an-appointment",
        "Go to an appointment you've been putting off",
        "Book or go to one appointment you've been putting off, like the GP, the dentist "
        "or an advice service. You can ask someone to come with you.",
        5, "connect", "opposite", ["avoid"], 60, "none",
        satisfaction="mastery", is_support=True, night_unsafe=True,
    ),
    # --- Looking after yourself ---------------------------------------------------------
    _new(
        "eat-something",
        "Eat something, even something small",
        "Have something to eat, even a slice of toast, a piece of fruit or a few crackers. "
        "Sit down to eat it, if you can, and notice one taste.",
        1, "take_notice", "activation", [], 5, "none",
        satisfaction="mastery",
    ),
    _new(
        "take-your-medication",
        "Take your medication, if you have some",
        "If you have medication, take today's dose the way it was prescribed, with a glass "
        "of water. If you're not sure about a dose, a pharmacist can help you.",
        1, "be_active", "activation", [], 2, "none",
        satisfaction="mastery",
    ),
    _new(
        "get-dressed",
        "Get dressed",
        "Change out of what you slept in and into something comfortable you like, even if "
        "you're staying in today.",
        1, "be_active", "opposite", ["stay_in_bed"], 5, "none",
        satisfaction="mastery", night_unsafe=True,
    ),
    _new(
        "wash-or-shower",
        "Have a wash or a shower",
        "Have a shower, a bath or a wash at the sink, whichever feels doable today. Put on "
        "something clean afterwards, if you have the energy.",
        2, "be_active", "opposite", ["stay_in_bed"], 10, "none",
        satisfaction="mastery",
    ),
    _new(
        "wind-down-before-bed",
        "Start a short wind-down before bed",
        "Dim the lights, put your phone across the room and do one calm thing, like a warm "
        "drink, a few pages or some slow breaths. You can keep the same small routine each "
        "night, if it helps.",
        2, "take_notice", "opposite", ["numb_out"], 10, "none",
        satisfaction="pleasure",
    ),
    # --- Things to look forward to, and what matters --------------------------------
    _new(
        "plan-one-thing-to-look-forward-to",
        "Plan one thing to look forward to",
        "Pick one small thing you enjoy, like a film, a bath or a favourite meal, and choose "
        "a day and time for it this week. Write it down where you'll see it.",
        1, "take_notice", "activation", [], 3, "none",
        satisfaction="pleasure",
    ),
    _new(
        "choose-one-thing-for-tomorrow",
        "Choose one small thing for tomorrow",
        "Choose one small, doable thing for tomorrow, like a walk to the shop or a message "
        "to someone, and write it down. If tomorrow turns out different, you can shrink it "
        "or move it.",
        1, "take_notice", "opposite", ["give_up"], 3, "none",
        satisfaction="mastery",
    ),
    _new(
        "what-matters-to-you",
        "Write down one thing that matters to you",
        "Write down one thing that matters to you, like being kind, making things or being "
        "outdoors, and one small way to do it this week. Small and true is enough.",
        2, "keep_learning", "activation", [], 10, "none",
        satisfaction="mastery",
    ),
    _new(
        "ask-someone-to-do-something-with-you",
        "Ask someone to do something with you",
        "Ask one person to do a small thing with you in the next week, like a walk, a film "
        "or a cup of tea. If they can't, you can ask someone else, or do it on your own.",
        2, "connect", "opposite", ["keep_to_myself"], 5, "none",
        satisfaction="pleasure",
    ),
    # --- Green steps ----------------------------------------------------------------
    _new(
        "look-at-the-sky",
        "Look at the sky for two minutes",
        "From a window or a doorway, look at the sky for two minutes: the colour, the "
        "clouds, a bird or a star. Let your eyes rest there, if you like.",
        1, "take_notice", "activation", [], 2, "none",
        satisfaction="pleasure",
    ),
    _new(
        "stand-in-the-daylight",
        "Stand in the daylight for two minutes",
        "While it's light, step out of the door or onto a balcony and let the daylight "
        "reach your face for two minutes. Notice how warm or cool the air is for you.",
        1, "take_notice", "opposite", ["stay_in_bed"], 2, "none",
        satisfaction="pleasure", night_unsafe=True,
    ),
    _new(
        "name-one-plant-or-bird",
        "Find the name of one plant or bird",
        "Pick a plant, tree or bird you can see, or one you saw lately, and look up its "
        "name. Say it out loud once, if you like.",
        1, "keep_learning", "activation", [], 5, "none",
        satisfaction="pleasure",
    ),
    _new(
        "find-out-what-a-plant-likes",
        "Find out what one plant likes",
        "Look up how much light and water one of your plants likes, and move or water it "
        "to suit. If you don't have a plant, look up one you'd like to grow.",
        2, "keep_learning", "activation", [], 10, "none",
        satisfaction="pleasure",
    ),
    _new(
        "repot-a-plant",
        "Repot a plant or pick off its dead leaves",
        "Give one plant a bigger pot, or pick the dead leaves off one or two plants. Get "
        "your hands in the soil and notice how it feels to you.",
        2, "be_active", "activation", [], 10, "none",
        satisfaction="pleasure",
    ),
    _new(
        "sit-somewhere-green",
        "Sit somewhere green for fifteen minutes",
        "Sit in a park, a garden or anywhere with trees or grass for fifteen minutes, in "
        "daylight. Notice how many greens you can see.",
        3, "take_notice", "opposite", ["ruminate"], 15, "none",
        satisfaction="pleasure", night_unsafe=True,
    ),
    _new(
        "spend-time-in-a-park",
        "Spend some time in a park or garden",
        "Go to a park, garden or nature spot you like, or one you haven't tried, while it's "
        "light. Walk or sit for as long as feels good to you, and notice what's growing.",
        4, "take_notice", "activation", [], 45, "none",
        satisfaction="pleasure", night_unsafe=True,
    ),
    _new(
        "do-some-gardening",
        "Do some gardening",
        "Spend time weeding, planting or tidying a garden, an allotment or a community "
        "garden, in daylight. Stop for a drink of water whenever you like.",
        4, "be_active", "activation", [], 45, "none",
        satisfaction="pleasure", night_unsafe=True,
    ),
    _new(
        "somewhere-green-or-beautiful",
        "Go somewhere green or beautiful for an hour",
        "Take a trip to a wood, a beach, a hill or a big park and spend about an hour "
        "there. Stop and look around you, more than once.",
        5, "take_notice", "activation", [], 60, "none",
        satisfaction="pleasure", night_unsafe=True,
    ),
    # --- Creative and curious steps -------------------------------------------------
    _new(
        "doodle-for-five-minutes",
        "Doodle for five minutes",
        "Take any pen and a scrap of paper and doodle for five minutes: shapes, patterns, "
        "whatever comes. Nobody needs to see it but you.",
        1, "take_notice", "opposite", ["ruminate"], 5, "none",
        satisfaction="pleasure",
    ),
    _new(
        "read-one-poem",
        "Read one short poem",
        "Find one short poem, in a book or online, and read it slowly twice. Notice one "
        "line you'd like to remember.",
        1, "keep_learning", "opposite", ["numb_out"], 4, "none",
        satisfaction="pleasure",
    ),
    _new(
        "write-with-your-other-hand",
        "Write your name with your other hand",
        "Take a pen and write your name a few times with the hand you don't usually use. "
        "It's a small way to try something new.",
        1, "keep_learning", "activation", [], 2, "none",
        satisfaction="pleasure",
    ),
    _new(
        "how-one-thing-works",
        "Find out how one everyday thing works",
        "Look up how one everyday thing works, like a zip, a kettle or a rainbow, and read "
        "about it for five minutes. Tell someone, if you like.",
        1, "keep_learning", "activation", [], 5, "none",
        satisfaction="pleasure",
    ),
    _new(
        "shake-it-out",
        "Shake out your arms and legs",
        "Stand up, or stay sitting, and gently shake out your hands, arms and legs for a "
        "minute. Then take one slow breath, if you like.",
        1, "be_active", "opposite", ["numb_out"], 2, "none",
        satisfaction="pleasure",
    ),
    _new(
        "walk-round-your-home",
        "Walk once round your home",
        "Get up and walk slowly through each room of your home, opening a window on the way "
        "if you like. Notice one thing you'd forgotten was there.",
        1, "be_active", "opposite", ["stay_in_bed"], 3, "none",
        satisfaction="mastery",
    ),
    _new(
        "write-three-lines",
        "Write three lines about anything",
        "Write three lines about anything at all: the weather, a memory, what's on the "
        "table in front of you. You can keep them or throw them away.",
        2, "keep_learning", "activation", [], 5, "none",
        satisfaction="pleasure",
    ),
    _new(
        "fold-something-from-paper",
        "Fold something small from paper",
        "Look up how to fold a paper boat, a crane or a star, and fold one from any scrap of "
        "paper you have. Wonky is fine.",
        2, "keep_learning", "activation", [], 10, "none",
        satisfaction="pleasure",
    ),
    _new(
        "make-a-card-for-someone",
        "Make a card for someone",
        "Fold a piece of paper and make a card for someone: a drawing, a few words, or "
        "both. You can send it, give it, or keep it for when the time feels right.",
        3, "give", "activation", [], 20, "none",
        satisfaction="pleasure",
    ),
    _new(
        "paint-or-colour",
        "Paint or colour for fifteen minutes",
        "Paint, colour in or sketch with whatever you have for fifteen minutes. Let "
        "yourself enjoy the colours, whatever it turns out like.",
        3, "take_notice", "opposite", ["ruminate"], 15, "none",
        satisfaction="pleasure",
    ),
    _new(
        "make-something-with-your-hands",
        "Make something with your hands",
        "Spend a while making something, like a bird feeder, a knitted square or a loaf "
        "of bread, following a guide if you like. It doesn't need to be perfect to be "
        "yours.",
        4, "keep_learning", "activation", [], 45, "none",
        satisfaction="pleasure",
    ),
    # --- Gatherings -----------------------------------------------------------------
    _new(
        "join-an-online-gathering",
        "Join an online gathering from home",
        "Join an online gathering this week from wherever you're comfortable, with your "
        "camera off if you like. Saying hello in the chat is plenty.",
        3, "connect", "opposite", ["keep_to_myself"], 30, "attend",
        satisfaction="pleasure", target_format="online",
    ),
]


def forwards(apps, schema_editor):
    """Tag, reword and add. Running it again changes nothing."""
    Activity = apps.get_model("prescriptions", "Activity")
    for slug, tags in TAGS.items():
        Activity.objects.filter(slug=slug).update(**{**UNTAGGED, **tags})
    for slug, fields in WORDING.items():
        for field, (before, after) in fields.items():
            Activity.objects.filter(slug=slug, **{field: before}).update(**{field: after})
    for activity in NEW_ACTIVITIES:
        defaults = {key: value for key, value in activity.items() if key != "slug"}
        Activity.objects.update_or_create(slug=activity["slug"], defaults=defaults)


def backwards(apps, schema_editor):
    """Put back what forwards changed, and remove what it added (retiring, not deleting,
    any a member has been given: their steps point at it)."""
    Activity = apps.get_model("prescriptions", "Activity")
    added = Activity.objects.filter(slug__in=[a["slug"] for a in NEW_ACTIVITIES])
    added.filter(prescriptions__isnull=True).delete()
    added.update(is_active=False)
    for slug, fields in WORDING.items():
        for field, (before, after) in fields.items():
            Activity.objects.filter(slug=slug, **{field: after}).update(**{field: before})
    Activity.objects.filter(slug__in=TAGS).update(**UNTAGGED)


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0007_activity_fit_and_care"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
