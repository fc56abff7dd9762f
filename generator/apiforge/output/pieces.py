"""A module handed to formatting in pieces: its frame, and its classes by key.

After one schema changes, the models module differs from the last run's in one class, but
cutting the whole module into blocks again, hashing each and joining them back took most
of a run on a big spec (GitHub's: 4,100 classes, 0.3 s). So the renderer hands it over as
its head (up to the first class), its tail (after the last) and each class's key (what it
is rendered from, with the generator that renders it, hashed: ``render/memo.py``), and a
way to render the classes at given places. Formatting takes each class whose key it
formatted before in the same output folder from what it kept then, has the others
rendered and formats those, the head and the tail; a class is a top-level block of its
own, so the blocks joined are the ones formatting the whole module would join."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple


class Pieced(NamedTuple):
    """A module as its head, its classes (by key, rendered when asked) and its tail."""

    head: str
    tail: str
    keys: list[str]  # each class's, in the module's order
    make: Callable[[Sequence[int]], list[str]]  # the classes at these places, rendered

    def text(self) -> str:
        """The whole module, every class rendered."""
        return self.head + "".join(self.make(range(len(self.keys)))) + self.tail


class Known(NamedTuple):
    """A module rendered from inputs whose key names it (``render/memo.py``): formatting
    takes the module formatted the last time by that key, without reading or hashing
    the text (GitHub's clients: 3.3 MB each); ``text`` has it, or reads what was kept."""

    key: str
    load: Callable[[], str]

    def text(self) -> str:
        """The module as rendered."""
        return self.load()
