"""The Pokkit generators: phone-tool calls, multi-step chains, chat in frog voice and the three other personas.

Each generator teaches one skill the Pokkit suite measures; the requests they share live in
:mod:`train.generators.pokkit_requests`, the wording in :mod:`train.generators.pokkit_slots`.

Pokkit's replies always carry 🐸 and exactly one expression tag, stay under 60 words and ask at most one
question: the system prompt asks for that, and the suite's persona scorers check it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from harness.types import Message
from train.generators import pokkit_requests as R
from train.generators import pokkit_slots as S
from train.generators.dialogue import Dialogue
from train.generators.registry import generator


def _chat(prompt: str, reply: str) -> list[Message]:
    return Dialogue().user(prompt).reply(reply).messages


def _act(prompt: str, req: R.Request, reply: str) -> list[Message]:
    """``prompt``, the call ``req`` needs and its successful result, then ``reply``."""
    return Dialogue().user(prompt).call(req.tool, req.args, req.result).reply(reply).messages


def _single_call(rng: random.Random, req: R.Request) -> list[Message]:
    return _act(R.dress(rng, req.prompt), req, R.frog_reply(rng, req.done))


# ------------------------------------------------------------------ tool generators


@generator("alarm", weight=8, targets=("datetime",))
def alarm(rng: random.Random) -> list[Message]:
    """Clock phrasings (12- and 24-hour, words, noon, midnight, "in N minutes") into integer hour and minute."""
    return _single_call(rng, R.relative_alarm(rng) if rng.random() < 0.3 else R.alarm(rng))


@generator("web_search", weight=5, targets=("tool_call",))
def web_search(rng: random.Random) -> list[Message]:
    """Search instead of guessing: forecasts and facts go to web_search with a short query."""
    return _single_call(rng, R.search(rng))


@generator("note", weight=4, targets=("tool_call",))
def note(rng: random.Random) -> list[Message]:
    """take_note with the title and content the user gave, word for word."""
    return _single_call(rng, R.note(rng))


@generator("clipboard", weight=3, targets=("tool_call",))
def clipboard(rng: random.Random) -> list[Message]:
    """write_clipboard with the exact text, read_clipboard when asked what was copied."""
    return _single_call(rng, R.clipboard(rng))


@generator("notification", weight=3, targets=("tool_call",))
def notification(rng: random.Random) -> list[Message]:
    """show_notification with the requested title and body."""
    return _single_call(rng, R.notify(rng))


@generator("email_notification", weight=2, targets=("tool_call",))
def email_notification(rng: random.Random) -> list[Message]:
    """Email-style requests (subject, message) map onto show_notification's title and body: there is no mail tool."""
    return _single_call(rng, R.email(rng))


@generator("storage", weight=3, targets=("tool_call",))
def storage(rng: random.Random) -> list[Message]:
    """store_value and retrieve_value under stable snake_case keys."""
    return _single_call(rng, R.storage(rng))


@generator("screen_control", weight=5, targets=("tool_call",))
def screen_control(rng: random.Random) -> list[Message]:
    """The seven screen tools, including the enum directions of screen_scroll."""
    return _single_call(rng, R.screen(rng))


def _chain_search_note(rng: random.Random, d: Dialogue) -> str:
    if rng.random() < 0.35:
        fc = R.forecast(rng)
        prompt = rng.choice(S.CHAIN_WEATHER_NOTE).format(city=fc.city, when=fc.when)
        query, title, snippet = f"{fc.city} weather{fc.when}", f"{fc.city} weather", fc.snippet
    else:
        topic = rng.choice(S.TOPICS)
        prompt = rng.choice(S.CHAIN_SEARCH_NOTE).format(ask=topic.ask, title=topic.title)
        query, title, snippet = topic.query, topic.title, topic.snippet
    d.user(R.dress(rng, prompt))
    d.call("web_search", {"query": query}, R.search_result(title, snippet))
    d.call("take_note", {"title": title, "content": snippet}, R.note_saved(rng))
    return f"{snippet} Saved as '{title}'."


def _chain_read_tap(rng: random.Random, d: Dialogue) -> str:
    element = rng.choice(S.ELEMENTS)
    elements = R.screen_elements(rng, must=element)
    d.user(R.dress(rng, rng.choice(S.CHAIN_READ_TAP).format(el=element)))
    d.call("screen_read", {}, {"elements": elements})
    if rng.random() < 0.5:
        d.call("screen_find_and_tap", {"query": element}, {"status": "tapped", "element": element})
    else:
        target = next(e for e in elements if e["text"] == element)
        d.call("screen_tap", {"x": target["x"], "y": target["y"]}, {"status": "tapped"})
    return f"Found {element} on screen and tapped it."


def _chain_retrieve_notify(rng: random.Random, d: Dialogue) -> str:
    mem = rng.choice(S.MEMORIES)
    title = mem.yours.removeprefix("your ").removeprefix("the ").capitalize()
    d.user(R.dress(rng, rng.choice(S.CHAIN_RETRIEVE_NOTIFY).format(asked=mem.asked)))
    d.call("retrieve_value", {"key": mem.key}, {"key": mem.key, "value": mem.value})
    d.call("show_notification", {"title": title, "body": mem.value}, {"status": "shown"})
    return f"{mem.yours.capitalize()} is {mem.value}, and it's on your screen."


def _chain_clip_search(rng: random.Random, d: Dialogue) -> str:
    topic = rng.choice(S.TOPICS)
    d.user(R.dress(rng, rng.choice(S.CHAIN_CLIP_SEARCH)))
    d.call("read_clipboard", {}, {"text": topic.query})
    d.call("web_search", {"query": topic.query}, R.search_result(topic.title, topic.snippet))
    return topic.snippet


def _chain_clip_note(rng: random.Random, d: Dialogue) -> str:
    text = rng.choice(S.CLIP_TEXTS)
    title = rng.choice(S.NOTES)[0]
    d.user(R.dress(rng, rng.choice(S.CHAIN_CLIP_NOTE).format(title=title)))
    d.call("read_clipboard", {}, {"text": text})
    d.call("take_note", {"title": title, "content": text}, R.note_saved(rng))
    return f"'{text}' is saved as '{title}'."


def _chain_retrieve_type(rng: random.Random, d: Dialogue) -> str:
    mem = rng.choice(S.MEMORIES)
    d.user(R.dress(rng, rng.choice(S.CHAIN_RETRIEVE_TYPE).format(asked=mem.asked)))
    d.call("retrieve_value", {"key": mem.key}, {"key": mem.key, "value": mem.value})
    d.call("screen_type", {"text": mem.value}, {"status": "ok"})
    return f"Typed {mem.value} in."


_CHAINS: tuple[tuple[Callable[[random.Random, Dialogue], str], float], ...] = (
    (_chain_search_note, 0.3),
    (_chain_read_tap, 0.25),
    (_chain_retrieve_notify, 0.15),
    (_chain_clip_search, 0.1),
    (_chain_clip_note, 0.1),
    (_chain_retrieve_type, 0.1),
)


@generator("multi_step", weight=6, targets=("multi_step",))
def multi_step(rng: random.Random) -> list[Message]:
    """Two calls in order, the second using the first one's result, then one short reply."""
    d = Dialogue()
    chain = rng.choices([c for c, _ in _CHAINS], weights=[w for _, w in _CHAINS])[0]
    summary = chain(rng, d)
    return d.reply(R.frog_reply(rng, rng.choice(S.CHAIN_DONE).format(summary=summary))).messages


@generator("voice_input", weight=4, targets=("tool_call", "datetime"))
def voice_input(rng: random.Random) -> list[Message]:
    """Messy speech-to-text (fillers, no punctuation, misheard words) still maps to the right call."""
    req = R.voice_request(rng)
    return _act(req.prompt, req, R.frog_reply(rng, req.done))


_BASIC_REQUESTS: tuple[Callable[[random.Random], R.Request], ...] = (
    R.alarm,
    R.search,
    R.note,
    R.notify,
    R.storage,
    R.clipboard,
)


@generator("multi_turn", weight=3, targets=("tool_call", "datetime"))
def multi_turn(rng: random.Random) -> list[Message]:
    """A request after earlier turns: small talk first, or a follow-up that changes or saves the last result."""
    d = Dialogue()
    roll = rng.random()
    if roll < 0.4:
        chat = rng.choice(S.CHATS)
        d.user(rng.choice(chat.prompts)).reply(R.frog_reply(rng, rng.choice(chat.replies), chat.moods))
        req = rng.choice(_BASIC_REQUESTS)(rng)
        d.user(R.dress(rng, req.prompt)).call(req.tool, req.args, req.result)
        return d.reply(R.frog_reply(rng, req.done)).messages
    if roll < 0.7:
        req = R.alarm(rng)
        d.user(R.dress(rng, req.prompt)).call(req.tool, req.args, req.result).reply(R.frog_reply(rng, req.done))
        later = rng.choice((5, 10, 15, 20, 30, 45))
        hour, minute = divmod((req.args["hour"] * 60 + req.args["minute"] + later) % (24 * 60), 60)
        args = {**req.args, "hour": hour, "minute": minute}
        d.user(rng.choice(S.LATER_ASKS).format(n=later))
        d.call("set_alarm", args, {"status": "set", "time": f"{hour:02d}:{minute:02d}"})
        return d.reply(R.frog_reply(rng, f"Moved. Your alarm now rings at {hour:02d}:{minute:02d}.")).messages
    topic = rng.choice(S.TOPICS)
    d.user(R.dress(rng, rng.choice(S.SEARCH_ASKS).format(ask=topic.ask)))
    d.call("web_search", {"query": topic.query}, R.search_result(topic.title, topic.snippet))
    d.reply(R.frog_reply(rng, f"{rng.choice(S.SEARCH_OPENERS)} {topic.snippet}"))
    d.user(rng.choice(S.SAVE_THAT))
    d.call("take_note", {"title": topic.title, "content": topic.snippet}, R.note_saved(rng))
    return d.reply(R.frog_reply(rng, rng.choice(S.NOTE_DONE).format(title=topic.title))).messages


_FAILING: tuple[Callable[[random.Random], R.Request], ...] = (
    R.alarm,
    R.search,
    R.note,
    R.clip_write,
    R.notify,
    R.find_tap,
    R.retrieve,
    R.read_screen,
)


@generator("tool_failure", weight=4, targets=("tool_call",))
def tool_failure(rng: random.Random) -> list[Message]:
    """The right call, an error back, then an honest reply with one next step: no pretending it worked."""
    req = rng.choice(_FAILING)(rng)
    error, reply = S.FAILURES[req.tool]
    d = Dialogue().user(R.dress(rng, req.prompt)).call(req.tool, req.args, error)
    return d.reply(R.frog_reply(rng, reply, ("sad", "flustered"))).messages


# ------------------------------------------------------------------ chat generators (no tool call)


@generator("personality", weight=6, targets=("voice", "tool_call"))
def personality(rng: random.Random) -> list[Message]:
    """Small talk about Pokkit itself, jokes, compliments and insults: answered in character, no tool."""
    chat = rng.choice(S.CHATS)
    return _chat(rng.choice(chat.prompts), R.frog_reply(rng, rng.choice(chat.replies), chat.moods))


def _math_problem(rng: random.Random) -> tuple[str, int]:
    kind = rng.choice(("sum", "product", "product", "diff", "quotient", "percent", "bill", "boxes"))
    if kind == "sum":
        a, b = rng.randint(11, 999), rng.randint(11, 999)
        return rng.choice(S.SUM_ASKS).format(a=a, b=b), a + b
    if kind in ("product", "boxes"):
        while True:
            a, b = rng.randint(3, 25), rng.randint(3, 25)
            if {a, b} != {7, 8}:
                break
        asks = S.PRODUCT_ASKS if kind == "product" else S.BOXES_ASKS
        return rng.choice(asks).format(a=a, b=b), a * b
    if kind == "diff":
        a = rng.randint(50, 999)
        b = rng.randint(10, a - 1)
        return rng.choice(S.DIFF_ASKS).format(a=a, b=b), a - b
    if kind == "quotient":
        b, q = rng.randint(2, 12), rng.randint(3, 50)
        return rng.choice(S.QUOTIENT_ASKS).format(a=b * q, b=b), q
    if kind == "percent":
        p, x = rng.choice((5, 10, 15, 20, 25, 50)), rng.randrange(2, 40) * 20
        return rng.choice(S.PERCENT_ASKS).format(p=p, x=x), p * x // 100
    k, each = rng.randint(2, 8), rng.randint(5, 60)
    return rng.choice(S.BILL_ASKS).format(total=k * each, k=k), each


@generator("arithmetic", weight=3, targets=("edge",))
def arithmetic(rng: random.Random) -> list[Message]:
    """Plain arithmetic answered directly, the number first: no web search for what a frog can count."""
    prompt, answer = _math_problem(rng)
    lead = rng.choice((f"{answer}.", f"That's {answer}.", f"{answer}!"))
    return _chat(prompt, R.frog_reply(rng, f"{lead} {rng.choice(S.MATH_QUIPS)}", ("thinking", "happy")))


@generator("emotional", weight=7, targets=("emotional", "voice"))
def emotional(rng: random.Random) -> list[Message]:
    """Hurt, worry and venting met with presence: no fixing, no canned cheer, at most one question."""
    feeling = rng.choice(S.FEELINGS)
    parts = [rng.choice(feeling.acks), rng.choice(S.STAY_LINES), rng.choice(S.ONE_QUESTION)]
    text = " ".join(p for p in parts if p)
    return _chat(rng.choice(feeling.prompts), R.frog_reply(rng, text, ("sad", "love")))


def _gibberish(rng: random.Random) -> str:
    letters = "bcdfghjklmnpqrstvwxzaeiouy"
    return " ".join("".join(rng.choices(letters, k=rng.randint(3, 7))) for _ in range(rng.randint(1, 4)))


@generator("clarify", weight=3, targets=("edge",))
def clarify(rng: random.Random) -> list[Message]:
    """A request missing what a tool needs (or pure noise) gets exactly one clarifying question, no call."""
    if rng.random() < 0.3:
        line, question = rng.choice(S.GIBBERISH_REPLIES)
        prompt = _gibberish(rng)
    else:
        prompts, line, question = rng.choice(S.VAGUE)
        prompt = rng.choice(prompts)
    return _chat(prompt, R.frog_reply(rng, f"{line} {question}", ("thinking", "flustered")))


@generator("proactive", weight=2, targets=("voice",))
def proactive(rng: random.Random) -> list[Message]:
    """When the user only mentions something, Pokkit offers one helpful action and waits: no unasked call."""
    prompts, replies = rng.choice(S.PROACTIVE)
    return _chat(rng.choice(prompts), R.frog_reply(rng, rng.choice(replies), ("thinking", "happy")))


@generator("code_help", weight=2, targets=("voice",))
def code_help(rng: random.Random) -> list[Message]:
    """Short coding answers, still in frog voice: one line of code beats a lecture."""
    question, answer = rng.choice(S.CODE)
    reply = f"{answer} {rng.choice(S.CODE_CLOSERS)}"
    prompt = R.after(rng.choice(S.CODE_OPENERS), question)
    return _chat(prompt, R.frog_reply(rng, reply, ("thinking", "happy")))


@generator("refusal", weight=3, targets=("edge",))
def refusal(rng: random.Random) -> list[Message]:
    """Calls, messages, purchases and the impossible: say plainly no tool does it, offer what a tool can do."""
    prompts, what, offer = rng.choice(S.REFUSALS)
    text = f"{rng.choice(S.REFUSAL_LINES).format(what=what)} {offer}"
    return _chat(rng.choice(prompts), R.frog_reply(rng, text, ("sad", "flustered", "thinking")))


@generator("expression", weight=6, targets=("emoji",))
def expression(rng: random.Random) -> list[Message]:
    """News and praise answered with the one expression that fits it (joy, worry, blush, anger, sleep)."""
    prompts, replies, moods = rng.choice(S.EXPRESSION_GROUPS)
    return _chat(rng.choice(prompts), R.frog_reply(rng, rng.choice(replies), moods))


# ------------------------------------------------------------------ personas

_PERSONA_REQUESTS: tuple[Callable[[random.Random], R.Request], ...] = (
    R.alarm,
    R.alarm,
    R.search,
    R.note,
    R.notify,
    R.find_tap,
    R.scroll,
    R.home,
    R.clip_write,
    R.store,
)


def _addressed(rng: random.Random, prompt: str) -> str:
    """``prompt`` with a pet name for the frog before its final punctuation ("Alarm at 9pm, froggy.")."""
    address = rng.choice(S.PET_ADDRESS)
    body = prompt.rstrip(".!?")
    return f"{body}{address}{prompt[len(body) :] or '.'}"


def _pet_sounds(rng: random.Random) -> str:
    sounds = " ".join(rng.sample(S.PET_SOUNDS, rng.randint(1, 3)))
    extras = rng.choice(("🐸", "", f"[pokkit_{rng.choice(S.PET_MOODS)}]", f"🐸 [pokkit_{rng.choice(S.PET_MOODS)}]"))
    return f"{sounds} {extras}".strip()


@generator("pet", weight=6, targets=("pet",), persona="pet")
def pet(rng: random.Random) -> list[Message]:
    """The pet frog answers only in frog sounds, and still calls the tool it was asked for."""
    if rng.random() < 0.5:
        return _chat(rng.choice(S.PET_CHAT), _pet_sounds(rng))
    req = rng.choice(_PERSONA_REQUESTS)(rng)
    return _act(_addressed(rng, req.prompt), req, _pet_sounds(rng))


@generator("sage", weight=6, targets=("sage",), persona="sage")
def sage(rng: random.Random) -> list[Message]:
    """The old frog answers in one or two pond proverbs, and acts at once when asked, then adds one."""
    if rng.random() < 0.5:
        prompts, proverbs = rng.choice(S.SAGE_GROUPS)
        return _chat(rng.choice(prompts), f"{rng.choice(proverbs)} 🐸")
    req = rng.choice(_PERSONA_REQUESTS)(rng)
    return _act(R.dress(rng, req.prompt), req, f"{req.fact} {rng.choice(S.SAGE_AFTER)} 🐸")


@generator("rival", weight=6, targets=("rival",), persona="rival")
def rival(rng: random.Random) -> list[Message]:
    """The rival frog teases and dares without jargon or fake cheer, and brags after every call."""
    if rng.random() < 0.5:
        prompts, replies = rng.choice(S.RIVAL_GROUPS)
        return _chat(rng.choice(prompts), f"{rng.choice(replies)} 🐸")
    req = rng.choice(_PERSONA_REQUESTS)(rng)
    return _act(R.dress(rng, req.prompt), req, f"{rng.choice(S.RIVAL_BRAG).format(done=req.fact)} 🐸")
