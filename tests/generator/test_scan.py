"""Modules cut from their lines (``output/scan.py``) are cut where the parser cuts them,
and a cut the lines mislead (text in a string or brackets that reads as a statement) is
caught and made again by the parser: the result is black's either way."""

from __future__ import annotations

from pathlib import Path

import black
import pytest
from apiforge.output import cut, format, scan
from black.mode import Mode, TargetVersion
from support.paths import GOLDEN, REPO_ROOT, SPECS

MODE = Mode(target_versions={TargetVersion.PY311}, line_length=88)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(tmp_path / "cache"))


def _modules() -> list[Path]:
    return sorted([*GOLDEN.glob("*.py"), *SPECS.glob("*/expected/**/*.py")])


@pytest.mark.parametrize("split", [cut.SPLIT_LINES, 0], ids=["as-is", "every-class-split"])
def test_lines_cut_a_module_where_the_parser_does(
    split: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cut, "SPLIT_LINES", split)
    modules = _modules()
    assert len(modules) > 300
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert cut.blocks(text, parse=False) == cut.blocks(text, parse=True), path


MISLEADING = {
    "a class in a docstring": '"""Notes.\n\nclass Fake:\n    pass\n"""\n\n\nclass A:\n    y = 2\n',
    "a def in brackets": "Y = (\ndef_ := 2\n)\n\n\ndef f():\n    return (\nif_ := 3)\n",
    "a boundary in a string": 'X = """\n#apiforge: block boundary\n"""\n\n\nclass A:\n    pass\n',
    "an if in a string": 'class A:\n    """Doc.\n\nif the answer is late\n    """\n\n    x = 1\n',
    "a boundary in brackets": "def f():\n    return [\n#apiforge: block boundary\n1]\n",
}


@pytest.mark.parametrize("source", MISLEADING.values(), ids=list(MISLEADING))
def test_a_cut_the_lines_mislead_is_made_again_by_the_parser(source: str) -> None:
    expected = black.format_str(source, mode=MODE)
    assert format.format_package({"m.py": source})["m.py"] == expected


def test_modules_written_by_hand_come_out_as_when_the_parser_cuts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Docstrings at the margin, lines in them that read as classes ("class or `if`...").
    names = ("output/slim.py", "output/scan.py", "load/jsonplaces.py")
    root = REPO_ROOT / "generator" / "apiforge"
    texts = {name: (root / name).read_text(encoding="utf-8") for name in names}
    scanned = format.format_package(texts)

    def unreadable(*args: object) -> list[object]:
        raise ValueError("left to the parser")

    monkeypatch.setattr(scan, "statements", unreadable)
    assert format.format_package(texts) == scanned


def test_the_lines_that_cannot_be_read_leave_it_to_the_parser() -> None:
    lines = ["@decorator\n", "X = 1\n"]
    with pytest.raises(ValueError, match="decorator before"):
        scan.statements(lines, 0, 2, "", 400)
    with pytest.raises(ValueError, match="decorator at the end"):
        scan.statements(["X = 1\n", "@decorator\n"], 0, 2, "", 400)
    source = "X = 1\n@decorator\n"  # not Python: the parser says so
    with pytest.raises(SyntaxError):
        cut.blocks(source, parse=False)
