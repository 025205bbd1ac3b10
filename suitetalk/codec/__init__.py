"""The codec: NetSuite's XML read and written with lxml, driven by a schema map compiled from the WSDL.

zeep loads the WSDL, stays the reference the codec is tested against, and handles whatever the codec does not
cover (``Client.call``, faults, rarer operations). The codec handles the hot paths: the answers of get,
getList, search and searchMoreWithId and of the write operations (:class:`~suitetalk.codec.reader.Reader`),
and the write requests (:class:`~suitetalk.codec.writer.Writer`).

- :mod:`~suitetalk.codec.schema_map`: the compiled schema (types -> fields -> kinds), JSON-serialisable;
- :mod:`~suitetalk.codec.reader`: XML -> zeep-compatible values (:class:`~suitetalk.codec.values.CodecValue`);
- :mod:`~suitetalk.codec.plain`: XML -> plain data, what ``to_plain`` gives for the reader's values, without
  making them (``Client.search(plain=True)``);
- :mod:`~suitetalk.codec.stream`: pages (search, getList) read while they are parsed, each record freed once
  read;
- :mod:`~suitetalk.codec.writer`: values (zeep's, the codec's, plain mappings) -> request envelopes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from .plain import PlainReader
from .schema_map import SchemaMap, SchemaMapError, compile_schema_map
from .stream import STREAMED_ITEMS, AnswerStream
from .values import CodecValue, value_class

__all__ = [
    "READ_OPERATIONS",
    "WRITE_OPERATIONS",
    "Codec",
    "CodecValue",
    "SchemaMap",
    "SchemaMapError",
    "compile_schema_map",
]

#: Operations whose answers the codec reads (and whose requests it writes).
READ_OPERATIONS = WRITE_OPERATIONS = frozenset(
    {
        "get",
        "getList",
        "search",
        "searchMoreWithId",
        "add",
        "addList",
        "update",
        "updateList",
        "upsert",
        "upsertList",
        "delete",
        "deleteList",
    }
)


class Codec:
    """Reader and writer of one endpoint version's XML.

    ``zeep_type`` resolves a type key to zeep's type object; it is called only when a value's ``_xsd_type``
    is asked for (zeep's model is then loaded if it was not already).
    """

    def __init__(self, schema: SchemaMap, zeep_type: Callable[[str], Any]) -> None:
        from .reader import Reader
        from .wire import WireWriter
        from .writer import Writer

        self.schema = schema
        self.version = schema.version
        self._zeep_type = zeep_type
        self.reader = Reader(schema, zeep_type)
        self.writer = Writer(schema)
        #: The writer of the requests the client sends (bytes, the same meaning as ``writer``'s trees).
        self.wire = WireWriter(self.writer)
        #: Reads the same XML straight into plain data (``to_plain``'s form), for ``search(plain=True)``.
        self.plain = PlainReader(self.reader)
        self._streams: dict[tuple[str, bool], AnswerStream] = {}

    def __repr__(self) -> str:
        return f"Codec(version={self.version!r})"

    def value_class_for(self, key: str) -> type[CodecValue] | None:
        """The codec's value class of the complex type ``key`` (a Clark name): built by keyword as zeep's
        type is, and behaving as zeep's object; ``None`` if the schema map has no such complex type."""
        try:
            info = self.schema.type(key)
        except SchemaMapError:
            return None
        return value_class(info, self._zeep_type)

    def response_reader(self, operation: str) -> Callable[[etree._Element], Any] | None:
        """A ``read_body`` for :func:`~suitetalk.transport.send`: the response element of ``operation``
        read as zeep's response body; ``None`` if the codec does not cover the operation."""
        if operation not in READ_OPERATIONS or operation not in self.schema.operations:
            return None
        expected = self.schema.operation(operation).response
        reader = self.reader

        def read_body(element: etree._Element) -> Any:
            if element.tag != expected:
                # The transport reports an answer it cannot read as lost (it may have been executed).
                raise ValueError(f"{operation}: expected <{expected}> in the answer, got <{element.tag}>")
            return reader.read(element)

        return read_body

    def answer_stream(self, operation: str, *, plain: bool = False) -> AnswerStream | None:
        """A ``stream_body`` for :func:`~suitetalk.transport.send`: answers of ``operation`` read while they
        are parsed (:mod:`~suitetalk.codec.stream`); ``None`` if the operation's answers are not read so.

        ``plain``: the page's items (records, rows) are read as plain data (:mod:`~suitetalk.codec.plain`),
        the rest of the answer as usual."""
        if operation not in STREAMED_ITEMS or self.response_reader(operation) is None:
            return None
        stream = self._streams.get((operation, plain))
        if stream is None:
            items = self.plain.read_item if plain else self.reader.read_item
            stream = self._streams[(operation, plain)] = AnswerStream(self.reader, operation, items)
        return stream

    def request_builder(
        self, operation: str
    ) -> Callable[[str, Mapping[str, Any], Mapping[str, Any]], bytes] | None:
        """A ``build_body`` for :func:`~suitetalk.transport.send` (the request envelope's bytes, written by
        the codec); ``None`` if the codec does not cover ``operation``."""
        if operation not in WRITE_OPERATIONS or operation not in self.schema.operations:
            return None
        return self.wire.envelope
