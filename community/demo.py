"""Demo members and a lived-in community, for trying 4C out.

Later capabilities add their own demo data here.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from community import notifications, roles, services
from community.models import RSVP, Gathering, Notification, Post, Reaction, Reply, Space, User

DEMO_PASSWORD = "demo-4c-password"  # noqa: S105 - printed on purpose; demo accounts only
# Where the demo's days and hours are: gatherings named for a weekday fall on it here.
DEMO_ZONE = zoneinfo.ZoneInfo("Europe/London")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DemoMember:
    email: str
    display_name: str
    handle: str
    pronouns: str = ""
    bio: str = ""
    time_zone: str = "Europe/London"
    role: str = ""


DEMO_MEMBERS = [
    DemoMember(
        "maya@example.org", "Maya", "maya", "she/her",
        "Learning to be gentler with myself. I like tea, rain and slow walks.",
    ),
    DemoMember(
        "sam@example.org", "Sam", "sam", "they/them",
        "Night owl. Here for the low-energy days and the small wins.",
        time_zone="America/New_York",
    ),
    DemoMember(
        "ade@example.org", "Ade", "ade", "he/him",
        "Dad of two, amateur baker, figuring it out one day at a time.",
    ),
    DemoMember(
        "priya@example.org", "Priya", "priya", "",
        "I draw when words are hard.", time_zone="Asia/Kolkata",
    ),
    DemoMember(
        "rosa@example.org", "Rosa", "rosa", "she/her",
        "I help keep 4C kind and safe. Say hello any time.", role=roles.MODERATORS,
    ),
    DemoMember(
        "jordan@example.org", "Jordan", "jordan", "he/him",
        "Social prescribing link worker.", role=roles.LINK_WORKERS,
    ),
]  # fmt: skip


@transaction.atomic
def seed_members() -> list[tuple[DemoMember, bool]]:
    """Creates or refreshes the demo members; returns (member, created) pairs.

    Safe to run again: members are matched by email, their demo password (if someone
    changed it) and confirmed address are put back, nothing is duplicated, and nobody
    signed in is logged out.
    """
    results = []
    for demo in DEMO_MEMBERS:
        user = User.objects.filter(email=demo.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                demo.email,
                DEMO_PASSWORD,
                display_name=demo.display_name,
                handle=demo.handle,
                pronouns=demo.pronouns,
                bio=demo.bio,
                time_zone=demo.time_zone,
            )
        elif not user.check_password(DEMO_PASSWORD):
            # Only when it changed: a new hash changes the session's auth hash, which
            # would log the member out of every browser.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if demo.role:
            services.assign_role(member=user, role=demo.role)
        EmailAddress.objects.update_or_create(
            user=user, email=demo.email, defaults={"verified": True, "primary": True}
        )
        services.accept_guidelines(member=user)  # as at sign-up; a repeat changes nothing
        results.append((demo, created))
    return results


# --- Demo community -----------------------------------------------------------
# Spaces, posts, replies and reactions, so the lists look lived in. Times are
# relative to the moment of seeding: a post's `hours_ago` (or `on`, a weekday its
# words name: the latest one, mid-morning in London), a reply's `after` (hours after
# its post). Reactions are (handle, kind). Posts are matched by
# (space, title): one that exists already is left alone, with its thread.

DEMO_SPACES = [
    {
        "slug": "morning-tea", "name": "Morning tea", "order": 10,
        "description": (
            "Pull up a chair and say hello. No news or reason needed: a hello is enough."
        ),
        "guidelines": (
            "Say hello however you like: one word is plenty.\n"
            "Welcome new faces by name if you can.\n"
            "If something heavy comes up, Low-energy days is there for it."
        ),
    },
    {
        "slug": "low-energy-days", "name": "Low-energy days", "order": 20,
        "description": (
            "For the days when everything feels heavy or slow. Share where you are; "
            "nobody here needs you to be further along."
        ),
        "guidelines": (
            "Listen first. You don't have to fix anything.\n"
            "Every kind of day is welcome here.\n"
            "Add a content note if your post touches something heavy.\n"
            "Worried about someone? Point them to the Get help page."
        ),
    },
    {
        "slug": "small-wins", "name": "Small wins", "order": 30,
        "description": (
            "Got up, answered one email, ate something warm? Tell us. Small is enough."
        ),
        "guidelines": (
            "Every step counts, whatever its size.\n"
            "Cheer the step; no comparing.\n"
            "Resting counts as a win too."
        ),
    },
    {
        "slug": "making-things", "name": "Making things", "order": 40,
        "description": (
            "Drawing, baking, knitting, fixing, growing. Share what your hands have been "
            "up to, finished or not."
        ),
        "guidelines": (
            "Wonky and unfinished are welcome.\n"
            "Be kind about other people's work.\n"
            "Ask before giving tips."
        ),
    },
    {
        "slug": "sleep-and-rest", "name": "Sleep and rest", "order": 50,
        "description": (
            "Long nights, naps that don't help, little rituals that do. Swap what works "
            "for you."
        ),
        "guidelines": (
            "Share what helps you: it's an idea, not advice.\n"
            "For medicines or health worries, your GP or pharmacist can help.\n"
            "Night owls welcome."
        ),
    },
    {
        "slug": "carers-corner", "name": "Carers' corner", "order": 60,
        "description": (
            "For anyone looking after someone else. A place to be looked after for a "
            "bit, too."
        ),
        "guidelines": (
            "Share your side; keep the details of the person you care for private.\n"
            "Venting is welcome. You don't have to be grateful all the time.\n"
            "No judgement about how anyone is coping."
        ),
    },
]  # fmt: skip

DEMO_FOLLOWS = {
    "maya": ["morning-tea", "low-energy-days", "small-wins"],
    "sam": ["sleep-and-rest", "low-energy-days", "making-things"],
    "ade": ["carers-corner", "making-things", "small-wins"],
    "priya": ["making-things", "carers-corner"],
    "rosa": ["morning-tea", "low-energy-days", "carers-corner"],
    "jordan": ["carers-corner", "small-wins", "morning-tea"],
}

# Spaces read without following them (the prescription engine looks there too).
DEMO_READS = {
    "maya": ["sleep-and-rest", "carers-corner"],
}

DEMO_POSTS = [
    # --- Morning tea ---
    {
        "space": "morning-tea", "author": "rosa", "intent": "hello", "hours_ago": 238,
        "pinned": True,
        "title": "Welcome to Morning tea",
        "body": (
            "Hello, and welcome. This is the gentle front room of 4C.\n\n"
            "Say hello however you like: a word, an emoji, what's in your mug. "
            "Nobody needs a reason to be here, and reading along counts too.\n\n"
            "I'm Rosa, one of the moderators. Give me a shout any time."
        ),
        "reactions": [("maya", "thanks"), ("priya", "thanks"), ("sam", "thanks")],
        "replies": [
            {"author": "maya", "after": 2,
             "body": "Morning! Builder's tea, a bit too strong. Thank you for making this place.",
             "reactions": [("rosa", "thanks")]},
            {"author": "jordan", "after": 26,
             "body": (
                 "Hello from me too. I'm Jordan, a link worker: I help people find local "
                 "groups and activities. Happy to chat about what's near you, no pressure."
             )},
        ],
    },
    {
        "space": "morning-tea", "author": "priya", "intent": "hello", "hours_ago": 190,
        "title": "Hello from a very hot afternoon",
        "body": (
            "Hi everyone, I'm Priya. It's 34 degrees here and the fan is doing its best.\n\n"
            "I don't talk much, but I'm glad to read along."
        ),
        "reactions": [("rosa", "hear")],
        "replies": [
            {"author": "maya", "after": 1,
             "body": (
                 "Hi Priya! Reading along absolutely counts. It's 9 degrees and drizzly "
                 "here, if you'd like to swap."
             ),
             "reactions": [("priya", "thanks")]},
            {"author": "sam", "after": 8, "body": "Hi Priya, fellow quiet one here 👋"},
            {"author": "priya", "after": 9,
             "body": "I would swap for one afternoon, @maya. Thank you both."},
        ],
    },
    {
        "space": "morning-tea", "author": "ade", "intent": "hello", "hours_ago": 122,
        "title": "Hello from the school gates",
        "body": (
            "Dropped both kids off without anyone crying (me included). Now sitting in the "
            "car with a flask for ten minutes before work. Hello, whoever's here."
        ),
        "reactions": [("sam", "me_too"), ("priya", "hear")],
        "replies": [
            {"author": "rosa", "after": 0.5,
             "body": "Those ten minutes in the car sound precious. Hello, Ade!"},
            {"author": "maya", "after": 2, "body": "The flask moment is *everything*. Hello!",
             "reactions": [("ade", "thanks")]},
        ],
    },
    {
        "space": "morning-tea", "author": "jordan", "intent": "idea", "hours_ago": 100,
        "title": "Gentle walking groups, if you fancy it",
        "body": (
            "A few people have asked about groups that meet in person. Many areas have free "
            "walking groups: a gentle pace, nobody gets left behind, and often a café at "
            "the end.\n\n"
            "- Ask at your library or GP surgery reception\n"
            "- Search your council's website for \"health walks\"\n"
            "- Or reply here and I'll help you look\n\n"
            "Only if it feels OK. Reading about it counts too."
        ),
        "reactions": [("maya", "thanks"), ("ade", "thanks"), ("rosa", "thanks")],
        "replies": [
            {"author": "maya", "after": 4,
             "body": (
                 "I went to one last spring. The first time I nearly turned round at the "
                 "gate, but someone just said \"you're with me\" and that was that."
             ),
             "reactions": [("jordan", "thanks"), ("sam", "hear")]},
            {"author": "ade", "after": 20,
             "body": "Saving this for when the kids are back at school."},
        ],
    },
    {
        "space": "morning-tea", "author": "maya", "intent": "hello", "on": "Sunday",
        "title": "Rainy Sunday hello",
        "body": (
            "Rain on the windows, slippers on, nowhere to be. How's everyone's Sunday "
            "going? One-word answers very welcome."
        ),
        "reactions": [("ade", "hear")],
        "replies": [
            {"author": "sam", "after": 3, "body": "Sleepy. (It's still morning here.)"},
            {"author": "ade", "after": 4, "body": "Pancakes.", "reactions": [("maya", "thanks")]},
            {"author": "jordan", "after": 6, "body": "Allotment. Muddy but happy."},
        ],
    },
    # --- Low-energy days ---
    {
        "space": "low-energy-days", "author": "maya", "intent": "support", "hours_ago": 226,
        "title": "Everything feels like wading through treacle",
        "body": (
            "Not a crisis, just heavy. I've done the washing up and that's about all I "
            "have today.\n\n"
            "How do you all get through the really slow days?"
        ),
        "reactions": [("sam", "hear"), ("priya", "me_too"), ("rosa", "strength")],
        "replies": [
            {"author": "sam", "after": 1,
             "body": (
                 "Treacle is exactly it. On days like this I lower the bar until I can "
                 "step over it: *drink water, open a window, that's the list.*"
             ),
             "reactions": [("maya", "thanks"), ("ade", "me_too")]},
            {"author": "priya", "after": 3,
             "body": "Washing up is a real thing you did. I hear you."},
            {"author": "ade", "after": 6,
             "body": (
                 "Me too this week. I put on an old film I know by heart, so my brain "
                 "doesn't have to do anything."
             )},
            {"author": "maya", "after": 8,
             "body": "Thank you. *Lower the bar until I can step over it.* I'm keeping that one."},
        ],
    },
    {
        "space": "low-energy-days", "author": "ade", "intent": "support", "hours_ago": 200,
        "title": "Running on empty this week",
        "body": (
            "Work's been full-on and the kids have a bug. I keep snapping at people I love, "
            "then feeling rotten about it. Not looking for solutions really, I just needed "
            "to put it somewhere."
        ),
        "reactions": [("maya", "hear"), ("sam", "me_too")],
        "replies": [
            {"author": "jordan", "after": 3,
             "body": "That's a lot to carry at once. Putting it here sounds like a good call."},
            {"author": "maya", "after": 4,
             "body": "Snapping when you're running on empty is so human. Rotten feeling and all.",
             "reactions": [("ade", "thanks")]},
        ],
    },
    {
        "space": "low-energy-days", "author": "sam", "intent": "support", "hours_ago": 170,
        "anonymous": True,
        "title": "Haven't showered in four days",
        "body": (
            "Feels embarrassing to type. It's not that I don't want to. The whole thing "
            "just feels like a mountain. Anyone else?"
        ),
        "reactions": [("maya", "hear"), ("priya", "me_too"), ("jordan", "strength")],
        "replies": [
            {"author": "maya", "after": 2,
             "body": (
                 "Not embarrassing at all. I've been there more times than I can count. "
                 "Some days a warm flannel and clean socks was my whole win, and that counted."
             ),
             "reactions": [("priya", "thanks")]},
            {"author": "ade", "after": 5,
             "body": "Me too, last winter. You're not on your own with this one."},
            {"author": "rosa", "after": 6,
             "body": (
                 "Thank you for saying it out loud. You're welcome here however many days "
                 "it's been."
             )},
            {"author": "sam", "after": 9, "anonymous": True,
             "body": "Flannel and clean socks: done. Thank you. Genuinely."},
        ],
    },
    {
        "space": "low-energy-days", "author": "maya", "intent": "support", "hours_ago": 140,
        "content_warning": "grief",
        "title": "A year since Nan",
        "body": (
            "Today's a year since my nan died. I thought I'd be \"better\" by now, whatever "
            "that means.\n\n"
            "I made her lemon drizzle and it came out wrong and I cried in the kitchen. "
            "Then I ate two slices anyway. I don't need advice. I just wanted to say her "
            "name somewhere: *Joan*."
        ),
        "reactions": [("priya", "strength"), ("ade", "strength"), ("sam", "hear"),
                      ("jordan", "hear")],
        "replies": [
            {"author": "priya", "after": 1,
             "body": "Hello, Joan. Thank you for telling us about her, Maya."},
            {"author": "rosa", "after": 2,
             "body": (
                 "There's no timetable for this. Crying in the kitchen and eating the cake "
                 "anyway sounds like a very good way to remember her."
             ),
             "reactions": [("maya", "thanks")]},
            {"author": "ade", "after": 4,
             "body": "Wrong lemon drizzle is still lemon drizzle. Sending warmth today."},
            {"author": "sam", "after": 10,
             "body": (
                 "I lost my grandad two years ago and some days are still like this. "
                 "Thinking of you and Joan."
             ),
             "reactions": [("maya", "thanks")]},
        ],
    },
    {
        "space": "low-energy-days", "author": "priya", "intent": "idea", "hours_ago": 60,
        "title": "A list for the slow days",
        "body": (
            "I keep this on a sticky note by my bed. Sharing in case it helps someone:\n\n"
            "1. A sip of water\n"
            "2. Open the curtains, even a bit\n"
            "3. One song, any song\n"
            "4. Text one person, even just an emoji\n\n"
            "If I only do number one, that's still a day I did something."
        ),
        "reactions": [("maya", "thanks"), ("sam", "thanks"), ("ade", "thanks"),
                      ("rosa", "thanks")],
        "replies": [
            {"author": "sam", "after": 2,
             "body": "Keeping this. Number three is doing a lot of work for me today.",
             "reactions": [("priya", "hear")]},
            {"author": "maya", "after": 6,
             "body": "I love that number one counts on its own."},
        ],
    },
    {
        "space": "low-energy-days", "author": "sam", "intent": "support", "hours_ago": 44,
        "content_warning": "a hard night",
        "title": "Last night was a hard one",
        "body": (
            "The kind of night where everything feels too much and the morning seems very "
            "far away. Around 2am I rang a helpline, and just talking to a calm voice got "
            "me to the morning.\n\n"
            "I'm OK now, just tired. Mostly posting so it isn't only in my head."
        ),
        "reactions": [("maya", "strength"), ("priya", "strength"), ("ade", "hear")],
        "replies": [
            {"author": "rosa", "after": 1,
             "body": (
                 "I'm really glad you rang, and glad you're here telling us. If nights like "
                 "that come back, the Get help page lists lines that are open all night. "
                 "How are you doing this afternoon?"
             ),
             "reactions": [("sam", "thanks")]},
            {"author": "maya", "after": 2,
             "body": "Thank you for telling us. Reaching out at 2am takes a lot. I hear you."},
            {"author": "sam", "after": 5,
             "body": "Thank you both. Had some soup. Going to try for an early night."},
        ],
    },
    {
        "space": "low-energy-days", "author": "maya", "intent": "support", "hours_ago": 5,
        "anonymous": True,
        "title": "Not sure how to say this",
        "body": (
            "I've been quiet lately and I don't really know why. Nothing bad has happened. "
            "I just feel far away from everything, like I'm watching my life through a "
            "window.\n\n"
            "Does anyone else get this?"
        ),
        "reactions": [("rosa", "hear")],
        "replies": [],
    },
    # --- Small wins ---
    {
        "space": "small-wins", "author": "sam", "intent": "win", "hours_ago": 210,
        "title": "Answered the email I'd been avoiding",
        "body": (
            "It had been sitting there for three weeks. It took four minutes. The dread "
            "took three weeks. Anyway: **done**! 🎉"
        ),
        "reactions": [("ade", "strength"), ("maya", "me_too"), ("priya", "strength")],
        "replies": [
            {"author": "ade", "after": 1,
             "body": "The dread-to-task ratio is always wild. Well done!"},
            {"author": "priya", "after": 2, "body": "Yay! Four minutes of brave.",
             "reactions": [("sam", "thanks")]},
        ],
    },
    {
        "space": "small-wins", "author": "ade", "intent": "win", "hours_ago": 160,
        "title": "Cooked an actual dinner",
        "body": (
            "First proper meal in ages that wasn't toast. Spaghetti, nothing fancy, but the "
            "kids said it was \"quite good\", which is the highest praise available in this "
            "house."
        ),
        "reactions": [("maya", "strength"), ("rosa", "strength")],
        "replies": [
            {"author": "maya", "after": 2,
             "body": "\"Quite good\" is a five-star review from kids. Well done, Ade!"},
            {"author": "sam", "after": 5,
             "body": "This made me smile. From the toast era to the spaghetti era.",
             "reactions": [("ade", "thanks")]},
        ],
    },
    {
        "space": "small-wins", "author": "priya", "intent": "win", "hours_ago": 130,
        "title": "Went to the shop on my own",
        "body": (
            "This one was big for me. I had my list and my headphones and I didn't leave "
            "halfway.\n\n"
            "Bought mangoes as a reward."
        ),
        "reactions": [("maya", "strength"), ("ade", "strength"), ("sam", "strength")],
        "replies": [
            {"author": "rosa", "after": 1,
             "body": "That's a real step, and mangoes are an excellent reward."},
            {"author": "maya", "after": 3,
             "body": "Headphones and a list is my exact method too. So pleased for you.",
             "reactions": [("priya", "thanks")]},
        ],
    },
    {
        "space": "small-wins", "author": "maya", "intent": "win", "hours_ago": 96,
        "title": "Walked to the end of the road and back",
        "body": (
            "Didn't want to. Did it anyway, in my slippers-that-look-like-shoes. Saw a very "
            "round cat. 10/10."
        ),
        "reactions": [("sam", "strength"), ("ade", "strength"), ("rosa", "hear")],
        "replies": [
            {"author": "priya", "after": 1,
             "body": "The round cat was your reward for going. Well done!"},
            {"author": "sam", "after": 3,
             "body": "Slippers that look like shoes are an elite invention."},
        ],
    },
    {
        "space": "small-wins", "author": "jordan", "intent": "hello", "hours_ago": 70,
        "title": "One small win from your week?",
        "body": (
            "No win is too small. Mine: I finally fixed the squeaky cupboard door at work.\n\n"
            "Yours can be anything: got up, ate lunch, replied to a text, rested when you "
            "needed to. *Resting counts.*"
        ),
        "reactions": [("maya", "thanks"), ("priya", "thanks")],
        "replies": [
            {"author": "sam", "after": 2,
             "body": "Rested when I needed to, and didn't feel guilty about it. Much.",
             "reactions": [("jordan", "strength")]},
            {"author": "ade", "after": 3,
             "body": "Baked bread with the kids. Flour everywhere. Nobody cried."},
            {"author": "maya", "after": 5,
             "body": "I asked for help at work instead of struggling on. That's a new one for me.",
             "reactions": [("jordan", "strength"), ("rosa", "strength")]},
        ],
    },
    {
        "space": "small-wins", "author": "maya", "intent": "win", "hours_ago": 3,
        "title": "I rang the dentist",
        "body": (
            "I've been putting it off since spring. Phone calls are my nemesis. But I rang, "
            "I got an appointment, and I didn't even write a script first.\n\n"
            "(OK, I wrote *half* a script.)"
        ),
        "reactions": [("sam", "strength"), ("ade", "me_too")],
        "replies": [],
    },
    # --- Making things ---
    {
        "space": "making-things", "author": "priya", "intent": "win", "hours_ago": 220,
        "title": "A tiny drawing a day",
        "body": (
            "I've started doing a tiny drawing every evening, the size of a stamp. If it "
            "goes wrong, it's only small. Yesterday was a teacup; today, a very lopsided "
            "pigeon."
        ),
        "reactions": [("maya", "strength"), ("sam", "thanks")],
        "replies": [
            {"author": "maya", "after": 3,
             "body": "A lopsided pigeon sounds perfect. The stamp size is such a kind idea."},
            {"author": "ade", "after": 8, "body": "I'd love to hear what tomorrow's is."},
        ],
    },
    {
        "space": "making-things", "author": "ade", "intent": "idea", "hours_ago": 180,
        "title": "Bread that forgives you",
        "body": (
            "For anyone who fancies baking but hasn't got much in the tank: no-knead bread.\n\n"
            "- 500g flour, 1 tsp salt, 1 tsp yeast, 400ml warm water\n"
            "- Stir, cover, leave it overnight\n"
            "- Tip into a hot tin and bake for 40 minutes\n\n"
            "You can't really get it wrong, and the house smells amazing. "
            "@maya, you asked about this last week!"
        ),
        "reactions": [("maya", "thanks"), ("sam", "thanks"), ("priya", "thanks")],
        "replies": [
            {"author": "maya", "after": 2, "body": "Thank you! Trying this at the weekend."},
            {"author": "jordan", "after": 6,
             "body": (
                 "Lots of community centres run free cooking sessions too, if anyone would "
                 "like some company while they bake."
             )},
            {"author": "sam", "after": 9,
             "body": "Does it forgive someone who has never baked anything, ever?"},
            {"author": "ade", "after": 10, "body": "*Especially* them, @sam.",
             "reactions": [("sam", "thanks")]},
        ],
    },
    {
        "space": "making-things", "author": "sam", "intent": "support", "hours_ago": 110,
        "title": "My knitting looks like a fishing net",
        "body": (
            "Anyone else learning something new and feeling rubbish at it? Three evenings in "
            "and my scarf has more holes than scarf. I keep wanting to give up."
        ),
        "reactions": [("priya", "me_too"), ("ade", "me_too")],
        "replies": [
            {"author": "priya", "after": 3,
             "body": (
                 "My first drawings were so bad I hid them in a drawer. Being a beginner is "
                 "the bit nobody shows. I hear you."
             ),
             "reactions": [("sam", "thanks")]},
            {"author": "maya", "after": 5,
             "body": "Holes are just ventilation. And you keep picking it up: that's the thing."},
        ],
    },
    {
        "space": "making-things", "author": "maya", "intent": "win", "hours_ago": 90,
        "title": "Made the bread!",
        "body": (
            "Thanks to @ade's recipe. It's a bit flat on one side and it's the best thing "
            "I've made all year. The whole flat smells like a bakery."
        ),
        "reactions": [("ade", "strength"), ("sam", "strength")],
        "replies": [
            {"author": "ade", "after": 1,
             "body": "Flat on one side is the mark of a home-made loaf. So glad!"},
            {"author": "priya", "after": 4, "body": "A flat that smells of bread is my dream."},
        ],
    },
    {
        "space": "making-things", "author": "priya", "intent": "win", "hours_ago": 20,
        "title": "Finished a whole sketchbook",
        "body": (
            "Sixty pages. Some of them are just scribbles from bad days, and I nearly tore "
            "those out. I'm keeping them. They're part of it."
        ),
        "reactions": [],
        "replies": [],
    },
    # --- Sleep and rest ---
    {
        "space": "sleep-and-rest", "author": "sam", "intent": "idea", "hours_ago": 185,
        "title": "Things that help me wind down",
        "body": (
            "I'm a night owl anyway, but lately it's been more like night *everything*. "
            "A few things that are helping a bit:\n\n"
            "- Phone in another room (the hardest one)\n"
            "- A boring podcast with a sleep timer\n"
            "- Writing tomorrow's worries on paper so my head can put them down\n\n"
            "What works for you?"
        ),
        "reactions": [("maya", "thanks"), ("priya", "thanks")],
        "replies": [
            {"author": "maya", "after": 2,
             "body": (
                 "Writing the worries down works for me too. It's like handing them to "
                 "someone to hold overnight."
             ),
             "reactions": [("sam", "me_too")]},
            {"author": "priya", "after": 7,
             "body": "Warm milk with cardamom, the way my grandmother made it."},
            {"author": "ade", "after": 12,
             "body": "Being so tired from the kids I fall asleep mid-sentence. Not recommended."},
        ],
    },
    {
        "space": "sleep-and-rest", "author": "maya", "intent": "support", "hours_ago": 150,
        "title": "Napping and then feeling worse",
        "body": (
            "Does anyone else nap in the afternoon and wake up feeling like a damp sock? "
            "I can't decide if it helps or not."
        ),
        "reactions": [("ade", "me_too"), ("priya", "me_too")],
        "replies": [
            {"author": "priya", "after": 4,
             "body": "Yes! Damp sock is exactly it. Twenty minutes is my limit or I'm gone."},
            {"author": "sam", "after": 5,
             "body": "Same here. I set an alarm now and sit by a window for a bit afterwards."},
        ],
    },
    {
        "space": "sleep-and-rest", "author": "ade", "intent": "idea", "hours_ago": 52,
        "title": "A bedtime routine, for grown-ups",
        "body": (
            "We do a bedtime routine for the kids: bath, book, lights down. I realised I "
            "never do one for myself.\n\n"
            "Trying decaf tea, ten minutes of reading, lights down. Day three and it's... "
            "nice?"
        ),
        "reactions": [("sam", "thanks"), ("maya", "thanks")],
        "replies": [
            {"author": "jordan", "after": 2,
             "body": "I love this. Looking after yourself the way you look after them."},
            {"author": "maya", "after": 3,
             "body": "Decaf tea and a book is my favourite kind of evening."},
        ],
    },
    {
        "space": "sleep-and-rest", "author": "sam", "intent": "support", "hours_ago": 30,
        "title": "Wide awake again",
        "body": (
            "It's 3am, the house is quiet and my brain is not. I'm not in a bad place, "
            "just awake and a bit lonely. Anyone else up?"
        ),
        "reactions": [("priya", "hear")],
        "replies": [
            {"author": "sam", "after": 1.5,
             "body": "Made toast, put a podcast on. Still awake, but it helps to have said it."},
        ],
    },
    # --- Carers' corner ---
    {
        "space": "carers-corner", "author": "jordan", "intent": "hello", "hours_ago": 235,
        "title": "Welcome to Carers' corner",
        "body": (
            "If you look after someone (a parent, a partner, a child, a friend), this corner "
            "is for you. Caring can be lonely, and it's often invisible.\n\n"
            "You don't have to be grateful or cheerful here. You can just be tired.\n\n"
            "Many areas have a local carers' centre too. If you'd like, I can help you look "
            "for one near you."
        ),
        "reactions": [("ade", "thanks"), ("priya", "thanks"), ("maya", "hear")],
        "replies": [
            {"author": "ade", "after": 20,
             "body": (
                 "Thank you for this. I help look after my mum as well as the kids, and I "
                 "hadn't really thought of myself as a carer until now."
             ),
             "reactions": [("jordan", "hear"), ("priya", "me_too")]},
            {"author": "priya", "after": 26, "body": "Same. I help my dad. Glad this exists."},
        ],
    },
    {
        "space": "carers-corner", "author": "priya", "intent": "support", "hours_ago": 80,
        "anonymous": True,
        "title": "I feel guilty for wanting a break",
        "body": (
            "I love the person I look after. But some evenings I sit outside the house for a "
            "few minutes before going in, because I need a moment that's just mine. Then I "
            "feel terrible about it."
        ),
        "reactions": [("ade", "me_too"), ("maya", "hear"), ("rosa", "strength")],
        "replies": [
            {"author": "jordan", "after": 2,
             "body": (
                 "Needing a moment that's just yours doesn't cancel out the love. It's part "
                 "of being able to keep going."
             )},
            {"author": "ade", "after": 3,
             "body": "I do exactly the same. The car is my little room. You're not alone in it.",
             "reactions": [("maya", "me_too")]},
            {"author": "rosa", "after": 5,
             "body": "Thank you for being honest. So many carers feel this and never say it."},
        ],
    },
    {
        "space": "carers-corner", "author": "ade", "intent": "support", "hours_ago": 9,
        "title": "Mum's appointment tomorrow",
        "body": (
            "Taking Mum to the hospital tomorrow for a check-up. It's routine, but she gets "
            "anxious, and then I get anxious about her being anxious.\n\n"
            "Anyone got little things that help on days like these?"
        ),
        "reactions": [],
        "replies": [],
    },
]  # fmt: skip


@transaction.atomic
def seed_community() -> dict[str, int]:
    """Creates the demo spaces, follows, posts, replies and reactions; returns totals.

    Run seed_members() first. Safe to run again: spaces are matched by slug and
    posts by (space, title); a post that exists is skipped with its whole thread.
    Content goes through the community services, then its times are spread over
    the last ten days, as if members had written it then.
    """
    now = timezone.now()
    members = {
        m.handle: m for m in User.objects.filter(handle__in=[d.handle for d in DEMO_MEMBERS])
    }
    spaces = {}
    for data in DEMO_SPACES:
        fields = {key: value for key, value in data.items() if key != "slug"}
        spaces[data["slug"]], _ = Space.objects.get_or_create(slug=data["slug"], defaults=fields)
    for handle, slugs in DEMO_FOLLOWS.items():
        for slug in slugs:
            services.follow_space(member=members[handle], space=spaces[slug])
    for handle, slugs in DEMO_READS.items():
        for slug in slugs:
            services.note_space_read(member=members[handle], space_id=spaces[slug].pk)
    new_posts = 0
    for data in sorted(DEMO_POSTS, key=lambda post: -_hours_ago(post, now)):
        space = spaces[data["space"]]
        if space.is_archived or Post.objects.filter(space=space, title=data["title"]).exists():
            continue
        _seed_post(data, space=space, members=members, now=now)
        new_posts += 1
    slugs = list(spaces)
    return {
        "spaces": len(slugs),
        "posts": Post.objects.filter(space__slug__in=slugs).count(),
        "replies": Reply.objects.filter(post__space__slug__in=slugs).count(),
        "new_posts": new_posts,
    }


def _seed_post(data: dict, *, space: Space, members: dict[str, User], now: datetime) -> None:
    author = members[data["author"]]
    written = now - timedelta(hours=_hours_ago(data, now))
    post = services.create_post(
        author=author,
        space=space,
        title=data["title"],
        body=data["body"],
        intent=data["intent"],
        content_warning=data.get("content_warning", ""),
        is_anonymous=data.get("anonymous", False),
    )
    if data.get("pinned"):
        services.set_post_flag(post=post, moderator=members["rosa"], flag="is_pinned", value=True)
    Notification.objects.filter(post=post, reply=None).update(created_at=written)
    _seed_reactions(
        data.get("reactions", []), target=post, members=members, after=written, now=now
    )
    last_activity, first_reply = written, None
    for reply_data in sorted(data.get("replies", []), key=lambda reply: reply["after"]):
        replier = members[reply_data["author"]]
        reply = services.post_reply(
            author=replier,
            post=post,
            body=reply_data["body"],
            is_anonymous=reply_data.get("anonymous", False),
        )
        replied = _in_the_past(written + timedelta(hours=reply_data["after"]), now)
        Reply.objects.filter(pk=reply.pk).update(created_at=replied)
        Notification.objects.filter(reply=reply).update(created_at=replied)
        _seed_reactions(
            reply_data.get("reactions", []), target=reply, members=members, after=replied, now=now
        )
        last_activity = max(last_activity, replied)
        if replier.pk != author.pk and first_reply is None:
            first_reply = replied
    Post.objects.filter(pk=post.pk).update(
        created_at=written, last_activity_at=last_activity, first_reply_at=first_reply
    )
    # What happened days ago has been seen; the last couple of days stay unread.
    Notification.objects.filter(
        post=post, created_at__lt=now - timedelta(days=2), read_at=None
    ).update(read_at=now)
    services.recount_unread(Notification.objects.filter(post=post).values("recipient"))


def _seed_reactions(
    reactions: list[tuple[str, str]],
    *,
    target: Post | Reply,
    members: dict[str, User],
    after: datetime,
    now: datetime,
) -> None:
    """Adds each (handle, kind) once, never on the member's own words, soon after `after`."""
    if isinstance(target, Post):
        where = {"post": target, "reply": None}
    else:
        where = {"post": None, "reply": target}
    for number, (handle, kind) in enumerate(reactions, start=1):
        member = members[handle]
        if member.pk == target.author_id:
            continue
        mine = Reaction.objects.filter(member=member, kind=kind, **where)
        services.set_reaction(member=member, kind=kind, on=True, **where)
        when = _in_the_past(after + timedelta(minutes=25 * number), now)
        mine.update(created_at=when)
        Notification.objects.filter(
            kind=notifications.REACTION,
            reaction_kind=kind,
            reply=where["reply"],
            post=target if where["post"] else target.post_id,
        ).update(created_at=when)


def _hours_ago(post: dict, now: datetime) -> float:
    """How long ago a demo post was written: a post that names a weekday was written on
    the latest such day, mid-morning in London, at least a few hours before `now` so its
    replies fit in between."""
    if "on" not in post:
        return post["hours_ago"]
    day = _latest_weekday(post["on"], now.astimezone(DEMO_ZONE).date())
    written = datetime(day.year, day.month, day.day, 10, tzinfo=DEMO_ZONE)
    if written > now - timedelta(hours=8):
        written -= timedelta(days=7)
    return (now - written) / timedelta(hours=1)


def _weekday(name: str) -> int:
    return WEEKDAYS.index(name)


def _latest_weekday(name: str, on_or_before: date) -> date:
    return on_or_before - timedelta(days=(on_or_before.weekday() - _weekday(name)) % 7)


def _next_weekday(name: str, on_or_after: date) -> date:
    return on_or_after + timedelta(days=(_weekday(name) - on_or_after.weekday()) % 7)


def _in_the_past(moment: datetime, now: datetime) -> datetime:
    return min(moment, now - timedelta(minutes=1))


# --- Gatherings -----------------------------------------------------------------

# (title, space slug, host handle, days from now, local hour in Europe/London, minutes,
#  capacity, format, where, handles going). A title that starts with a weekday falls on
#  the first such day at least that many days from now.
DEMO_GATHERINGS = [
    ("Tuesday evening chat", "low-energy-days", "rosa", 1, 19, 60, 8, "online",
     "https://meet.example.org/4c-tuesday", ["maya", "sam", "ade", "priya", "jordan", "rosa"]),
    ("Carers' cuppa", "carers-corner", "jordan", 3, 11, 45, 4, "online",
     "https://meet.example.org/4c-carers", ["ade", "priya", "maya", "sam"]),
    ("Morning walk and talk", "small-wins", "jordan", 5, 10, 90, 12, "in_person",
     "Victoria Park, by the main gate café", ["maya", "ade"]),
    ("Quiet making hour", "making-things", "rosa", 6, 20, 60, None, "online",
     "https://meet.example.org/4c-making", ["priya"]),
    ("Sunday slow start", "morning-tea", "rosa", 8, 10, 60, 10, "online",
     "https://meet.example.org/4c-sunday", []),
]  # fmt: skip
DEMO_PAST_GATHERING = "Last week's evening chat"


@transaction.atomic
def seed_gatherings() -> dict[str, int]:
    """A handful of upcoming gatherings (one full with a waiting list, one nearly full)
    and one past one. Matched by title, so a second run adds nothing."""
    members = {
        user.handle: user
        for user in User.objects.filter(handle__in=[m.handle for m in DEMO_MEMBERS])
    }
    spaces = {space.slug: space for space in Space.objects.all()}
    today = timezone.now().astimezone(DEMO_ZONE).date()
    made = 0
    for title, slug, host, days, hour, minutes, capacity, fmt, where, going in DEMO_GATHERINGS:
        if slug not in spaces or Gathering.objects.filter(title=title).exists():
            continue
        day = today + timedelta(days=days)
        named = title.split()[0]
        if named in WEEKDAYS:
            day = _next_weekday(named, day)
        starts_at = datetime(day.year, day.month, day.day, hour, tzinfo=DEMO_ZONE)
        gathering = services.create_gathering(
            host=members[host],
            space=spaces[slug],
            title=title,
            description=_GATHERING_DESCRIPTION,
            starts_at=starts_at,
            duration_minutes=minutes,
            capacity=capacity,
            format=fmt,
            join_url=where if fmt == "online" else "",
            place=where if fmt == "in_person" else "",
        )
        for handle in going:
            services.rsvp(gathering=gathering, member=members[handle], is_private=handle == "sam")
        if title == "Carers' cuppa":  # full: one more waits
            services.rsvp(gathering=gathering, member=members["rosa"])
        made += 1
    if (
        not Gathering.objects.filter(title=DEMO_PAST_GATHERING).exists()
        and "low-energy-days" in spaces
    ):
        gathering = services.create_gathering(
            host=members["rosa"],
            space=spaces["low-energy-days"],
            title=DEMO_PAST_GATHERING,
            description=_GATHERING_DESCRIPTION,
            starts_at=timezone.now() + timedelta(hours=1),
            duration_minutes=60,
            capacity=8,
            format="online",
            join_url="https://meet.example.org/4c-last-week",
        )
        for handle in ("maya", "sam", "ade"):
            services.rsvp(gathering=gathering, member=members[handle])
        # Demo only: move it back to last week's Tuesday evening, as if it had happened.
        day = _latest_weekday("Tuesday", today - timedelta(days=1))
        starts_at = datetime(day.year, day.month, day.day, 19, tzinfo=DEMO_ZONE)
        Gathering.objects.filter(pk=gathering.pk).update(
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=60)
        )
        RSVP.objects.filter(gathering=gathering, member__handle__in=["maya", "sam"]).update(
            attended_at=starts_at + timedelta(minutes=50)
        )
        made += 1
    return {"gatherings": Gathering.objects.count(), "new_gatherings": made}


_GATHERING_DESCRIPTION = (
    "An easy hour together. Come as you are: cameras off is fine, and so is just listening. "
    "We'll start with a gentle check-in round, and you can always pass."
)
