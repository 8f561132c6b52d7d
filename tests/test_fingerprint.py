"""The scoring fingerprint changes exactly when the files that decide verdicts change."""

from __future__ import annotations

from pathlib import Path

from harness.fingerprint import HARNESS_DIR, SCORING_CODE, _files, scoring_code_sha256, suite_sha256, tree_sha256


def test_tree_hash_follows_content_and_names_not_caches(tmp_path: Path) -> None:
    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "a.py").write_text("THRESHOLD = 0.3\n")
    (tmp_path / "parsing.py").write_text("x = 1\n")
    paths = [tmp_path / "scorers", tmp_path / "parsing.py"]
    before = tree_sha256(paths, tmp_path)
    assert tree_sha256(list(reversed(paths)), tmp_path) == before  # order given does not matter
    (tmp_path / "scorers" / "__pycache__").mkdir()
    (tmp_path / "scorers" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0junk")
    assert tree_sha256(paths, tmp_path) == before
    (tmp_path / "scorers" / "a.py").write_text("THRESHOLD = 0.25\n")
    assert tree_sha256(paths, tmp_path) != before
    (tmp_path / "scorers" / "a.py").write_text("THRESHOLD = 0.3\n")
    (tmp_path / "scorers" / "a.py").rename(tmp_path / "scorers" / "b.py")
    assert tree_sha256(paths, tmp_path) != before  # a renamed file is a change


def test_suite_hash_covers_the_suite_folder(tmp_path: Path) -> None:
    suite = tmp_path / "pokkit" / "suite.yaml"
    suite.parent.mkdir()
    suite.write_text("name: pokkit\n")
    first = suite_sha256(suite)
    (tmp_path / "pokkit" / "tools.json").write_text("[]")
    assert suite_sha256(suite) != first


def test_installed_scoring_code_hash_covers_the_code_that_decides_verdicts() -> None:
    names = {f.relative_to(HARNESS_DIR).parts[0] for p in SCORING_CODE for f in _files(HARNESS_DIR / p)}
    assert {"scorers", "scoring.py", "parsing.py", "runner.py", "tasks"} <= names  # every entry exists
    assert scoring_code_sha256() == tree_sha256([HARNESS_DIR / p for p in SCORING_CODE], HARNESS_DIR)


def test_every_scorer_module_is_in_the_scoring_hash() -> None:
    """The scorers, their shared text helpers and their word lists all decide verdicts: a word added to
    harness/scorers/wordlists.py must change the fingerprint like a changed rule."""
    hashed = {f for p in SCORING_CODE for f in _files(HARNESS_DIR / p)}
    modules = sorted((HARNESS_DIR / "scorers").rglob("*.py"))
    assert {m.name for m in modules} >= {"text.py", "wordlists.py", "generic.py", "pokkit.py", "josi.py"}
    assert [m.relative_to(HARNESS_DIR).as_posix() for m in modules if m not in hashed] == []
