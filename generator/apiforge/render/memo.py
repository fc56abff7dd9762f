"""Rendered modules kept per output folder, by what they are rendered from.

After one schema changes, the clients and the operations module render to the same text
as before: they are rendered from a ``view`` of the model without its models, enums and
unions (which they name, never read), so what they are made of is known and small enough
to hash. Each such module (and the enums module and ``__init__.py``, from what they
print) is kept in the cache with the SHA-256 of its inputs: the view, the other
arguments and the header's facts, encoded (``ir.encode``: GitHub's view in 0.03 s, where
pickling took 0.3 s); the generator's code and templates, Jinja's version. One entry per
module and output folder (``cache.Slots``); a run whose inputs match takes the text
instead of rendering it, and formatting takes the module it formatted from those inputs
by their key without reading the text at all (``pieces.Known``). The models module
changes with any schema: it goes to formatting in pieces (``output/pieces.py``), each
class with a key made the same way (``keys``: GitHub's 4,099, encoded in 0.02 s), and
only the classes formatting has not kept are rendered.

The spec's SHA-256 in each module's header would make every module new after any edit:
modules are rendered with a stand-in digest, which the real one replaces afterwards, on
a hit and on a miss alike; a module that prints the stand-in anywhere but in its header
is rendered again with the real digest and not kept. With template overrides, nothing is
kept and the templates see the whole model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from msgspec import structs

from .. import ir
from ..cache import (
    SPEC_STAMP,
    STANDIN_SHA,
    Slots,
    builtin_templates,
    cache_root,
    dist_version,
    generator_digest,
)
from ..output.pieces import Known

if TYPE_CHECKING:
    from .environment import Meta
    from .files import Part


class Memo:
    """Modules rendered into the output folder ``slot`` by earlier runs."""

    def __init__(self, slot: str, meta: Meta) -> None:
        root = cache_root()
        kept = root is not None and slot and meta.templates is None
        self.slots = Slots(root / "rendered" if kept and root else None, slot)
        code = f"{meta.generator_version} {generator_digest(builtin_templates())}"
        self.salt = f"{code} jinja2 {dist_version('jinja2')}".encode()

    @property
    def keeps(self) -> bool:
        """Whether anything is kept (no template overrides, a cache, an output folder)."""
        return self.slots.directory is not None

    def view(self, api: ir.Api) -> ir.Api:
        """What the clients and the operations module are rendered from: ``api`` without
        its models, enums and unions (all of it when nothing is kept)."""
        if not self.keeps:
            return api
        return structs.replace(api, models=(), enums=(), unions=(), untagged=())

    def digest(self, value: object) -> str:
        """The SHA-256 of ``value`` encoded ('' when nothing is kept)."""
        if not self.keeps:
            return ""
        return hashlib.sha256(_encoded(value)).hexdigest()

    def keys(self, items: Sequence[Part]) -> list[str]:
        """The key of each of ``items`` (the classes of a module, such as a model and
        whether requests carry it): what it is rendered from and what renders it, hashed.
        Formatting keeps each class's formatting by it (``output/pieces.py``)."""
        return [hashlib.sha256(self.salt + b"\0" + _encoded(i)).hexdigest() for i in items]

    def module(
        self,
        path: str,
        inputs: object,
        meta: Meta,
        make: Callable[[Meta], str],
        stamp: str = SPEC_STAMP,
    ) -> str | Known:
        """Module ``path``: ``make(meta)``, or the text it made the last time ``inputs``
        (encoded) were the same, read only when asked for (``Known``). ``stamp``: what
        precedes the spec's digest in its header."""
        if not self.keeps:
            return make(meta)
        real, standin = stamp + meta.spec_sha256, stamp + STANDIN_SHA
        general = structs.replace(meta, spec_sha256=STANDIN_SHA)
        made_of = _encoded((path, inputs, structs.astuple(general)))
        key = hashlib.sha256(self.salt + b"\0" + made_of).hexdigest()

        def fresh() -> str | None:
            """Rendered with the stand-in, and kept; None when it prints it elsewhere too."""
            text = make(general)
            if text.count(STANDIN_SHA) != 1 or standin not in text:
                return None
            self.slots.write(path, key, text)
            return text

        def rendered() -> str:
            text = self.slots.read(path, key) or fresh()
            return make(meta) if text is None else text.replace(standin, real)

        if self.slots.has(path, key):
            return Known(key, rendered)
        text = fresh()
        if text is None:
            return make(meta)
        done = text.replace(standin, real)
        return Known(key, lambda: done)


def _encoded(value: object) -> bytes:
    """``value`` encoded; bytes no encoding equals when it holds an integer MessagePack
    cannot (past 64 bits): what is made from it is then never found again."""
    try:
        return ir.encode(value)
    except OverflowError:
        return os.urandom(32)
