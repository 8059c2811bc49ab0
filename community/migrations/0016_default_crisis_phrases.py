"""The default crisis phrases (see `community.safety` for the phrase language), and
moderators' permissions to keep them: view, add and change (retiring is a change; nobody
deletes a phrase).

The phrases are written from the families, not from any one person's words: members
will write sentences nobody listed, so each phrase is as general as it can be without
catching everyday sayings ("my feet are killing me", "the printer died").
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUICIDAL, DEATH_WISH, SELF_HARM, GOODBYE = "suicidal", "death_wish", "self_harm", "goodbye"
HOPELESS, BURDEN, METHOD = "hopeless", "burden", "method"
NOTE = "Shipped with 4C."

PHRASES = [
    # Suicidal thoughts and plans
    (SUICIDAL, 'kill myself'),
    (SUICIDAL, '(suicide|suicidal)'),
    (SUICIDAL, 'unalive [myself]'),
    (SUICIDAL, '(end|take) my [own] life'),
    (SUICIDAL, 'end it all'),
    (SUICIDAL, 'end everything (.|now|tonight|for good)'),
    (SUICIDAL, '(want|going|ready|plan|planning|about|decided|tempted|need) to end it (.|now|tonight|today|soon|for good|forever)'),
    (SUICIDAL, 'end things for good'),
    (SUICIDAL, 'not safe (right now|tonight|with myself|around myself|from myself)'),
    (SUICIDAL, 'can not keep myself safe'),
    (SUICIDAL, '(have|make|got) a plan to (die|end it|end my life|kill myself)'),
    (SUICIDAL, 'better off dead'),
    (SUICIDAL, '(try|attempt) to (die|end my life|end it)'),
    (SUICIDAL, 'think about (die|end it|not being here|not being alive)'),
    # Wishing not to be alive: not waking up, not existing, wanting everything to end
    (DEATH_WISH, 'want to die'),
    (DEATH_WISH, '(ready|wish|hope|pray) to die'),
    (DEATH_WISH, 'want to be dead'),
    (DEATH_WISH, 'wish i (be|could be) dead'),
    (DEATH_WISH, 'wish i ... (never|not) [been] born'),
    (DEATH_WISH, 'wish i ... not alive'),
    (DEATH_WISH, 'not want to (be alive|exist|live .|live anymore|live like this|be here .|be here anymore|be around anymore)'),
    (DEATH_WISH, 'not want to wake up'),
    (DEATH_WISH, '(hope|wish|pray|rather|happy if|fine if|okay if) ... (not|never) wake up'),
    (DEATH_WISH, '(sleep|asleep) and (never|not) wake up'),
    (DEATH_WISH, 'never wake up again'),
    (DEATH_WISH, '(stop|cease to) exist'),
    (DEATH_WISH, '(want|wish) ... (not exist|disappear forever|disappear for good|vanish forever)'),
    (DEATH_WISH, '(want|need|wish) (it all|everything|all of it|my life|life) to (end|stop|be over)'),
    (DEATH_WISH, '(wish|want) my life (be|to be|would be) over'),
    (DEATH_WISH, '(hope|wish|pray) ... die in my sleep'),
    (DEATH_WISH, 'not care if i (die|live or die|do not wake up)'),
    (DEATH_WISH, '(hope|wish|pray) ... (hit by a|run over by a) (car|bus|truck|lorry|train)'),
    (DEATH_WISH, '(sick|tired) of (live|being alive|exist|life)'),
    # Self-harm, in everyday verbs and any tense
    (SELF_HARM, 'self harm'),
    (SELF_HARM, '(cut|burn|scratch|hurt|harm|punch|bite|starve|stab|carve|bruise) myself'),
    (SELF_HARM, 'hit myself'),
    (SELF_HARM, '(make|made) myself bleed'),
    (SELF_HARM, 'until i (bleed|bled)'),
    (SELF_HARM, '(urge|tempted|crave|want) to (cut|burn|self harm|hurt myself|harm myself|scratch myself)'),
    (SELF_HARM, 'cutting again'),
    (SELF_HARM, 'relapse ... (cut|burn|self harm|sh)'),
    (SELF_HARM, '(cut|slash) my (wrist|wrists|arm|arms|thigh|thighs|leg|legs|skin|stomach)'),
    (SELF_HARM, '(fresh|new) (cuts|scars|burns) on my'),
    (SELF_HARM, 'overdose'),
    (SELF_HARM, 'took an (od|overdose)'),
    # Goodbyes and final arrangements
    (GOODBYE, '(suicide|goodbye|farewell) (note|letter)'),
    (GOODBYE, '(write|wrote|written|leave|left) (a|my) (last|final) (note|letter)'),
    (GOODBYE, '(goodbye|farewell|last|final) letters (to|for)'),
    (GOODBYE, '(final|last) goodbye'),
    (GOODBYE, '(say|said|saying) my goodbyes'),
    (GOODBYE, 'goodbye (forever|cruel world|world)'),
    (GOODBYE, 'this is goodbye'),
    (GOODBYE, '(this is|these are) my (last|final) (words|post|message)'),
    (GOODBYE, 'give away (my|all my) (things|stuff|belongings|possessions)'),
    (GOODBYE, 'give away everything i own'),
    (GOODBYE, '(put|get|sort) my affairs in order'),
    (GOODBYE, '(when|after|once) i am (dead|no longer here|not here anymore|not around anymore)'),
    (GOODBYE, '(when|after|once) i am gone (.|for good|forever)'),
    (GOODBYE, '(cat|dog|pet|kid|child|children|plant|hamster|rabbit) ... (when|after|once|if) i am (gone|dead|not here)'),
    (GOODBYE, 'not be (here|around) (much longer|for much longer|by morning)'),
    # Hopelessness about living
    (HOPELESS, 'no (reason|point) [to|in|of] (live|go on|carry on|keep go|keep live|being alive|being here|stay alive|exist|wake up)'),
    (HOPELESS, 'nothing [left] to live for'),
    (HOPELESS, 'no one to live for'),
    (HOPELESS, 'what is the point (of|in) (live|go on|being alive|carry on|life|anything anymore)'),
    (HOPELESS, 'what is the point anymore'),
    (HOPELESS, 'can not (go on|carry on|keep going) (.|anymore|like this|living|any longer)'),
    (HOPELESS, 'can not (take it anymore|take this anymore|do this anymore|keep living|live like this)'),
    (HOPELESS, '(life|living) (is|feels) not worth (it|living)'),
    (HOPELESS, 'not worth living'),
    (HOPELESS, 'my life is (pointless|meaningless|worthless|over)'),
    (HOPELESS, '(lost|lose|losing) all hope'),
    (HOPELESS, 'no hope (left|for me)'),
    (HOPELESS, 'nothing will ever (get better|change)'),
    (HOPELESS, '(it|things|life) (will|is going to) never get better'),
    (HOPELESS, 'why am i (still alive|alive)'),
    (HOPELESS, 'why (bother|keep) (live|being alive|stay alive|go on)'),
    (HOPELESS, '(done|finished) with (life|live|being alive)'),
    (HOPELESS, 'give up on (life|live)'),
    (HOPELESS, 'hate (being alive|existing)'),
    (HOPELESS, 'hopeless about (life|living|everything|the future)'),
    (HOPELESS, '(everything|life) (is|feels) hopeless'),
    # Feeling a burden
    (BURDEN, 'better off without me'),
    (BURDEN, '(everyone|family|they|world|people|kid|children|friend) ... (happier|easier|better) without me'),
    (BURDEN, '(am|feel like|feel|been|being) [just|only|nothing but|such] a [huge|big|massive|total] burden'),
    (BURDEN, 'am i a burden'),
    (BURDEN, 'burden (to|on) (everyone|my family|my friends|them|you all|people|others)'),
    (BURDEN, 'not want to be a burden'),
    (BURDEN, 'no one (would|will) [even] (miss me|notice if i|care if i)'),
    (BURDEN, 'waste of (space|oxygen|air)'),
    (BURDEN, '(do not|never) deserve to (live|be alive|be here|exist)'),
    (BURDEN, "(ruin|make) everyone's (life|lives)"),
    (BURDEN, 'make (things|everything|life) worse for everyone'),
    # A method described: the support card holds these posts for review
    (METHOD, 'hang myself'),
    (METHOD, 'noose'),
    (METHOD, 'rope (around|round) my neck'),
    (METHOD, '(lethal|fatal|deadly) (dose|amount)'),
    (METHOD, '(took|swallowed|downed|take|swallow) (all|the whole|a whole|an entire) (bottle|packet|box|pack|strip|tub) of (pills|tablets|paracetamol|painkillers|meds|medication|sleeping pills|ibuprofen|aspirin)'),
    (METHOD, '(took|swallowed|downed) # ... (pill|pills|tablet|tablets|paracetamol|painkillers|sleeping pills|meds)'),
    (METHOD, '(going|plan|planning|about|ready) to (take|swallow) # ... (pill|pills|tablet|tablets|paracetamol|painkillers|meds)'),
    (METHOD, '(take|swallow) all ... (pills|tablets|meds|painkillers|paracetamol) (at once|in one go|at the same time)'),
    (METHOD, '(stockpile|save up|hoard|collect) (my|the|some) (pill|tablet|meds|medication|painkiller)'),
    (METHOD, 'enough (pills|tablets|paracetamol|painkillers|meds|medication) to (die|kill|end|not wake up)'),
    (METHOD, 'how many (pills|tablets|paracetamol|painkillers) ... (kill|die|lethal|fatal|overdose)'),
    (METHOD, '(jump|throw myself) (off|from) (a|the|this) (bridge|building|roof|balcony|cliff|tower|multi storey|car park|ledge|window)'),
    (METHOD, '(step|jump|throw myself|walk|lie down) (in front of|under) (a|the) (train|bus|lorry|truck|car)'),
    (METHOD, '(walk|step|run) into (the|) traffic'),
    (METHOD, '(slit|slash|cut) my (wrist|wrists|throat)'),
    (METHOD, '(drown|gas|poison|electrocute|suffocate) myself'),
    (METHOD, 'shoot myself in the (head|heart)'),
    (METHOD, '(gun|pistol|knife) to my (head|throat)'),
    (METHOD, '(kill myself|end my life) (with|by|using)'),
]  # fmt: skip
MODERATOR_PERMISSIONS = ["view_crisisphrase", "add_crisisphrase", "change_crisisphrase"]


def add_phrases(apps, schema_editor):
    """Idempotent: a phrase already on the list (active) is left as it is."""
    CrisisPhrase = apps.get_model("community", "CrisisPhrase")
    active = set(CrisisPhrase.objects.filter(is_active=True).values_list("pattern", flat=True))
    CrisisPhrase.objects.bulk_create(
        CrisisPhrase(family=family, pattern=pattern, note=NOTE)
        for family, pattern in PHRASES
        if pattern not in active
    )


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS
        )
    )


def forwards(apps, schema_editor):
    add_phrases(apps, schema_editor)
    grant(apps, schema_editor)


def backwards(apps, schema_editor):
    apps.get_model("community", "CrisisPhrase").objects.filter(note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0015_crisis_phrases")]

    operations = [migrations.RunPython(forwards, backwards)]
