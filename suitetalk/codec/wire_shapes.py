"""Templates for the fields of codec values that share a shape: the wire writer's path for bulk writes.

A bulk write sends thousands of records built the same way: the same fields set, holding values of the same
Python types. For such a *shape* (which positions of the value's field list are set, and the type of each
value) the elements to write are known once: :class:`Shape` keeps their tags in a list with gaps for the
values, and the few values to convert or write by hand, so that a record is written by a handful of
operations in C instead of a Python loop over its fields.

The meaning is exactly the field-by-field loop's (``WireWriter._children`` in :mod:`suitetalk.codec.wire`):
each position is classified by the same rules from its element's writing mode and its value's type, and
whatever is not a plain string, flag or number (an enumeration, a date, a reference, a repeated element)
is written by the same methods. Strings are checked for characters to escape or refuse all at once; if any
has one, the record is written field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

__all__ = ["BOOL", "COMPLEX", "NUMBER", "REPEATED", "SIMPLE", "STRING", "Shape", "ShapeBook", "is_clean"]

#: How a field is written. The first three have a fast path for the usual Python type (a str, a bool, an
#: int or float) and go through the converter otherwise; then any other simple value (an enumeration's),
#: a complex value, a repeated element.
STRING, BOOL, NUMBER, SIMPLE, COMPLEX, REPEATED = range(6)

#: Most shapes kept per type; past it, other shapes are written field by field (a workload whose every
#: record sets other fields gains nothing from templates and must not grow memory without end).
MAX_SHAPES = 64

#: A function from a value's field list to the tuple of the items set.
Getter = Callable[[list[Any]], tuple[Any, ...]]


def is_clean(text: str, special: Callable[[str], Any]) -> bool:
    """Whether ``text`` needs no escaping and holds nothing XML refuses (``special`` finds what does).

    A printable string (no control character, surrogate or non-character) without ``&``, ``<`` or ``>`` is
    clean; ``str.isprintable`` and ``in`` scan it in C several times faster than the regular expression,
    which decides the rest (tabs, line feeds, non-breaking spaces...).
    """
    if text.isprintable():
        return "&" not in text and "<" not in text and ">" not in text
    return special(text) is None


class Shape:
    """How to write the elements of one shape.

    ``buffer`` holds the tags, with a gap (``None``) for each value: a copy of it with the values in its
    gaps (``copy[1::2] = values``), once each of ``actions`` ((index in the values, mode, field)) has
    replaced its value by its text, joins into the elements' text. ``strings`` marks the plain string
    values, checked together (None if there are none); ``prefixes`` are the namespace prefixes the
    elements use, and ``repeated_prefix`` the type's main prefix when only repeated elements would mark it
    (the loop marks it only if an item is written).
    """

    __slots__ = ("actions", "buffer", "prefixes", "repeated_prefix", "strings")

    def __init__(
        self,
        positions: tuple[int, ...],
        kinds: tuple[type, ...],
        slots: tuple[Any, ...],
        main_prefix: str | None,
    ) -> None:
        buffer: list[str | None] = [""]
        strings: list[bool] = []
        actions: list[tuple[int, int, Any]] = []
        prefixes: set[str] = set()
        writes_always = False
        for i, (position, kind) in enumerate(zip(positions, kinds, strict=True)):
            _index, mode, start, end, other_prefix, field = slots[position]
            strings.append(mode == STRING and kind is str)
            if mode == REPEATED:
                start = end = ""  # the items' elements, written by the loop's method (maybe none)
                actions.append((i, REPEATED, field))
            else:
                writes_always = True
                if other_prefix is not None:
                    prefixes.add(other_prefix)
                if mode == COMPLEX:
                    start = end = ""  # the whole element, written by the loop's method
                    actions.append((i, COMPLEX, field))
                elif mode == BOOL and kind is bool:
                    actions.append((i, BOOL, field))  # true / false
                elif mode == NUMBER and (kind is float or kind is int):
                    actions.append((i, NUMBER, field))  # its str(), as the loop writes it
                elif not (mode == STRING and kind is str):
                    actions.append((i, SIMPLE, field))  # through the converter, as the loop does
            buffer[-1] += start
            buffer += [None, end]
        if writes_always and main_prefix is not None:
            prefixes.add(main_prefix)
        self.buffer = buffer
        self.strings = tuple(strings) if any(strings) else None
        self.actions = tuple(actions)
        self.prefixes = frozenset(prefixes)
        self.repeated_prefix = None if writes_always else main_prefix


class ShapeBook:
    """The shapes met for one type: by the positions set, a getter and the shapes by the values' types."""

    __slots__ = ("_by_positions", "_count")

    def __init__(self) -> None:
        self._by_positions: dict[
            tuple[int, ...], tuple[tuple[int, ...], Getter, dict[tuple[type, ...], Shape]]
        ] = {}
        self._count = 0

    def lookup(
        self, positions: tuple[int, ...], slots: tuple[Any, ...]
    ) -> tuple[tuple[int, ...], Getter, dict[tuple[type, ...], Shape]] | None:
        """For the ``positions`` set in a value's field list: those of elements (``slots`` says which), the
        getter of their values and the shapes known for them; None when the book is full."""
        found = self._by_positions.get(positions)
        if found is None:
            if self._count >= MAX_SHAPES:
                return None
            self._count += 1
            elements = tuple(position for position in positions if slots[position] is not None)
            found = self._by_positions[positions] = (elements, _getter(elements), {})
        return found

    def add(self, shapes: dict[tuple[type, ...], Shape], kinds: tuple[type, ...], shape: Shape) -> bool:
        """Keep ``shape`` for ``kinds`` in ``shapes`` (from :meth:`lookup`); False when the book is full."""
        if self._count >= MAX_SHAPES:
            return False
        self._count += 1
        shapes[kinds] = shape
        return True


def _getter(positions: tuple[int, ...]) -> Getter:
    """A function from a field list to the tuple of its items at ``positions`` (always a tuple)."""
    if len(positions) >= 2:
        return itemgetter(*positions)
    if len(positions) == 1:
        position = positions[0]
        return lambda values: (values[position],)
    return lambda values: ()
