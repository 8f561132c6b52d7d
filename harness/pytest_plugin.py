"""pytest plugin: every ``suite.yaml`` under the given paths becomes a tree of items
(suite file -> category -> case), scored against one model opened once per session.

Exit codes (after the run): 0 every gate met (single cases may have failed); 1 a gate failed (or a
non-suite test failed); 2 the run cannot be trusted (model not loadable, bad suite or gate config,
too many errored cases); pytest's own codes otherwise (3 internal error, 4 usage error, 5 no tests;
an interrupted run keeps pytest's 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from harness import extensions
from harness.errors import EXIT_GATE_FAILED, EXIT_OK, HarnessError
from harness.pool import case_key
from harness.records import CaseRecord
from harness.results import strip_control
from harness.runner import describe_failure
from harness.session import HarnessSession, RunOptions, add_judge_options
from harness.suite import Suite, limit_sample, load_suite
from harness.summary import render_summary
from harness.types import Case

SESSION_KEY = pytest.StashKey[HarnessSession]()
SUITE_FILE = "suite.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "model evaluation (harness)")
    group.addoption(
        "--model",
        default="default",
        help="model to score: path to a .gguf file, 'default' (bundled SmolLM2-135M-Instruct Q4_1), a Hugging "
        "Face folder (config.json + *.safetensors) or hf:DIR, openai:URL[#model] (an OpenAI-compatible server; "
        "key from $OPENAI_API_KEY), ollama:NAME (the server at $OLLAMA_HOST), or scripted:FILE.yaml (fixed "
        "responses). Default: default",
    )
    group.addoption(
        "--adapter",
        default=None,
        metavar="DIR",
        help="a LoRA adapter folder (PEFT) applied on top of an hf: model without merging",
    )
    group.addoption(
        "--judge-adapter",
        default=None,
        metavar="DIR",
        help="a LoRA adapter folder applied on top of an hf: judge model without merging",
    )
    group.addoption(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="cases in flight: requests to a server back end (openai:, ollama:), for servers that batch "
        "(llama-server --parallel N, vLLM); for an hf: model, N cases batched on one copy of the weights. Default 1",
    )
    group.addoption(
        "--no-report",
        action="store_true",
        default=False,
        help="do not write the HTML/Markdown/CSV/JUnit report into RESULTS/report/ at the end of the run",
    )
    group.addoption(
        "--chat-template",
        default=None,
        metavar="NAME|PATH",
        help="chat template to use instead of the GGUF's own: a built-in name (chatml, gemma, llama3) "
        "or a Jinja file. Required for a GGUF that has none",
    )
    group.addoption(
        "--results",
        default=None,
        metavar="DIR",
        help="directory for results.jsonl and manifest.json. Default: runs/<timestamp>",
    )
    group.addoption(
        "--results-overwrite", action="store_true", help="allow --results DIR to replace a run already stored there"
    )
    group.addoption(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="llama.cpp threads for decoding. Default 1: on a shared 2-core machine 2 threads can "
        "collapse to ~1 token/s (see benchmarks/threads.py)",
    )
    group.addoption(
        "--threads-batch",
        type=int,
        default=None,
        metavar="N",
        help="llama.cpp threads for prompt processing. Default: same as --threads",
    )
    group.addoption("--n-ctx", type=int, default=4096, metavar="N", help="context window in tokens. Default 4096")
    group.addoption("--seed", type=int, default=0, help="sampling seed (decoding is greedy). Default 0")
    group.addoption(
        "--case-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="wall-clock limit for one generation; the case is cut with finish_reason 'timeout'",
    )
    add_judge_options(
        group.addoption,
        "a second GGUF (or 'default') that grades replies for the suites' judge_checks, its output constrained to "
        "a JSON verdict; the run reports judge-vs-rule agreement",
    )
    group.addoption(
        "--summarizer",
        default=None,
        metavar="MODEL",
        help="model that writes the summaries in compression cases. Default: the model under test",
    )
    group.addoption(
        "--case-set",
        action="append",
        default=None,
        metavar="NAME",
        help="run the cases of this set too (repeatable), e.g. --case-set large for the 1,031 Josi prompts. "
        "Default: the 'default' set only",
    )
    group.addoption(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="run at most N cases per suite and category: a fixed sample (see --sample-seed)",
    )
    group.addoption(
        "--sample-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the --limit sample; the same seed picks the same cases. Default 0",
    )
    group.addoption(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="model worker processes scoring cases in parallel, each with its own KV cache (cases that share a "
        "system prompt stay on one worker). Default: one per --threads CPUs, at most 4 (2 on a 2-core machine)",
    )
    group.addoption(
        "--no-repack",
        action="store_true",
        default=False,
        help="load GGUF models without llama.cpp's CPU weight repacking (extra buffer types). Used "
        "automatically when the repacked model crashes at load on an AMX CPU",
    )
    group.addoption(
        "--resume",
        action="store_true",
        default=False,
        help="carry on the run in --results DIR: keep its finished cases (errored ones run again) and run only "
        "the rest",
    )
    group.addoption(
        "--gates",
        default=None,
        metavar="FILE",
        help="gate thresholds (YAML). Default: suites/gates.yaml under the rootdir, if present",
    )
    group.addoption(
        "--gate",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one gate, e.g. pokkit.pass_rate=0.8, pokkit.category_pass_rate.datetime=1, "
        "max_error_rate=0.2 (repeatable)",
    )


def _suite_files_given(config: pytest.Config) -> list[Path]:
    """The suite.yaml files under the paths pytest was given (``path::node`` ids count as their file)."""
    out: list[Path] = []
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        if path.name == SUITE_FILE:
            out.append(path)
        elif path.is_dir():
            out.extend(sorted(path.rglob(SUITE_FILE)))
    return out


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "harness_case: a case collected from a suite.yaml (set by the harness)")
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the main process owns results and gates
    if getattr(config.option, "numprocesses", None) and _suite_files_given(config):
        raise pytest.UsageError(
            "pytest-xdist (-n) cannot score suites: one run owns one results directory and its model workers; "
            "use --workers N to score cases in parallel"
        )
    other = _OtherFailures()
    config.stash[OTHER_FAILURES_KEY] = other
    config.pluginmanager.register(other, "harness-other-failures")
    opt = config.option
    gates = Path(opt.gates) if opt.gates else config.rootpath / "suites" / "gates.yaml"
    config.stash[SESSION_KEY] = HarnessSession(
        RunOptions(
            model=opt.model,
            chat_template=opt.chat_template,
            results=Path(opt.results) if opt.results else None,
            results_overwrite=opt.results_overwrite,
            n_threads=opt.threads,
            n_threads_batch=opt.threads_batch,
            n_ctx=opt.n_ctx,
            seed=opt.seed,
            case_timeout=opt.case_timeout,
            gates_file=gates if (opt.gates or gates.is_file()) else None,
            gate_overrides=list(opt.gate),
            judge=opt.judge,
            judge_chat_template=opt.judge_chat_template,
            summarizer=opt.summarizer,
            rootdir=config.rootpath,
            command=[Path(sys.argv[0]).name, *sys.argv[1:]],
            workers=opt.workers,
            concurrency=opt.concurrency,
            adapter=opt.adapter,
            judge_adapter=opt.judge_adapter,
            repack=not opt.no_repack,
            resume=opt.resume,
        )
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == SUITE_FILE:
        return SuiteFile.from_parent(parent, path=file_path)
    return None


class SuiteFile(pytest.File):
    def collect(self) -> list[CategoryNode]:
        try:
            suite = load_suite(self.path, judge=bool(self.config.option.judge))
        except HarnessError as exc:
            raise SuiteLoadError(strip_control(str(exc))) from None
        categories: dict[str, list[Case]] = {}
        for case in suite.cases:
            categories.setdefault(case.category, []).append(case)
        return [
            CategoryNode.from_parent(self, name=name, suite=suite, cases=cases) for name, cases in categories.items()
        ]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, SuiteLoadError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)  # type: ignore[return-value]


class SuiteLoadError(Exception):
    pass


class CategoryNode(pytest.Collector):
    def __init__(self, *, suite: Suite, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.cases = cases

    def collect(self) -> list[CaseItem]:
        return [CaseItem.from_parent(self, name=c.id, suite=self.suite, case=c) for c in self.cases]


class CaseFailed(Exception):
    def __init__(self, record: CaseRecord) -> None:
        super().__init__(record.case_id)
        self.record = record


class CaseItem(pytest.Item):
    def __init__(self, *, suite: Suite, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.case = case
        self.add_marker(pytest.mark.harness_case)

    def runtest(self) -> None:
        session = self.config.stash[SESSION_KEY]
        missing = session.unmet_requirement(self.case)
        if missing is not None:
            session.skip_case(self.case, missing)
            pytest.skip(f"needs {missing}: the model's chat template has no {missing} mode")
        record = session.run_case(self.case, self.suite.version, nodeid=self.nodeid)
        self.user_properties.extend(
            [("outcome", record.outcome), ("suite", self.case.suite), ("category", self.case.category)]
        )
        if not record.passed:
            raise CaseFailed(record)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, CaseFailed):
            return strip_control(describe_failure(excinfo.value.record))
        if isinstance(excinfo.value, HarnessError):
            return f"{type(excinfo.value).__name__}: {strip_control(str(excinfo.value))}"
        return super().repr_failure(excinfo)  # type: ignore[return-value]

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.case.suite}::{self.case.category}::{self.case.id}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the asked-for case sets, then at most --limit cases per suite and category (a fixed sample)."""
    sets = set(config.option.case_set or ["default"])
    limit = config.option.limit
    if limit is not None and limit < 1:
        raise pytest.UsageError(f"--limit must be >= 1, got {limit}")
    keep_ids: set[str] | None = None
    if limit is not None:
        in_sets = [i for i in items if isinstance(i, CaseItem) and i.case.case_set in sets]
        chosen = limit_sample([i.case for i in in_sets], limit, config.option.sample_seed)
        keep_ids = {i.nodeid for i in in_sets if (i.case.suite, i.case.id) in chosen}
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        if isinstance(item, CaseItem) and (
            item.case.case_set not in sets or (keep_ids is not None and item.nodeid not in keep_ids)
        ):
            deselected.append(item)
        else:
            selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_collection_finish(session: pytest.Session) -> None:
    hs = session.config.stash.get(SESSION_KEY, None)
    if hs is None or session.config.option.collectonly:
        return
    cases = [item for item in session.items if isinstance(item, CaseItem)]
    if not cases:
        return
    suites = {item.suite.name: item.suite for item in cases}
    selection = _selection(session.config, cases)
    try:
        hs.open(list(suites.values()), n_cases=len(cases), selection=selection)
    except HarnessError as exc:
        hs.aborted = True
        pytest.exit(f"harness: {strip_control(str(exc))}", returncode=exc.exit_code)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for notice in hs.notices:
        if reporter is not None:
            reporter.write_line(f"harness: {notice}", yellow=True)
    if hs.kept and reporter is not None and hs.writer is not None:
        reporter.write_line(f"harness: --resume keeps {len(hs.kept)} finished case(s) of {hs.writer.directory}")
    hs.start([(item.case, item.suite.version, item.nodeid) for item in cases])


def _selection(config: pytest.Config, cases: list[CaseItem]) -> dict[str, Any]:
    """How this run chose its cases, and whether it is partial: fewer cases of a suite than the suite has in
    the asked-for case sets (``-k``, ``--lf``, ``--limit``, ``--deselect``, a case id on the command line), or
    a suite file under the given paths that was not collected (``--lf`` skips files with no failure)."""
    sets = sorted(set(config.option.case_set or ["default"]))
    per_suite: dict[str, dict[str, int]] = {}
    seen: dict[str, Suite] = {}
    for item in cases:
        seen[item.suite.name] = item.suite
        per_suite.setdefault(item.suite.name, {"selected": 0, "in_sets": 0})["selected"] += 1
    for name, suite in seen.items():
        per_suite[name]["in_sets"] = sum(1 for c in suite.cases if c.case_set in sets)
    partial_suites = sorted(n for n, c in per_suite.items() if c["selected"] < c["in_sets"])
    collected = {item.suite.path.resolve() for item in cases}
    skipped_files = sorted(str(p) for p in _suite_files_given(config) if p.resolve() not in collected)
    options = {
        "k": config.option.keyword or None,
        "m": config.option.markexpr or None,
        "lf": bool(getattr(config.option, "lf", False)),
        "limit": config.option.limit,
        "sample_seed": config.option.sample_seed if config.option.limit is not None else None,
        "deselect": list(getattr(config.option, "deselect", None) or []) or None,
        "args": [str(a) for a in config.args],
    }
    return {
        "partial": bool(partial_suites or skipped_files),
        "case_sets": sets,
        "suites": per_suite,
        "partial_suites": partial_suites,
        "suite_files_not_collected": skipped_files,
        "options": {k: v for k, v in options.items() if v is not None and v is not False},
        "selected": [case_key(item.case) for item in cases],
    }


class _OtherFailures:
    """Counts failures of ordinary tests run alongside suites, so a gate verdict cannot hide them."""

    def __init__(self) -> None:
        self.nodeids: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and "harness_case" not in report.keywords:
            self.nodeids.add(report.nodeid)


OTHER_FAILURES_KEY = pytest.StashKey[_OtherFailures]()


REPORT_KEY = pytest.StashKey[str]()


def _write_report(directory: Path) -> str:
    """The run's report, by the report writers registered as entry points (``reports`` registers one); a
    failure here is reported but never changes the run's verdict."""
    writers = extensions.load(extensions.REPORT_WRITERS)
    if not writers:
        return "report: not written (no report writer installed; pip install -e . registers the reports package's)"
    lines = []
    for write in writers:
        try:
            lines.append(write(directory))
        except Exception as exc:  # noqa: BLE001 - the scores are stored; a broken report must not hide them
            lines.append(
                f"report: not written ({type(exc).__name__}: {exc}); retry with python -m harness report {directory}"
            )
    return "\n".join(lines)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    hs = session.config.stash.get(SESSION_KEY, None)
    if hs is None or not hs.is_open:
        return
    interrupted = exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    code = hs.finish(interrupted=interrupted)
    if interrupted or hs.aborted:
        return
    if not session.config.getoption("no_report") and hs.summary is not None:
        session.config.stash[REPORT_KEY] = _write_report(hs.summary.directory)
    if code == EXIT_OK and session.config.stash[OTHER_FAILURES_KEY].nodeids:
        code = EXIT_GATE_FAILED
    session.exitstatus = code


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    hs = config.stash.get(SESSION_KEY, None)
    if hs is None or hs.summary is None:
        return
    terminalreporter.section("harness")
    for line in render_summary(hs.summary):
        terminalreporter.write_line(line)
    report = config.stash.get(REPORT_KEY, None)
    if report:
        terminalreporter.write_line(report)
