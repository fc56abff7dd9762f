"""black is shown only what it must lay out of a block (``output/slim.py``): the result is
still black's, byte for byte."""

from __future__ import annotations

import black
import pytest
from apiforge.output import format, ruffed, slim
from black.mode import Mode, TargetVersion

MODE = Mode(target_versions={TargetVersion.PY311}, line_length=88)
LONG = "Kind" * 22  # a name that makes its annotation too long for one line

MODEL = f'''class Thing(msgspec.Struct, kw_only=True, gc=False):
    """A thing."""

    id: str
    name: str | None = None
    kind: {LONG} = {LONG}("a")
    tags: list[str] = msgspec.field(default_factory=list)

    size: int | msgspec.UnsetType = msgspec.UNSET
'''

UNIONS = f'''if TYPE_CHECKING:
    Short: TypeAlias = A | B
    {LONG}Alias: TypeAlias = {LONG}One | {LONG}Two | UnknownVariant
else:

    class Short(_unions.UntaggedUnion):
        """Short"""

    # What tells the alternatives apart.
    Short.alternatives = (
        _unions.Alternative('object', A, required=('a', 'b', 'c'), keys=('a', 'b', 'c', 'd', 'e')),
        _unions.Alternative('object', B, closed=True),
    )
    Other.alternatives = (_unions.Alternative('array', list[A]),)  # a comment: shown whole
'''


@pytest.mark.parametrize("block", [MODEL, UNIONS], ids=["model", "unions"])
def test_a_slimmed_block_is_formatted_as_black_formats_it(
    block: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    real = format._black
    monkeypatch.setattr(format, "_black", lambda s: shown.append(s) or real(s))
    assert format._format_all([block], black_workers=False) == [black.format_str(block, mode=MODE)]
    assert len(shown) == 1 and "_apiforge_placeholder_0 = 0" in shown[0]  # slimmed
    assert len(shown[0]) < len(block) and LONG in shown[0]  # the long line stays


def test_what_is_shown_to_black_in_a_placeholder_s_place() -> None:
    (slimmed,) = slim.slim_all([UNIONS], ruffed.run)
    # The long alias stays (black parenthesizes its annotation), the short one is ruff's;
    # the table with a comment stays; the class is no assignment.
    assert f"{LONG}Alias: TypeAlias" in slimmed.source
    assert "Short: TypeAlias" not in slimmed.source
    assert "Short.alternatives" not in slimmed.source
    assert "Other.alternatives" in slimmed.source
    assert "class Short" in slimmed.source
    assert list(slimmed.fills) == [
        "    _apiforge_placeholder_0 = 0",
        "    _apiforge_placeholder_1 = 0",
    ]


def test_a_placeholder_black_did_not_give_back_once_sends_the_block_whole() -> None:
    (slimmed,) = slim.slim_all([MODEL], ruffed.run)
    blacked = black.format_str(slimmed.source, mode=MODE)
    assert slim.filled(blacked, slimmed) == black.format_str(MODEL, mode=MODE).rstrip("\n") + "\n"
    first = next(iter(slimmed.fills))
    assert slim.filled(blacked.replace(first, "    other = 1"), slimmed) is None
    assert slim.filled(blacked.replace(first, f"{first}\n{first}"), slimmed) is None


def test_blocks_that_are_no_class_or_if_are_shown_whole() -> None:
    for source in ("x = 1\ny = 2\n", "def f():\n    x = 1\n", "class A:\n    x = 1; y = 2\n"):
        (slimmed,) = slim.slim_all([source], ruffed.run)
        assert slimmed == slim.Slimmed(source, {})
