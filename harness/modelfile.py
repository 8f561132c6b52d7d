"""The Ollama ``Modelfile`` written next to a GGUF: by ``train.export`` after quantizing, and by
``reports.publish`` into the folder a Hugging Face repository gets. Both need the same text, so it lives here,
below both: ``reports`` needs nothing from ``train``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.errors import ConfigError

MODELFILE = "Modelfile"


# Ollama's Go template for ChatML with Hermes tools: the same text harness.chat renders for SmolLM2-style
# templates (tools in the system prompt, calls as <tool_call> JSON, results as <tool_response> user turns).
OLLAMA_CHATML_TEMPLATE = r"""{{- if or .System .Tools }}<|im_start|>system
{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}
{{- range .ToolCalls }}<tool_call>
{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
</tool_call>
{{- end }}
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}"""


# Characters that would end a Modelfile line or value early: line breaks (Unicode ones too) and other controls.
_MODELFILE_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _dropped_by_ollama(text: str, keep: str = "") -> str | None:
    """The first character of ``text`` Ollama's Modelfile parser would silently drop (it keeps only what Go's
    ``strconv.IsPrint`` accepts: letters, marks, numbers, punctuation, symbols and the ASCII space, which is what
    ``str.isprintable`` accepts), other than those in ``keep``; None when it keeps them all."""
    return next((c for c in text if not c.isprintable() and c not in keep), None)


def check_model_file_name(name: str, what: str = "GGUF file name") -> str:
    """``name`` if it can stand as one plain file name on a Modelfile's ``FROM`` line (and in a shell command
    on a model card); a line break would add Modelfile lines, a quote or backslash would change how the
    line is parsed, a ``/`` would leave the folder. Anything else is a ConfigError telling to rename it."""
    if (
        not name
        or name in (".", "..")
        or name != name.strip()
        or _MODELFILE_BREAKS.search(name)
        or _dropped_by_ollama(name)
        or any(c in name for c in '"\\/`')
    ):
        raise ConfigError(
            f"{what} {name!r}: holds a line break, control or invisible character, quote, backslash or slash, "
            "or starts or ends with a space (or is empty); rename it to letters, digits, '.', '-' and '_'"
        )
    return name


def modelfile(gguf_name: str, system: str | None = None, stop: Sequence[str] = ("<|im_end|>",)) -> str:
    """An Ollama Modelfile for a ChatML model: the TEMPLATE above, greedy decoding, the suite's system prompt.

    Every value stays inside its own line or quotes: a file name with a line break or quote, a stop string
    with a quote or control character, or a system prompt holding ``\"\"\"`` is a ConfigError."""
    check_model_file_name(gguf_name)
    for s in stop:
        if _MODELFILE_BREAKS.search(s) or '"' in s or "\\" in s:
            raise ConfigError(f"stop string {s!r}: a quote, backslash or control character cannot go in a Modelfile")
    if system and ('"""' in system or "\x00" in system):
        raise ConfigError(
            'system prompt: holds """ (or a NUL), which would end the Modelfile\'s SYSTEM block; reword it'
        )
    dropped = _dropped_by_ollama(system or "", keep="\t\n\r")
    if dropped is not None:
        at = (system or "").index(dropped)
        raise ConfigError(
            f"system prompt: holds {dropped!r} (U+{ord(dropped):04X}) at character {at}, which Ollama's Modelfile "
            "parser drops, so the published model would get another prompt than the one scored; remove or replace "
            "it (a plain space for U+00A0, nothing for a zero-width joiner)"
        )
    lines = [f"FROM ./{gguf_name}", "", f'TEMPLATE """{OLLAMA_CHATML_TEMPLATE}"""', ""]
    lines += [f'PARAMETER stop "{s}"' for s in stop]
    lines += ["PARAMETER temperature 0", ""]
    if system:
        lines += [f'SYSTEM """{system.strip()}"""', ""]
    return "\n".join(lines)
