"""Reading a page while it is parsed: each record freed as soon as it is read.

A search page parsed whole is a tree of about four times its bytes (NetSuite's answers are many small
elements), all of it alive before the first record is read. Here the answer is fed to lxml's pull parser in
chunks; each item of the page's list (a record, a search row, a ``getList`` read response) is read into its
value as soon as it is complete (when the next one has started, or the document has ended), then emptied,
so the tree in memory is the envelope, the page's status and totals, and about one chunk's worth of
elements. What is left at the end (the envelope, with an empty element where each item was) is classified
as any answer is (see :func:`suitetalk.transport.send`), then read with the values already read put in
place of the emptied elements.

The reading is the reader's own (:meth:`~suitetalk.codec.reader.Reader.read_item`), with each item's
declared type, so a value read here is the value a whole parse gives. An item is read early only where that
is certain: its list is found at its place in the envelope (the first element of each name on the way, as
the reader reads them), and no element on the way says another type (``xsi:type``); a value that the final
reading does not use raises, and the caller then reads the answer from a whole parse instead.

How the tree is reached while it is built: the parser is given a comment (:data:`MARK`) before the
document's root and asked for comment events only. The comment's event is a handle on the document from
which the root, and the lists, are found after each chunk. Start or end events would do the same, but lxml
then intercepts one callback per element, taking and releasing the interpreter lock each time: that was a
third of the page's parse, a tenth of its whole reading.

The parser refuses what the transport's parser refuses: no entity resolution, no DTD loading, no network.
A document with a DOCTYPE is refused as soon as its root starts, before anything is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..namespaces import SOAP_ENV, XSI
from .reader import Reader, paused_gc
from .schema_map import SchemaMap, TypeInfo

__all__ = ["MARK", "STREAMED_ITEMS", "AnswerStream", "StreamAbandoned"]

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
#: envelope. Smaller and larger chunks were measured no faster.
CHUNK_BYTES = 64 * 1024

#: The comment given to the parser before the document's root (see the module's description). It stays
#: in the envelope that is classified, beside the root, where nothing looks.
MARK = b"<!---->"

_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"
_XSI_TYPE = f"{{{XSI}}}type"
_SPACE = frozenset(b" \t\r\n")

#: The result of a stream: the envelope (items emptied) and a ``read_body`` for its response element.
Streamed = tuple[etree._Element, Callable[[etree._Element], Any]]


class StreamAbandoned(ValueError):
    """The answer is not one this reading covers (a DOCTYPE, an item left unused): read it whole instead."""


@dataclass(frozen=True)
class _ItemPath:
    #: Tags from the response element down to the list (the items' parent).
    tags: tuple[str, ...]
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
        paths.append(_ItemPath(tuple(tags[:-1]), tags[-1], info))
    return paths


class _List:
    """One list of the page being read: where it is once found, and its last child taken care of."""

    __slots__ = ("element", "last", "path")

    def __init__(self, path: _ItemPath) -> None:
        self.path = path
        self.element: etree._Element | None = None
        self.last: etree._Element | None = None


class AnswerStream:
    """Reads one operation's answers while they are parsed; one instance serves every answer (and thread)."""

    def __init__(
        self,
        reader: Reader,
        operation: str,
        read_item: Callable[[etree._Element, TypeInfo, dict[str, TypeInfo]], Any] | None = None,
    ) -> None:
        """``read_item`` reads each item of a page (default: the reader's :meth:`~Reader.read_item`; the
        plain reader's gives plain data instead of records)."""
        schema = reader.schema
        self.operation = operation
        response = schema.operation(operation).response
        if response is None:
            raise ValueError(f"{operation} has no response element")
        self.expected = response
        self._reader = reader
        self._read_item = read_item or reader.read_item
        self._paths = _item_paths(schema, response, STREAMED_ITEMS[operation])

    def __call__(self, content: bytes) -> Streamed:
        """Parse ``content``, reading items as they complete; the envelope and its response's reader.

        Raises lxml's ``XMLSyntaxError`` for XML that is not well-formed, :class:`StreamAbandoned` for a
        DOCTYPE, and whatever reading an item raises.
        """
        at = _mark_at(content)
        parser = etree.XMLPullParser(
            events=("comment",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=True,
        )
        lists = [_List(path) for path in self._paths]
        preread: dict[etree._Element, Any] = {}
        resolved: dict[str, TypeInfo] = {}
        mark: etree._Element | None = None
        root: etree._Element | None = None
        with paused_gc():
            for piece in _pieces(content, at):
                parser.feed(piece)
                for _event, comment in _comments(parser):
                    mark = comment if mark is None else mark  # the first comment is the mark
                if root is None and mark is not None:
                    root = _root_after(mark)
                    if root is not None:
                        _refuse_doctype(root)  # before anything is read
                if root is not None:
                    self._take_complete(root, lists, preread, resolved, ended=False)
            envelope = parser.close()
            _refuse_doctype(envelope)
            self._take_complete(envelope, lists, preread, resolved, ended=True)
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

        return envelope, read_body

    def _take_complete(
        self,
        root: etree._Element,
        lists: list[_List],
        preread: dict[etree._Element, Any],
        resolved: dict[str, TypeInfo],
        ended: bool,
    ) -> None:
        """Read and empty the items of each list that are complete (all of them once ``ended``)."""
        for found in lists:
            if found.element is None:
                found.element = _list_in(root, found.path)
                if found.element is None:
                    continue
            child = found.element[0] if found.last is None and len(found.element) else None
            if found.last is not None:
                child = found.last.getnext()
            item, declared = found.path.item, found.path.declared
            while child is not None:
                following = child.getnext()
                if following is None and not ended:
                    break  # perhaps still being parsed
                if child.tag == item:
                    preread[child] = self._read_item(child, declared, resolved)
                    child.clear()
                found.last = child
                child = following


def _mark_at(content: bytes) -> int:
    """Where the mark goes: after the XML declaration (and a UTF-8 byte order mark), else at the start.

    A comment is allowed anywhere before the root. A document in an encoding that is not a superset of
    ASCII (UTF-16...) does not parse with it, and is then read whole by the caller, as any answer that
    fails here is.
    """
    start = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    after = content[start + 5 : start + 6]
    if content.startswith(b"<?xml", start) and after and after[0] in _SPACE:  # (not <?xml-stylesheet...)
        end = content.find(b"?>", start)  # the declaration's values cannot hold "?>"
        if end >= 0:
            return end + 2
    return start


def _pieces(content: bytes, at: int) -> Iterator[bytes]:
    yield content[:at] + MARK
    for start in range(at, len(content), CHUNK_BYTES):
        yield content[start : start + CHUNK_BYTES]


def _comments(parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
    """The parser's pending ``comment`` events (the only kind it is asked for, each with its comment)."""
    return parser.read_events()  # type: ignore[return-value]


def _root_after(mark: etree._Element) -> etree._Element | None:
    """The document's root once it has started (the first element after the mark), else ``None``."""
    node = mark.getnext()
    while node is not None and not isinstance(node.tag, str):
        node = node.getnext()  # another comment, or a processing instruction, before the root
    return node


def _list_in(root: etree._Element, path: _ItemPath) -> etree._Element | None:
    """The list of ``path`` in the envelope, once it has started: the first element of each name on the way,
    as the reader takes them, none of which says another type; else ``None``."""
    if root.tag != _ENVELOPE:
        return None
    node = root.find(_BODY)
    for tag in path.tags:
        node = None if node is None else node.find(tag)
        if node is None or node.get(_XSI_TYPE) is not None:
            return None
    return node


def _refuse_doctype(element: etree._Element) -> None:
    if getattr(element.getroottree().docinfo, "doctype", ""):
        raise StreamAbandoned("a document type declaration (DOCTYPE) is never read")
