"""Stage 4: format rendered modules as black does, block by block.

black spends about half a millisecond per line, which dominated on big specs (GitHub's
client, 300,000 lines, took black minutes). A module is cut into its top-level blocks (the
imports, each class, each function, each run of simple statements); each block is
formatted alone, cached by content (``cache.ChunkCache``), and the blocks are joined with
the two blank lines black puts between top-level blocks. New blocks go to ruff's
formatter first, all in one run (about 35 times faster): it makes what black makes of
them, but where a line stays over the limit (black parenthesizes a long annotation, ruff
leaves it), and black formats those blocks itself, on every core. black stays the judge:
the test suite checks on every generated package that the result is byte-identical to
black formatting whole modules. Without ruff, black formats everything.

The worker processes never outlive the generator: each watches its parent and exits when
it is gone, however it ended (``SIGKILL`` included, which leaves no chance to clean up).
"""

from __future__ import annotations

import ast
import itertools
import multiprocessing
import os
import re
import subprocess
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

from .. import cache
from ..diagnostics import Diagnostic, GenerationError, Location, Severity

_LINE_LENGTH = 88
# Below this many new lines, starting worker processes costs more than it saves.
_PARALLEL_LINES = 3000


def _black(source: str) -> str:
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=_LINE_LENGTH)
    return black.format_str(source, mode=mode)


def _exit_with_parent() -> None:
    """In a worker: exit as soon as the process that started it is gone.

    The worker waits for tasks on a pipe whose write end it holds too, so it would wait
    forever. ``parent_process()``'s sentinel is the read end of a pipe whose write end only
    the parent holds (and workers forked after this one, which exit the same way first):
    it reaches end-of-file when the parent dies, on every start method and platform.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="apiforge-parent-watch", daemon=True).start()


def _is_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.If)


def chunks(source: str) -> list[str]:
    """``source`` cut before every top-level class, function or ``if`` and after each."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts: list[int] = [0]
    previous_block, previous_end = False, 0
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        # Comment lines right above a statement belong to it, as black keeps them; lines
        # after the previous statement's end cannot be inside one of its strings.
        while first - 1 > previous_end and lines[first - 2].startswith("#"):
            first -= 1
        block = _is_block(node)
        if (block or previous_block) and first - 1 > starts[-1]:
            starts.append(first - 1)
        previous_block, previous_end = block, node.end_lineno or node.lineno
    bounds = [*starts, len(lines)]
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(bounds) if a < b]


# A class longer than this is formatted in parts: its header, and each method on its own
# (GitHub's client classes are 60,000 lines: one long line sent all of it to black).
SPLIT_LINES = 400
_WRAPPER = "class _:\n"  # what each part after the header is formatted inside


def _units(chunk: str) -> list[str] | None:
    """A long class cut into its header (the class line and what comes before its first
    method) and each of its methods, or of its runs of other statements, each of those
    inside ``_WRAPPER``; None to format ``chunk`` whole."""
    if chunk.count("\n") <= SPLIT_LINES:
        return None
    tree = ast.parse(chunk)
    if len(tree.body) != 1 or not isinstance(cls := tree.body[0], ast.ClassDef):
        return None
    if isinstance(cls.body[0], ast.FunctionDef | ast.AsyncFunctionDef) or cls.decorator_list:
        return None  # no header to format alone
    lines = chunk.splitlines(keepends=True)
    starts: list[int] = []
    previous_def, previous_end = False, cls.body[0].lineno - 1
    for node in cls.body:
        is_def = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        while first - 1 > previous_end and lines[first - 2].lstrip().startswith("#"):
            first -= 1  # comment lines above a statement go with it, as black keeps them
        if is_def or previous_def:
            starts.append(first - 1)
        previous_def, previous_end = is_def, node.end_lineno or node.lineno
    bounds = [0, *starts, len(lines)]
    parts = ["".join(lines[a:b]) for a, b in itertools.pairwise(bounds) if a < b]
    return [parts[0], *(_WRAPPER + part for part in parts[1:])]


def _joined(done: dict[str, str], units: list[str]) -> str:
    """A class formatted in parts, put back together: one blank line between them, as
    black puts between the methods of a class."""
    header, *rest = (done[u] for u in units)
    inner = [part.strip("\n").removeprefix(_WRAPPER).strip("\n") for part in rest]
    return "\n\n".join([header.strip("\n"), *inner])


def _invalid(path: str, exc: Exception) -> GenerationError:
    message = f"internal error: the templates produced invalid Python: {exc}"
    hint = "please report this with the spec that caused it"
    return GenerationError([Diagnostic(Severity.ERROR, Location(path), message, hint)])


def format_package(files: dict[str, str], skip: Iterable[str] = ()) -> dict[str, str]:
    """Every module of a package formatted, but those in ``skip`` (already formatted);
    other files untouched."""
    skipped = frozenset(skip)
    root = cache.cache_root()
    tools = f"black {cache.black_version()} ruff {cache.ruff_version()}"
    salt = f"{tools} py311 {_LINE_LENGTH} {_SHARE}"
    store = cache.ChunkCache(root / "black" if root else None, salt)
    pieces: dict[str, list[str]] = {}
    for path, text in files.items():
        if path.endswith(".py") and path not in skipped:
            try:
                pieces[path] = chunks(text)
            except SyntaxError as exc:
                raise _invalid(path, exc) from None
    units = {c: _units(c) for cs in pieces.values() for c in cs}
    every = {u for c, us in units.items() for u in (us or [c])}
    done = {c: f for c in every if (f := store.get(c)) is not None}
    todo = sorted(every - set(done))
    try:
        done.update(zip(todo, _format_all(todo), strict=True))
    except Exception as exc:  # black's InvalidInput: our templates made broken Python
        raise _invalid("generated module", exc) from None
    for source in todo:
        store.put(source, done[source])
    out = dict(files)
    for path, cs in pieces.items():
        blocks = [_joined(done, us) if (us := units[c]) else done[c].strip("\n") for c in cs]
        out[path] = "\n\n\n".join(b for b in blocks if b.strip()) + "\n"
    return out


# Which blocks ruff formats and which black does; part of the cache's key, as the versions.
_SHARE = "ruff unless _may_part (5) or _spaced_after_imports; classes split"
# Between two blocks sent to ruff in one text: a comment, kept as it is written.
_SEPARATOR = "# apiforge: block boundary\n"


# Test hook: black formats everything (the kill test watches black's worker processes).
_BLACK_ONLY_ENV = "APIFORGE_TEST_BLACK_ONLY"


def _ruff(sources: list[str]) -> list[str | None]:
    """ruff's formatting of each of ``sources``, in one run; None for any it could not
    format as black would be sure to (a line left too long), or all when ruff is missing
    or fails (black then formats them)."""
    if not sources or os.environ.get(_BLACK_ONLY_ENV):
        return [None] * len(sources)
    try:
        from ruff import find_ruff_bin  # type: ignore[import-untyped]

        command = [find_ruff_bin(), "format", "--isolated", "--line-length", str(_LINE_LENGTH)]
        command += ["--target-version", "py311", "--stdin-filename", "generated.py", "-"]
        text = f"\n\n{_SEPARATOR}\n\n".join(s.strip("\n") + "\n" for s in sources)
        done = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    except (ImportError, OSError):
        return [None] * len(sources)
    parts = done.stdout.split(_SEPARATOR)
    if done.returncode != 0 or len(parts) != len(sources):
        return [None] * len(sources)
    return [None if _may_part(part) or _spaced_after_imports(part) else part for part in parts]


# A name with its annotation: a field, a parameter.
_ANNOTATED = re.compile(r"[\w.]+: ")
# A line no formatter can split: one name or string, maybe with a comma or a bracket after.
_ATOM = re.compile(r"""(?:[\w.]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[,)\]]*""")


def _may_part(formatted: str) -> bool:
    """Whether black could lay out ``formatted`` (ruff's output) otherwise: it splits a
    type at its ``|``s (black puts the type in parentheses), or it has a line over the
    limit that is none of: one atom, a comment, a line ending in the bracket whose items
    follow, a docstring's text or first line, a docstring on one line (where black leaves
    a long line as ruff does; the line that closes a docstring it may break), or it ends
    a docstring with an escaped quote (black spaces it from the closing quotes). What the
    two lay out alike was measured on GitHub's client; black judges it in the tests."""
    inside = False  # in a docstring, which the templates start on a line of its own
    for line in formatted.splitlines():
        text = line.strip()
        if inside:
            inside = not text.endswith('"""')
            if not inside and (len(line) > _LINE_LENGTH or text.endswith('\\""""')):
                return True  # black may move the closing quotes, or space them from \"
            continue
        if text.startswith('"""'):
            one_line = len(text) >= 6 and text.endswith('"""')
            inside = not one_line
            if one_line and text.endswith('\\""""'):
                return True  # black writes \" """, ruff \""""
            continue
        if text.startswith("| "):
            return True
        if len(line) <= _LINE_LENGTH:
            continue
        if _ANNOTATED.match(text):
            return True  # black puts a long annotation in parentheses, ruff does not
        if not (_ATOM.fullmatch(text) or text.startswith("#") or text.endswith(("(", "[", "{"))):
            return True
    return False


def _spaced_after_imports(formatted: str) -> bool:
    """Whether two blank lines follow the imports before a statement that is no class or
    function: black makes them one, ruff keeps them."""
    if "import " not in formatted:
        return False
    body = ast.parse(formatted).body
    lines = formatted.splitlines()
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.Import | ast.ImportFrom) and not isinstance(
            after, ast.Import | ast.ImportFrom | ast.ClassDef | ast.FunctionDef
        ):
            end = node.end_lineno or node.lineno
            if lines[end : end + 2] == ["", ""]:
                return True
    return False


def _format_all(sources: list[str]) -> list[str]:
    """``sources`` formatted: by ruff where it is sure to agree with black, by black
    elsewhere (spread over the cores when there is enough)."""
    ruffed = _ruff(sources)
    rest = [s for s, r in zip(sources, ruffed, strict=True) if r is None]
    blacked = iter(_black_all(rest))
    return [r if r is not None else next(blacked) for r in ruffed]


def _black_all(sources: list[str]) -> list[str]:
    """black over ``sources``, spread over the cores when there is enough work."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or sum(s.count("\n") for s in sources) < _PARALLEL_LINES:
        return [_black(s) for s in sources]
    with ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent) as pool:
        return list(pool.map(_black, sources, chunksize=max(1, len(sources) // (workers * 4))))
