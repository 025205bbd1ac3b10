"""``getSelectValue``: the records a reference field may take, filtered by name and paged.

The field is named by ``recordType`` (or ``customRecordType``), ``field`` and, for a sublist field,
``sublist``. Values are the stored records of the types the field points to (see
:mod:`suitetalk.emulator.references`), as ``RecordRef``s with ``internalId``, ``type`` and ``name``, sorted by
name; ``filter`` keeps those whose name ``is``, ``contains`` or ``startsWith`` the filter value (ignoring
case). A reference field pointing at one of the lists kept beside records (subsidiary, currency, terms...,
see :mod:`suitetalk.emulator.lists`) lists that list's values, in the order they were added.
``filterByValueList`` (dependent fields in OneWorld accounts) is not applied.

Pages hold :data:`PAGE_SIZE` values. A page index below 1 fails with ``INVALID_PAGE_INDEX``; one past the last
page succeeds with no values, as NetSuite answers a page of a list that needs no paging.

Failures are the status of the result, with NetSuite's codes: ``RCRD_TYPE_REQD`` (no record type),
``INVALID_RCRD_TYPE`` (a type this schema does not define), ``FIELD_PARAM_REQD`` (no field),
``INVALID_SUBLIST_DESC`` (no such sublist), ``INVALID_FLD`` (no such field), ``INVALID_FLD_VALUE`` (an
unknown filter operator) and ``INVALID_FLD_TYP`` (a field that is not a reference: the emulator does not list
the values of enumerated fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .bundle import FieldInfo, FieldKind, RecordTypeInfo, SchemaModel
from .records import RecordError
from .references import References, record_name
from .responses import Detail, Ref, Responses
from .storage import RecordStore

#: Values per page of ``getSelectValue`` (NetSuite's page size for lists, as for searches and getDeleted).
PAGE_SIZE = 1000

_OPERATORS = ("is", "contains", "startsWith")


@dataclass(frozen=True)
class SelectField:
    """The field a ``GetSelectValueFieldDescription`` names."""

    owner: RecordTypeInfo
    field: FieldInfo
    custom_record_type: str | None = None


class SelectValues:
    """Answers ``getSelectValue`` from the store."""

    def __init__(
        self, schema: SchemaModel, store: RecordStore, references: References, responses: Responses
    ) -> None:
        self.schema = schema
        self.core = schema.core_ns
        self.store = store
        self.references = references
        self.r = responses

    def answer(self, result: etree._Element, description: etree._Element, page_text: str) -> None:
        """Fill ``getSelectValueResult`` for a ``fieldDescription`` and a ``pageIndex``."""
        try:
            page_index = int(page_text)
        except ValueError:
            page_index = 0
        try:
            if page_index < 1:
                raise RecordError(
                    "INVALID_PAGE_INDEX", f"Invalid page index {page_text!r}: pages start at 1."
                )
            target = self._field(description)
            refs = self._values(target, description)
        except RecordError as exc:
            self.r.status(result, [Detail(exc.code, exc.message)])
            return
        self.r.status(result)
        total = len(refs)
        self.r.core_child(result, "totalRecords", total)
        self.r.core_child(result, "totalPages", -(-total // PAGE_SIZE))
        listing = self.r.core_child(result, "baseRefList")
        start = (page_index - 1) * PAGE_SIZE
        for ref in refs[start : start + PAGE_SIZE]:
            self.r.ref(listing, f"{{{self.core}}}baseRef", ref)

    # ----------------------------------------------------------------------------------------- reading

    def _text(self, parent: etree._Element, name: str) -> str | None:
        node = parent.find(f"{{{self.core}}}{name}")
        if node is None:
            return None
        return (node.text or "").strip() or None

    def _field(self, description: etree._Element) -> SelectField:
        types = self.schema.record_types
        record_type = self._text(description, "recordType")
        custom = description.find(f"{{{self.core}}}customRecordType")
        custom_type: str | None = None
        if record_type is None and custom is not None:
            record_type, custom_type = "customRecord", custom.get("internalId")
        if record_type is None:
            raise RecordError("RCRD_TYPE_REQD", "getSelectValue needs the recordType of the field.")
        owner = types.get(record_type)
        if owner is None:
            raise RecordError(
                "INVALID_RCRD_TYPE", f"Unknown record type '{record_type}': this endpoint's schema has none."
            )
        name = self._text(description, "field")
        if name is None:
            raise RecordError("FIELD_PARAM_REQD", "getSelectValue needs the name of the field.")
        sublist = self._text(description, "sublist")
        fields = owner.by_name
        if sublist is not None:
            fields = self._line_fields(owner, sublist)
        field = fields.get(name)
        if field is None:
            where = f"sublist {sublist} of {owner.name}" if sublist else owner.name
            raise RecordError("INVALID_FLD", f"{where} has no field '{name}'.")
        if field.kind is not FieldKind.REF:
            raise RecordError(
                "INVALID_FLD_TYP",
                f"'{name}' is not a reference field; the emulator lists values of reference fields only.",
            )
        return SelectField(owner, field, custom_type)

    def _line_fields(self, owner: RecordTypeInfo, sublist: str) -> dict[str, FieldInfo]:
        field = owner.by_name.get(sublist)
        if field is None or field.kind is not FieldKind.LIST:
            raise RecordError("INVALID_SUBLIST_DESC", f"{owner.name} has no sublist '{sublist}'.")
        elements = self.schema.all_elements(field.type)
        if len(elements) != 1:
            raise RecordError("INVALID_SUBLIST_DESC", f"{owner.name}.{sublist} is not a list of lines.")
        line_type = elements[0][1]
        return {
            name: FieldInfo(name, line_type[0], type_qn, self.schema.field_kind(type_qn), repeated)
            for name, type_qn, repeated in self.schema.all_elements(line_type)
        }

    # ------------------------------------------------------------------------------------------ values

    def _values(self, target: SelectField, description: etree._Element) -> list[Ref]:
        matches = self._filter(description)
        refs: list[Ref] = []
        list_type = self.references.list_for_field(target.field.name)
        targets = self.references.targets(target.owner, target.field.name)
        if not targets and list_type is not None and self.references.lists is not None:
            return [
                Ref(list_type, value.internal_id, None, None, value.name)
                for value in self.references.lists.values(list_type)
                if matches is None or matches(value.name)
            ]
        for record_type in targets:
            for stored in self.store.get_many(record_type, self.store.search(record_type, [])):
                name = record_name(stored.fields)
                if matches is not None and (name is None or not matches(name)):
                    continue
                custom = None
                if record_type == "customRecord":
                    custom = str(stored.fields.get("recType") or "") or None
                    if target.custom_record_type not in (None, custom):
                        continue  # the parent of a custom record is one of its own custom type
                refs.append(Ref(record_type, stored.internal_id, None, custom, name))
        # Named values in name order, as NetSuite lists them; unnamed ones last, by id.
        refs.sort(
            key=lambda r: (r.name is None, (r.name or "").casefold(), r.record_type, int(r.internal_id))
        )
        return refs

    def _filter(self, description: etree._Element) -> _Matcher | None:
        node = description.find(f"{{{self.core}}}filter")
        if node is None:
            return None
        operator = node.get("operator", "")
        if operator not in _OPERATORS:
            raise RecordError(
                "INVALID_FLD_VALUE",
                f"Unknown filter operator '{operator}': use one of {', '.join(_OPERATORS)}.",
            )
        value_node = node.find(f"{{{self.core}}}filterValue")
        wanted = (value_node.text or "") if value_node is not None else ""
        return _Matcher(operator, wanted.casefold())


@dataclass(frozen=True)
class _Matcher:
    operator: str
    value: str

    def __call__(self, name: str) -> bool:
        folded = name.casefold()
        if self.operator == "is":
            return folded == self.value
        if self.operator == "startsWith":
            return folded.startswith(self.value)
        return self.value in folded
