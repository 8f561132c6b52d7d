"""The Modelfile harness.modelfile writes, read back the way ``ollama create`` reads it.

``tests/ollama_modelfile.py`` ports Ollama's parser (parser/parser.go) and parameter typing (api.FormatParams); the
first half of this file runs Ollama's own parser tests (parser/parser_test.go at ollama/ollama fb30760) against the
port, the second half parses what :func:`harness.modelfile.modelfile` writes and checks every command and parameter
comes back as written: the template and the system prompt byte for byte, the parameters typed as Ollama types them.
"""

from __future__ import annotations

import codecs
import random
import struct
from pathlib import Path

import pytest

from harness.chat import ChatTemplate
from harness.errors import ConfigError
from harness.modelfile import OLLAMA_CHATML_TEMPLATE, modelfile
from harness.models import default_model_path, inspect_gguf
from harness.suite import load_suite
from tests.ollama_modelfile import (
    Command,
    CreateRequest,
    MissingFrom,
    ModelfileError,
    ParserError,
    UnexpectedEOF,
    create_request,
    format_file,
    parse_file,
)

ROOT = Path(__file__).parents[1]
LLAMA3_TEMPLATE = (
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}"
    "<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant"
    "<|end_header_id|>\n\n{{ .Response }}<|eot_id|>"
)


def _float32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


# ---------------------------------------------------------------------------------- Ollama's own parser tests


@pytest.mark.parametrize(
    "text, args",
    [
        # TestParseFileFile
        ("\nFROM model1\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 value2\n"
         f'TEMPLATE """{LLAMA3_TEMPLATE}"""    \n',
         ["model1", "adapter1", "MIT", "value1", "value2", LLAMA3_TEMPLATE]),
        # TestParseFileTrimSpace
        ('\nFROM "     model 1"\nADAPTER      adapter3\nLICENSE "MIT       "\nPARAMETER param1        value1\n'
         f'PARAMETER param2    value2\nTEMPLATE """   {LLAMA3_TEMPLATE}   """    \n',
         ["     model 1", "adapter3", "MIT       ", "value1", "value2", f"   {LLAMA3_TEMPLATE}   "]),
    ],
)  # fmt: skip
def test_parse_file_file(text: str, args: list[str]) -> None:
    names = ["model", "adapter", "license", "param1", "param2", "template"]
    assert parse_file(text) == [Command(n, a) for n, a in zip(names, args, strict=True)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('FROM "FOO  BAR  "', [Command("model", "FOO  BAR  ")]),
        ('FROM "FOO BAR"\nPARAMETER param1 value1', [Command("model", "FOO BAR"), Command("param1", "value1")]),
        ("FROM     FOOO BAR    ", [Command("model", "FOOO BAR")]),
        ("FROM /what/is/the path ", [Command("model", "/what/is/the path")]),
        ("FROM foo", [Command("model", "foo")]),
        ("FROM llama3:7b-instruct-q4_K_M", [Command("model", "llama3:7b-instruct-q4_K_M")]),
        ("", MissingFrom),
        ("PARAMETER param1 value1", MissingFrom),
        ("PARAMETER param1 value1\nFROM foo", [Command("param1", "value1"), Command("model", "foo")]),
        ("PARAMETER what the \nFROM lemons make lemonade ",
         [Command("what", "the"), Command("model", "lemons make lemonade")]),
    ],
)  # fmt: skip
def test_parse_file_from(text: str, expected: list[Command] | type[Exception]) -> None:  # TestParseFileFrom
    if isinstance(expected, list):
        assert parse_file(text) == expected
    else:
        with pytest.raises(expected):
            parse_file(text)


def test_parse_file_errors() -> None:  # TestParseFileParametersMissingValue, TestParseFileBadCommand
    with pytest.raises(UnexpectedEOF):
        parse_file("\nFROM foo\nPARAMETER param1\n")
    with pytest.raises(ParserError) as exc:
        parse_file("\nFROM foo\nBADCOMMAND param1 value1\n")
    assert exc.value.line == 3 and "command must be one of" in str(exc.value)
    assert parse_file("\nFROM foo\nRENDERER renderer1\nPARSER parser1\n")[1:] == [
        Command("renderer", "renderer1"),
        Command("parser", "parser1"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\nFROM foo\nMESSAGE system You are a file parser. Always parse things.\n",
         [Command("message", "system: You are a file parser. Always parse things.")]),
        ("\nFROM foo\nMESSAGE system You are a file parser. Always parse things.",
         [Command("message", "system: You are a file parser. Always parse things.")]),
        ("\nFROM foo\nMESSAGE system You are a file parser. Always parse things.\nMESSAGE user Hey there!\n"
         "MESSAGE assistant Hello, I want to parse all the things!\n",
         [Command("message", "system: You are a file parser. Always parse things."),
          Command("message", "user: Hey there!"),
          Command("message", "assistant: Hello, I want to parse all the things!")]),
        ('\nFROM foo\nMESSAGE system """\nYou are a multiline file parser. Always parse things.\n"""\n\t\t\t',
         [Command("message", "system: \nYou are a multiline file parser. Always parse things.\n")]),
        ("\nFROM foo\nMESSAGE badguy I'm a bad guy!\n", ParserError),
        ("\nFROM foo\nMESSAGE system\n", UnexpectedEOF),
        ("\nFROM foo\nMESSAGE system", UnexpectedEOF),
    ],
)  # fmt: skip
def test_parse_file_messages(text: str, expected: list[Command] | type[Exception]) -> None:  # TestParseFileMessages
    if isinstance(expected, list):
        assert parse_file(text) == [Command("model", "foo"), *expected]
    else:
        with pytest.raises(expected):
            parse_file(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('\nFROM foo\nSYSTEM """\nThis is a\nmultiline system.\n"""\n\t\t\t', "\nThis is a\nmultiline system.\n"),
        ('\nFROM foo\nSYSTEM """\nThis is a\nmultiline system."""\n\t\t\t', "\nThis is a\nmultiline system."),
        ('\nFROM foo\nSYSTEM """This is a\nmultiline system."""\n\t\t\t', "This is a\nmultiline system."),
        ('\nFROM foo\nSYSTEM """This is a multiline system."""\n\t\t\t', "This is a multiline system."),
        ('\nFROM foo\nSYSTEM """This is a multiline system.""\n\t\t\t', UnexpectedEOF),
        ('\nFROM foo\nSYSTEM "\n\t\t\t', UnexpectedEOF),
        ('\nFROM foo\nSYSTEM """\nThis is a multiline system with "quotes".\n"""\n',
         '\nThis is a multiline system with "quotes".\n'),
        ('\nFROM foo\nSYSTEM """"""\n', ""),
        ('\nFROM foo\nSYSTEM ""\n', ""),
        ("\nFROM foo\nSYSTEM \"'\"\n", "'"),
        ("\nFROM foo\nSYSTEM \"\"\"''\"'\"\"'\"\"'\"'''''\"\"'\"\"'\"\"\"\n", "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'"),
    ],
)  # fmt: skip
def test_parse_file_quoted(text: str, expected: str | type[Exception]) -> None:  # TestParseFileQuoted
    if isinstance(expected, str):
        assert parse_file(text) == [Command("model", "foo"), Command("system", expected)]
    else:
        with pytest.raises(expected):
            parse_file(text)
    assert parse_file('\nFROM foo\nTEMPLATE """\n{{ .Prompt }}\n"""') == [
        Command("model", "foo"),
        Command("template", "\n{{ .Prompt }}\n"),
    ]


@pytest.mark.parametrize(
    "line, name, value",
    [
        ("numa true", "numa", "true"), ("num_ctx 1", "num_ctx", "1"), ("main_gpu 1", "main_gpu", "1"),
        ("top_p 1.0", "top_p", "1.0"), ("min_p 0.05", "min_p", "0.05"), ("temperature 1.0", "temperature", "1.0"),
        ("penalize_newline true", "penalize_newline", "true"), ("stop ### User:", "stop", "### User:"),
        ("stop ### User: ", "stop", "### User:"), ('stop "### User:"', "stop", "### User:"),
        ('stop "### User: "', "stop", "### User: "), ('stop """### User:"""', "stop", "### User:"),
        ('stop """### User:\n"""', "stop", "### User:\n"), ("stop <|endoftext|>", "stop", "<|endoftext|>"),
        ("stop <|eot_id|>", "stop", "<|eot_id|>"), ("stop </s>", "stop", "</s>"),
    ],
)  # fmt: skip
def test_parse_file_parameters(line: str, name: str, value: str) -> None:  # TestParseFileParameters
    assert parse_file(f"FROM foo\nPARAMETER {line}\n") == [Command("model", "foo"), Command(name, value)]


def test_parse_file_comments_and_round_trip_through_ollama_show() -> None:
    # TestParseFileComments, TestParseFileFormatParseFile
    assert parse_file("\n# comment\nFROM foo\n\t") == [Command("model", "foo")]
    for text in (
        "\nFROM foo\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 value2\n"
        "TEMPLATE template1\nMESSAGE system You are a file parser. Always parse things.\nMESSAGE user Hey there!\n"
        "MESSAGE assistant Hello, I want to parse all the things!\n",
        '\nFROM foo\nADAPTER adapter1\nLICENSE """\nVery long and boring legal text.\nBlah blah blah.\n'
        '"Oh look, a quote!"\n"""\n\nPARAMETER param1 value1\nPARAMETER param2 value2\nTEMPLATE template1\n'
        'MESSAGE system """\nYou are a store greeter. Always respond with "Hello!".\n"""\nMESSAGE user Hey there!\n'
        "MESSAGE assistant Hello, I want to parse all the things!\n",
        '\nFROM foo\nSYSTEM ""\n',
    ):
        commands = parse_file(text)
        assert parse_file(format_file(commands)) == commands


def test_parse_file_utf16_and_multibyte() -> None:  # TestParseFileUTF16ParseFile, TestParseMultiByte
    data = "FROM bob\nPARAMETER param1 1\nPARAMETER param2 4096\nSYSTEM You are a utf16 file.\n"
    expected = [Command("model", "bob"), Command("param1", "1"), Command("param2", "4096"),
                Command("system", "You are a utf16 file.")]  # fmt: skip
    assert parse_file(codecs.BOM_UTF16_LE + data.encode("utf-16-le")) == expected
    assert parse_file(codecs.BOM_UTF16_BE + data.encode("utf-16-be")) == expected
    multibyte = "FROM test\n\tSYSTEM 你好👋"
    for encoded in (multibyte.encode(), codecs.BOM_UTF16_LE + multibyte.encode("utf-16-le")):
        assert parse_file(encoded) == [Command("model", "test"), Command("system", "你好👋")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FROM test", CreateRequest(from_="test")),
        ("FROM test\nTEMPLATE some template\n", CreateRequest(from_="test", template="some template")),
        ("FROM test\nLICENSE single license\nPARAMETER temperature 0.5\nMESSAGE user Hello\n",
         CreateRequest(from_="test", license=["single license"], parameters={"temperature": 0.5},
                       messages=[{"role": "user", "content": "Hello"}])),
        ("FROM test\nPARAMETER temperature 0.5\nPARAMETER top_k 1\nSYSTEM You are a bot.\nLICENSE license1\n"
         "LICENSE license2\nMESSAGE user Hello there!\nMESSAGE assistant Hi! How are you?\n",
         CreateRequest(from_="test", license=["license1", "license2"], system="You are a bot.",
                       parameters={"temperature": 0.5, "top_k": 1},
                       messages=[{"role": "user", "content": "Hello there!"},
                                 {"role": "assistant", "content": "Hi! How are you?"}])),
    ],
)  # fmt: skip
def test_create_request(text: str, expected: CreateRequest) -> None:  # TestCreateRequest
    assert create_request(parse_file(text)) == expected


def test_parameters_are_typed_as_ollama_types_them() -> None:
    req = create_request(parse_file(
        "FROM m\nPARAMETER temperature 0.7\nPARAMETER num_ctx 4096\nPARAMETER use_mmap true\nPARAMETER stop a\n"
        "PARAMETER stop \"b c\"\nPARAMETER mirostat 2\nREQUIRES 0.14.0\nPARAMETER top_p 0_5e-1\n"
    ))  # fmt: skip
    assert req.parameters == {
        "temperature": _float32(0.7), "num_ctx": 4096, "use_mmap": True, "stop": ["a", "b c"], "top_p": 0.5
    }  # fmt: skip
    assert type(req.parameters["num_ctx"]) is int and req.requires == "0.14.0"  # mirostat: deprecated, skipped
    for bad, message in [
        ("PARAMETER temperature warm", r"invalid float value \[warm\]"),
        ("PARAMETER num_ctx 4_096", r"invalid int value \[4_096\]"),
        ("PARAMETER numa true", "unknown parameter 'numa'"),
        ("REQUIRES latest", "requires must be a valid semver"),
    ]:
        with pytest.raises(ModelfileError, match=message):
            create_request(parse_file(f"FROM m\n{bad}\n"))


def test_only_printable_characters_reach_a_value() -> None:
    """Go's strconv.IsPrint filter: a no-break space, a zero-width joiner, a line separator are dropped."""
    text = 'FROM m\nSYSTEM """a\u00a0b 👩\u200d💻 c\u2028d\te\r\nf\\n"""\n'
    assert parse_file(text)[1] == Command("system", "ab 👩💻 cd\te\r\nf\\n")


# ---------------------------------------------------------------------------------- what harness.modelfile writes


def _bundled_stops() -> list[str]:
    """The stop strings train.export passes for the bundled model: its chat template's."""
    info = inspect_gguf(default_model_path()[0])
    return list(ChatTemplate(info.chat_template or "", "base").stop)


def _pokkit_prompts() -> dict[str, str]:
    suite = load_suite(ROOT / "suites" / "pokkit" / "suite.yaml")
    return {name: text.strip() for name, text in suite.system_prompts.items()}


TRICKY_PROMPT = (
    'You are Pokkit 🐸. Say "ribbit" when happy, ""double"" when teased,\n'
    "# not a comment\nFROM ./not-a-model.gguf\nPARAMETER temperature 9\n"
    '\tindented, C:\\frogs\\ and a \\n that stays two characters;\r\nends with a quote: "pond"'
)


def _round_trip(system: str | None, stop: list[str]) -> tuple[list[Command], CreateRequest]:
    commands = parse_file(modelfile("pokkit.Q4_K_M.gguf", system=system, stop=stop))
    return commands, create_request(commands)


def test_the_written_modelfile_round_trips_through_ollamas_parser() -> None:
    stops = _bundled_stops()
    assert stops == ["<|im_end|>"]
    for name, system in [*_pokkit_prompts().items(), ("tricky", TRICKY_PROMPT)]:
        commands, req = _round_trip(system, stops)
        assert [c.name for c in commands] == ["model", "template", "stop", "temperature", "system"], name
        assert req.from_ == "./pokkit.Q4_K_M.gguf"
        assert req.template == OLLAMA_CHATML_TEMPLATE  # byte for byte
        assert req.system == system, name
        assert req.parameters == {"stop": stops, "temperature": 0.0}
        assert type(req.parameters["temperature"]) is float  # float32 in Ollama
    commands, req = _round_trip(None, ["<|im_end|>", "</s>", "a b"])
    assert req.system == "" and req.parameters["stop"] == ["<|im_end|>", "</s>", "a b"]


def test_a_system_prompt_ollama_would_misread_is_refused() -> None:
    with pytest.raises(ConfigError, match='holds """'):
        modelfile("pokkit.gguf", system='Say """ribbit""" three times')


def test_random_printable_prompts_round_trip() -> None:
    rng = random.Random(13)
    alphabet = ['"', '"', "'", " ", "  ", "\n", "\t", "#", "\\", "{{", "}}", "ribbit", "🐸", "é", "\r\n", "FROM", ":"]
    checked = 0
    for _ in range(400):
        system = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        if '"""' in system:
            continue
        assert _round_trip(system, ["<|im_end|>"])[1].system == system.strip(), repr(system)
        checked += 1
    assert checked > 200


@pytest.mark.parametrize("system", ["Hi\u00a0there", "👩\u200d💻 coder frog", "one\u2028two", "bell\x07"])
def test_a_system_prompt_ollama_would_change_is_refused(system: str) -> None:
    """Ollama's parser drops what Go's strconv.IsPrint refuses (no-break space, zero-width joiner, U+2028,
    controls): the published model would get another prompt than the one scored, so the writer refuses it."""
    with pytest.raises(ConfigError, match="which Ollama's Modelfile parser drops"):
        _round_trip(system, ["<|im_end|>"])


@pytest.mark.parametrize("name", ["frog.gguf ", "fro\u00a0g.gguf", "fro\u200bg.gguf"])
def test_a_file_name_ollama_would_change_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="invisible character"):
        modelfile(name)
