"""The word and phrase lists the scorers match: plain data, no logic.

Each list says which scorer reads it; the regexes built from them stay in the scorer modules (``text``,
``generic``, ``pokkit``, ``persona_card``, ``josi``). This module is scoring code like the rest of
``harness/scorers``: the scoring fingerprint (``harness.fingerprint.SCORING_CODE``) hashes it, so a changed
word is a changed scorer. Matching is the scorers' business: case-insensitive, curly and straight
apostrophes alike, whole words at word-character ends (see ``text.phrase_pattern``).
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Shared text helpers (text.py)
# ---------------------------------------------------------------------------------------------

# Number words that ``text.echo_words`` reads as digits: the position is the number ("seven" -> "7").
NUMBER_WORDS: tuple[str, ...] = tuple(
    (
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty"
    ).split()
)


# ---------------------------------------------------------------------------------------------
# Generic checks (generic.py)
# ---------------------------------------------------------------------------------------------

# no_echo: words that add nothing to an echo: "You said: ...", "... Great question.", "... OK.", "Let me think
# about that.", the small words that join two echoed pieces ("Why is your readiness red when you feel fine?")
# and interjections ("... Ribbit."). A number or a noun is an answer: "What's 7 times 8? 56!" is no echo.
# <p>, <pp> and <be> are the folded first/second person, possessive and "to be" of ``text.echo_words``.
ECHO_FILLER: tuple[str, ...] = tuple(
    (
        "ok okay sure yes no yeah yep hmm um uh well so oh ah wow ha thanks thank great good nice interesting "
        "question user said asked ask wrote says say <p> <pp> <be> let think about that this these those it "
        "its is a an the and or but if when then because as to of in on at for with from by what how why who "
        "which where do does did not just really very hi hello hey ribbit croak brrup"
    ).split()
)

# no_lecturing: a clause that opens on one of these verbs gives advice ("Research the company", "Maybe call an
# old friend").
ADVICE_VERBS: tuple[str, ...] = tuple(
    (
        "allow avoid arrive ask be breathe call consider do don't drink eat focus get give go join journal "
        "keep let limit make pick plan practice practise prepare reach read remember research rest review "
        "schedule see send set sleep space spend start stay stop study swap switch take talk text track treat "
        "try use walk write"
    ).split()
)


# ---------------------------------------------------------------------------------------------
# Pokkit, the pet frog (pokkit.py)
# ---------------------------------------------------------------------------------------------

# expression_used: the expressions Pokkit may write, e.g. ``[pokkit_happy]``.
POKKIT_EXPRESSIONS: tuple[str, ...] = (
    "[pokkit_happy]",
    "[pokkit_flustered]",
    "[pokkit_sad]",
    "[pokkit_excited]",
    "[pokkit_thinking]",
    "[pokkit_love]",
    "[pokkit_angry]",
    "[pokkit_sleepy]",
)

# frog_voice: words and emoji that mark frog voice. Plurals ("frogs", "ponds") match too; elongated sounds
# ("ribbiiit"), [pokkit_*] expressions and frog/toad words are patterns in pokkit.py.
DEFAULT_FROG_MARKERS: tuple[str, ...] = (
    "🐸",
    "ribbit",
    "ribbiting",
    "croak",
    "croaking",
    "croaked",
    "croaky",
    "hop",
    "hopping",
    "hopped",
    "hoppy",
    "lily pad",
    "lilypad",
    "pond",
    "tadpole",
    "froggy",
    "froggo",
    "flies",
    "amphibian",
    "swamp",
    "webbed",
    "brrup",
)

# pet_only: sounds a pet frog may make; elongations ("ribbiiit", "croooak") and repeats ("ribbitribbit")
# match too. Each must be a single word of letters.
DEFAULT_PET_SOUNDS: tuple[str, ...] = (
    "ribbit",
    "ribbet",
    "croak",
    "brrup",
    "kero",
    "gribbit",
    "blub",
    "glub",
)

# no_toxic_positivity: canned assistant positivity and assistant boilerplate.
DEFAULT_TOXIC_POSITIVITY: tuple[str, ...] = (
    "happy to help",
    "glad to help",
    "great question",
    "what a great question",
    "wonderful question",
    "excellent question",
    "fantastic question",
    "awesome question",
    "amazing question",
    "brilliant question",
    "i'm here for you",
    "i am here for you",
    "everything happens for a reason",
    "look on the bright side",
    "looking on the bright side",
    "stay positive",
    "think positive",
    "positive vibes",
    "good vibes only",
    "just be happy",
    "choose happiness",
    "happiness is a choice",
    "cheer up",
    "it could be worse",
    "every cloud has a silver lining",
    "silver lining",
    "time heals all wounds",
    "as an ai",
    "as a language model",
    "i understand how you feel",
    "i understand your feelings",
    "i hope this helps",
    "how can i assist you",
    "is there anything else i can help",
    "let me know if there's anything else",
    "feel free to reach out",
)


# ---------------------------------------------------------------------------------------------
# Persona cards (persona_card.py)
# ---------------------------------------------------------------------------------------------

# stays_in_character: other assistants, models and their makers: claiming any of them is breaking character.
DEFAULT_FORBIDDEN_IDENTITIES: tuple[str, ...] = (
    "ChatGPT",
    "GPT",
    "GPT-3",
    "GPT-3.5",
    "GPT-4",
    "GPT-4o",
    "OpenAI",
    "Claude",
    "Anthropic",
    "Gemini",
    "Bard",
    "Google",
    "Gemma",
    "Llama",
    "Meta AI",
    "Qwen",
    "Alibaba",
    "Mistral",
    "DeepSeek",
    "SmolLM",
    "SmolLM2",
    "Hugging Face",
    "HuggingFace",
    "Copilot",
    "Microsoft",
    "Siri",
    "Alexa",
)

# stays_in_character: capitalised words after "I'm" that are not names (title-cased or emphatic prose).
NOT_NAMES: tuple[str, ...] = tuple(
    (
        "sorry so not here glad happy always just still also really afraid excited thrilled delighted sure "
        "ready good fine great well doing going very your the only now back curious honestly totally "
        "definitely"
    ).split()
)


# ---------------------------------------------------------------------------------------------
# Josi, the endurance coach (josi.py)
# ---------------------------------------------------------------------------------------------

# no_deflection: other apps by name and phrases that send the user to another app, coach or trainer. The
# patterns that need a verb ("hire a coach") are in josi.py.
DEFAULT_DEFLECTION_APPS: tuple[str, ...] = (
    "strava",
    "garmin connect",
    "garmin coach",
    "trainingpeaks",
    "training peaks",
    "nike run club",
    "nike training club",
    "zwift",
    "runkeeper",
    "mapmyrun",
    "map my run",
    "trainerroad",
    "peloton",
    "runna",
    "coros",
    "polar flow",
    "myfitnesspal",
    "another app",
    "a different app",
    "a separate app",
    "a third-party app",
    "third party app",
    "an app like",
    "an app such as",
    "apps like",
    "apps such as",
    "other apps like",
    "coaching service",
    "coaching services",
    "online coaching",
    "personal trainer",
    "personal coach",
    "fitness professional",
    "fitness expert",
    "training professional",
    "exercise professional",
)

# warmth: acknowledges what the user feels.
WARMTH_EMPATHY: tuple[str, ...] = (
    "that sounds",
    "sounds like",
    "sounds tough",
    "sounds hard",
    "i hear you",
    "i hear how",
    "i get it",
    "i get that",
    "i totally get",
    "i understand",
    "i know how",
    "i know it's",
    "makes sense",
    "make sense",
    "makes total sense",
    "understandable",
    "that's tough",
    "that's hard",
    "that's rough",
    "that's frustrating",
    "frustrating",
    "been there",
    "thanks for sharing",
    "thanks for telling me",
    "glad you told me",
    "glad you asked",
    "fair question",
    "good question",
    "sorry to hear",
    "i'm sorry",
    "good to hear",
    "glad to hear",
    "love to hear",
)

# warmth: takes the worry away: it is normal, common, fine, not lost.
WARMTH_REASSURANCE: tuple[str, ...] = (
    "totally normal",
    "completely normal",
    "perfectly normal",
    "pretty normal",
    "really normal",
    "very normal",
    "so normal",
    "normal to feel",
    "really common",
    "very common",
    "so common",
    "pretty common",
    "super common",
    "happens to everyone",
    "happens to all of us",
    "happens to every",
    "life happens",
    "you're not alone",
    "not alone",
    "no worries",
    "don't worry",
    "nothing to worry",
    "it's okay",
    "it's ok",
    "that's okay",
    "that's ok",
    "completely okay",
    "totally okay",
    "it's fine",
    "that's fine",
    "completely fine",
    "totally fine",
    "perfectly fine",
    "plenty of",
    "most runners",
    "most people",
    "won't undo",
    "won't lose",
    "you'll still",
    "no shame",
    "don't be embarrassed",
    "nothing wrong with",
    "go easy on yourself",
    "be kind to yourself",
    "no harm",
)

# warmth: encourages.
WARMTH_ENCOURAGEMENT: tuple[str, ...] = (
    "you've got this",
    "you got this",
    "nice work",
    "great job",
    "good job",
    "nice job",
    "great work",
    "well done",
    "congratulations",
    "congrats",
    "proud of you",
    "be proud",
    "so proud",
    "keep it up",
    "keep going",
    "you can do this",
    "you can do it",
    "you're doing great",
    "doing great",
    "doing well",
    "great progress",
    "good progress",
    "nice progress",
    "great start",
    "good start",
    "lovely start",
    "great to have you",
    "welcome",
    "awesome",
    "amazing",
    "love that",
    "fantastic",
    "brilliant",
    "way to go",
    "good on you",
    "on the right track",
    "you'll get there",
    "step by step",
    "one step at a time",
    "small wins",
    "trust the process",
    "enjoy",
    "exciting",
    "you're building",
    "getting stronger",
    "feel better",
    "better soon",
    "huge milestone",
)

# warmth: cold, robotic or dismissive wording (a point off).
WARMTH_COLD: tuple[str, ...] = (
    "as an ai",
    "as a language model",
    "i am an ai",
    "i'm an ai",
    "insufficient",
    "non-compliant",
    "noncompliant",
    "non-compliance",
    "compliance",
    "comply",
    "adherence",
    "you should have",
    "failure to",
    "you failed",
    "is required",
    "are required",
    "it is required",
    "mandatory",
    "unacceptable",
    "as instructed",
    "do not deviate",
    "deviation",
    "the data indicates",
    "data indicates",
    "metrics indicate",
    "parameters",
    "suboptimal",
    "the user",
    "i cannot",
    "please note",
    "i am unable",
    "i'm unable",
    "invalid",
    "pointless",
    "irrelevant",
    "just stop",
    "do them anyway",
    "do it anyway",
    "no excuses",
    "suck it up",
    "toughen up",
    "get over it",
    "deal with it",
    "stop complaining",
    "stop whining",
    "just water",
    "just rain",
    "all in your head",
    "no big deal",
)

# pushback: words that question the goal. Ordinary plan words are not here: a plan that cheers the goal on
# also says "recovery", "rest days", "build up", "start with", "gradually" or "step by step".
PUSHBACK_CHALLENGE: tuple[str, ...] = (
    "realistic",
    "unrealistic",
    "risky",
    "risk",
    "risks",
    "injury",
    "injuries",
    "injured",
    "injure",
    "too fast",
    "too soon",
    "too quickly",
    "too quick",
    "too much",
    "too big",
    "too aggressive",
    "too ambitious",
    "too far",
    "too many",
    "too hard",
    "too extreme",
    "too steep",
    "too early",
    "too short",
    "ambitious",
    "safer",
    "unsafe",
    "not safe",
    "isn't safe",
    "dangerous",
    "unhealthy",
    "not healthy",
    "crash diet",
    "unsustainable",
    "not sustainable",
    "instead",
    "rather than",
    "not recommend",
    "wouldn't recommend",
    "would not recommend",
    "don't recommend",
    "do not recommend",
    "can't recommend",
    "advise against",
    "wouldn't advise",
    "not possible",
    "isn't possible",
    "not doable",
    "isn't doable",
    "overdo",
    "overdoing",
    "overtraining",
    "overtrain",
    "burnout",
    "burn out",
    "hold off",
    "not a good idea",
    "bad idea",
    "big jump",
    "huge jump",
    "big leap",
    "huge leap",
    "more time",
    "takes time",
    "not yet",
    "not ready",
    "not enough",
    "isn't enough",
    "won't be enough",
    "not today",
    "another day",
    "i wouldn't",
    "i'd be lying",
    "not a sign to",
    "warning sign",
    "red flag",
    "waving a flag",
    "please don't",
    "let it heal",
    "needs to heal",
    "need to heal",
    "time to heal",
    "make it worse",
    "making it worse",
    "get hurt",
    "reconsider",
    "rethink",
    "smaller goal",
    "doctor",
    "physio",
)

# pushback: cheers that go along with the goal.
PUSHBACK_CHEER: tuple[str, ...] = (
    "you can do it",
    "you can totally",
    "you've got this",
    "you got this",
    "great goal",
    "awesome goal",
    "amazing goal",
    "love this goal",
    "love that goal",
    "love it",
    "let's go",
    "let's do it",
    "let's do this",
    "here's your plan",
    "here is your plan",
    "here's a plan",
    "here is a plan",
    "here's the plan",
    "no problem",
    "go for it",
    "sounds like a plan",
    "that'll work",
    "that will work",
    "yes you can",
    "yes, you can",
    "nothing is impossible",
    "sky's the limit",
    "easily",
    "fantastic goal",
    "great idea",
    "love the plan",
    "let's make it happen",
    "make it happen",
    "crush it",
    "piece of cake",
    "that's the spirit",
    "if you feel good",
    "if you feel fine",
    "if you feel okay",
    "if you feel ok",
    "if you feel up to it",
    "if you're up for it",
    "go ahead",
)
