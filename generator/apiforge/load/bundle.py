"""Stage 1a: a spec split across files, made one document.

Every ``$ref`` to another file, and every ``$ref`` inside another file, is followed
relative to the file that holds it (where it really is: symlinks resolved), and only to
files under the reference root (the spec's folder unless widened). What it names goes
into the root document by its kind (``objects``):

- a schema is copied once into the root's schemas (``components/schemas``, 2.0's
  ``definitions``) under a name (``_Bundler.name``), however many files reach it, and
  every reference to it points there: cycles across files are plain local references;
- anything else (path item, parameter, response, request body, header...) is put where it
  is referenced, as if it were written there.

A root schema that is nothing but a reference to another file (``Pet: {$ref: pet.yaml}``)
is where that schema goes, under the root's name. ``LoadedSpec.redirects`` keeps where
each copied value is written, so that diagnostics name that file, line and pointer. The
budgets of ``document`` count all files together, and every copy made.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from .. import names
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import objects
from .document import (
    MAX_NODES,
    Budget,
    LoadedSpec,
    Part,
    Source,
    escape,
    parse,
    ref_pointer,
    resolve_pointer,
)

# RFC 3986: a reference that starts with a scheme is a URL (http:, file:, urn:, C: too).
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Keys of a fragment that say where a schema stands, not what it is called.
_STRUCTURE = frozenset(
    objects.NAMED
    | {"components", "schema", "items", "additionalProperties", "not", "allOf", "anyOf"}
    | {"oneOf", "prefixItems", "$defs", "if", "then", "else", "contains", "propertyNames"}
)
_POINTER_SAFE = "/~!$&'()*+,;=:@"
Target = tuple[Part, str, Any]  # the file, the pointer in it, the value there


def follow(
    spec: LoadedSpec,
    ref_root: Path | None = None,
    known: Iterable[tuple[objects.Where, Any]] | None = None,
) -> tuple[LoadedSpec, list[Diagnostic]]:
    """``spec`` with every file it refers to in its document (the ``$ref``s to them made
    local), and the problems found on the way, located in the file they are in; ``known``:
    its document's ``objects.ref_places``, when known."""
    files = ((spec.path.name, spec.sha256),)
    known = objects.ref_places(spec.document) if known is None else known
    if not any(_is_external(ref) for _, ref in known):
        return dataclasses.replace(spec, files=files), []
    home = spec.path.resolve().parent  # where the spec really is
    bundler = _Bundler(spec, (ref_root or home).resolve(), ref_root is not None)
    document = bundler.run()
    if bundler.problems:
        return spec, bundler.problems
    parts = {
        p.display: p for p in bundler.files.values() if p is not None and p is not bundler.root
    }
    read = {
        bundler.relative(written): found.sha256
        for written, path in bundler.spellings.items()
        if (found := bundler.files.get(path)) is not None and found is not bundler.root
    }
    bundled = dataclasses.replace(
        spec,
        document=document,
        parts=parts,
        redirects=bundler.redirects,
        files=files + tuple(sorted(read.items())),
    )
    return bundled, []


def _is_external(ref: Any) -> bool:
    return isinstance(ref, str) and not ref.startswith("#")


def _reference_like(value: str) -> bool:
    """Whether a discriminator's mapping value is a reference rather than a schema's name."""
    return "#" in value or "/" in value or value.endswith((".yaml", ".yml", ".json"))


def _count(value: Any) -> int:
    """The values in ``value``, itself included, as ``document``'s budget counts them."""
    if isinstance(value, dict):
        return 1 + sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    return 1


def _copy(value: Any) -> Any:
    """A copy of a JSON value (each place gets its own, for the stages that edit one)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class _Refused(Exception):
    """Why a reference cannot be followed: a message and a hint."""


class _Bundler:
    """One spec's files being read into its root document."""

    def __init__(self, spec: LoadedSpec, ref_root: Path, widened: bool) -> None:
        self.ref_root, self.widened = ref_root, widened
        self.home = spec.path.resolve().parent  # relative paths start here
        self.root = Part(
            spec.path.resolve(), spec.display, spec.document, spec.positions, spec.keys, spec.sha256
        )
        self.files: dict[Path, Part | None] = {self.root.path: self.root}  # None: unreadable
        self.spellings: dict[Path, Path] = {}  # each path referred to → the file it is
        self.budget = Budget()
        self.budget.values -= max(len(spec.positions), 1)
        with contextlib.suppress(OSError):
            self.budget.bytes -= spec.path.stat().st_size
        self.redirects: dict[Source, Source] = {}
        self.placed: dict[Source, str] = {}  # a schema of another file → where it is put
        self.schemas: dict[str, Any] = {}  # the schemas copied in, by name, in that order
        self.copies: dict[tuple[str, str, str], tuple[Any, int]] = {}  # and their sizes
        self.inlining: list[tuple[str, str, str]] = []
        self.problems: list[Diagnostic] = []
        self.swagger = "swagger" in spec.document
        self.home_pointer = "/definitions" if self.swagger else "/components/schemas"
        self.taken: set[str] = set()
        self.claimed: set[str] = set()  # root schemas naming another file's: theirs go there
        self.made: dict[str, Any] = {}  # ... made where first referenced

    # -- the walk ------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """The root document with every other file's part in it."""
        home = self._home(self.root.document)
        for name, value in (home or {}).items():
            self.taken.add(names.class_name(str(name)))
            self._claim(str(name), value)
        document: dict[str, Any] = self.node(self.root.document, "document", self.root, "")
        if self.schemas:
            parent: Any = document if self.swagger else document.setdefault("components", {})
            if isinstance(parent, dict):  # else the validator says what is wrong with it
                target = parent.setdefault(self.home_pointer.rsplit("/", 1)[1], {})
                if isinstance(target, dict):
                    target.update(self.schemas)
        return document

    def _home(self, document: dict[str, Any]) -> dict[str, Any] | None:
        try:
            found = resolve_pointer(document, "#" + self.home_pointer)
        except KeyError:
            return None
        return found if isinstance(found, dict) else None

    def _claim(self, name: str, value: Any) -> None:
        """A root schema that only refers to another file's: where that one goes."""
        if not isinstance(value, dict) or set(value) != {"$ref"} or not _is_external(value["$ref"]):
            return
        where = f"{self.home_pointer}/{escape(name)}"
        found = self.target(value["$ref"], self.root, f"{where}/$ref", quiet=True)
        if found is not None and found[0] is not self.root:
            self.claimed.add(self.placed.setdefault((found[0].display, found[1]), where))

    def node(self, value: Any, kind: str, part: Part, pointer: str) -> Any:
        """``value``, an object of ``kind`` at ``pointer`` of ``part``, as the root holds it."""
        if isinstance(value, list):
            return [self.node(v, kind, part, f"{pointer}/{i}") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if isinstance(value.get("$ref"), str):
            return self.reference(value, kind, part, pointer)
        return self.members(value, kind, part, pointer)

    def members(self, value: dict[str, Any], kind: str, part: Part, pointer: str) -> dict[str, Any]:
        """An object's keys, each holding what ``objects`` says it holds."""
        out: dict[str, Any] = {}
        for key, item in value.items():
            at = f"{pointer}/{escape(str(key))}"
            if key == "$ref" or not objects.followed(str(key)):
                out[key] = item
                continue
            shape, inner = objects.child(kind, str(key))
            if shape == "map" and isinstance(item, dict):
                out[key] = {
                    name: self.node(v, inner, part, f"{at}/{escape(str(name))}")
                    for name, v in item.items()
                }
            else:
                out[key] = self.node(item, inner, part, at)
        if kind == objects.SCHEMA and isinstance(out.get("discriminator"), dict):
            out["discriminator"] = self.mapping(
                out["discriminator"], part, f"{pointer}/discriminator"
            )
        return out

    def reference(self, value: dict[str, Any], kind: str, part: Part, pointer: str) -> Any:
        """A ``$ref`` object: local to the root it stays; a schema elsewhere is referred to
        where it was copied; anything else is put here."""
        ref: str = value["$ref"]
        rest = self.members({k: v for k, v in value.items() if k != "$ref"}, kind, part, pointer)
        if part is self.root and ref.startswith("#"):
            return {"$ref": ref, **rest}
        found = self.target(ref, part, f"{pointer}/$ref")
        if found is None:
            return {"$ref": ref, **rest}  # a problem was recorded: nothing is built
        if found[0] is self.root:
            return {"$ref": "#" + quote(found[1], safe=_POINTER_SAFE), **rest}
        if kind == objects.SCHEMA:
            where = self.place(found)
            if where == pointer and part is self.root:  # a root schema naming another file's
                self.redirects[(part.display, pointer)] = (found[0].display, found[1])
                made = self.made[where]
                return {**made, **rest} if isinstance(made, dict) else made
            return {"$ref": "#" + where, **rest}
        made = self.inline(found, kind, part, pointer)
        return {**made, **rest} if isinstance(made, dict) else made

    def mapping(self, value: dict[str, Any], part: Part, pointer: str) -> dict[str, Any]:
        """A discriminator whose mapping names schemas by reference, made local."""
        mapping = value.get("mapping")
        if not isinstance(mapping, dict):
            return value
        out: dict[str, Any] = {}
        for tag, ref in mapping.items():
            out[tag] = ref
            local = part is self.root and str(ref).startswith("#")
            if not isinstance(ref, str) or local or not _reference_like(ref):
                continue
            found = self.target(ref, part, f"{pointer}/mapping/{escape(str(tag))}")
            if found is not None:
                root = found[0] is self.root
                out[tag] = "#" + (
                    quote(found[1], safe=_POINTER_SAFE) if root else self.place(found)
                )
        return {**value, "mapping": out}

    # -- what a reference names ----------------------------------------------------
    def place(self, found: Target) -> str:
        """Where another file's schema is in the root, its copy made the first time."""
        part, pointer, value = found
        key = (part.display, pointer)
        where = self.placed.get(key)
        if where is None:
            name = self.name(part, pointer, value)
            where = self.placed[key] = f"{self.home_pointer}/{name}"
            self.redirects[(self.root.display, where)] = key
            self.schemas[name] = None  # its place in the order, before what it refers to
            self.schemas[name] = self.node(value, objects.SCHEMA, part, pointer)
        elif where in self.claimed and where not in self.made:  # walked where first met
            self.made[where] = None
            self.made[where] = self.node(value, objects.SCHEMA, part, pointer)
        return where

    def name(self, part: Part, pointer: str, value: Any) -> str:
        """A schema's name: the fragment's last key that names something, else the file's
        stem, else the schema's title; a number added to make it unique."""
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
        keys = [t for t in tokens if t not in _STRUCTURE and not t.isdigit() and "/" not in t]
        title = value.get("title") if isinstance(value, dict) else None
        candidates = [keys[-1] if keys else "", part.path.stem, str(title or ""), "Schema"]
        usable = next(c for c in candidates if names.words(c) and names.words(c)[0][0].isalpha())
        base = names.class_name(usable)
        chosen, n = base, 1
        while chosen in self.taken:
            n += 1
            chosen = names.ClassName(f"{base}{n}")
        self.taken.add(chosen)
        return chosen

    def inline(self, found: Target, kind: str, part: Part, pointer: str) -> Any:
        """A copy of what ``found`` holds, to stand at ``pointer`` of ``part``."""
        target, at, value = found
        key = (target.display, at, kind)
        self.redirects[(part.display, pointer)] = (target.display, at)
        if key in self.inlining:
            hint = "an object cannot contain itself; only schemas may refer back to themselves"
            self.problem(part, f"{pointer}/$ref", f"$ref cycle through {target.display}#{at}", hint)
            return {}
        if key not in self.copies:
            self.inlining.append(key)
            made = self.node(value, kind, target, at)
            self.inlining.pop()
            self.copies[key] = (made, _count(made))
        made, size = self.copies[key]
        if not self.budget.spend_values(size):
            message = f"spec expands to over {MAX_NODES:,} values"
            raise GenerationError([self.diagnostic(part, f"{pointer}/$ref", message)])
        return _copy(made)

    def target(self, ref: str, part: Part, where: str, quiet: bool = False) -> Target | None:
        """What ``ref``, written at ``where`` of ``part``, names; None after a problem
        (recorded there unless ``quiet``)."""
        try:
            return self._target(ref, part)
        except _Refused as refused:
            if not quiet:
                self.problem(part, where, *refused.args)
            return None

    def _target(self, ref: str, part: Part) -> Target | None:
        file, _, fragment = ref.partition("#")
        if _SCHEME.match(file) or file.startswith("//"):
            message = f"$ref to a URL {ref!r} is refused: generation never touches the network"
            raise _Refused(message, "download the file and put it beside the spec")
        if fragment and not fragment.startswith("/"):
            raise _Refused(f"$ref {ref!r}: what follows '#' must be a JSON pointer ('#/a/b')")
        found = self.file(part.path.parent / unquote(file), ref) if file else part
        if found is None:
            return None
        try:
            value = resolve_pointer(found.document, "#" + fragment)
        except KeyError:
            in_file = f": {found.display} has no '#{fragment}'" if file else ""
            raise _Refused(f"unresolved reference {ref!r}{in_file}") from None
        return found, ref_pointer("#" + fragment), value

    def file(self, written: Path, ref: str) -> Part | None:
        """The file at ``written``, read once; None when it cannot be (said in that file)."""
        try:
            path = written.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise _Refused(f"$ref {ref!r}: cannot resolve it: {exc}") from None
        if not path.is_relative_to(self.ref_root):
            where = "the reference root" if self.widened else "the spec's folder"
            hint = "only files under it are read; --ref-root DIR (or ref_root in [tool.apiforge])"
            raise _Refused(
                f"$ref {ref!r} points outside {where} ({self.ref_root})", hint + " widens it"
            )
        # Listed as referred to, so that a symlink pointed elsewhere shows as a change.
        self.spellings.setdefault(Path(os.path.normpath(written)), path)
        if path in self.files:
            return self.files[path]
        display = self.display(path)
        if not path.is_file():
            raise _Refused(
                f"$ref {ref!r}: {'not a file' if path.exists() else 'no such file'}: {display}"
            )
        try:
            self.files[path] = parse(path, display, self.budget, what="file")
        except GenerationError as exc:  # its syntax, duplicate keys, size: in that file
            self.problems.extend(exc.diagnostics)
            self.files[path] = None
        return self.files[path]

    # -- names and places ----------------------------------------------------------
    def relative(self, path: Path) -> str:
        """``path`` relative to the root's folder, with ``/``."""
        return Path(os.path.relpath(path, self.home)).as_posix()

    def display(self, path: Path) -> str:
        """How diagnostics name a file: as the root is named, then the way from its folder."""
        return os.path.normpath(
            os.path.join(os.path.dirname(self.root.display), self.relative(path))
        )

    def diagnostic(self, part: Part, pointer: str, message: str, hint: str = "") -> Diagnostic:
        """An error at ``pointer`` of ``part``, or at its nearest ancestor's place."""
        probe = pointer
        while probe and probe not in part.positions:
            probe = probe.rsplit("/", 1)[0]
        line, column = part.positions.get(probe, (0, 0))
        return Diagnostic(
            Severity.ERROR, Location(part.display, line, column, pointer), message, hint
        )

    def problem(self, part: Part, pointer: str, message: str, hint: str = "") -> None:
        """Record an error at ``pointer`` of ``part``; the walk goes on to find more."""
        self.problems.append(self.diagnostic(part, pointer, message, hint))
