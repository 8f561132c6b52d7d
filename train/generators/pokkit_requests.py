"""Pokkit's phone requests: how a user asks for each tool, the call it needs and how Pokkit reports it.

A request is built once (``Request``: the prompt, the call, what the phone returns and how to say it worked)
and reused by the plain tool generators, chains, multi-turn dialogues, failures and the pet, sage and rival
personas, so a request phrased one way is answered with the same call whichever persona hears it.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from train.generators import pokkit_slots as S
from train.generators.dialogue import say_time, show_time, spoken_time

# (hour, minute) pairs the suite's set_alarm cases expect, left out so no alarm request echoes one of them;
# all but noon. Noon is deliberately still taught: "noon"/"midday" -> 12:00 is a word to learn, not a time
# to copy, and leaving 12:00 out would leave the word untaught. tests/train/test_generators.py checks the
# two sets against suites/pokkit/suite.yaml so a new alarm case cannot slip past them.
_EVAL_TIMES = frozenset({(6, 30), (17, 15), (7, 0), (21, 0), (14, 30)})
_TAUGHT_EVAL_TIMES = frozenset({(12, 0)})
_ROUND_MINUTES = (0, 0, 0, 5, 10, 15, 15, 20, 25, 30, 30, 35, 40, 45, 45, 50, 55)
_TWENTY_FOUR_HOUR = re.compile(r"\d{2}:\d{2}")
_SPECIAL_TIMES = {
    "noon": "noon",
    "midday": "noon",
    "12 noon": "noon",
    "midnight": "midnight",
    "12 midnight": "midnight",
}
_HAPPY = ("happy", "excited")


@dataclass(frozen=True)
class Request:
    """One phone request: what the user says, the call it needs, the phone's answer and how to report it."""

    prompt: str
    tool: str
    args: dict[str, Any]
    result: Any
    done: str  # Pokkit's report once it worked, without the 🐸 and the expression
    fact: str  # the same in plain words, for the personas that speak differently


def frog_reply(rng: random.Random, text: str, moods: tuple[str, ...] = _HAPPY) -> str:
    """``text`` with 🐸 and one expression tag, the way the system prompt asks Pokkit to show feelings."""
    tag = f"[pokkit_{rng.choice(moods)}]"
    return rng.choice((f"{tag} {text} 🐸", f"{text} 🐸 {tag}", f"🐸 {tag} {text}"))


def after(opener: str, text: str) -> str:
    """``text`` after ``opener``, its first word lowercased unless it is "I" or an acronym."""
    if opener and len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return opener + text


def dress(rng: random.Random, text: str) -> str:
    """``text`` with an optional greeting before it and thanks after, as people really type requests."""
    closer = rng.choice(S.CLOSERS)
    if closer and text[-1] not in ".!?'":
        text += "."
    return after(rng.choice(S.OPENERS), text) + closer


def search_result(title: str, snippet: str) -> dict[str, Any]:
    """What web_search returns: one result with its title and snippet."""
    return {"results": [{"title": title, "snippet": snippet}]}


def note_saved(rng: random.Random) -> dict[str, Any]:
    """What take_note returns: the note saved, with its new id."""
    return {"status": "saved", "id": f"note_{rng.randrange(100, 1000)}"}


def _yours(text: str) -> str:
    """Turn the user's words about themselves into Pokkit's words about them ("my pills" -> "your pills")."""
    swaps = {"my": "your", "I": "you", "me": "you"}
    return " ".join(swaps.get(word, word) for word in text.split())


def _clock(rng: random.Random) -> tuple[int, int]:
    """A time of day for an alarm: mostly round minutes, now and then noon or midnight, never an eval time."""
    while True:
        roll = rng.random()
        if roll < 0.05:
            hour, minute = rng.choice(((12, 0), (0, 0)))
        else:
            hour = rng.randrange(24)
            minute = rng.choice(_ROUND_MINUTES) if roll < 0.8 else rng.randrange(60)
        if (hour, minute) not in _EVAL_TIMES:
            return hour, minute


def _shown(said: str, hour: int, minute: int) -> str:
    """The time read back in the user's own style: "noon (12:00)", "19:45" or "7:45 pm"."""
    special = _SPECIAL_TIMES.get(said)
    if special:
        return f"{special} ({hour:02d}:{minute:02d})"
    return show_time(hour, minute, twelve_hour=not _TWENTY_FOUR_HOUR.fullmatch(said))


# ------------------------------------------------------------------ request builders


def alarm(rng: random.Random) -> Request:
    """An alarm at a clock time in one of many styles, plain or with a label (a task or an event)."""
    hour, minute = _clock(rng)
    said = say_time(rng, hour, minute)
    shown = _shown(said, hour, minute)
    args: dict[str, Any] = {"hour": hour, "minute": minute}
    roll = rng.random()
    if roll < 0.4:
        prompt, purpose = rng.choice(S.ALARM_PLAIN).format(t=said), ""
    elif roll < 0.7:
        task = rng.choice(S.TASKS)
        prompt, purpose = rng.choice(S.ALARM_TASK).format(t=said, task=task), f" to {_yours(task)}"
        args["label"] = task
    else:
        event = rng.choice(S.EVENTS)
        prompt, purpose = rng.choice(S.ALARM_EVENT).format(t=said, event=event), f" for {event}"
        args["label"] = event
    if prompt[0].islower():
        prompt = prompt[0].upper() + prompt[1:]
    result = {
        "status": "set",
        "time": f"{hour:02d}:{minute:02d}",
        **({"label": args["label"]} if "label" in args else {}),
    }
    done = rng.choice(S.ALARM_DONE).format(shown=shown, purpose=purpose)
    return Request(prompt, "set_alarm", args, result, done, f"Alarm set for {shown}{purpose}.")


def relative_alarm(rng: random.Random) -> Request:
    """An alarm "in N minutes" from a clock time the user states, so the answer is well defined."""
    while True:
        start = rng.randrange(24 * 60)
        delta, delta_said = rng.choice(S.DELTAS)
        target = (start + delta) % (24 * 60)
        if divmod(target, 60) not in _EVAL_TIMES:
            break
    twelve = rng.random() < 0.4
    now = show_time(*divmod(start, 60), twelve_hour=twelve).replace(" ", "" if rng.random() < 0.5 else " ")
    hour, minute = divmod(target, 60)
    shown = show_time(hour, minute, twelve_hour=twelve)
    prompt = rng.choice(S.ALARM_RELATIVE).format(now=now, delta=delta_said)
    done = rng.choice(S.ALARM_RELATIVE_DONE).format(now=now, delta=delta_said, target=shown)
    result = {"status": "set", "time": f"{hour:02d}:{minute:02d}"}
    return Request(prompt, "set_alarm", {"hour": hour, "minute": minute}, result, done, f"Alarm set for {shown}.")


class Forecast(NamedTuple):
    """A made-up forecast: the web_search result of a weather question, and how it is asked and read back."""

    city: str
    when: str  # as typed after the city: "", " today", " tomorrow" ...
    when_said: str  # as said in a reply: "right now", "today" ...
    cond: str
    temp: int

    @property
    def snippet(self) -> str:
        return f"{self.cond.capitalize()}, {self.temp}°C {self.when_said}."


def forecast(rng: random.Random) -> Forecast:
    when, when_said = rng.choice(S.WHENS)
    cond, low, high = rng.choice(S.CONDITIONS)
    return Forecast(rng.choice(S.CITIES), when, when_said, cond, rng.randint(low, high))


def search(rng: random.Random) -> Request:
    """A web search: a forecast for a city (never the suite's cities) or a fact, with a short query."""
    if rng.random() < 0.35:
        fc = forecast(rng)
        ask, query = rng.choice(S.WEATHER_ASKS)
        prompt, query = ask.format(city=fc.city, when=fc.when), query.format(city=fc.city, when=fc.when)
        wet = any(w in fc.cond for w in ("rain", "snow", "storm"))
        fact = rng.choice(S.WEATHER_DONE).format(city=fc.city, when=fc.when_said, cond=fc.cond, temp=fc.temp)
        quip, title, snippet = rng.choice(S.WEATHER_WET if wet else S.WEATHER_DRY), f"{fc.city} weather", fc.snippet
    else:
        topic = rng.choice(S.TOPICS)
        prompt, query = rng.choice(S.SEARCH_ASKS).format(ask=topic.ask), topic.query
        title, snippet, fact, quip = topic.title, topic.snippet, topic.snippet, rng.choice(S.SEARCH_CLOSERS)
    done = " ".join(filter(None, [rng.choice(S.SEARCH_OPENERS), fact, quip]))
    return Request(prompt, "web_search", {"query": query}, search_result(title, snippet), done, fact)


def note(rng: random.Random) -> Request:
    title, content = rng.choice(S.NOTES)
    prompt = rng.choice(S.NOTE_ASKS).format(title=title, content=content)
    result = note_saved(rng)
    done = rng.choice(S.NOTE_DONE).format(title=title)
    return Request(prompt, "take_note", {"title": title, "content": content}, result, done, f"Note '{title}' saved.")


def clip_write(rng: random.Random) -> Request:
    text = rng.choice(S.CLIP_TEXTS)
    prompt = rng.choice(S.CLIP_WRITE_ASKS).format(text=text)
    done = rng.choice(S.CLIP_WRITE_DONE).format(text=text)
    return Request(prompt, "write_clipboard", {"text": text}, {"status": "copied"}, done, f"Copied '{text}'.")


def clip_read(rng: random.Random) -> Request:
    text = rng.choice(S.CLIP_TEXTS)
    done = rng.choice(S.CLIP_READ_DONE).format(text=text)
    return Request(rng.choice(S.CLIP_READ_ASKS), "read_clipboard", {}, {"text": text}, done, f"Clipboard: {text}.")


def clipboard(rng: random.Random) -> Request:
    return clip_write(rng) if rng.random() < 0.65 else clip_read(rng)


def _notification(rng: random.Random, items: Any, asks: Any, dones: Any) -> Request:
    title, body = rng.choice(items)
    prompt = rng.choice(asks).format(title=title, body=body)
    done = rng.choice(dones).format(title=title)
    args = {"title": title, "body": body}
    return Request(prompt, "show_notification", args, {"status": "shown"}, done, f"Notification '{title}' is up.")


def notify(rng: random.Random) -> Request:
    return _notification(rng, S.NOTIFICATIONS, S.NOTIFY_ASKS, S.NOTIFY_DONE)


def email(rng: random.Random) -> Request:
    """Email-style alerts map to show_notification (subject as title); no tool sends mail."""
    return _notification(rng, S.EMAILS, S.EMAIL_ASKS, S.EMAIL_DONE)


def store(rng: random.Random) -> Request:
    mem = rng.choice(S.MEMORIES)
    prompt = rng.choice(S.STORE_ASKS).format(said=mem.said)
    done = rng.choice(S.STORE_DONE).format(yours=mem.yours, Yours=mem.yours.capitalize(), value=mem.value)
    args = {"key": mem.key, "value": mem.value}
    result = {"status": "stored", "key": mem.key}
    return Request(prompt, "store_value", args, result, done, f"Stored {mem.yours}: {mem.value}.")


def retrieve(rng: random.Random) -> Request:
    mem = rng.choice(S.MEMORIES)
    prompt = rng.choice(S.RETRIEVE_ASKS).format(asked=mem.asked)
    done = rng.choice(S.RETRIEVE_DONE).format(yours=mem.yours, Yours=mem.yours.capitalize(), value=mem.value)
    result = {"key": mem.key, "value": mem.value}
    return Request(prompt, "retrieve_value", {"key": mem.key}, result, done, f"{mem.yours.capitalize()}: {mem.value}.")


def storage(rng: random.Random) -> Request:
    return store(rng) if rng.random() < 0.55 else retrieve(rng)


def _screen_action(prompt: str, tool: str, args: dict[str, Any], result: Any, fact: str, rng: random.Random) -> Request:
    return Request(prompt, tool, args, result, f"{fact} {rng.choice(S.SCREEN_DONE)}", fact)


def scroll(rng: random.Random) -> Request:
    direction = rng.choice(("up", "down", "left", "right"))
    prompt = rng.choice(S.SCROLL_ASKS).format(d=direction)
    return _screen_action(
        prompt, "screen_scroll", {"direction": direction}, {"status": "ok"}, f"Scrolled {direction}.", rng
    )


def back(rng: random.Random) -> Request:
    return _screen_action(rng.choice(S.BACK_ASKS), "screen_back", {}, {"status": "ok"}, "Back one page.", rng)


def home(rng: random.Random) -> Request:
    return _screen_action(rng.choice(S.HOME_ASKS), "screen_home", {}, {"status": "ok"}, "Home screen.", rng)


def type_text(rng: random.Random) -> Request:
    text = rng.choice(S.TYPE_TEXTS)
    prompt = rng.choice(S.TYPE_ASKS).format(text=text)
    return _screen_action(prompt, "screen_type", {"text": text}, {"status": "ok"}, f"Typed '{text}'.", rng)


def find_tap(rng: random.Random) -> Request:
    element = rng.choice(S.ELEMENTS)
    prompt = rng.choice(S.FIND_TAP_ASKS).format(el=element)
    result = {"status": "tapped", "element": element}
    return _screen_action(prompt, "screen_find_and_tap", {"query": element}, result, f"Tapped {element}.", rng)


def screen_elements(rng: random.Random, must: str | None = None) -> list[dict[str, Any]]:
    """What screen_read returns: a few labelled elements at distinct rows, ``must`` among them when given."""
    names = rng.sample([e for e in S.ELEMENTS if e != must], rng.randint(2, 4)) + ([must] if must else [])
    rng.shuffle(names)
    rows = sorted(rng.sample(range(200, 2200, 40), len(names)))
    return [
        {"text": n, "x": rng.randrange(80, 1000, 10), "y": y, "tappable": True}
        for n, y in zip(names, rows, strict=True)
    ]


def read_screen(rng: random.Random) -> Request:
    elements = screen_elements(rng)
    names = [e["text"] for e in elements]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    fact = f"On screen: {listed}."
    return _screen_action(rng.choice(S.READ_ASKS), "screen_read", {}, {"elements": elements}, fact, rng)


def tap(rng: random.Random) -> Request:
    x, y = rng.randrange(40, 1040), rng.randrange(100, 2300)
    prompt = rng.choice(S.TAP_ASKS).format(x=x, y=y)
    return _screen_action(prompt, "screen_tap", {"x": x, "y": y}, {"status": "tapped"}, f"Tapped at {x}, {y}.", rng)


_SCREEN: tuple[tuple[Callable[[random.Random], Request], float], ...] = (
    (scroll, 0.25),
    (find_tap, 0.2),
    (type_text, 0.15),
    (back, 0.1),
    (home, 0.1),
    (read_screen, 0.1),
    (tap, 0.1),
)


def screen(rng: random.Random) -> Request:
    build = rng.choices([b for b, _ in _SCREEN], weights=[w for _, w in _SCREEN])[0]
    return build(rng)


def _transcript(text: str) -> str:
    """Speech-to-text style: lowercase, no punctuation except apostrophes, single spaces."""
    kept = "".join(c for c in text.lower() if c not in string.punctuation or c == "'")
    return " ".join(kept.split())


def voice_request(rng: random.Random) -> Request:
    """A request as a voice transcript (fillers, misheard words, no punctuation) and the call it still means."""
    req = _spoken(rng)
    return replace(req, prompt=_transcript(req.prompt))


def _spoken(rng: random.Random) -> Request:
    """A request as the user said it (before transcription): its prompt is the spoken words."""
    filler, filler2 = rng.choice(S.FILLERS), rng.choice(S.FILLERS)
    kind = rng.choice(("alarm", "alarm", "alarm", "search", "note", "scroll", "clipboard", "home", "tap"))
    if kind == "alarm":
        req = alarm(rng)
        hour, minute = req.args["hour"], req.args["minute"]
        said = spoken_time(rng, hour, minute)
        label = req.args.get("label")
        forms = [
            f"{filler} set a alarm for {said}",
            f"{filler} wake me up {said} {filler2}",
            f"alarm {said} {filler} please",
        ]
        if label in S.TASKS:
            forms = [f"{filler} remind me {said} to {label}", f"{filler} at {said} {filler2} i gotta {label}"]
        elif label:
            forms = [f"{filler} alarm for {said} {filler2} for {label}", f"{filler} {label} at {said} set an alarm"]
        return replace(req, prompt=rng.choice(forms))
    if kind == "search":
        topic = rng.choice(S.TOPICS)
        text = rng.choice(
            [
                f"{filler} search for {topic.query}",
                f"{filler} look up {filler2} {topic.query}",
                f"can u google {topic.query}",
            ]
        )
        done = " ".join([rng.choice(S.SEARCH_OPENERS), topic.snippet])
        result = search_result(topic.title, topic.snippet)
        return Request(text, "web_search", {"query": topic.query}, result, done, topic.snippet)
    if kind == "note":
        title, content = rng.choice(S.NOTES)
        title, content = _transcript(title), _transcript(content)
        text = rng.choice(
            [
                f"{filler} right a note called {title} that says {content}",
                f"{filler} take a note {title} {filler2} {content}",
            ]
        )
        done = rng.choice(S.NOTE_DONE).format(title=title)
        args = {"title": title, "content": content}
        return Request(text, "take_note", args, note_saved(rng), done, f"Note '{title}' saved.")
    if kind == "scroll":
        direction, heard = rng.choice((("down", "dawn"), ("down", "down"), ("up", "op"), ("up", "up")))
        text = rng.choice(
            [f"{filler} scroll {heard}", f"scroll {heard} {filler} more", f"{filler} can you scroll {heard}"]
        )
        return _screen_action(
            text, "screen_scroll", {"direction": direction}, {"status": "ok"}, f"Scrolled {direction}.", rng
        )
    if kind == "clipboard":
        content = _transcript(rng.choice(S.TYPE_TEXTS))
        text = f"{filler} copy {content} to the clip board"
        done = rng.choice(S.CLIP_WRITE_DONE).format(text=content)
        return Request(text, "write_clipboard", {"text": content}, {"status": "copied"}, done, f"Copied '{content}'.")
    if kind == "home":
        text = rng.choice([f"{filler} go to home screen", f"{filler} home screen {filler2}", "uh go home go home"])
        return _screen_action(text, "screen_home", {}, {"status": "ok"}, "Home screen.", rng)
    element = rng.choice(S.ELEMENTS)
    text = f"{filler} tap on {element.lower()} {filler2}"
    tapped = {"status": "tapped", "element": element}
    return _screen_action(text, "screen_find_and_tap", {"query": element}, tapped, f"Tapped {element}.", rng)
