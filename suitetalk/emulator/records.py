"""Records between the wire and the store: canonical XML bodies, merging, and the search index.

A stored body is the record's own XML with its fields in schema order, NetSuite's namespace prefixes
(``listRel``, ``platformCore``...) declared once on the root, every ``xsi:type`` rewritten to those
prefixes, and nothing the emulator itself owns: the internal and external ids and the creation and
modification dates come from the store and are put in when the record is read. So a body never disagrees
with the store, and bodies written by one client (whatever prefixes it used) read back the same for all.

Merging follows NetSuite's ``update``: a field sent replaces the stored one; ``nullFieldList`` clears
fields (or custom fields, by script id); ``customFieldList`` merges by script id; a sublist (``itemList``...)
is replaced, unless it carries ``replaceAll="false"``, in which case a line with a ``line`` number (an address
book entry with an ``internalId``) updates the stored line with that key field by field, and other lines are
added.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from ..faults import FaultElement
from ..namespaces import XSI
from .bundle import FieldKind, QName, RecordTypeInfo, SchemaModel
from .criteria import FieldValue
from .soap import SoapError
from .storage import StoredRecord

XSI_TYPE = f"{{{XSI}}}type"
CUSTOM_FIELD_PREFIX = "customField:"

_TRUE = frozenset({"true", "1"})


class RecordError(Exception):
    """A per-record failure reported in the record's status, with NetSuite's status detail code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Incoming:
    """A request record in stored form, with the instructions that came with it."""

    root: etree._Element
    null_names: list[str]
    """Fields (or custom fields, by script id) listed in ``nullFieldList``: to clear."""
    appended_lists: frozenset[str]
    """Sublists sent with ``replaceAll="false"``: to merge line by line instead of replacing."""


class Field:
    """A top-level field element of a record, copied as it is."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.tag = tag = element.tag
        self.name = tag[tag.rfind("}") + 1 :]

    @property
    def items(self) -> list[etree._Element]:
        return [c for c in self.element if isinstance(c.tag, str)]

    def elements(self) -> list[etree._Element]:
        return [self.element]


class Composite:
    """A list field assembled from items of several documents (a merged sublist or custom field list)."""

    def __init__(self, tag: str, items: list[etree._Element]) -> None:
        self.tag = tag
        self.name = etree.QName(tag).localname
        self.items = items

    def elements(self) -> list[etree._Element]:
        return self.items


Child = Field | Composite


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return etree.QName(el).localname  # a comment or processing instruction: lxml says why
    # Cut from the Clark notation ({ns}local) directly: QName() costs a C object per call, and this runs
    # for every element of every record written or read.
    return tag[tag.rfind("}") + 1 :]


def namespace_of(tag: str) -> str | None:
    """The namespace of a Clark-notation tag (``{ns}local``), ``None`` when it has none."""
    return tag[1 : tag.index("}")] if tag[:1] == "{" else None


def resolve_qname(el: etree._Element, value: str) -> QName:
    """A ``prefix:local`` value (an ``xsi:type``) resolved against ``el``'s in-scope namespaces."""
    prefix, _, local = value.strip().rpartition(":")
    return (el.nsmap.get(prefix or None) or "", local)


def parse_datetime(text: str) -> datetime | None:
    """An ``xsd:dateTime`` as an aware datetime (UTC when it has no offset), or ``None``."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def format_datetime(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RecordCodec:
    """Turns request records into stored bodies and index fields, and stored records into response XML."""

    def __init__(self, schema: SchemaModel) -> None:
        self.schema = schema
        self.core = schema.core_ns
        self.prefixes = dict(schema.prefixes)
        self._local = threading.local()

    # ------------------------------------------------------------------------------------------ types

    def record_info(self, el: etree._Element) -> RecordTypeInfo:
        """The record type named by ``el``'s ``xsi:type``; a SOAP fault if the bundle has no such type."""
        value = el.get(XSI_TYPE)
        if not value:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                "A record must name its type with xsi:type (for example listRel:Customer).",
            )
        qn = resolve_qname(el, value)
        info = self.schema.record_types_by_qname.get(qn)
        if info is None:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"Unknown record type {{{qn[0]}}}{qn[1]}: this endpoint's schema defines no such record.",
                faultstring=f"org.xml.sax.SAXException: No deserializer for {{{qn[0]}}}{qn[1]}",
            )
        return info

    def prefix_for(self, namespace: str, taken: dict[str, str]) -> str:
        prefix = self.prefixes.get(namespace)
        if prefix is None or (prefix in taken and taken[prefix] != namespace):
            prefix = f"ns{len(taken)}"
        return prefix

    # -------------------------------------------------------------------------------------- building

    def _build(self, info: RecordTypeInfo, children: Iterable[Child]) -> etree._Element:
        """A canonical record root holding copies of ``children``, sorted in schema order.

        Children are copied, never moved, so each ``xsi:type`` is still resolved against the namespaces in
        scope where it was written.
        """
        position, last = info.position, len(info.position)
        ordered = sorted(children, key=lambda c: position.get(c.name, last))
        nsmap: dict[str, str] = {"xsi": XSI, "platformCore": self.core}
        nsmap[self.prefix_for(info.namespace, nsmap)] = info.namespace
        declared = set(nsmap.values())
        for child in ordered:
            for el in child.elements():
                for node in el.iter(etree.Element) if len(el) else (el,):
                    ns = namespace_of(node.tag)
                    if ns and ns not in declared:
                        nsmap[self.prefix_for(ns, nsmap)] = ns
                        declared.add(ns)
                    if node.get(XSI_TYPE) is not None:
                        ns = _xsi_type_ns(node)
                        if ns and ns not in declared:
                            nsmap[self.prefix_for(ns, nsmap)] = ns
                            declared.add(ns)
        root = etree.Element(f"{{{self.core}}}record", nsmap=nsmap)
        root.set(XSI_TYPE, f"{self._prefix_in(nsmap, info.namespace)}:{info.name}")
        by_ns = {ns: prefix for prefix, ns in nsmap.items()}
        for child in ordered:
            if isinstance(child, Composite):
                wrapper = etree.SubElement(root, child.tag)
                for item in child.items:
                    self._copy(item, wrapper, by_ns)
            else:
                self._copy(child.element, root, by_ns, top=True)
        return root

    @staticmethod
    def _prefix_in(nsmap: Mapping[str, str], namespace: str) -> str:
        return next(p for p, ns in nsmap.items() if ns == namespace)

    def _copy(
        self, src: etree._Element, parent: etree._Element, by_ns: Mapping[str, str], *, top: bool = False
    ) -> None:
        new = etree.SubElement(parent, src.tag)
        # items() and len() rather than the attribute mapping and a list of children: most elements are
        # leaves without attributes, and this runs for every element of every record written.
        for key, raw in src.items():
            value = str(raw)
            if key == XSI_TYPE:
                ns, local = resolve_qname(src, value)
                value = f"{by_ns[ns]}:{local}" if ns in by_ns else local
            elif top and key == "replaceAll":
                continue  # an instruction of the request, not part of the record
            new.set(key, value)
        if len(src):
            children = [c for c in src if isinstance(c.tag, str)]
            if children:
                for child in children:
                    self._copy(child, new, by_ns)
                return
        new.text = src.text

    def canonical(self, info: RecordTypeInfo, src: etree._Element) -> Incoming:
        """The stored form of a request record, with the instructions that came with it.

        Unknown elements are refused as NetSuite's deserializer refuses them (a SOAP fault); fields the
        emulator sets itself (creation and modification dates) are dropped.
        """
        owned = {info.created_field, info.modified_field}
        children: list[Child] = []
        null_names: list[str] = []
        appended: set[str] = set()
        by_tag = info.by_tag
        for child in src.iterchildren(etree.Element):
            field = by_tag.get(child.tag)  # by qualified tag: the name and its namespace both match
            if field is None:
                name = local_name(child)
                raise SoapError(
                    FaultElement.UNEXPECTED_ERROR,
                    "USER_ERROR",
                    f"Invalid element {child.tag} in record type {info.name}.",
                    faultstring=f"org.xml.sax.SAXException: Invalid element in {info.name} - {name}",
                )
            name = field.name
            if field.kind is FieldKind.NULL_FIELDS:
                null_names.extend((n.text or "").strip() for n in child if isinstance(n.tag, str))
            elif name not in owned:
                children.append(Field(child))
                if field.kind is FieldKind.LIST and child.get("replaceAll", "").strip() in ("false", "0"):
                    appended.add(name)
        return Incoming(self._build(info, children), [n for n in null_names if n], frozenset(appended))

    def merge(self, info: RecordTypeInfo, stored: etree._Element, incoming: Incoming) -> etree._Element:
        """``stored`` (canonical) updated by ``incoming`` as NetSuite's ``update`` does."""
        current: dict[str, Child] = {local_name(c): Field(c) for c in stored}
        for el in incoming.root:
            name = local_name(el)
            kind = info.by_name[name].kind
            previous = current.get(name)
            if previous is not None and kind is FieldKind.CUSTOM_FIELDS:
                current[name] = _merge_custom_fields(previous, el)
            elif previous is not None and kind is FieldKind.LIST and name in incoming.appended_lists:
                current[name] = _merge_lines(previous, el, self._line_positions(info.by_name[name].type))
            else:
                current[name] = Field(el)
        for name in incoming.null_names:
            if name in info.by_name:
                current.pop(name, None)
            elif "customFieldList" in current:
                custom = current["customFieldList"]
                kept = [cf for cf in custom.items if name not in (cf.get("scriptId"), cf.get("internalId"))]
                current["customFieldList"] = Composite(custom.tag, kept)
        return self._build(info, current.values())

    def _line_positions(self, list_type: QName) -> Mapping[str, int]:
        """Element name -> position in the line type of a sublist (empty when it is not a list of lines)."""
        elements = self.schema.all_elements(list_type)
        if len(elements) != 1:
            return {}
        return {name: i for i, (name, _, _) in enumerate(self.schema.all_elements(elements[0][1]))}

    # -------------------------------------------------------------------------------------- storing

    @staticmethod
    def to_bytes(root: etree._Element) -> bytes:
        return etree.tostring(root, encoding="UTF-8", xml_declaration=False)

    def from_bytes(self, body: bytes) -> etree._Element:
        # Stored bodies were written by the emulator itself; a parser per thread, as lxml requires.
        parser: etree.XMLParser | None = getattr(self._local, "parser", None)
        if parser is None:
            parser = self._local.parser = etree.XMLParser(
                resolve_entities=False, no_network=True, huge_tree=True
            )
        return etree.fromstring(body, parser)

    def index(self, info: RecordTypeInfo, root: etree._Element) -> dict[str, FieldValue]:
        """The flat search index of a canonical record: body fields by name, custom fields by script id, and
        the internal ids referred to by sublist lines as ``list.field`` (``itemList.item``)."""
        fields: dict[str, FieldValue] = {}
        by_tag, by_name = info.by_tag, info.by_name
        for child in root:
            field = by_tag.get(child.tag)  # a canonical body's fields are the type's own tags
            if field is None:
                if not isinstance(child.tag, str):
                    continue
                field = by_name.get(local_name(child))
                if field is None:
                    continue
            name = field.name
            if field.kind is FieldKind.CUSTOM_FIELDS:
                for cf in child:
                    key = cf.get("scriptId") or cf.get("internalId")
                    if key:
                        fields[CUSTOM_FIELD_PREFIX + key] = _custom_value(cf)
            elif field.kind is FieldKind.LIST:
                # The references of the lines (``itemList.item``), for joins such as itemJoin.
                for line in child:
                    for value in line if isinstance(line.tag, str) else ():
                        ref = value.get("internalId") if isinstance(value.tag, str) else None
                        if ref:
                            ids = fields.setdefault(f"{name}.{local_name(value)}", [])
                            if isinstance(ids, list) and ref not in ids:
                                ids.append(ref)
            elif field.kind not in (FieldKind.COMPLEX, FieldKind.NULL_FIELDS):
                fields[name] = scalar(field.kind, child)
        return fields

    # -------------------------------------------------------------------------------------- reading

    def render(
        self,
        info: RecordTypeInfo,
        stored: StoredRecord,
        tag: str,
        *,
        body_fields_only: bool = False,
    ) -> etree._Element:
        """The record as a response element named ``tag``, with ids and dates from the store."""
        root = self.from_bytes(stored.body)
        root.tag = tag
        root.set("internalId", stored.internal_id)
        if stored.external_id is not None:
            root.set("externalId", stored.external_id)
        if body_fields_only and info.list_tags:
            for child in [c for c in root if c.tag in info.list_tags]:
                root.remove(child)
        positions = info.tag_position
        order: list[int] | None = None
        for name, moment in (
            (info.created_field, stored.created),
            (info.modified_field, stored.last_modified),
        ):
            if name is not None:
                field_tag = info.by_name[name].tag
                if order is None:
                    order = [positions.get(c.tag, 0) for c in root]
                index = bisect.bisect_right(order, positions[field_tag])
                stamp = etree.Element(field_tag)
                stamp.text = format_datetime(moment)
                root.insert(index, stamp)
                order.insert(index, positions[field_tag])
        return root


def _xsi_type_ns(el: etree._Element) -> str | None:
    value = el.get(XSI_TYPE)
    return resolve_qname(el, value)[0] if value else None


def scalar(kind: FieldKind, el: etree._Element) -> FieldValue:
    """The index value of one field element."""
    if kind is FieldKind.STRING or kind is FieldKind.ENUM:  # most fields: their text as it is
        return el.text or ""
    if kind is FieldKind.REF:
        return el.get("internalId") or None
    if kind in (FieldKind.LIST, FieldKind.COMPLEX, FieldKind.CUSTOM_FIELDS, FieldKind.NULL_FIELDS):
        return None
    text = (el.text or "").strip()
    if kind is FieldKind.BOOLEAN:
        return text.lower() in _TRUE
    if kind is FieldKind.LONG:
        try:
            return int(text)
        except ValueError:
            return None
    if kind is FieldKind.DOUBLE:
        try:
            number = float(text)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    if kind is FieldKind.DATE:
        return parse_datetime(text)
    return el.text or ""


_CUSTOM_KINDS = {
    "StringCustomFieldRef": FieldKind.STRING,
    "LongCustomFieldRef": FieldKind.LONG,
    "DoubleCustomFieldRef": FieldKind.DOUBLE,
    "BooleanCustomFieldRef": FieldKind.BOOLEAN,
    "DateCustomFieldRef": FieldKind.DATE,
}


def _custom_value(cf: etree._Element) -> FieldValue:
    kind_name = resolve_qname(cf, cf.get(XSI_TYPE, ""))[1]
    values = [v for v in cf if isinstance(v.tag, str) and local_name(v) == "value"]
    if kind_name == "SelectCustomFieldRef":
        return values[0].get("internalId") if values else None
    if kind_name == "MultiSelectCustomFieldRef":
        return [v.get("internalId", "") for v in values if v.get("internalId")]
    if not values:
        return None
    return scalar(_CUSTOM_KINDS.get(kind_name, FieldKind.STRING), values[0])


def _merge_custom_fields(stored: Child, incoming: etree._Element) -> Composite:
    def key(cf: etree._Element) -> str | None:
        return cf.get("scriptId") or cf.get("internalId")

    merged: dict[str | None, etree._Element] = {key(cf): cf for cf in stored.items}
    extra: list[etree._Element] = []
    for cf in incoming:
        if not isinstance(cf.tag, str):
            continue
        k = key(cf)
        if k is None:
            extra.append(cf)
        else:
            merged[k] = cf
    return Composite(incoming.tag, [*merged.values(), *extra])


def _line_key(el: etree._Element) -> str | None:
    """What names a line across updates: its ``line`` number, or an address book entry's ``internalId``."""
    for name in ("line", "internalId"):
        for child in el:
            if isinstance(child.tag, str) and local_name(child) == name:
                return f"{name}={(child.text or '').strip()}" if (child.text or "").strip() else None
    return None


#: Line fields NetSuite derives from others: sending a new quantity or rate without an amount recomputes it.
_DERIVED_AMOUNT = ("quantity", "rate")


def _merge_line(
    stored: etree._Element, incoming: etree._Element, positions: Mapping[str, int]
) -> etree._Element:
    """One line updated by the fields sent for it: those replace the stored ones, the others are kept.

    The result is a new element holding copies; every ``xsi:type`` in them is rewritten against the new
    element's namespace declarations, since the copies no longer sit where those prefixes were declared.
    """
    sent = {local_name(c): c for c in incoming if isinstance(c.tag, str)}
    kept = [
        c
        for c in stored
        if isinstance(c.tag, str)
        and local_name(c) not in sent
        and not (
            local_name(c) == "amount" and "amount" not in sent and any(n in sent for n in _DERIVED_AMOUNT)
        )
    ]
    nsmap: dict[str, str] = {p: ns for p, ns in stored.nsmap.items() if p is not None}
    for ns in incoming.nsmap.values():
        if ns not in nsmap.values():
            nsmap[f"m{len(nsmap)}"] = ns
    prefix_of = {ns: p for p, ns in nsmap.items()}
    merged = etree.Element(incoming.tag, nsmap=nsmap)
    for key, value in incoming.attrib.items():
        merged.set(key, value)
    children = sorted([*kept, *sent.values()], key=lambda c: positions.get(local_name(c), len(positions)))
    for child in children:
        types = [
            resolve_qname(n, n.get(XSI_TYPE, "")) if isinstance(n.tag, str) and n.get(XSI_TYPE) else None
            for n in child.iter()
        ]
        clone = copy.deepcopy(child)
        merged.append(clone)
        for node, qn in zip(clone.iter(), types, strict=True):
            if qn is not None and qn[0] in prefix_of:
                node.set(XSI_TYPE, f"{prefix_of[qn[0]]}:{qn[1]}")
    return merged


def _merge_lines(stored: Child, incoming: etree._Element, positions: Mapping[str, int]) -> Composite:
    lines = list(stored.items)
    index = {key: i for i, key in enumerate(map(_line_key, lines)) if key is not None}
    for el in incoming:
        if not isinstance(el.tag, str):
            continue
        key = _line_key(el)
        if key is not None and key in index:
            lines[index[key]] = _merge_line(lines[index[key]], el, positions)
        else:
            lines.append(el)
    return Composite(incoming.tag, lines)
