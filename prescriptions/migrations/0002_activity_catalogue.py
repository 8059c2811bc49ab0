"""The starting activity catalogue: small, kind, doable things, scaled to energy.

Each activity is plain data, so moderators can edit, add and retire activities in the
admin afterwards. Values are the plain strings of the model's choices (Way, Technique,
Urge, CommunityAction), so this migration never imports the live models.

Words follow ../shared/VOICE.md: warm, plain, brief, second person, invitations not
orders, never clinical, no exclamation marks. At energy 1 a step takes five minutes or
less; at energy 2, ten minutes or less.
"""

from django.db import migrations

ACTIVITIES = [
    # --- Energy 1: tiny steps, five minutes or less ---------------------------------
    {
        "slug": "hear-you-reaction",
        "title": "Leave an 'I hear you' on one post",
        "how_to": (
            "Read one post from someone who's finding things hard and tap 'I hear you'. "
            "You don't need to write anything; they'll know someone listened."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself", "numb_out"],
        "minutes": 2,
        "action": "react",
    },
    {
        "slug": "me-too-reaction",
        "title": "Say 'Me too' to someone who gets it",
        "how_to": (
            "If a post sounds like your day, tap 'Me too'. "
            "It's a small way to tell someone they're not the only one."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 2,
        "action": "react",
    },
    {
        "slug": "sit-up-and-send-strength",
        "title": "Sit up and send some strength",
        "how_to": (
            "If you're lying down, sit up or put your feet on the floor first. "
            "Then find one post from someone having a hard day and tap 'Sending strength'."
        ),
        "energy": 1,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed"],
        "minutes": 3,
        "action": "react",
    },
    {
        "slug": "thank-a-helpful-post",
        "title": "Say thank you to a post that helped",
        "how_to": (
            "Next time you're scrolling, stop on one post or reply that helped you, even a "
            "little, and tap 'Thank you'. The person who wrote it will see that it mattered."
        ),
        "energy": 1,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 2,
        "action": "react",
    },
    {
        "slug": "cheer-a-small-win",
        "title": "Cheer one small win",
        "how_to": (
            "Find a post where someone shares a small win and leave a reaction to cheer "
            "them on. Noticing someone else's good moment gives your mind a rest from "
            "its own loops."
        ),
        "energy": 1,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 2,
        "action": "react",
    },
    {
        "slug": "welcome-a-newcomer-reaction",
        "title": "Welcome someone new with a reaction",
        "how_to": (
            "Look for a hello from someone new and leave a reaction on it. "
            "You could be the first person to notice they've arrived."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 2,
        "action": "react",
    },
    {
        "slug": "text-one-friend",
        "title": "Text one friend",
        "how_to": (
            "Send one friend a short text, like 'Thinking of you' or 'How's your week "
            "going?' You don't need a reason to get in touch."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "open-one-avoided-message",
        "title": "Open one message you've been putting off",
        "how_to": (
            "Open it and send a short holding reply, like 'Thanks for this, I'll get back "
            "to you properly soon.' That's the whole step, and you've done it."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "ask-a-friend-about-their-day",
        "title": "Ask a friend about their day",
        "how_to": (
            "Send one person a question about their day, and read their answer when it "
            "comes. Their news gives your thoughts somewhere else to rest for a while."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "shrink-the-plan",
        "title": "Shrink your plan and tell one person",
        "how_to": (
            "Instead of dropping your plan, make it smaller: five minutes, or just the "
            "first step. If you like, text one person what the small version is."
        ),
        "energy": 1,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["give_up"],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "curtains-and-water",
        "title": "Open the curtains and drink a glass of water",
        "how_to": (
            "Open the curtains or a blind, then pour yourself a glass of water and drink "
            "it by the window. Notice the light, whatever the weather."
        ),
        "energy": 1,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed"],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "feet-on-the-floor",
        "title": "Put your feet on the floor",
        "how_to": (
            "Sit up, put your feet flat on the floor and take three slow breaths. "
            "If that's all for now, that's OK."
        ),
        "energy": 1,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed"],
        "minutes": 1,
        "action": "none",
    },
    {
        "slug": "stretch-for-two-minutes",
        "title": "Stretch for two minutes",
        "how_to": (
            "Stand or sit and reach your arms up, then gently roll your shoulders and "
            "neck. Go slowly, and only as far as feels comfortable."
        ),
        "energy": 1,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 2,
        "action": "none",
    },
    {
        "slug": "listen-to-one-song",
        "title": "Listen to one song you love",
        "how_to": (
            "Put on one song you love and just listen, with nothing else on the screen. "
            "Close your eyes, if you like."
        ),
        "energy": 1,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 4,
        "action": "none",
    },
    {
        "slug": "five-things-you-can-see",
        "title": "Name five things you can see",
        "how_to": (
            "Look around and name five things you can see, in your head or out loud. "
            "Then name one sound you can hear."
        ),
        "energy": 1,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 2,
        "action": "none",
    },
    {
        "slug": "water-a-plant",
        "title": "Water a plant",
        "how_to": (
            "Give a plant some water and look at it for a moment: a new leaf, a dry tip, "
            "the colour. If you don't have one, look at a tree or the sky from a window."
        ),
        "energy": 1,
        "way": "take_notice",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 2,
        "action": "none",
    },
    {
        "slug": "learn-one-word",
        "title": "Learn one word in another language",
        "how_to": (
            "Pick a language you're curious about and look up how to say 'hello' or "
            "'thank you'. Say it out loud a couple of times."
        ),
        "energy": 1,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "change-your-spot",
        "title": "Move to a different spot",
        "how_to": (
            "Get up and move to another room, chair or window. A change of place can "
            "loosen a thought that keeps going round for you."
        ),
        "energy": 1,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["ruminate", "stay_in_bed"],
        "minutes": 2,
        "action": "none",
    },
    {
        "slug": "wash-your-face",
        "title": "Wash your face with warm water",
        "how_to": (
            "Go to the sink, splash your face with warm water and dry it with a soft "
            "towel. Notice how it feels on your skin."
        ),
        "energy": 1,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed"],
        "minutes": 3,
        "action": "none",
    },
    # --- Energy 2: small steps, ten minutes or less ---------------------------------
    {
        "slug": "one-kind-sentence-reply",
        "title": "Reply with one kind sentence",
        "how_to": (
            "Choose one post and reply with a single kind sentence, like 'Thank you for "
            "sharing this' or 'I'm glad you're here.' One sentence from you is plenty."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 5,
        "action": "reply",
    },
    {
        "slug": "first-reply-one-sentence",
        "title": "Be the first to reply to someone",
        "how_to": (
            "Pick a post in Needs a reply and write one kind sentence, like 'I read this, "
            "and I'm glad you posted.' Your reply can be the one they were waiting for."
        ),
        "energy": 2,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 5,
        "action": "reply_unanswered",
    },
    {
        "slug": "not-alone-reply",
        "title": "Tell someone waiting they're not alone",
        "how_to": (
            "Instead of scrolling past, stop at one post that's still waiting for a reply. "
            "Tell the person one thing you understand about how they feel; there's "
            "nothing you need to fix."
        ),
        "energy": 2,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 5,
        "action": "reply_unanswered",
    },
    {
        "slug": "hello-to-someone-waiting",
        "title": "Say hello to someone waiting for a reply",
        "how_to": (
            "Find a post in Needs a reply and say hello, using their name if you like. "
            "Ask how their day is going, only if it feels OK to you."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "reply_unanswered",
    },
    {
        "slug": "good-morning-to-a-late-night-post",
        "title": "Answer a post written late at night",
        "how_to": (
            "Look for a post written late at night that's still waiting for a reply, and "
            "leave a short, warm line like 'Thinking of you today, how are you now?' "
            "It tells them someone saw it."
        ),
        "energy": 2,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "reply_unanswered",
    },
    {
        "slug": "welcome-someone-by-name",
        "title": "Welcome someone new by name",
        "how_to": (
            "Find a hello from someone new and reply with a short welcome that uses their "
            "name, like 'Welcome, Sam, glad you found us.' That's all you need."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 5,
        "action": "reply",
    },
    {
        "slug": "well-done-reply",
        "title": "Say well done under someone's win",
        "how_to": (
            "Find someone's small win and reply with a line about what you noticed, like "
            "'Getting outside on a day like that takes a lot.' Be specific, if you can."
        ),
        "energy": 2,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "reply",
    },
    {
        "slug": "reply-to-a-familiar-face",
        "title": "Reply to someone you've talked with before",
        "how_to": (
            "Look for a recent post by someone you've chatted with and reply with a line "
            "or two. A familiar face saying hello can brighten someone's day."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 5,
        "action": "reply",
    },
    {
        "slug": "ask-a-gentle-question",
        "title": "Ask someone one gentle question",
        "how_to": (
            "Reply to one post with a warm question, like 'How are you doing today?' or "
            "'What helped, even a little?' Come back later to see their answer, "
            "if you like."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "reply",
    },
    {
        "slug": "read-slowly-and-react",
        "title": "Read one post slowly, then react",
        "how_to": (
            "Read one post all the way through, slowly, as if the person were telling you "
            "face to face. Then leave the reaction that fits best."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 5,
        "action": "react",
    },
    {
        "slug": "three-kind-reactions",
        "title": "Leave three kind reactions",
        "how_to": (
            "Read a few posts and leave a kind reaction on three of them. "
            "Each one tells someone you saw them."
        ),
        "energy": 2,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "react",
    },
    {
        "slug": "share-one-tiny-win",
        "title": "Share one tiny win",
        "how_to": (
            "Tell people here one small thing you did today: got up, ate something, "
            "answered one message. Small is enough."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "share-rest-as-a-win",
        "title": "Share a rest as a win",
        "how_to": (
            "If you rested today on purpose, that counts. "
            "Share it as a win in a line or two, if you like."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "share-a-good-moment",
        "title": "Share one good moment from today",
        "how_to": (
            "Think of one moment today that felt OK or better to you: a warm drink, a kind "
            "word, a bit of sun. Share it with people here in a line."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "share-a-kept-plan",
        "title": "Share a plan you kept, however small",
        "how_to": (
            "Tell people here about one plan you kept today, even a shortened one. "
            "A plan you made smaller still counts."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["give_up"],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "say-hello-post",
        "title": "Say hello in a space you like",
        "how_to": (
            "Start a short post that says hello and, if you like, one word about how "
            "today feels. People here are glad to hear from you."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 5,
        "action": "post",
    },
    {
        "slug": "step-outside-five-minutes",
        "title": "Step outside for five minutes",
        "how_to": (
            "Step outside your door, onto a balcony or into a garden for five minutes. "
            "Notice the air on your face, one sound and one colour."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed", "keep_to_myself"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "thank-someone",
        "title": "Thank someone",
        "how_to": (
            "Thank someone for something small they did, in person, by text or with a "
            "note. Say what they did and why it mattered to you."
        ),
        "energy": 2,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "learn-one-new-thing",
        "title": "Learn one new thing",
        "how_to": (
            "Look up one thing you've wondered about, like how bread rises or why the sky "
            "is blue, and read about it for ten minutes. Tell someone what you found, "
            "if you like."
        ),
        "energy": 2,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "tidy-one-small-surface",
        "title": "Tidy one small surface",
        "how_to": (
            "Pick one small surface, like a bedside table or a corner of the kitchen "
            "counter, and clear it. You can stop when that one surface is done."
        ),
        "energy": 2,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "three-things-you-noticed",
        "title": "Write down three things you noticed",
        "how_to": (
            "Write down three small things you noticed today: a sound, a taste, something "
            "someone said. They don't need to be good, just things you noticed."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "put-the-worry-on-paper",
        "title": "Put the worry on paper",
        "how_to": (
            "Write the thought that keeps going round in one or two lines, then close the "
            "notebook. You can come back to it later, at a time you choose."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "phone-in-another-room",
        "title": "Put your phone in another room for ten minutes",
        "how_to": (
            "Put your phone somewhere out of reach and set a kitchen timer for ten "
            "minutes. Make a drink, look out of the window or just sit."
        ),
        "energy": 2,
        "way": "take_notice",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "give-a-compliment",
        "title": "Give someone a genuine compliment",
        "how_to": (
            "Tell someone one thing you like about them or about something they did, in "
            "person or by message. Keep it simple and true."
        ),
        "energy": 2,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 2,
        "action": "none",
    },
    {
        "slug": "send-a-voice-note",
        "title": "Send a friend a short voice note",
        "how_to": (
            "Record a voice note of under a minute for someone you like: what you're up "
            "to, or just hello. Hearing your voice may mean more to them than you think."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 3,
        "action": "none",
    },
    {
        "slug": "answer-one-message",
        "title": "Answer one message you've been putting off",
        "how_to": (
            "Pick one message you've been meaning to answer and reply in two or three "
            "lines. Your reply doesn't need to be perfect."
        ),
        "energy": 2,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "make-someone-a-drink",
        "title": "Make a cup of tea for someone",
        "how_to": (
            "Make a hot drink for someone nearby, the way they like it. If you're on your "
            "own, make one for yourself and drink it sitting down."
        ),
        "energy": 2,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "read-a-few-pages",
        "title": "Read a few pages of something you enjoy",
        "how_to": (
            "Pick up a book, magazine or long article you enjoy and read a few pages "
            "instead of scrolling. Stop whenever you like."
        ),
        "energy": 2,
        "way": "keep_learning",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "move-to-one-song",
        "title": "Move to one song",
        "how_to": (
            "Put on a song with a beat you like and move however you want: sway, tap your "
            "feet, dance. Nobody is watching you."
        ),
        "energy": 2,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 4,
        "action": "none",
    },
    {
        "slug": "walk-to-the-end-of-the-road",
        "title": "Walk to the end of the road and back",
        "how_to": (
            "Put your shoes on and walk to the end of your road or corridor and back, at "
            "any pace. Getting out of the door is the big part, and you did it."
        ),
        "energy": 2,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed", "avoid"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "first-two-minutes",
        "title": "Do the first two minutes of something you've put off",
        "how_to": (
            "Pick one thing you've been putting off and do only the first two minutes: "
            "open the letter, find the form, fill the sink. Then you can stop."
        ),
        "energy": 2,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["avoid", "give_up"],
        "minutes": 5,
        "action": "none",
    },
    # --- Energy 3 --------------------------------------------------------------------
    {
        "slug": "ten-minute-walk",
        "title": "Take a ten-minute walk",
        "how_to": (
            "Walk for ten minutes, anywhere: round the block, to a shop, through a park. "
            "Notice one thing you didn't expect to see."
        ),
        "energy": 3,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["stay_in_bed", "ruminate"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "cook-something-simple",
        "title": "Cook something simple",
        "how_to": (
            "Make something simple and warm, like beans on toast, an omelette or a bowl "
            "of soup. Eat it sitting down, away from a screen if you can."
        ),
        "energy": 3,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 20,
        "action": "none",
    },
    {
        "slug": "call-someone-five-minutes",
        "title": "Call someone for five minutes",
        "how_to": (
            "Call someone you feel easy with and chat for five minutes. "
            "If a call feels like a lot, you can text first to ask if now is good."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself", "avoid"],
        "minutes": 5,
        "action": "none",
    },
    {
        "slug": "listen-in-writing",
        "title": "Listen in writing to someone waiting",
        "how_to": (
            "Read a post in Needs a reply twice. Reply by saying back what you heard, in "
            "your own words, without trying to fix anything."
        ),
        "energy": 3,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 15,
        "action": "reply_unanswered",
    },
    {
        "slug": "answer-the-longest-wait",
        "title": "Reply to the post that has waited longest",
        "how_to": (
            "Open Needs a reply and find the post that has waited longest. Write a few "
            "kind lines; your answer can mean a lot to someone who's been waiting."
        ),
        "energy": 3,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 10,
        "action": "reply_unanswered",
    },
    {
        "slug": "say-what-you-hear",
        "title": "Tell someone what you heard in their post",
        "how_to": (
            "Reply to one post by saying back, in a line or two, what you heard. "
            "'It sounds like this week has been really tiring' can help someone feel "
            "understood by you."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 10,
        "action": "reply",
    },
    {
        "slug": "share-what-helped-you",
        "title": "Share something that helped you",
        "how_to": (
            "If someone's post sounds like something you've been through, reply with what "
            "helped you, as your own experience rather than advice. A few lines is enough."
        ),
        "energy": 3,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 15,
        "action": "reply",
    },
    {
        "slug": "post-how-today-is",
        "title": "Tell people here how today is going",
        "how_to": (
            "Write a short post about how today is going, honestly and in your own words. "
            "You can keep it to three lines."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 10,
        "action": "post",
    },
    {
        "slug": "post-whats-on-your-mind",
        "title": "Share what's going round in your head",
        "how_to": (
            "Write a few lines about the thought that keeps coming back, and ask whether "
            "anyone else knows the feeling. Letting people in can make it feel a little "
            "lighter for you."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["ruminate"],
        "minutes": 10,
        "action": "post",
    },
    {
        "slug": "post-something-you-noticed",
        "title": "Post one thing you noticed today",
        "how_to": (
            "Write a short post about one thing you noticed today: a bird, a smell, a "
            "kind moment. A few words are plenty."
        ),
        "energy": 3,
        "way": "take_notice",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 10,
        "action": "post",
    },
    {
        "slug": "post-something-you-learned",
        "title": "Share one thing you learned",
        "how_to": (
            "Write a short post about something new you learned lately, big or small. "
            "Ask if anyone else knows something about it, if you like."
        ),
        "energy": 3,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 10,
        "action": "post",
    },
    {
        "slug": "post-a-small-thing-that-helps",
        "title": "Share a small thing that helps you",
        "how_to": (
            "Write a post about one small thing that helps you on harder days, like a "
            "song, a route or a routine. Share it as your experience, not advice."
        ),
        "energy": 3,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 15,
        "action": "post",
    },
    {
        "slug": "share-a-step-you-took",
        "title": "Share a step you took when it was hard",
        "how_to": (
            "Share one thing you did even though you didn't feel like it. "
            "Say how it felt before and after, if you like."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["avoid", "give_up"],
        "minutes": 10,
        "action": "share_win",
    },
    {
        "slug": "share-something-outside",
        "title": "Share something you saw outside",
        "how_to": (
            "After a walk or a moment outside, share one thing you saw, heard or smelled. "
            "Small details from your day are welcome."
        ),
        "energy": 3,
        "way": "take_notice",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "share-learning-progress",
        "title": "Share a bit of progress on something you're learning",
        "how_to": (
            "Tell people here about one small bit of progress on something you're "
            "learning: a new chord, a row of knitting, a word. Unfinished is welcome."
        ),
        "energy": 3,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 5,
        "action": "share_win",
    },
    {
        "slug": "join-a-gathering-and-listen",
        "title": "Join a gathering and just listen",
        "how_to": (
            "Join a gathering this week and stay for as long as feels OK. "
            "Listening is enough; you don't need to speak."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself", "avoid"],
        "minutes": 30,
        "action": "attend",
    },
    {
        "slug": "go-to-the-gathering-you-said-yes-to",
        "title": "Go along to a gathering, even for part of it",
        "how_to": (
            "Take a place at a gathering this week and go along, even if you only stay for "
            "part of it. Arriving late or leaving early is fine."
        ),
        "energy": 3,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["give_up"],
        "minutes": 45,
        "action": "attend",
    },
    {
        "slug": "draw-what-you-see",
        "title": "Draw what's in front of you",
        "how_to": (
            "Take a pen and any paper and draw one object near you for ten minutes. "
            "Wobbly lines are fine; the point is looking closely."
        ),
        "energy": 3,
        "way": "take_notice",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "gentle-movement-video",
        "title": "Follow a short, gentle movement video",
        "how_to": (
            "Find a gentle stretching or chair-exercise video of about fifteen minutes "
            "and follow along. Skip any move that doesn't feel right for your body."
        ),
        "energy": 3,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 15,
        "action": "none",
    },
    {
        "slug": "chore-with-music",
        "title": "Do one chore with music on",
        "how_to": (
            "Pick one chore, like the washing up or a load of laundry, put on music you "
            "like and do it for two or three songs."
        ),
        "energy": 3,
        "way": "be_active",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 10,
        "action": "none",
    },
    {
        "slug": "learn-a-small-skill",
        "title": "Learn one small skill from a video",
        "how_to": (
            "Pick one small skill, like sewing on a button, tying a new knot or a card "
            "trick, and learn it from a short video. Try it a couple of times yourself."
        ),
        "energy": 3,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 20,
        "action": "none",
    },
    {
        "slug": "listen-to-something-new",
        "title": "Listen to a short talk about something new",
        "how_to": (
            "Find a short talk or podcast episode about a topic you know nothing about "
            "and give it your full attention. Note one thing that surprised you."
        ),
        "energy": 3,
        "way": "keep_learning",
        "technique": "opposite",
        "opposite_of": ["numb_out"],
        "minutes": 20,
        "action": "none",
    },
    {
        "slug": "mend-one-thing",
        "title": "Mend or fix one small thing",
        "how_to": (
            "Fix one small thing that's been broken for a while: a loose button, a wobbly "
            "shelf, a squeaky door. Look up how, if you need to."
        ),
        "energy": 3,
        "way": "keep_learning",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 20,
        "action": "none",
    },
    {
        "slug": "check-in-on-a-neighbour",
        "title": "Check in on a neighbour",
        "how_to": (
            "Knock on a neighbour's door or send them a message to ask how they're doing. "
            "If you like, offer to pick something up next time you go to the shop."
        ),
        "energy": 3,
        "way": "give",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself"],
        "minutes": 10,
        "action": "none",
    },
    # --- Energy 4 --------------------------------------------------------------------
    {
        "slug": "join-a-gathering-and-say-hello",
        "title": "Join a gathering and say hello",
        "how_to": (
            "Join a gathering and say hello when it feels right, out loud or in the chat. "
            "One hello from you is a real part of the conversation."
        ),
        "energy": 4,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["avoid", "keep_to_myself"],
        "minutes": 45,
        "action": "attend",
    },
    {
        "slug": "share-your-story-with-someone-waiting",
        "title": "Share a bit of your own story with someone waiting",
        "how_to": (
            "Find a post in Needs a reply that touches something you've lived through. "
            "Share a little of your own experience, only what you're comfortable with, "
            "and end with a kind word."
        ),
        "energy": 4,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 20,
        "action": "reply_unanswered",
    },
    {
        "slug": "start-a-friendly-question",
        "title": "Start a friendly question for others to answer",
        "how_to": (
            "Write a post with a light, open question, like 'What's a small thing that "
            "made you smile this week?' Reply to a couple of the answers later, "
            "if you like."
        ),
        "energy": 4,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 15,
        "action": "post",
    },
    {
        "slug": "thirty-minute-walk",
        "title": "Go for a thirty-minute walk",
        "how_to": (
            "Walk for half an hour somewhere you like, or somewhere new. Leave your "
            "earphones out for part of it and notice what you hear."
        ),
        "energy": 4,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 30,
        "action": "none",
    },
    {
        "slug": "cook-for-someone",
        "title": "Cook a meal for someone",
        "how_to": (
            "Cook a simple meal for someone else, or make a double batch and share it "
            "with a friend or neighbour. Your cooking doesn't need to be fancy to mean "
            "a lot."
        ),
        "energy": 4,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 45,
        "action": "none",
    },
    {
        "slug": "try-a-new-recipe",
        "title": "Try a new recipe",
        "how_to": (
            "Pick a simple recipe you've never made and cook it. If it doesn't look like "
            "the picture, you still learned something."
        ),
        "energy": 4,
        "way": "keep_learning",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 45,
        "action": "none",
    },
    {
        "slug": "visit-a-library",
        "title": "Visit a library or bookshop",
        "how_to": (
            "Go to a library or bookshop and browse a shelf you'd never usually look at. "
            "Bring home one thing, or just the memory of a good title."
        ),
        "energy": 4,
        "way": "keep_learning",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself", "avoid"],
        "minutes": 45,
        "action": "none",
    },
    # --- Energy 5 --------------------------------------------------------------------
    {
        "slug": "go-to-an-in-person-gathering",
        "title": "Go to an in-person gathering",
        "how_to": (
            "Go along to an in-person gathering near you. Say hello to one person, and "
            "stay for as long as feels right to you."
        ),
        "energy": 5,
        "way": "connect",
        "technique": "opposite",
        "opposite_of": ["keep_to_myself", "avoid"],
        "minutes": 60,
        "action": "attend",
    },
    {
        "slug": "help-out-for-an-hour",
        "title": "Help out for an hour",
        "how_to": (
            "Give an hour to a local group, like a food bank, a community garden or a "
            "litter pick. Look at their website or call first to find out when you "
            "can come."
        ),
        "energy": 5,
        "way": "give",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 60,
        "action": "none",
    },
    {
        "slug": "brisk-walk-swim-or-cycle",
        "title": "Go for a brisk walk, swim or cycle",
        "how_to": (
            "Pick the one you enjoy most and do it for about forty-five minutes, at a "
            "pace where you can still talk. Have a drink of water when you're back."
        ),
        "energy": 5,
        "way": "be_active",
        "technique": "activation",
        "opposite_of": [],
        "minutes": 45,
        "action": "none",
    },
    {
        "slug": "try-a-taster-class",
        "title": "Try a class that's new to you",
        "how_to": (
            "Go to a one-off class you've never tried, like pottery, a language or "
            "dancing. You're there to try it, not to be good at it."
        ),
        "energy": 5,
        "way": "keep_learning",
        "technique": "opposite",
        "opposite_of": ["avoid"],
        "minutes": 60,
        "action": "none",
    },
]


def add_catalogue(apps, schema_editor):
    """Create or refresh every activity by slug, so running this twice changes nothing."""
    Activity = apps.get_model("prescriptions", "Activity")
    for activity in ACTIVITIES:
        defaults = {key: value for key, value in activity.items() if key != "slug"}
        Activity.objects.update_or_create(slug=activity["slug"], defaults=defaults)


def remove_catalogue(apps, schema_editor):
    """Remove the activities this migration added; ones moderators added stay."""
    Activity = apps.get_model("prescriptions", "Activity")
    Activity.objects.filter(slug__in=[activity["slug"] for activity in ACTIVITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_catalogue, remove_catalogue),
    ]
