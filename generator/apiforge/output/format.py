"""Stage 4: format rendered modules as black does, block by block.

black spends about half a millisecond per line, which dominated on big specs (GitHub's
client, 300,000 lines, took black minutes). A module is cut into its top-level blocks
(``cut``), a long class further into its header and its methods; each is formatted alone,
and they are joined with the blank lines black puts between them. New blocks go to ruff's
formatter first, all in one run (``ruffed``: about 35 times faster), and ruff's output is
kept where it is sure to be black's; where it could part from black, black formats the
block itself, on every core. black stays the judge: the test suite checks that the result
is byte-identical to black formatting whole modules. Without ruff, black formats
everything. What black formatted is cached by content for any output folder
(``cache.ChunkCache``); each folder keeps its modules' blocks (``cache.ModuleSlots``).

The worker processes never outlive the generator: each watches its parent and exits when
it is gone, however it ended (``SIGKILL`` included, which leaves no chance to clean up).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # worker processes are started (and these imported) for big packages only
    from concurrent.futures import Future, ProcessPoolExecutor

from .. import cache, heap
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import cut, ruffed, slim
from .pieces import Known, Pieced


def _cores() -> int:
    """How many worker processes formatting may start: every core, up to 4."""
    return min(os.cpu_count() or 1, 4)


# Below this many new lines, starting worker processes costs more than it saves.
_PARALLEL_LINES = 3000


def _black(source: str) -> str:
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=ruffed.LINE_LENGTH)
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
    files: dict[str, str] | Iterable[tuple[str, str | Pieced | Known]],
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
    of a module given in pieces (``pieces.Pieced``); a module rendered from the inputs of
    the last time (``pieces.Known``) is taken as it was formatted then, unread."""
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
    known: dict[str, str] = {}  # by path: the key of what a module was rendered from, if known
    pool: ProcessPoolExecutor | None = None
    formatting: dict[str, Future[dict[str, Formatted]]] = {}
    try:
        for path, given in files.items() if isinstance(files, dict) else files:
            module = path.endswith(".py") and path not in skipped
            if isinstance(given, Pieced) and module and slots.keeps:
                pieced[path] = _Pieces(path, given, slots, store)
                groups[path] = pieced[path].todo()
            else:
                known[path] = given.key if isinstance(given, Known) and module else ""
                if known[path] and (kept := slots.get_known(path, known[path])) is not None:
                    out[path] = kept
                    continue
                out[path] = text = given if isinstance(given, str) else given.text()
                if not module:
                    continue
                if (kept := slots.get(path, text)) is not None:
                    out[path] = kept
                    if known[path]:  # found by its key from now on
                        slots.put(path, text, kept, known[path])
                    continue
                store.known.update(slots.blocks(path))  # before a worker is handed the store
                groups[path] = {path: text}
            lines += sum(t.count("\n") for t in groups[path].values())
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
                slots.put(path, groups[path][path], formatted[path].text, known[path])
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
        # The head's and the tail's blocks, kept apart from the classes: found here, they
        # are not formatted again after an edit that left them as they were.
        self.frame = f"{path}:frame"
        self.kept_frame = slots.blocks(self.frame)
        store.known.update(self.kept_frame)
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
        frame = {**formatted[f"{self.path}:head"].blocks, **formatted[f"{self.path}:tail"].blocks}
        if frame.keys() != self.kept_frame.keys():
            self.slots.put_blocks(self.frame, frame)
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
    except ruffed.Unreadable:
        return _format_cut(modules, store, black_workers, parse=True)


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
    # Blank lines alone (what a class given in pieces may start with) are what black and
    # ruff both make "\n" of: no formatter is asked, and nothing is kept for them.
    done = {c: "\n" for c in keys if not c.strip()}
    for c, key in keys.items():
        if c not in done and (found := store.get_key(key)) is not None:
            done[c] = found
    todo = sorted(keys.keys() - done.keys())
    try:
        texts, by_black = _formatted(todo, black_workers, not parse)
    except ruffed.Unreadable:
        raise
    except Exception as exc:  # black's InvalidInput: a block that is no Python
        if not parse:
            raise ruffed.Unreadable from None  # maybe the cut's: cut by the parser
        raise _invalid("generated module", exc) from None  # the templates'
    done.update(zip(todo, texts, strict=True))
    # Only black's formatting is kept by content, for any folder. ruff formats a block
    # again faster than the disk takes a file for it: GitHub's cold run wrote 30,000, the
    # 1,000-operation spec's 6,000 took 1.8-9.7 s of its workers' time. Each output folder
    # keeps its own modules' blocks in a few files (``ModuleSlots``).
    for source, text, slow in zip(todo, texts, by_black, strict=True):
        if slow:
            store.put_key(keys[source], text)
    out = {}
    for path, bs in pieces.items():
        blocks = [cut.joined(done, us) if us else done[c].strip("\n") for c, us in bs]
        text = "\n\n\n".join(b for b in blocks if b.strip()) + "\n"
        out[path] = Formatted(text, {keys[u]: done[u] for c, us in bs for u in (us or [c])})
    return out


# What decides a block's formatting besides the tools' versions: part of the cache's key.
_SALT = f"py311 {ruffed.LINE_LENGTH} {ruffed.SHARE}"


def _format_all(
    sources: list[str], black_workers: bool = True, cut_from_lines: bool = False
) -> list[str]:
    """``sources`` formatted: by ruff where it is sure to agree with black, by black
    elsewhere (spread over the cores when there is enough, unless ``black_workers`` is
    False: in a worker already)."""
    return _formatted(sources, black_workers, cut_from_lines)[0]


def _formatted(
    sources: list[str], black_workers: bool, cut_from_lines: bool
) -> tuple[list[str], list[bool]]:
    """``sources`` formatted as ``_format_all`` formats them, and whether black did each."""
    by_ruff = ruffed.run(sources, cut_from_lines)
    by_black = [r is None for r in by_ruff]
    rest = [s for s, r in zip(sources, by_ruff, strict=True) if r is None]
    if not rest:
        return [r for r in by_ruff if r is not None], by_black
    # black's syntax trees are garbage with cycles: the collector the command turns off
    # (cli.run) is on while black runs. Without ruff, the formatting workers of the
    # 1,000-operation spec peaked at 766 MiB with it off, 84 MiB with it on here.
    with heap.collecting():
        slimmed = slim.slim_all(rest, ruffed.run)  # black sees only what it must lay out
        shown = [s.source for s in slimmed]
        done = iter(_black_all(shown) if black_workers else [_black(s) for s in shown])
        blacked = iter(
            slim.filled(b, s) or _black(source)
            for b, s, source in zip(done, slimmed, rest, strict=True)
        )
        return [r if r is not None else next(blacked) for r in by_ruff], by_black


def _black_all(sources: list[str]) -> list[str]:
    """black over ``sources``, spread over the cores when there is enough work."""
    workers = _cores()
    if workers < 2 or sum(s.count("\n") for s in sources) < _PARALLEL_LINES:
        return [_black(s) for s in sources]
    with _pool(workers) as pool:
        return list(pool.map(_black, sources, chunksize=max(1, len(sources) // (workers * 4))))
