"""Reading a page while it is parsed: each record freed as soon as it is read.

A search page parsed whole is a tree of about four times its bytes (NetSuite's answers are many small
elements), all of it alive before the first record is read. Here the answer is fed to lxml's pull parser in
chunks; each item of the page's list (a record, a search row, a ``getList`` read response) is read into its
value as soon as it is complete (when the next item starts, or the document ends), then emptied, so the
tree in memory is the envelope, the page's status and totals, and about one chunk's worth of elements. What
is left at the end (the envelope, with an empty element where each item was) is classified as any answer
is (see :func:`suitetalk.transport.send`), then read with the values already read put in place of the
emptied elements.

The reading is the reader's own (:meth:`~suitetalk.codec.reader.Reader.read_item`), with each item's
declared type, so a value read here is the value a whole parse gives. An item is read early only where that
is certain: its element sits exactly at the list's place in the envelope, and no element on the way says
another type (``xsi:type``); a value that the final reading does not use raises, and the caller then reads
the answer from a whole parse instead.

The parser refuses what the transport's parser refuses: no entity resolution, no DTD loading, no network.
A document with a DOCTYPE is refused when its first item starts, before anything is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..namespaces import SOAP_ENV, XSI
from .reader import Reader, paused_gc
from .schema_map import SchemaMap, TypeInfo

__all__ = ["STREAMED_ITEMS", "AnswerStream", "StreamAbandoned"]

#: Operations whose answers are read while parsed: field names from the response element to the list's
#: items. The client reads these answers for pages of up to 1000 records.
STREAMED_ITEMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "search": (("searchResult", "recordList", "record"), ("searchResult", "searchRowList", "searchRow")),
    "searchMoreWithId": (
        ("searchResult", "recordList", "record"),
        ("searchResult", "searchRowList", "searchRow"),
    ),
    "getList": (("readResponseList", "readResponse"),),
}

#: Bytes fed to the parser at a time: the tree in memory is about four times this, at most, beyond the
#: envelope. Larger chunks were measured no faster, smaller ones slightly slower.
CHUNK_BYTES = 64 * 1024

_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"
_XSI_TYPE = f"{{{XSI}}}type"

#: The result of a stream: the envelope (items emptied) and a ``read_body`` for its response element.
Streamed = tuple[etree._Element, Callable[[etree._Element], Any]]


class StreamAbandoned(ValueError):
    """The answer is not one this reading covers (a DOCTYPE, an item left unused): read it whole instead."""


@dataclass(frozen=True)
class _ItemPath:
    #: Tags from the item's parent up to the response element (nearest first).
    ancestors: tuple[str, ...]
    item: str
    declared: TypeInfo


def _item_paths(schema: SchemaMap, response: str, fields: Iterable[tuple[str, ...]]) -> list[_ItemPath]:
    paths = []
    for names in fields:
        info = schema.element_type(response)
        tags = [response]
        for name in names:
            element = info.by_name[name]
            tags.append(element.tag)
            info = schema.type(element.kind)
        paths.append(_ItemPath(tuple(reversed(tags[:-1])), tags[-1], info))
    return paths


class AnswerStream:
    """Reads one operation's answers while they are parsed; one instance serves every answer (and thread)."""

    def __init__(self, reader: Reader, operation: str) -> None:
        schema = reader.schema
        self.operation = operation
        response = schema.operation(operation).response
        if response is None:
            raise ValueError(f"{operation} has no response element")
        self.expected = response
        self._reader = reader
        paths = _item_paths(schema, response, STREAMED_ITEMS[operation])
        self._paths = {path.item: path for path in paths}

    def __call__(self, content: bytes) -> Streamed:
        """Parse ``content``, reading items as they complete; the envelope and its response's reader.

        Raises lxml's ``XMLSyntaxError`` for XML that is not well-formed, :class:`StreamAbandoned` for a
        DOCTYPE, and whatever reading an item raises.
        """
        # Start events only: lxml intercepts one callback per element for them, two for end events (a
        # third of the parse's time). An item is complete when the next item of its list starts, or at the
        # end of the document.
        parser = etree.XMLPullParser(
            events=("start",),
            tag=list(self._paths),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=True,
        )
        preread: dict[etree._Element, Any] = {}
        resolved: dict[str, TypeInfo] = {}
        lists: set[etree._Element] = set()
        started: dict[etree._Element | None, etree._Element] = {}  # parent -> its item being parsed

        def take_started() -> None:
            for _event, element in _started(parser):
                if not started:
                    _refuse_doctype(element)  # before anything is read
                parent = element.getparent()
                previous = started.get(parent)
                if previous is not None:
                    self._take(previous, preread, resolved, lists)  # its next sibling started: complete
                started[parent] = element

        with paused_gc():
            for start in range(0, len(content), CHUNK_BYTES):
                parser.feed(content[start : start + CHUNK_BYTES])
                take_started()
            root = parser.close()
            take_started()
            for element in started.values():  # the last item of each list, complete now
                self._take(element, preread, resolved, lists)
        _refuse_doctype(root)
        reader, expected, operation = self._reader, self.expected, self.operation

        def read_body(answer: etree._Element) -> Any:
            if answer.tag != expected:
                raise ValueError(f"{operation}: expected <{expected}> in the answer, got <{answer.tag}>")
            value = reader.read(answer, preread=preread)
            if preread:
                # An item read early was not where the reading looked for it: this reading is not the
                # whole parse's, so it is not used.
                raise StreamAbandoned(f"{operation}: {len(preread)} item(s) read early were not used")
            return value

        return root, read_body

    def _take(
        self,
        element: etree._Element,
        preread: dict[etree._Element, Any],
        resolved: dict[str, TypeInfo],
        lists: set[etree._Element],
    ) -> None:
        """Read ``element`` and empty it, if it is an item at its list's place; else leave it in the tree.

        ``lists``: the list elements found at their place so far (a page has one: checked once).
        """
        path = self._paths[element.tag]
        parent = element.getparent()
        if parent not in lists:
            node = parent
            for tag in path.ancestors:
                if node is None or node.tag != tag or node.get(_XSI_TYPE) is not None:
                    return
                node = node.getparent()
            if node is None or node.tag != _BODY:
                return
            node = node.getparent()
            if node is None or node.tag != _ENVELOPE or node.getparent() is not None:
                return
            assert parent is not None  # the loop above returned otherwise
            lists.add(parent)
        preread[element] = self._reader.read_item(element, path.declared, resolved)
        element.clear()


def _started(parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
    """The parser's pending ``start`` events (the only kind it is asked for, each with its element)."""
    return parser.read_events()  # type: ignore[return-value]


def _refuse_doctype(element: etree._Element) -> None:
    if getattr(element.getroottree().docinfo, "doctype", ""):
        raise StreamAbandoned("a document type declaration (DOCTYPE) is never read")
