"""The SOAP operations the emulator implements, one method each, over the record store.

Each operation takes the parsed request and returns the response element (``getResponse``...). A failure
of one record is reported in that record's status, with NetSuite's status detail code, and never stops
the other records of a list operation; a failure of the request as a whole is a :class:`SoapError`
(a SOAP fault). Operations of the WSDL that are not implemented answer a fault saying so.

``initialize``, ``getSelectValue`` and ``attach``/``detach`` live in their own modules
(:mod:`.initialize`, :mod:`.select_values`, :mod:`.attachments`); ``get``, ``getList``, ``getAll`` and
``initialize`` fill the ``name`` of the references they return (:mod:`.references`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from lxml import etree

from ..faults import FaultElement
from .async_jobs import AsyncJobs
from .attachments import Attachments
from .bundle import Bundle, RecordTypeInfo
from .clock import server_now
from .computed import Computations
from .criteria import CriterionError, FieldValue, predicate
from .initialize import Initializer
from .joins import Joins
from .lists import Lists
from .records import XSI_TYPE, Incoming, RecordCodec, RecordError, format_datetime, local_name, resolve_qname
from .references import References, record_name
from .responses import AfterSubmit, Detail, Ref, Responses, SentRef, WriteOutcome
from .rules import RuleBook, RuleFailure
from .saved_searches import SavedSearches
from .search import SearchRunner
from .search_sessions import SearchSessions
from .select_values import SelectValues
from .settings import EmulatorSettings
from .soap import SoapError, SoapRequest, response_element
from .storage import UNCHANGED, DeletedRecord, RecordStore, StoredRecord, StoreError

if TYPE_CHECKING:
    from .storage import Unchanged

T = TypeVar("T")
Revision = tuple[bytes, dict[str, FieldValue]]

#: Records per request NetSuite accepts in the synchronous list operations.
RECORD_LIMITS = {"addList": 200, "deleteList": 200, "updateList": 100, "upsertList": 100, "getList": 1000}
DELETED_PAGE_SIZE = 1000
#: Operations queued as jobs (:mod:`.async_jobs`) and answered with a job id.
ASYNC_OPERATIONS = (
    "asyncAddList",
    "asyncUpdateList",
    "asyncUpsertList",
    "asyncDeleteList",
    "asyncGetList",
    "asyncSearch",
)
#: Operations answered without a passport (NetSuite: getDataCenterUrls needs no authentication).
UNAUTHENTICATED = frozenset({"getDataCenterUrls"})


@dataclass(frozen=True)
class Parsed:
    """A request record read against the schema, not yet written."""

    info: RecordTypeInfo
    incoming: Incoming
    internal_id: str | None
    external_id: str | None


@dataclass(frozen=True)
class Target:
    """The record a ``baseRef`` names."""

    info: RecordTypeInfo
    internal_id: str | None
    external_id: str | None


def unsupported(operation: str) -> SoapError:
    return SoapError(
        FaultElement.UNEXPECTED_ERROR,
        "USER_ERROR",
        f"The SuiteTalk emulator does not implement the operation '{operation}'.",
    )


class Operations:
    """Dispatches a parsed request to the operation its body element names."""

    def __init__(
        self,
        bundle: Bundle,
        store: RecordStore,
        sessions: SearchSessions,
        settings: Callable[[], EmulatorSettings],
        base_url: Callable[[], str],
        validated_types: Iterable[str],
    ) -> None:
        self.bundle = bundle
        self.version = bundle.version
        self.store = store
        self.settings = settings
        self.base_url = base_url
        self.codec = RecordCodec(bundle.schema)
        self.r = Responses(self.version)
        self.msgs = self.r.msgs
        self.core = self.r.core
        self.search_runner = SearchRunner(bundle.schema, self.codec, store, sessions, self.r)
        record_types = bundle.schema.record_types
        self.validated = frozenset(t for t in validated_types if t in record_types)
        self.entity_types = frozenset(t for t in self.validated if record_types[t].has("entityId"))
        self.item_types = frozenset(t for t in self.validated if record_types[t].has("itemId"))
        types_ns = self.core.replace("urn:core_", "urn:types.core_")
        self.get_all_types = frozenset(bundle.schema.enum_values((types_ns, "GetAllRecordType")))
        # Contacts may share a name (NetSuite tells them apart by company): not checked for DUP_ENTITY.
        self.unique_entity_types = self.entity_types - {"contact"}
        self.lists = Lists(store)
        self.computations = Computations(bundle.schema, store)
        self.references = References(bundle.schema, store, sorted(self.validated), self.lists)
        self.search_runner.names = self.references.fill_names_many
        self.search_runner.field_id = self.lists.field_id
        self.search_runner.joins = Joins(bundle.schema, store, self.references)
        self.saved_searches = SavedSearches(bundle.schema, store)
        self.search_runner.saved = self.saved_searches
        self.initializer = Initializer(bundle.schema, self.codec, store, self.references)
        self.select_values = SelectValues(bundle.schema, store, self.references, self.r)
        self.attachments = Attachments(self.core, store, self._target, self._ref)
        self.rules = RuleBook(bundle.schema, self.version)
        self.rules.use(settings().rules)  # refuses, at start, rules that cannot apply to this schema
        self.handlers: dict[str, Callable[[SoapRequest], etree._Element]] = {
            "get": self.get,
            "getList": self.get_list,
            "add": self.add,
            "addList": self.add_list,
            "update": self.update,
            "updateList": self.update_list,
            "upsert": self.upsert,
            "upsertList": self.upsert_list,
            "delete": self.delete,
            "deleteList": self.delete_list,
            "search": self.search,
            "searchMoreWithId": self.search_more_with_id,
            "getServerTime": self.get_server_time,
            "getDeleted": self.get_deleted,
            "getAccountGovernanceInfo": self.get_account_governance_info,
            "getIntegrationGovernanceInfo": self.get_integration_governance_info,
            "getDataCenterUrls": self.get_data_center_urls,
            "getAll": self.get_all,
            "initialize": self.initialize,
            "initializeList": self.initialize_list,
            "getSelectValue": self.get_select_value,
            "getSavedSearch": self.get_saved_search,
            "attach": self.attach,
            "detach": self.detach,
        }
        self.async_jobs = AsyncJobs(self.version, lambda name: self.handlers[name], settings)
        for name in ASYNC_OPERATIONS:
            self.handlers[name] = self.async_jobs.submit
        self.handlers["checkAsyncStatus"] = self.async_jobs.check
        self.handlers["getAsyncResult"] = self.async_jobs.result

    # ------------------------------------------------------------------------------------- dispatch

    def dispatch(self, request: SoapRequest) -> etree._Element:
        op = self.bundle.operation_for(request.operation)
        if op is None:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"No such operation '{request.operation}' in this endpoint's WSDL.",
                faultstring=f"No such operation '{request.operation}'",
            )
        handler = self.handlers.get(op.name)
        if handler is None:
            raise unsupported(op.name)
        limit = RECORD_LIMITS.get(op.name)
        if limit is not None:
            count = sum(
                1 for c in request.body if isinstance(c.tag, str) and local_name(c) in ("record", "baseRef")
            )
            if count > limit:
                raise SoapError(
                    FaultElement.EXCEEDED_RECORD_COUNT,
                    "MAX_RCRDS_EXCEEDED",
                    f"{op.name} accepts at most {limit} records per request; this one has {count}.",
                )
        return handler(request)

    def _children(self, body: etree._Element, name: str) -> list[etree._Element]:
        return body.findall(f"{{{self.msgs}}}{name}")

    def _one(self, body: etree._Element, name: str) -> etree._Element:
        nodes = self._children(body, name)
        if len(nodes) != 1:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"{local_name(body)} needs exactly one {name} element, got {len(nodes)}.",
            )
        return nodes[0]

    # ------------------------------------------------------------------------------------- reading

    def _target(self, ref: etree._Element) -> Target:
        """The record type and ids a ``baseRef`` (``RecordRef`` or ``CustomRecordRef``) names."""
        kind = resolve_qname(ref, ref.get(XSI_TYPE, ""))[1] if ref.get(XSI_TYPE) else "RecordRef"
        record_type = "customRecord" if kind == "CustomRecordRef" else ref.get("type", "")
        if not record_type:
            raise RecordError("INVALID_RCRD_TYPE", "The record reference has no type attribute.")
        info = self.bundle.schema.record_types.get(record_type)
        if info is None:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"Unknown record type '{record_type}': this endpoint's schema defines no such record.",
            )
        internal_id = ref.get("internalId") or None
        external_id = ref.get("externalId") or None
        if internal_id is None and external_id is None:
            raise RecordError(
                "USER_ERROR", f"The {record_type} reference has neither internalId nor externalId."
            )
        return Target(info, internal_id, external_id)

    def _read(self, ref: etree._Element) -> etree._Element | Detail:
        try:
            target = self._target(ref)
            stored = self.store.get(
                target.info.record_type, internal_id=target.internal_id, external_id=target.external_id
            )
        except (RecordError, StoreError) as exc:
            return Detail(exc.code, exc.message)
        record = self.codec.render(target.info, stored, f"{{{self.msgs}}}record")
        self.references.fill_names(target.info, record)
        return record

    def get(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getResponse")
        self.r.read_response(response, self._read(self._one(request.body, "baseRef")))
        return response

    def get_list(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getListResponse")
        wrapper = self.r.list_wrapper(response, "readResponseList")
        for ref in self._children(request.body, "baseRef"):
            self.r.read_response(wrapper, self._read(ref))
        return response

    def get_all(self, request: SoapRequest) -> etree._Element:
        """Every stored record of a ``GetAllRecordType`` (currency, state...), all at once.

        NetSuite documents no cap on ``getAll`` (its types are short lists), so none is applied. A type that
        is not a ``GetAllRecordType`` fails with ``INVALID_RCRD_TYPE``, as does one the schema does not define
        (the compact schema defines none of them: getAll answers only on a full bundle); a missing type with
        ``GETALL_RCRD_TYPE_REQD``.
        """
        response = response_element(self.version, "getAllResponse")
        result = self.r.core_child(response, "getAllResult")
        record_type = self._one(request.body, "record").get("recordType", "").strip()
        info = self.bundle.schema.record_types.get(record_type)
        if not record_type:
            failure = Detail("GETALL_RCRD_TYPE_REQD", "getAll needs a recordType.")
        elif record_type not in self.get_all_types:
            failure = Detail(
                "INVALID_RCRD_TYPE",
                f"getAll does not list '{record_type}' records; it lists: "
                f"{', '.join(sorted(self.get_all_types))}.",
            )
        elif info is None:
            failure = Detail(
                "INVALID_RCRD_TYPE",
                f"This endpoint's schema defines no {record_type} record: "
                "serve a full WSDL bundle for getAll.",
            )
        else:
            records = self.store.get_many(record_type, self.store.search(record_type, []))
            self.r.status(result)
            self.r.core_child(result, "totalRecords", len(records))
            listing = self.r.core_child(result, "recordList")
            for stored in records:
                record = self.codec.render(info, stored, f"{{{self.core}}}record")
                self.references.fill_names(info, record)
                listing.append(record)
            return response
        self.r.status(result, [failure])
        return response

    def _initialize_one(self, request: etree._Element) -> etree._Element | Detail:
        try:
            return self.initializer.initialize(request, f"{{{self.msgs}}}record")
        except (RecordError, StoreError) as exc:
            return Detail(exc.code, exc.message)

    def initialize(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "initializeResponse")
        self.r.read_response(response, self._initialize_one(self._one(request.body, "initializeRecord")))
        return response

    def initialize_list(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "initializeListResponse")
        wrapper = self.r.list_wrapper(response, "readResponseList")
        for item in self._children(request.body, "initializeRecord"):
            self.r.read_response(wrapper, self._initialize_one(item))
        return response

    def get_select_value(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getSelectValueResponse")
        result = self.r.core_child(response, "getSelectValueResult")
        description = self._one(request.body, "fieldDescription")
        page_text = (self._one(request.body, "pageIndex").text or "").strip()
        self.select_values.answer(result, description, page_text)
        return response

    def get_saved_search(self, request: SoapRequest) -> etree._Element:
        """The saved searches defined on the emulator for a ``searchType`` (their internal ids and titles,
        or script ids where they have no title)."""
        response = response_element(self.version, "getSavedSearchResponse")
        result = self.r.core_child(response, "getSavedSearchResult")
        search_type = self._one(request.body, "record").get("searchType", "").strip()
        if not search_type:
            self.r.status(result, [Detail("INVALID_SEARCH", "getSavedSearch needs a searchType.")])
            return response
        wanted = search_type[:1].upper() + search_type[1:] + "SearchAdvanced"
        found = [
            (internal_id, title or script_id)
            for internal_id, script_id, title, type_name in self.saved_searches.listing()
            if type_name == wanted
        ]
        self.r.status(result)
        self.r.core_child(result, "totalRecords", len(found))
        listing = self.r.core_child(result, "recordRefList")
        for internal_id, name in found:
            node = self.r.core_child(listing, "recordRef")
            self.r.core_child(node, "name", name)
            node.set("internalId", internal_id)
        return response

    def attach(self, request: SoapRequest) -> etree._Element:
        outcome = self.attachments.attach(self._one(request.body, "attachReference"))
        response = response_element(self.version, "attachResponse")
        self.r.write_response(response, outcome)
        return response

    def detach(self, request: SoapRequest) -> etree._Element:
        outcome = self.attachments.detach(self._one(request.body, "detachReference"))
        response = response_element(self.version, "detachResponse")
        self.r.write_response(response, outcome)
        return response

    # ------------------------------------------------------------------------------------- writing

    def _parse_record(self, record: etree._Element) -> Parsed:
        """Schema-level reading of a request record; anything NetSuite's deserializer refuses is a fault."""
        info = self.codec.record_info(record)
        incoming = self.codec.canonical(info, record)
        return Parsed(info, incoming, record.get("internalId") or None, record.get("externalId") or None)

    def _parse_ref(self, ref: etree._Element) -> Target:
        return self._target(ref)

    def _ref(self, info: RecordTypeInfo, stored: StoredRecord) -> Ref:
        custom_type = None
        if info.record_type == "customRecord":
            custom_type = str(stored.fields.get("recType") or "") or None
        return Ref(info.record_type, stored.internal_id, stored.external_id, custom_type)

    def _revision(self, info: RecordTypeInfo, root: etree._Element) -> Revision:
        index = self.codec.index(info, root)
        self.rules.apply(info.record_type, index)  # the user's failure scenarios see the record as stored
        return self.codec.to_bytes(root), index

    def _merger(self, parsed: Parsed) -> Callable[[StoredRecord], Revision]:
        def merge(current: StoredRecord) -> Revision:
            merged = self.codec.merge(parsed.info, self.codec.from_bytes(current.body), parsed.incoming)
            self.computations.on_merge(parsed.info, merged)
            return self._revision(parsed.info, merged)

        return merge

    def _prepare(self, parsed: Parsed) -> None:
        """Checks and fills what is the same for every write, before the store is touched."""
        self._check_references(parsed.incoming.root)
        self.lists.fill_custom_field_ids([parsed.incoming.root])

    def _created(self, parsed: Parsed) -> Revision:
        self.computations.on_create(parsed.info, parsed.incoming.root)
        return self._revision(parsed.info, parsed.incoming.root)

    def _add_one(self, parsed: Parsed) -> Ref:
        self._prepare(parsed)
        stored = self.store.add(
            parsed.info.record_type,
            *self._created(parsed),
            external_id=parsed.external_id,
            unique_entity_id=parsed.info.record_type in self.unique_entity_types,
        )
        return self._ref(parsed.info, stored)

    def _update_one(self, parsed: Parsed) -> Ref:
        if parsed.internal_id is None and parsed.external_id is None:
            raise RecordError(
                "USER_ERROR", f"An update of a {parsed.info.record_type} needs its internalId or externalId."
            )
        self._prepare(parsed)
        unique = parsed.info.record_type in self.unique_entity_types
        if parsed.internal_id is not None:
            # Both ids given: the record is named by its internal id and gets the external id sent.
            new_external_id: str | Unchanged | None = (
                parsed.external_id if parsed.external_id is not None else UNCHANGED
            )
            stored = self.store.update(
                parsed.info.record_type,
                internal_id=parsed.internal_id,
                merge=self._merger(parsed),
                new_external_id=new_external_id,
                unique_entity_id=unique,
            )
        else:
            stored = self.store.update(
                parsed.info.record_type,
                external_id=parsed.external_id,
                merge=self._merger(parsed),
                unique_entity_id=unique,
            )
        return self._ref(parsed.info, stored)

    def _upsert_one(self, parsed: Parsed) -> Ref:
        if parsed.external_id is None:
            raise RecordError(
                "EXTERNALID_REQD", f"An upsert of a {parsed.info.record_type} needs an externalId."
            )
        self._prepare(parsed)
        stored, _ = self.store.upsert(
            parsed.info.record_type,
            parsed.external_id,
            create=lambda: self._created(parsed),
            merge=self._merger(parsed),
            unique_entity_id=parsed.info.record_type in self.unique_entity_types,
        )
        return self._ref(parsed.info, stored)

    def _delete_one(self, target: Target) -> Ref:
        if self.rules.applies("delete", target.info.record_type):
            current = self.store.get(
                target.info.record_type, internal_id=target.internal_id, external_id=target.external_id
            )
            self.rules.apply(target.info.record_type, current.fields, external_id=current.external_id)
        deleted = self.store.delete(
            target.info.record_type,
            internal_id=target.internal_id,
            external_id=target.external_id,
            name=lambda stored: record_name(stored.fields),
        )
        return Ref(target.info.record_type, deleted.internal_id, deleted.external_id)

    def _sent_ref(self, item: etree._Element) -> SentRef | None:
        """What a request item (a ``record`` or a ``baseRef``) named, as sent: echoed when its write fails."""
        if local_name(item) == "baseRef":
            kind = resolve_qname(item, item.get(XSI_TYPE, ""))[1] if item.get(XSI_TYPE) else "RecordRef"
            custom = kind == "CustomRecordRef"
            return SentRef(
                "customRecord" if custom else item.get("type"),
                item.get("internalId") or None,
                item.get("externalId") or None,
                item.get("typeId") or None,
                item.get("scriptId") or None,
                custom,
            )
        try:
            info = self.codec.record_info(item)
        except SoapError:
            return None
        custom = info.record_type == "customRecord"
        rec_type = item.find(f"{{{info.namespace}}}recType") if custom else None
        return SentRef(
            info.record_type,
            item.get("internalId") or None,
            item.get("externalId") or None,
            rec_type.get("internalId") if rec_type is not None else None,
            rec_type.get("scriptId") if rec_type is not None else None,
            custom,
        )

    def _success_details(self, operation: str, p: object) -> tuple[AfterSubmit, ...]:
        # NetSuite reports on after-submit scripts for every transaction and file added, even when none ran.
        if operation in ("add", "addList") and isinstance(p, Parsed):
            info = p.info
            if ".transactions." in info.namespace or info.record_type == "file":
                return (AfterSubmit(failed=False),)
        return ()

    def _outcomes(
        self,
        items: list[etree._Element],
        parse: Callable[[etree._Element], T],
        execute: Callable[[T], Ref],
        operation: str,
        warning_as_error: bool = False,
    ) -> list[WriteOutcome]:
        # Every item is parsed before any is written: one NetSuite's deserializer would refuse faults the
        # whole request (SoapError propagates) and nothing is written. Then each is executed on its own, in
        # order, so a later record may refer to one added earlier in the same request. A failed record
        # gets the baseRef it was sent back, as NetSuite answers.
        parsed: list[T | Detail] = []
        for item in items:
            try:
                parsed.append(parse(item))
            except RecordError as exc:
                parsed.append(Detail(exc.code, exc.message))
        outcomes: list[WriteOutcome] = []
        self.rules.use(self.settings().rules)
        # One transaction for the request (one commit, not one per record), a savepoint per record: a
        # record that fails leaves nothing of its own behind, as if it had run alone.
        with self.store.transaction():
            for item, p in zip(items, parsed, strict=True):
                if isinstance(p, Detail):
                    outcomes.append(WriteOutcome(self._sent_ref(item), (p,)))
                    continue
                outcomes.append(self._outcome(item, p, execute, operation, warning_as_error))
        return outcomes

    def _outcome(
        self,
        item: etree._Element,
        p: T,
        execute: Callable[[T], Ref],
        operation: str,
        warning_as_error: bool,
    ) -> WriteOutcome:
        external_id = item.get("externalId") or None
        with self.rules.writing(operation, external_id, warning_as_error=warning_as_error) as warnings:
            try:
                with self.store.savepoint():
                    ref = execute(p)
            except RuleFailure as exc:
                return WriteOutcome(self._sent_ref(item), exc.details)
            except (RecordError, StoreError) as exc:
                return WriteOutcome(self._sent_ref(item), (Detail(exc.code, exc.message),))
        return WriteOutcome(ref, (*warnings, *self._success_details(operation, p)))

    def _write(
        self,
        request: SoapRequest,
        name: str,
        child: str,
        parse: Callable[[etree._Element], T],
        execute: Callable[[T], Ref],
    ) -> etree._Element:
        items = [self._one(request.body, child)]
        (outcome,) = self._outcomes(items, parse, execute, name, self._warning_as_error(request))
        response = response_element(self.version, f"{name}Response")
        self.r.write_response(response, outcome)
        return response

    def _write_list(
        self,
        request: SoapRequest,
        name: str,
        child: str,
        parse: Callable[[etree._Element], T],
        execute: Callable[[T], Ref],
    ) -> etree._Element:
        items = self._children(request.body, child)
        outcomes = self._outcomes(items, parse, execute, name, self._warning_as_error(request))
        response = response_element(self.version, f"{name}Response")
        wrapper = self.r.list_wrapper(response, "writeResponseList")
        for outcome in outcomes:
            self.r.write_response(wrapper, outcome)
        return response

    def add(self, request: SoapRequest) -> etree._Element:
        return self._write(request, "add", "record", self._parse_record, self._add_one)

    def add_list(self, request: SoapRequest) -> etree._Element:
        return self._write_list(request, "addList", "record", self._parse_record, self._add_one)

    def update(self, request: SoapRequest) -> etree._Element:
        return self._write(request, "update", "record", self._parse_record, self._update_one)

    def update_list(self, request: SoapRequest) -> etree._Element:
        return self._write_list(request, "updateList", "record", self._parse_record, self._update_one)

    def upsert(self, request: SoapRequest) -> etree._Element:
        return self._write(request, "upsert", "record", self._parse_record, self._upsert_one)

    def upsert_list(self, request: SoapRequest) -> etree._Element:
        return self._write_list(request, "upsertList", "record", self._parse_record, self._upsert_one)

    def delete(self, request: SoapRequest) -> etree._Element:
        return self._write(request, "delete", "baseRef", self._parse_ref, self._delete_one)

    def delete_list(self, request: SoapRequest) -> etree._Element:
        return self._write_list(request, "deleteList", "baseRef", self._parse_ref, self._delete_one)

    # ------------------------------------------------------------------------------- references

    def _ref_targets(self, el: etree._Element) -> frozenset[str]:
        """The stored record types a reference element may point to (empty: not checked)."""
        explicit = el.get("type")
        if explicit:
            return frozenset({explicit}) & self.validated
        name = local_name(el)
        if name in self.validated:
            return frozenset({name})
        if name == "entity":
            return self.entity_types
        if name == "item":
            return self.item_types
        return frozenset()

    def _check_references(self, root: etree._Element) -> None:
        """Refuse references to records or list values that do not exist (``INVALID_KEY_OR_REF``).

        References to the record types the emulator is expected to hold (the compact schema's) are checked
        against the store; references to the lists it keeps beside records (subsidiary, currency, terms...,
        and custom list values named with their ``typeId``) against those lists. References to anything
        else are accepted. A reference by external id gets the internal id filled in.
        """
        if not self.settings().validate_references:
            return
        self._check_custom_list_values(root)
        for el in root.iter(etree.Element):
            if el is root:
                continue
            internal_id, external_id = el.get("internalId"), el.get("externalId")
            if (internal_id is None and external_id is None) or local_name(el) in ("customField", "value"):
                continue
            targets = self._ref_targets(el)
            if not targets:
                self._check_list_reference(el, internal_id, external_id)
                continue
            for record_type in sorted(targets):
                try:
                    found = self.store.get(record_type, internal_id=internal_id, external_id=external_id)
                except StoreError:
                    continue
                if internal_id is None:
                    el.set("internalId", found.internal_id)
                break
            else:
                key = internal_id if internal_id is not None else external_id
                raise RecordError("INVALID_KEY_OR_REF", f"Invalid {local_name(el)} reference key {key}.")

    def _check_list_reference(
        self, el: etree._Element, internal_id: str | None, external_id: str | None
    ) -> None:
        list_type = self.references.list_for(el)
        if list_type is None:
            return
        value = self.lists.find(list_type, internal_id=internal_id, external_id=external_id)
        if value is None:
            key = internal_id if internal_id is not None else external_id
            raise RecordError("INVALID_KEY_OR_REF", f"Invalid {local_name(el)} reference key {key}.")
        if internal_id is None:
            el.set("internalId", value.internal_id)

    def _check_custom_list_values(self, root: etree._Element) -> None:
        for value in root.iter(f"{{{self.core}}}value"):
            type_id, internal_id = value.get("typeId"), value.get("internalId")
            if not type_id or not internal_id or not self.lists.is_custom_list_id(type_id):
                continue
            if self.lists.custom_value(internal_id, type_id) is None:
                parent = value.getparent()
                field = (parent.get("scriptId") or parent.get("internalId")) if parent is not None else None
                raise RecordError(
                    "INVALID_KEY_OR_REF", f"Invalid {field or 'custom field'} reference key {internal_id}."
                )

    # ---------------------------------------------------------------------------------- searching

    def search(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "searchResponse")
        record = self._one(request.body, "searchRecord")
        self.search_runner.search(response, record, self._search_preferences(request))
        return response

    def search_more_with_id(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "searchMoreWithIdResponse")
        search_id = (self._one(request.body, "searchId").text or "").strip()
        page_text = (self._one(request.body, "pageIndex").text or "").strip()
        prefs = self._search_preferences(request)
        self.search_runner.more(response, search_id, page_text, prefs)
        return response

    def _warning_as_error(self, request: SoapRequest) -> bool:
        """The ``preferences`` header's ``warningAsError``: NetSuite then fails a write that has warnings."""
        header = request.header(f"{{{self.msgs}}}preferences")
        flag = header.find(f"{{{self.msgs}}}warningAsError") if header is not None else None
        return flag is not None and (flag.text or "").strip() in ("true", "1")

    def _search_preferences(self, request: SoapRequest) -> dict[str, str]:
        header = request.header(f"{{{self.msgs}}}searchPreferences")
        if header is None:
            return {}
        return {local_name(c): (c.text or "").strip() for c in header if isinstance(c.tag, str)}

    # -------------------------------------------------------------------------------------- other

    def get_server_time(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getServerTimeResponse")
        result = self.r.core_child(response, "getServerTimeResult")
        self.r.status(result)
        self.r.core_child(result, "serverTime", format_datetime(server_now(self.settings())))
        return response

    def get_account_governance_info(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getAccountGovernanceInfoResponse")
        result = self.r.core_child(response, "getAccountGovernanceInfoResult")
        self.r.status(result)
        limit = self.settings().concurrency_limit
        if limit:
            self.r.core_child(result, "accountConcurrencyLimit", limit)
            # The emulator's single integration uses the account's limit: nothing is allocated apart.
            self.r.core_child(result, "unallocatedConcurrencyLimit", limit)
        return response

    def get_integration_governance_info(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getIntegrationGovernanceInfoResponse")
        result = self.r.core_child(response, "getIntegrationGovernanceInfoResult")
        self.r.status(result)
        limit = self.settings().concurrency_limit
        if limit:
            self.r.core_child(result, "integrationConcurrencyLimit", limit)
            self.r.core_child(result, "limitType", "_account")
        return response

    def get_data_center_urls(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getDataCenterUrlsResponse")
        result = self.r.core_child(response, "getDataCenterUrlsResult")
        account = (self._one(request.body, "account").text or "").strip()
        if account.upper() != self.settings().account.passport_id:
            self.r.status(result, [Detail("INVALID_ACCT", f"Unknown account {account}.")])
            return response
        self.r.status(result)
        urls = self.r.core_child(result, "dataCenterUrls")
        base = self.base_url()
        for name in ("restDomain", "webservicesDomain", "systemDomain"):
            self.r.core_child(urls, name, base)
        return response

    def get_deleted(self, request: SoapRequest) -> etree._Element:
        response = response_element(self.version, "getDeletedResponse")
        result = self.r.core_child(response, "getDeletedResult")
        flt = self._one(request.body, "getDeletedFilter")
        page_text = (self._one(request.body, "pageIndex").text or "").strip()
        try:
            page_index = int(page_text)
            deleted = self._deleted(flt)
        except (ValueError, RecordError) as exc:
            code = exc.code if isinstance(exc, RecordError) else "INVALID_PAGE_INDEX"
            message = exc.message if isinstance(exc, RecordError) else f"Invalid page index {page_text!r}."
            self.r.status(result, [Detail(code, message)])
            return response
        total = len(deleted)
        pages = -(-total // DELETED_PAGE_SIZE)
        if not 1 <= page_index <= max(pages, 1):
            self.r.status(result, [Detail("INVALID_PAGE_INDEX", f"Page {page_index} does not exist.")])
            return response
        self.r.status(result)
        self.r.core_child(result, "totalRecords", total)
        self.r.core_child(result, "pageSize", DELETED_PAGE_SIZE)
        self.r.core_child(result, "totalPages", pages)
        self.r.core_child(result, "pageIndex", page_index)
        listing = self.r.core_child(result, "deletedRecordList")
        start = (page_index - 1) * DELETED_PAGE_SIZE
        for item in deleted[start : start + DELETED_PAGE_SIZE]:
            node = self.r.core_child(listing, "deletedRecord")
            self.r.core_child(node, "deletedDate", format_datetime(item.deleted_at))
            ref = Ref(item.record_type, item.internal_id, item.external_id, name=item.name)
            self.r.ref(node, f"{{{self.core}}}record", ref)
        return response

    def _deleted(self, flt: etree._Element) -> list[DeletedRecord]:
        types: set[str] | None = None
        type_el = flt.find(f"{{{self.core}}}type")
        if type_el is not None:
            wanted = {(v.text or "").strip() for v in type_el.findall(f"{{{self.core}}}searchValue")}
            if type_el.get("operator", "anyOf") == "noneOf":
                types = set(self.bundle.schema.record_types) - wanted
            else:
                types = wanted
        items = self.store.deleted_since(types)
        date_el = flt.find(f"{{{self.core}}}deletedDate")
        if date_el is not None:
            criterion = self.search_runner.criterion("deletedDate", "date", date_el)
            try:
                test = predicate(criterion)
            except CriterionError as exc:
                raise RecordError("INVALID_SEARCH_CRITERIA", str(exc)) from None
            items = [item for item in items if test(item.deleted_at)]
        return items
