"""Between harness types and inspect-ai's: messages, tool schemas, decoding settings, replies.

Both directions meet in two places: the ``gguf``/``scripted`` providers (evals.provider) turn what inspect sends
back into the messages, tool schemas and GenerationParams the harness back end takes, and the scorer
(evals._harness) turns any provider's ModelOutput back into the harness Completion that ``score_reply`` parses
and scores, as pytest does.

What makes the round trip exact for our providers:

- a message is ``{role, content}`` in every suite; it maps to inspect's message of that role and back unchanged;
- inspect's ToolParams would reorder a schema's keys and add ``additionalProperties: false``, which changes the
  prompt (the templates print the schema as JSON); so each tool carries the suite's own schema in
  ``ToolInfo.options["harness_schema"]``, which our providers send as it is and inspect's providers ignore;
- the case key (``suite/case_id``, or ``.../summary`` and ``.../q1/full`` in a compression case) rides in the last
  message's metadata (``harness_key``): scripted responses are looked up by it;
- our providers put the raw reply (text, finish reason, token counts, timings) in ``ModelOutput.metadata
  ["harness_completion"]``, so the scorer parses the very text pytest would; from another provider the
  Completion is rebuilt from the message: text (reasoning as a ``<think>`` block), tool calls, stop reason.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    StopReason,
)
from inspect_ai.tool import ToolCall as InspectToolCall
from inspect_ai.tool import ToolDef, ToolInfo, ToolParams

from harness.backends.base import GenerationParams
from harness.errors import ConfigError
from harness.parsing import THINK_CLOSE, THINK_OPEN
from harness.scoring import ReplyCrashed, parse_reply
from harness.types import Completion, Message, ParseError, ToolCall, ToolSchema

KEY = "harness_key"  # ChatMessage.metadata: the case key the generation belongs to
SCHEMA = "harness_schema"  # ToolInfo.options: the suite's own tool schema
COMPLETION = "harness_completion"  # ModelOutput.metadata: the raw reply of a harness back end
ERROR = "harness_error"  # ModelOutput.metadata: the back end failed (BackendError), as pytest records it
DEFAULT_MAX_TOKENS = 256  # the harness's base GenerationParams (HarnessSession.base_params)
_RAW_FIELDS = ("text", "finish_reason", "prompt_tokens", "completion_tokens", "latency_s", "timings")


# ---------------------------------------------------------------------------------------------- messages


def _calls_to_inspect(calls: list[dict[str, Any]]) -> list[InspectToolCall]:
    out = []
    for i, call in enumerate(calls):
        fn = call.get("function", call)
        args = fn.get("arguments") or {}
        if isinstance(args, str):
            args = json.loads(args)
        out.append(InspectToolCall(id=str(call.get("id") or f"call_{i}"), function=str(fn["name"]), arguments=args))
    return out


def inspect_messages(messages: list[Message], key: str | None = None) -> list[ChatMessage]:
    """``messages`` as inspect messages; ``key`` goes into the last one's metadata."""
    out: list[ChatMessage] = []
    for i, m in enumerate(messages):
        meta = {KEY: key} if key is not None and i == len(messages) - 1 else None
        role, content = m.get("role"), str(m.get("content") or "")
        if role == "system":
            out.append(ChatMessageSystem(content=content, metadata=meta))
        elif role == "user":
            out.append(ChatMessageUser(content=content, metadata=meta))
        elif role == "assistant":
            calls = _calls_to_inspect(m["tool_calls"]) if m.get("tool_calls") else None
            out.append(ChatMessageAssistant(content=content, tool_calls=calls, metadata=meta))
        elif role == "tool":
            out.append(
                ChatMessageTool(
                    content=content, tool_call_id=m.get("tool_call_id"), function=m.get("name"), metadata=meta
                )
            )
        else:
            raise ConfigError(f"message {i + 1}: role {role!r} has no inspect-ai message")
    return out


def harness_messages(messages: list[ChatMessage]) -> list[Message]:
    """inspect messages as the harness's ``{role, content}`` dicts (tool calls and results in the OpenAI shape)."""
    out: list[Message] = []
    for m in messages:
        item: Message = {"role": m.role, "content": m.text}
        if isinstance(m, ChatMessageAssistant) and m.tool_calls:
            item["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.function, "arguments": c.arguments}}
                for c in m.tool_calls
            ]
        elif isinstance(m, ChatMessageTool):
            item.update(name=m.function, tool_call_id=m.tool_call_id)
        out.append(item)
    return out


def message_key(messages: list[ChatMessage]) -> str | None:
    """The case key the last message carries (see :func:`inspect_messages`), if any."""
    for m in reversed(messages):
        if m.metadata and isinstance(m.metadata.get(KEY), str):
            return str(m.metadata[KEY])
    return None


# ---------------------------------------------------------------------------------------------- tools


def _not_run(name: str) -> Any:
    """A tool function of its own for each tool (inspect keeps a tool's name and schema on its function)."""

    async def run(**kwargs: Any) -> str:
        raise RuntimeError(f"{name}: suite tools are offered to the model, never run; the harness scores the call")

    return run


def _inspect_params(schema: dict[str, Any]) -> ToolParams:
    """inspect's ToolParams of a schema; inspect refuses a parameter without a description (BFCL has some), so
    those get their name. Only inspect's own providers see this: ours send the schema itself."""
    params = ToolParams.model_validate(schema)
    for name, param in params.properties.items():
        if not param.description:
            param.description = name
    return params


def inspect_tools(tools: list[ToolSchema]) -> list[ToolDef]:
    """The suite's tool schemas as inspect tools that carry the schema itself (``options[SCHEMA]``)."""
    out = []
    for schema in tools:
        fn = schema["function"]
        out.append(
            ToolDef(
                _not_run(fn["name"]),
                name=fn["name"],
                description=fn.get("description") or "",
                parameters=_inspect_params(fn.get("parameters") or {}),
                options={SCHEMA: schema},
            )
        )
    return out


def harness_tools(tools: list[ToolInfo]) -> list[ToolSchema]:
    """The schemas to prompt with: a suite tool's own schema, else one built from inspect's ToolInfo."""
    out: list[ToolSchema] = []
    for tool in tools:
        own = (tool.options or {}).get(SCHEMA)
        if isinstance(own, dict):
            out.append(own)
        else:
            params = tool.parameters.model_dump(exclude_none=True)
            out.append({"type": "function", "function": {"name": tool.name, "description": tool.description,
                                                         "parameters": params}})  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------- decoding


def generation_params(config: GenerateConfig, timeout_s: float) -> GenerationParams:
    """inspect's GenerateConfig as the harness's explicit GenerationParams (pytest's defaults where unset)."""
    return GenerationParams(
        max_tokens=config.max_tokens or DEFAULT_MAX_TOKENS,
        temperature=config.temperature if config.temperature is not None else 0.0,
        top_p=config.top_p if config.top_p is not None else 1.0,
        top_k=config.top_k or 0,
        seed=config.seed or 0,
        stop=tuple(config.stop_seqs or ()),
        timeout_s=timeout_s,
    )


def call_config(params: GenerationParams) -> GenerateConfig:
    """What a harness generation sets per call: its budget and stop strings (temperature and seed are the
    task's, so ``--temperature``/``--seed`` on the command line still apply)."""
    return GenerateConfig(max_tokens=params.max_tokens, stop_seqs=list(params.stop) or None)


# ---------------------------------------------------------------------------------------------- replies

_STOP_REASONS: dict[str, StopReason] = {"length": "max_tokens", "timeout": "unknown"}


def model_output(completion: Completion, model: str) -> ModelOutput:
    """A harness back end's reply as inspect's ModelOutput: the visible text, the thinking as reasoning and the
    parsed tool calls for inspect's transcript; the raw reply in ``metadata[COMPLETION]`` for our scorer."""
    try:
        done = parse_reply(completion)
    except ReplyCrashed:  # the scorer records the crash from the raw reply, as pytest does
        done = replace(completion, visible=completion.text)
    content: str | list[ContentReasoning | ContentText] = done.visible
    if done.thinking:
        content = [ContentReasoning(reasoning=done.thinking), ContentText(text=done.visible)]
    calls = [
        InspectToolCall(id=f"call_{i}", function=c.name, arguments=c.arguments) for i, c in enumerate(done.tool_calls)
    ]
    message = ChatMessageAssistant(content=content, tool_calls=calls or None, model=model, source="generate")  # type: ignore[arg-type]
    stop = _STOP_REASONS.get(completion.finish_reason) or ("tool_calls" if calls else "stop")
    raw = {k: v for k, v in asdict(completion).items() if k in _RAW_FIELDS}
    return ModelOutput(
        model=model,
        choices=[ChatCompletionChoice(message=message, stop_reason=stop)],
        usage=ModelUsage(
            input_tokens=completion.prompt_tokens,
            output_tokens=completion.completion_tokens,
            total_tokens=completion.prompt_tokens + completion.completion_tokens,
        ),
        time=completion.latency_s,
        metadata={COMPLETION: raw},
    )


def error_output(message: str, model: str) -> ModelOutput:
    """The output of a generation whose back end failed: no text, the error for the scorer's error record."""
    return ModelOutput.from_content(model, "", stop_reason="unknown", error=message).model_copy(
        update={"metadata": {ERROR: message}}
    )


def _text(message: ChatMessageAssistant) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = []
    for part in message.content:
        if isinstance(part, ContentReasoning):
            parts.append(f"{THINK_OPEN}{part.reasoning}{THINK_CLOSE}")
        elif isinstance(part, ContentText):
            parts.append(part.text)
    return "".join(parts)


def harness_completion(output: ModelOutput) -> Completion:
    """The raw Completion that ``harness.runner.score_reply`` parses and scores: our providers' own reply, or one
    rebuilt from any provider's message (text with reasoning as ``<think>``, tool calls, stop reason, usage)."""
    raw = (output.metadata or {}).get(COMPLETION)
    if isinstance(raw, dict):
        return Completion(**{k: raw[k] for k in _RAW_FIELDS if k in raw})
    if not output.choices:
        return Completion(text=output.completion, finish_reason="stop")
    choice = output.choices[0]
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    for call in choice.message.tool_calls or []:
        if call.parse_error:
            shown = json.dumps({"name": call.function, "arguments": call.arguments}, ensure_ascii=False, default=str)
            errors.append(ParseError(shown, call.parse_error))
        else:
            calls.append(ToolCall(call.function, dict(call.arguments)))
    usage = output.usage
    return Completion(
        text=_text(choice.message),
        tool_calls=calls,
        parse_errors=errors,
        finish_reason="length" if choice.stop_reason in ("max_tokens", "model_length") else "stop",
        prompt_tokens=usage.input_tokens if usage else 0,
        completion_tokens=usage.output_tokens if usage else 0,
        latency_s=output.time or 0.0,
    )
