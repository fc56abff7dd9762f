"""Stage 4: format rendered modules as black does, block by block.

black spends about half a millisecond per line, which dominated on big specs (GitHub's
client, 300,000 lines, took black minutes). A module is cut into its top-level blocks
(``cut``), a long class further into its header and its methods; each is formatted alone,
cached by content (``cache.ChunkCache``), and they are joined with the blank lines black
puts between them. New blocks go to ruff's formatter first, all in one run (about 35
times faster), and ruff's output is kept where it is sure to be black's; where it could
part from black (``_may_part``, ``_spaced_after_imports``) black formats the block itself,
on every core. black stays the judge: the test suite checks that the result is
byte-identical to black formatting whole modules. Without ruff, black formats everything.

The worker processes never outlive the generator: each watches its parent and exits when
it is gone, however it ended (``SIGKILL`` included, which leaves no chance to clean up).
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import subprocess
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # worker processes are started (and these imported) for big packages only
    from concurrent.futures import Future, ProcessPoolExecutor

from .. import cache
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import cut, slim
from .pieces import Pieced

_LINE_LENGTH = 88


def _cores() -> int:
    """How many worker processes formatting may start: every core, up to 4."""
    return min(os.cpu_count() or 1, 4)


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
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="apiforge-parent-watch", daemon=True).start()


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes that exit with this one."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent)


def _invalid(path: str, exc: Exception) -> GenerationError:
    message = f"internal error: the templates produced invalid Python: {exc}"
    hint = "please report this with the spec that caused it"
    return GenerationError([Diagnostic(Severity.ERROR, Location(path), message, hint)])


# Past this many lines, each module is formatted whole (cut, ruff, black) in a worker of
# its own, the biggest first, on every core: on GitHub's client (290,000 lines) parsing to
# cut takes Python about 3 s on one core, and black a few seconds more on a few blocks.
_PARALLEL_MODULE_LINES = 40_000


def format_package(
    files: dict[str, str] | Iterable[tuple[str, str | Pieced]],
    skip: Iterable[str] = (),
    slot: str = "",
    spec_sha: str = "",
) -> dict[str, str]:
    """Every module of a package formatted, but those in ``skip`` (already formatted);
    other files untouched. ``files``: by path, or (path, text) pairs as they are rendered:
    once they add up to enough to format in workers, each module is handed to one as it
    comes, and formatted while the rest are rendered. ``slot`` names the output folder:
    a module rendered as it was the last time there (but for the spec's SHA-256,
    ``spec_sha``, in its header) is taken as it was formatted then, and so is each class
    of a module given in pieces (``pieces.Pieced``)."""
    skipped = frozenset(skip)
    root = cache.cache_root()
    tools = f"black {cache.black_version()} ruff {cache.ruff_version()}"
    store = cache.ChunkCache(root / "black" if root else None, f"{tools} {_SALT}")
    slots = cache.ModuleSlots(
        root / "modules" if root and slot else None,
        store.salt.decode(),
        slot,
        spec_sha,
        root / "blocks" if root and slot else None,
    )
    workers, lines = _cores(), 0
    out: dict[str, str] = {}
    # What each module formats: the module, or the pieces of one given in pieces.
    groups: dict[str, dict[str, str]] = {}
    pieced: dict[str, _Pieces] = {}
    pool: ProcessPoolExecutor | None = None
    formatting: dict[str, Future[dict[str, Formatted]]] = {}
    try:
        for path, given in files.items() if isinstance(files, dict) else files:
            if isinstance(given, Pieced):
                if slots.keeps and path.endswith(".py") and path not in skipped:
                    pieced[path] = _Pieces(path, given, slots, store)
                    groups[path] = pieced[path].todo()
                    lines += sum(t.count("\n") for t in groups[path].values())
                    given = ""
                else:
                    given = given.text()
            out[path] = given
            if path in pieced or not path.endswith(".py") or path in skipped:
                pass
            elif (kept := slots.get(path, given)) is not None:
                out[path] = kept
            else:
                store.known.update(slots.blocks(path))  # before a worker is handed the store
                groups[path] = {path: given}
                lines += given.count("\n")
            if pool is None and workers >= 2 and lines >= _PARALLEL_MODULE_LINES:
                pool = _pool(workers)
            if pool is not None:
                for waiting in [p for p in groups if p not in formatting]:
                    formatting[waiting] = pool.submit(
                        _format_modules, groups[waiting], store, black_workers=False
                    )
        if pool is None:
            every = {name: text for group in groups.values() for name, text in group.items()}
            formatted = _format_modules(every, store, black_workers=True)
        else:
            formatted = {k: v for done in formatting.values() for k, v in done.result().items()}
        for path in groups:
            if path in pieced:
                out[path] = pieced[path].joined(formatted)
            else:
                slots.put(path, groups[path][path], formatted[path].text)
                slots.put_blocks(path, formatted[path].blocks)
                out[path] = formatted[path].text
        return out
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


class _Pieces:
    """A module given in pieces (``pieces.Pieced``): what it formats (its head, its tail,
    the classes not kept in the output folder) and, once those are formatted, the whole."""

    def __init__(
        self, path: str, given: Pieced, slots: cache.ModuleSlots, store: cache.ChunkCache
    ) -> None:
        self.path, self.given, self.slots, self.store = path, given, slots, store
        self.kept = slots.classes(path)
        self.missing = [i for i, key in enumerate(given.keys) if key not in self.kept]
        # The spec's digest in the header stood in for, so that the head, formatted once,
        # is found in the cache after any edit.
        self.stamp, self.standin = slots.stamp, slots.standin
        if not self.stamp or self.standin in given.head:
            self.stamp = self.standin = ""

    def todo(self) -> dict[str, str]:
        """What is formatted, each as a module of its own, by a name of its own."""
        head = self.given.head.replace(self.stamp, self.standin) if self.stamp else self.given.head
        made = self.given.make(self.missing) if self.missing else []
        classes = {f"{self.path}:{i}": text for i, text in zip(self.missing, made, strict=True)}
        return {f"{self.path}:head": head, **classes, f"{self.path}:tail": self.given.tail}

    def joined(self, formatted: dict[str, Formatted]) -> str:
        """The module formatted: its head's blocks, each class's, its tail's, joined as
        black joins top-level blocks; the classes' formatting kept for the next run."""
        keys = self.given.keys
        made = {keys[i]: formatted[f"{self.path}:{i}"].text.strip("\n") for i in self.missing}
        classes = [made[key] if key in made else self.kept[key] for key in keys]
        head = formatted[f"{self.path}:head"].text
        if self.stamp:
            head = head.replace(self.standin, self.stamp)
            if head.count(self.stamp) != self.given.head.count(self.stamp):  # not as it went in
                name = f"{self.path}:head"
                head = _format_modules({name: self.given.head}, self.store, True)[name].text
        tail = formatted[f"{self.path}:tail"].text
        if made or len(self.kept) != len(keys):
            self.slots.put_classes(self.path, dict(zip(keys, classes, strict=True)))
        blocks = (head.strip("\n"), *classes, tail.strip("\n"))
        return "\n\n\n".join(b for b in blocks if b.strip()) + "\n"


class Formatted(NamedTuple):
    """A module formatted, and the formatting of each of its blocks by its cache key."""

    text: str
    blocks: dict[str, str]


def _format_modules(
    modules: dict[str, str], store: cache.ChunkCache, black_workers: bool
) -> dict[str, Formatted]:
    """``modules`` formatted: cut into blocks, each block not in ``store`` formatted (all
    of them by ruff in one run, black where it must), then joined again. Cut from their
    lines (``scan``) first; by the parser when a block so cut is no Python."""
    try:
        return _format_cut(modules, store, black_workers, parse=False)
    except _Unreadable:
        return _format_cut(modules, store, black_workers, parse=True)


class _Unreadable(Exception):
    """A block cut from the lines alone is no Python (``scan``): cut by the parser."""


def _format_cut(
    modules: dict[str, str], store: cache.ChunkCache, black_workers: bool, parse: bool
) -> dict[str, Formatted]:
    pieces: dict[str, cut.Blocks] = {}
    for path, text in modules.items():
        try:
            pieces[path] = cut.blocks(text, parse)
        except SyntaxError as exc:
            raise _invalid(path, exc) from None
    keys = {u: store.key(u) for bs in pieces.values() for c, us in bs for u in (us or [c])}
    done = {c: f for c, key in keys.items() if (f := store.get_key(key)) is not None}
    todo = sorted(keys.keys() - done.keys())
    try:
        done.update(zip(todo, _format_all(todo, black_workers, not parse), strict=True))
    except _Unreadable:
        raise
    except Exception as exc:  # black's InvalidInput: a block that is no Python
        if not parse:
            raise _Unreadable from None  # maybe the cut's: cut by the parser
        raise _invalid("generated module", exc) from None  # the templates'
    for source in todo:
        store.put(source, done[source])
    out = {}
    for path, bs in pieces.items():
        blocks = [cut.joined(done, us) if us else done[c].strip("\n") for c, us in bs]
        text = "\n\n\n".join(b for b in blocks if b.strip()) + "\n"
        out[path] = Formatted(text, {keys[u]: done[u] for c, us in bs for u in (us or [c])})
    return out


# Which blocks ruff formats and which black does; part of the cache's key, as the versions.
_SHARE = "ruff unless _may_part (6), _spaced_after_imports; classes split; slimmed; scanned"
# What else decides a block's formatting: part of the cache's key.
_SALT = f"py311 {_LINE_LENGTH} {_SHARE}"
# Between two blocks sent to ruff in one text: a comment, kept as it is written.
_SEPARATOR = "# apiforge: block boundary\n"
# The boundary as written: ruff spaces a comment's "#" from its text, so one found
# unspaced after it was inside a string, and one indented was inside brackets: a cut
# there (``scan``) made a block that is no Python.
_WRITTEN_SEPARATOR = "#apiforge: block boundary\n"
_INSIDE = re.compile(r"^[ \t]+# apiforge: block boundary$|#apiforge: block boundary", re.M)


# Test hook: black formats everything (the kill test watches black's worker processes).
_BLACK_ONLY_ENV = "APIFORGE_TEST_BLACK_ONLY"


def _ruff(sources: list[str], cut_from_lines: bool = False) -> list[str | None]:
    """ruff's formatting of each of ``sources``, in one run; None for any it could not
    format as black would be sure to (a line left too long), or all when ruff is missing
    or fails (black then formats them)."""
    if not sources or os.environ.get(_BLACK_ONLY_ENV):
        return [None] * len(sources)
    try:
        from ruff import find_ruff_bin  # type: ignore[import-untyped]

        command = [find_ruff_bin(), "format", "--isolated", "--line-length", str(_LINE_LENGTH)]
        command += ["--target-version", "py311", "--stdin-filename", "generated.py", "-"]
        text = f"\n\n{_WRITTEN_SEPARATOR}\n\n".join(s.strip("\n") + "\n" for s in sources)
        done = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    except (ImportError, OSError):
        return [None] * len(sources)
    if cut_from_lines and (done.returncode != 0 or _INSIDE.search(done.stdout)):
        raise _Unreadable  # a block the lines cut is no Python: cut by the parser
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
    lines = formatted.splitlines()
    quiet = '\\"""' not in formatted and "| " not in formatted
    if quiet and max(map(len, lines), default=0) <= _LINE_LENGTH:
        return False  # nothing below can apply: most blocks, decided in C
    inside = False  # in a docstring, which the templates start on a line of its own
    for at, line in enumerate(lines):
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
        if text.startswith("| ") and not _parenthesized_union(lines, at):
            return True
        if len(line) <= _LINE_LENGTH:
            continue
        if _ANNOTATED.match(text):
            return True  # black puts a long annotation in parentheses, ruff does not
        if not (_ATOM.fullmatch(text) or text.startswith("#") or text.endswith(("(", "[", "{"))):
            return True
    return False


# One operand of a type union: a name, maybe subscripted (``list[Pet]``), nothing else.
_OPERAND = re.compile(r"[\w.]+(?:\[[\w.\[\], ]*\])?")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _parenthesized_union(lines: list[str], at: int) -> bool:
    """Whether the ``| ...`` line ``lines[at]`` belongs to a union ruff has put in
    parentheses of its own, an operand a line: black lays those out alike. A union split
    without them (a parameter's ``a: int`` then ``| None``) black puts in parentheses."""
    first = at
    while first > 0 and lines[first].lstrip().startswith("| "):
        first -= 1
    last = at
    while last + 1 < len(lines) and lines[last + 1].lstrip().startswith("| "):
        last += 1
    if first == 0 or last + 1 == len(lines):
        return False
    opener, closer, indent = lines[first - 1], lines[last + 1], _indent(lines[first])
    return (
        opener.endswith("(")
        and _indent(opener) + 4 == indent
        and closer.lstrip().startswith(")")
        and _indent(closer) == _indent(opener)
        and _OPERAND.fullmatch(lines[first].strip()) is not None
        and all(_indent(line) == indent for line in lines[first : last + 1])
    )


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


def _format_all(
    sources: list[str], black_workers: bool = True, cut_from_lines: bool = False
) -> list[str]:
    """``sources`` formatted: by ruff where it is sure to agree with black, by black
    elsewhere (spread over the cores when there is enough, unless ``black_workers`` is
    False: in a worker already)."""
    ruffed = _ruff(sources, cut_from_lines)
    rest = [s for s, r in zip(sources, ruffed, strict=True) if r is None]
    slimmed = slim.slim_all(rest, _ruff)  # black sees only what it must lay out
    shown = [s.source for s in slimmed]
    done = iter(_black_all(shown) if black_workers else [_black(s) for s in shown])
    blacked = iter(
        slim.filled(b, s) or _black(source)
        for b, s, source in zip(done, slimmed, rest, strict=True)
    )
    return [r if r is not None else next(blacked) for r in ruffed]


def _black_all(sources: list[str]) -> list[str]:
    """black over ``sources``, spread over the cores when there is enough work."""
    workers = _cores()
    if workers < 2 or sum(s.count("\n") for s in sources) < _PARALLEL_LINES:
        return [_black(s) for s in sources]
    with _pool(workers) as pool:
        return list(pool.map(_black, sources, chunksize=max(1, len(sources) // (workers * 4))))
