"""Building blocks for generators: a dialogue builder in OpenAI chat format and ways to say a time.

``Dialogue`` numbers tool calls ``call_1``, ``call_2`` ... within one example and always follows a call
with its result, the order the harness and the trainer's validator expect. The clock helpers turn one
(hour, minute) into the many ways people say it, so the model learns the 24-hour arguments behind "quarter
to eight in the evening" as well as behind "19:45".
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from harness.types import Message

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}


class Dialogue:
    """The messages after the system prompt, built turn by turn."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._calls = 0

    def user(self, text: str) -> Dialogue:
        self.messages.append({"role": "user", "content": text})
        return self

    def reply(self, text: str) -> Dialogue:
        self.messages.append({"role": "assistant", "content": text})
        return self

    def call(self, name: str, arguments: Mapping[str, Any], result: Any) -> Dialogue:
        """An assistant turn that calls ``name`` (no prose: Pokkit acts, it does not announce), then its result.

        ``result`` is sent as-is when it is text, else as JSON, like the phone app returns it.
        """
        self._calls += 1
        call_id = f"call_{self._calls}"
        function = {"name": name, "arguments": json.dumps(dict(arguments), ensure_ascii=False)}
        self.messages.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": call_id, "type": "function", "function": function}],
            }
        )
        content = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
        self.messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": content})
        return self


def number_words(n: int) -> str:
    """0-59 in words, as a voice transcript writes them ("forty five")."""
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


def hour12(hour: int) -> tuple[int, str]:
    """``(1-12, "am"|"pm")`` for a 24-hour ``hour``."""
    return (hour % 12 or 12), ("am" if hour < 12 else "pm")


def day_part(hour: int) -> str:
    if 5 <= hour < 12:
        return "in the morning"
    if 12 <= hour < 18:
        return "in the afternoon"
    if 18 <= hour < 22:
        return "in the evening"
    return "at night"


def say_time(rng: random.Random, hour: int, minute: int) -> str:
    """One of the ways a person writes ``hour:minute`` in a request (12-hour, 24-hour, words, noon ...)."""
    h12, ampm = hour12(hour)
    options = [
        f"{h12}:{minute:02d}{ampm}",
        f"{h12}:{minute:02d} {ampm}",
        f"{h12}:{minute:02d} {day_part(hour)}",
        f"{hour:02d}:{minute:02d}",
    ]
    if minute == 0:
        options += [f"{h12}{ampm}", f"{h12} {ampm.upper()}", f"{h12} o'clock {day_part(hour)}"]
        if hour == 12:
            options += ["noon", "midday", "12 noon"]
        if hour == 0:
            options += ["midnight", "12 midnight"]
    if minute == 15:
        options.append(f"quarter past {h12} {day_part(hour)}")
    if minute == 30:
        options.append(f"half past {h12} {day_part(hour)}")
    if minute == 45:
        options.append(f"quarter to {hour12((hour + 1) % 24)[0]} {day_part((hour + 1) % 24)}")
    return rng.choice(options)


def spoken_time(rng: random.Random, hour: int, minute: int) -> str:
    """``hour:minute`` as a speech-to-text transcript has it: words, no punctuation ("seven oh five am")."""
    h12, ampm = hour12(hour)
    if minute == 0:
        tail = rng.choice([f" {ampm}", " oclock " + day_part(hour), " " + day_part(hour)])
        return number_words(h12) + tail
    mins = f"oh {number_words(minute)}" if minute < 10 else number_words(minute)
    return f"{number_words(h12)} {mins} {rng.choice([ampm, ' '.join(ampm), day_part(hour)])}"


def show_time(hour: int, minute: int, twelve_hour: bool) -> str:
    """How Pokkit reads a time back: the user's own clock style."""
    if not twelve_hour:
        return f"{hour:02d}:{minute:02d}"
    h12, ampm = hour12(hour)
    return f"{h12}:{minute:02d} {ampm}"
