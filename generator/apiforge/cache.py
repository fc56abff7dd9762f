"""What makes regeneration cheap, and how it stays correct.

* ``inputs_key``: one SHA-256 over everything that decides the output (the bytes of every
  file of the spec, the package name, the generator's own source and templates, template
  overrides, black's version, the reference root). A record per output folder in the cache
  (``record_run``) keeps it with the manifest's hash; when both still match and every file
  is as the manifest says, ``generate`` stops before importing its heavy stages. Which
  files the spec is read from comes from the manifest: the last run's.
* ``ChunkCache``: black's output for one top-level block of a module, by the SHA-256 of
  the block and of the formatters' versions and mode, on disk, for any output folder. Only
  blocks black formatted are written there: ruff formats the rest again faster than a
  file a block is written.
* ``ModuleSlots``: each output folder's last formatting of each module, taken whole when
  the module is rendered as before (``render/memo.py`` keeps the rendering the same way).

Nothing here imports jinja2, yaml, black or openapi-spec-validator.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from .diagnostics import Diagnostic, Location, Severity

_GENERATOR_DIR = Path(__file__).resolve().parent
# How a module's header names the spec's SHA-256 (templates/macros.jinja), and what
# stands in for it while a module is kept (``ModuleSlots``, ``render/memo.py``): as long,
# and as plain to a formatter.
SPEC_STAMP = "# spec sha256: "
STANDIN_SHA = "0" * 64
STAMP_STANDIN = SPEC_STAMP + STANDIN_SHA
# The largest spec read at all (load refuses bigger ones before parsing); here so that the
# light no-op path can honour it without importing load.
MAX_SPEC_BYTES = 16 * 1024 * 1024
# What a template directory holds: Jinja templates and the runtime modules copied as they are.
TEMPLATE_SUFFIXES = (".jinja", ".py", ".pyi")


@cache
def dist_version(name: str) -> str:
    """The installed version of distribution ``name``, without importing it (or
    importlib.metadata, which costs more than the whole no-op run): read off its dist-info
    directory."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for found in names:
            if found.startswith(f"{name}-") and found.endswith(".dist-info"):
                return found[len(name) + 1 : -len(".dist-info")]
    from importlib import metadata

    return metadata.version(name)


def black_version() -> str:
    """The installed black's version."""
    return dist_version("black")


def ruff_version() -> str:
    """The installed ruff's version (the fast formatter black judges: output/format.py)."""
    return dist_version("ruff")


def _tree_files(directory: Path, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]]:
    """Each file of ``directory`` (recursively) with one of ``suffixes``: its path relative
    to it, and its ``stat``; in sorted order (none when it is no directory)."""
    found: list[tuple[str, os.stat_result]] = []
    folders = [("", str(directory))] if directory.is_dir() else []
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    folders.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.name.endswith(suffixes) and entry.is_file():
                    found.append((prefix + entry.name, entry.stat()))
    return sorted(found)


def _hash_files(
    directory: Path, files: list[tuple[str, os.stat_result]], digest: hashlib._Hash
) -> None:
    for relative, _ in files:
        digest.update(relative.encode() + b"\0")
        digest.update((directory / relative).read_bytes() + b"\0")


def _tree_digest(directory: Path, digest: hashlib._Hash, suffixes: tuple[str, ...]) -> None:
    _hash_files(directory, _tree_files(directory, suffixes), digest)


# A file changed less than this long before its tree's digest was kept may change again
# within the same timestamp tick, unseen: such a digest is not kept ("racily clean", as git
# calls its index entries).
_SETTLED_NS = 2_000_000_000


@cache
def generator_digest(templates: Path) -> str:
    """SHA-256 of the generator's own code and built-in templates. Kept in the cache by
    each file's size and modification time, as Python keeps bytecode: reading the 85
    files took every run 5-8 ms, their sizes and times take 1 ms."""
    trees = ((_GENERATOR_DIR, (".py",)), (templates, TEMPLATE_SUFFIXES))
    listed = [(d, _tree_files(d, s)) for d, s in trees]
    stats = hashlib.sha256()
    for directory, files in listed:
        stats.update(f"{directory}\0".encode())
        for relative, st in files:
            stats.update(f"{relative}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    root = cache_root()
    entry = root / "digests" / stats.hexdigest() if root else None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if entry is not None and len(kept := entry.read_text(encoding="ascii")) == 64:
            return kept
    digest = hashlib.sha256()
    for directory, files in listed:
        _hash_files(directory, files, digest)
    newest = max((st.st_mtime_ns for _, files in listed for _, st in files), default=0)
    if entry is not None and time.time_ns() - newest > _SETTLED_NS:
        with contextlib.suppress(OSError):
            write_atomic(entry, digest.hexdigest())
            prune(entry.parent, 16)
    return digest.hexdigest()


def inputs_key(
    spec_files: Sequence[tuple[str, str]],
    package: str,
    version: str,
    templates: Path,
    override: Path | None,
    ref_root: Path | None = None,
) -> str:
    """One SHA-256 over every input of a generation; ``spec_files``: each file of the spec
    (its path relative to the spec's folder, the SHA-256 of its bytes), in sorted order."""
    digest = hashlib.sha256()
    formatters = f"black {black_version()} ruff {ruff_version()}"
    for part in (version, formatters, generator_digest(templates), package):
        digest.update(part.encode() + b"\0")
    for name, sha in spec_files:
        digest.update(f"{name}\0{sha}\0".encode())
    digest.update(f"{ref_root.resolve() if ref_root else ''}\0".encode())
    if override is not None:
        _tree_digest(override, digest, TEMPLATE_SUFFIXES)
    return digest.hexdigest()


def builtin_templates() -> Path:
    """The built-in templates: inside the installed package, or beside it in a checkout."""
    packaged = _GENERATOR_DIR / "templates"
    # In a checkout the package is generator/apiforge/ and the templates are top-level.
    return packaged if packaged.is_dir() else _GENERATOR_DIR.parent.parent / "templates"


def cache_root() -> Path | None:
    """$APIFORGE_CACHE_DIR, else the user's cache directory; None when the variable is
    set but empty, which turns caching off."""
    configured = os.environ.get("APIFORGE_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apiforge"


def write_atomic(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` in one step (its folder made if missing): readers
    never see half an entry."""
    import tempfile  # only when writing: the no-op run reads

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(text.encode() if isinstance(text, str) else text)
    os.replace(tmp, path)


# How many entries ``ModuleSlots`` and ``render/memo.py`` each keep (one per module and
# output folder, five or six a folder): those written longest ago go first, so folders
# made and thrown away (a test suite's) do not make the cache grow without end.
KEPT_ENTRIES = 256


def prune(directory: Path | None, keep: int | None = None) -> None:
    """Delete all but the ``keep`` (default ``KEPT_ENTRIES``) entries of ``directory``
    written last; every failure is ignored."""
    keep = KEPT_ENTRIES if keep is None else keep
    if directory is None:
        return
    try:
        entries = [
            (entry.stat().st_mtime_ns, entry.path)
            for entry in os.scandir(directory)
            if entry.is_file() and not entry.name.startswith(".tmp-")
        ]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _run_record(target: Path) -> Path | None:
    root = cache_root()
    name = hashlib.sha256(str(target.resolve()).encode()).hexdigest()
    return root / "runs" / name if root is not None else None


class Recorded(NamedTuple):
    """The last generation into an output folder: its inputs key, its manifest's SHA-256,
    the spec as it was named (its warnings say that name) and the warnings it printed."""

    key: str
    manifest_sha: str
    spec: str = ""
    warnings: tuple[Diagnostic, ...] = ()


def recorded_run(target: Path) -> Recorded | None:
    """The last generation into ``target``, or None."""
    record = _run_record(target)
    try:
        first, _, rest = record.read_text(encoding="utf-8").partition("\n") if record else ("",) * 3
        key, manifest_sha = first.split()
        if not rest.strip():
            return Recorded(key, manifest_sha)
        import json

        said = json.loads(rest)
        warnings = tuple(
            Diagnostic(Severity(w[0]), Location(w[1], w[2], w[3], w[4]), w[5], w[6])
            for w in said["warnings"]
        )
        return Recorded(key, manifest_sha, said["spec"], warnings)
    except (OSError, ValueError, LookupError, TypeError):
        return None


def record_run(
    target: Path, key: str, manifest_bytes: bytes, spec: str, warnings: Sequence[Diagnostic]
) -> None:
    """Remember that ``target`` holds the output of inputs ``key``, and what the run said
    (replayed by a run that finds the output up to date)."""
    record = _run_record(target)
    if record is None:
        return
    text = f"{key} {hashlib.sha256(manifest_bytes).hexdigest()}\n"
    if warnings:
        import json

        said = [[w.severity.value, *w.location, w.message, w.hint] for w in warnings]
        text += json.dumps({"spec": spec, "warnings": said}, ensure_ascii=False) + "\n"
    with contextlib.suppress(OSError):
        write_atomic(record, text)


def _table_entry(pyproject: bytes) -> Path | None:
    root = cache_root()
    return root / "config" / f"{hashlib.sha256(pyproject).hexdigest()}.json" if root else None


def parsed_table(pyproject: bytes) -> dict[str, Any] | None:
    """The ``[tool.apiforge]`` table of a pyproject.toml with these bytes, as a run read it
    before (JSON is cheaper to load than tomllib to import); None when not known."""
    import json

    entry = _table_entry(pyproject)
    try:
        table = json.loads(entry.read_bytes()) if entry else None
    except (OSError, ValueError):
        return None
    return table if isinstance(table, dict) else None


def keep_table(pyproject: bytes, table: dict[str, Any]) -> None:
    """Remember ``table`` for ``parsed_table``; one TOML alone can hold (a date) is not kept."""
    import json

    entry = _table_entry(pyproject)
    if entry is None:
        return
    with contextlib.suppress(OSError, TypeError, ValueError):
        write_atomic(entry, json.dumps(table, sort_keys=True))


class ChunkCache:
    """Formatted source by content hash; every failure to read or write is a miss."""

    def __init__(self, directory: Path | None, salt: str) -> None:
        self.directory = directory
        self.salt = salt.encode()
        # Formattings read in one piece (``ModuleSlots.blocks``), by key: looked up first.
        self.known: dict[str, str] = {}

    def key(self, source: str) -> str:
        """The entry name of ``source``."""
        return hashlib.sha256(self.salt + b"\0" + source.encode()).hexdigest()

    def get_key(self, key: str) -> str | None:
        """The cached formatting of the source whose key is ``key``, or None."""
        if key in self.known:
            return self.known[key]
        if self.directory is None:
            return None
        try:
            return (self.directory / key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put_key(self, key: str, formatted: str) -> None:
        """Remember ``formatted`` as the formatting of the source whose key is ``key``;
        written atomically, so readers never see half an entry."""
        if self.directory is None:
            return
        with contextlib.suppress(OSError):
            write_atomic(self.directory / key, formatted)


class Slots:
    """One entry per module of one output folder (``slot``) in ``directory``: a key line,
    then the module's text, replaced each run, so the cache does not grow with every
    edit; at most ``KEPT_ENTRIES`` are kept, pruned as a run opens them. Every failure to
    read or write is a miss. ``directory`` None keeps nothing."""

    def __init__(self, directory: Path | None, slot: str) -> None:
        self.directory = directory
        self.slot = slot
        prune(directory)

    def _entry(self, path: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / hashlib.sha256(f"{self.slot}\0{path}".encode()).hexdigest()

    def read(self, path: str, key: str) -> str | None:
        """Module ``path``'s text, when it was kept under ``key``."""
        found = self.entry(path)
        return found[1] if found is not None and found[0] == key else None

    def entry(self, path: str) -> tuple[str, str] | None:
        """The key line and the text kept for ``path``."""
        entry = self._entry(path)
        try:
            kept = entry.read_text(encoding="utf-8") if entry else ""
        except (OSError, UnicodeDecodeError):
            return None
        found, _, text = kept.partition("\n")
        return (found, text) if kept else None

    def has(self, path: str, key: str) -> bool:
        """Whether ``path`` is kept under ``key``: its key line read, not its text."""
        entry = self._entry(path)
        if entry is None:
            return False
        try:
            with entry.open("rb") as kept:
                return kept.readline() == key.encode() + b"\n"
        except OSError:
            return False

    def write(self, path: str, key: str, text: str) -> None:
        """Keep ``text`` as module ``path``'s, under ``key``."""
        entry = self._entry(path)
        if entry is not None:
            with contextlib.suppress(OSError):
                write_atomic(entry, f"{key}\n{text}")

    def read_texts(self, path: str, key: str) -> dict[str, str]:
        """The texts ``write_texts`` kept for ``path`` under ``key``, by name ({} when none
        can be read)."""
        import msgspec  # past the no-op path, which must stay light

        data = self.read_bytes(path, key)
        try:  # msgspec: a third of json's time on GitHub's 10 MB of formatted classes
            return msgspec.json.decode(data, type=dict[str, str]) if data else {}
        except msgspec.DecodeError:
            return {}

    def write_texts(self, path: str, key: str, texts: dict[str, str]) -> None:
        """Keep ``texts`` (by name) for ``path``, under ``key``, in one entry."""
        import msgspec

        if self.directory is not None:
            self.write_bytes(path, key, msgspec.json.encode(texts))

    def read_bytes(self, path: str, key: str) -> bytes | None:
        """What ``write_bytes`` kept for ``path`` under ``key``."""
        entry = self._entry(path)
        try:
            kept = entry.read_bytes() if entry else b""
        except OSError:
            return None
        found, _, data = kept.partition(b"\n")
        return data if kept and found == key.encode() else None

    def write_bytes(self, path: str, key: str, data: bytes) -> None:
        """Keep ``data`` for ``path``, under ``key`` (a line without a line break)."""
        entry = self._entry(path)
        if entry is not None:
            with contextlib.suppress(OSError):
                write_atomic(entry, key.encode() + b"\n" + data)


class ModuleSlots:
    """The last formatting of each module generated into one output folder (``slot``),
    kept with the SHA-256 of the source it was formatted from (``Slots``): after one
    schema changes, the modules that did not change are taken whole instead of being cut
    into blocks and looked up block by block (GitHub's package: 13,000 blocks).

    Every module's header names the spec's SHA-256 (``spec_sha``), which changes with any
    edit: it is kept as a stand-in of the same length and characters. A comment (or text
    in a string) is formatted as it is written, so the formatting of the rest cannot
    depend on which digest it names; a module whose stamps did not come through
    formatting as they went in is not kept."""

    def __init__(
        self,
        directory: Path | None,
        salt: str,
        slot: str,
        spec_sha: str = "",
        packs: Path | None = None,
    ) -> None:
        self.slots = Slots(directory, slot)
        self.packs = Slots(packs, slot)  # each module's blocks, with their formatting
        self.salt = salt.encode()
        self.stamp = SPEC_STAMP + spec_sha if spec_sha else ""
        self.standin = STAMP_STANDIN if spec_sha else ""
        # By path, the source ``get`` was given and its key: ``put`` of that same source
        # (a module that missed) does not scan and hash it again.
        self._keys: dict[str, tuple[str, str]] = {}

    def _key(self, path: str, source: str) -> str | None:
        """The digest of ``source`` with its stamps stood in for; None when it holds the
        stand-in itself (or nothing is kept)."""
        if self.slots.directory is None or (self.standin and self.standin in source):
            return None
        general = source.replace(self.stamp, self.standin) if self.standin else source
        key = hashlib.sha256(self.salt + b"\0" + general.encode()).hexdigest()
        self._keys[path] = (source, key)
        return key

    def get(self, path: str, source: str) -> str | None:
        """Module ``path`` formatted, when the last one kept was formatted from ``source``
        (its stamps aside)."""
        key = self._key(path, source)
        return self._kept(path, lambda found: found.split(" ")[0] == key) if key else None

    def get_known(self, path: str, rendered: str) -> str | None:
        """Module ``path`` formatted, when the last one kept was rendered from inputs whose
        key (``render/memo.py``) is ``rendered``: its source is neither read nor hashed."""
        if self.slots.directory is None:
            return None
        return self._kept(path, lambda found: found.split(" ")[1:] == [rendered])

    def _kept(self, path: str, match: Callable[[str], bool]) -> str | None:
        found = self.slots.entry(path)
        if found is None or not match(found[0]):
            return None
        return found[1].replace(self.standin, self.stamp) if self.standin else found[1]

    def put(self, path: str, source: str, formatted: str, rendered: str = "") -> None:
        """Keep ``formatted`` as module ``path``'s, formatted from ``source``; ``rendered``:
        the key of what ``source`` was rendered from, when known."""
        asked, key = self._keys.get(path, (None, None))
        key = key if asked is source else self._key(path, source)
        if key is None:
            return
        if self.standin:
            if formatted.count(self.stamp) != source.count(self.stamp) or self.standin in formatted:
                return
            formatted = formatted.replace(self.stamp, self.standin)
        self.slots.write(path, f"{key} {rendered}" if rendered else key, formatted)

    @property
    def keeps(self) -> bool:
        """Whether anything is kept (a cache, and an output folder)."""
        return self.slots.directory is not None and self.packs.directory is not None

    def classes(self, path: str) -> dict[str, str]:
        """The formatting of each class of module ``path`` (one given in pieces:
        ``output/pieces.py``) the last time it was formatted here, by the class's key."""
        return self.packs.read_texts(path, f"{_CLASSES} {self.salt.decode()}")

    def put_classes(self, path: str, classes: dict[str, str]) -> None:
        """Keep ``classes`` (formatted, by key) as those of module ``path``."""
        self.packs.write_texts(path, f"{_CLASSES} {self.salt.decode()}", classes)

    def blocks(self, path: str) -> dict[str, str]:
        """The formatting of each block of module ``path`` the last time it was formatted
        here, by ``ChunkCache`` key: a module that changed in one class finds the rest in
        one read instead of one a block (GitHub's models: 4,100)."""
        return self.packs.read_texts(path, _PACK)

    def put_blocks(self, path: str, blocks: dict[str, str]) -> None:
        """Keep ``blocks`` (by ``ChunkCache`` key) as those of module ``path``."""
        self.packs.write_texts(path, _PACK, blocks)


_PACK = "blocks"  # the key line of a pack: its entries' keys say what each was made from
# ... and of a module's classes: their keys say what each was rendered from, not how it
# was formatted, which the formatter's versions after it on the line say.
_CLASSES = "classes"
