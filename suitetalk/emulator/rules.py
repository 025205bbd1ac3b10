"""Users' own failure scenarios: rules that make writes of matching records fail, or succeed with warnings.

A test describes what NetSuite would refuse in its account (a validation script, a mandatory field, a
duplicate check...) without NetSuite::

    emulator.add_rule(
        record_type="customer",
        when={"companyName": ("startsWith", "Bad")},
        code="INVALID_FLD_VALUE",
        message="Company names may not start with Bad.",
    )

Every rule whose record type, operation and conditions match a record adds one ``statusDetail`` to that
record's outcome, in the order the rules were added: with any ``ERROR`` among them the record is not
written (``isSuccess="false"``, the record's ``baseRef`` echoed as sent); with only ``WARN`` ones it is
written and the warnings come with the success, unless the request's preferences say ``warningAsError``:
then, as on NetSuite, the warnings are errors and the record is not written. The other records of a list
request are not affected.

Conditions (``when``) name fields as NetSuite does (``companyName``, ``entity``, a custom field by its
script id) and are evaluated by the emulator's search criteria (:mod:`.criteria`) against the record as it
would be stored: for an update or an upsert, the record after the change. A condition is
``(operator, value, ...)`` with a search operator of the field's kind (``"startsWith"``, ``"greaterThan"``,
``"anyOf"``...), or a bare value: ``is`` for text, ``equalTo`` for numbers, ``anyOf`` for references and
lists, the value itself for a checkbox. ``externalId`` is the external id as sent. Every condition must
hold (an empty ``when`` matches every record of the type).

Rules come from ``Emulator(rules=[...])``, :meth:`Emulator.add_rule`, the pytest marker
(``@pytest.mark.suitetalk_emulator(rules=[{...}])``) or ``suitetalk emulator --rules FILE`` (JSON or TOML:
see :func:`load_rules`). The code must be one of NetSuite's status detail codes (``StatusDetailCodeType``
in the schema served), so that every answer stays valid against NetSuite's XSDs.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..namespaces import faults_ns
from .bundle import FieldKind, RecordTypeInfo, SchemaModel
from .criteria import OPERATORS, Criterion, CriterionError, FieldValue, Kind, predicate
from .records import CUSTOM_FIELD_PREFIX
from .responses import Detail

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RuleOperation = Literal["add", "update", "upsert", "delete"]
#: Operations a rule applies to unless told otherwise: the writes that send a record.
DEFAULT_OPERATIONS: tuple[RuleOperation, ...] = ("add", "update", "upsert")

_KINDS: Mapping[FieldKind, Kind] = {
    FieldKind.STRING: "string",
    FieldKind.LONG: "long",
    FieldKind.DOUBLE: "double",
    FieldKind.BOOLEAN: "boolean",
    FieldKind.DATE: "date",
    FieldKind.ENUM: "enum",
    FieldKind.REF: "select",
}
_DEFAULT_OPERATORS: Mapping[Kind, str | None] = {
    "string": "is",
    "long": "equalTo",
    "double": "equalTo",
    "text_number": "equalTo",
    "date": "on",
    "boolean": None,
    "select": "anyOf",
    "enum": "anyOf",
}


class Rule(BaseModel):
    """One failure scenario: records of ``record_type`` matching ``when`` get a ``statusDetail``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_type: str = Field(min_length=1)
    """NetSuite's record type (``customer``, ``salesOrder``, ``customRecord``...)."""
    code: str = Field(min_length=1)
    """A NetSuite status detail code, e.g. ``INVALID_FLD_VALUE``."""
    message: str
    """The detail's message."""
    type: Literal["ERROR", "WARN"] = "ERROR"
    """``ERROR``: the record is not written. ``WARN``: it is written, and the warning comes with it."""
    when: dict[str, Any] = Field(default_factory=dict)
    """Field conditions, all of which must hold: ``{"companyName": ("startsWith", "Bad")}``."""
    operations: tuple[RuleOperation, ...] = DEFAULT_OPERATIONS
    """The writes it applies to (``delete`` tests the stored record)."""

    @field_validator("operations")
    @classmethod
    def _operations(cls, value: tuple[RuleOperation, ...]) -> tuple[RuleOperation, ...]:
        if not value:
            raise ValueError("a rule needs at least one of add, update, upsert, delete")
        return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class _Condition:
    key: str
    """The name in the record's search index (custom fields prefixed)."""
    criterion: Criterion

    def holds(self, fields: Mapping[str, FieldValue]) -> bool:
        return predicate(self.criterion)(fields.get(self.key))


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    conditions: tuple[_Condition, ...]
    detail: Detail


class _Sent(enum.Enum):
    SENT = "sent"


#: ``apply(external_id=SENT)``: the external id the request sent for the record.
SENT = _Sent.SENT


class RuleError(ValueError):
    """A rule that cannot apply to the schema served (unknown type, field, code or operator)."""


class RuleFailure(Exception):
    """The details of the rules a record matched, with at least one ERROR: the record is not written."""

    def __init__(self, details: Sequence[Detail]) -> None:
        errors = [d for d in details if d.type == "ERROR"]
        super().__init__(errors[0].message)
        self.code = errors[0].code
        self.message = errors[0].message
        self.details = tuple(details)


@dataclass
class _Writing:
    """The record being written in this thread: what the rules need to know, and its warnings."""

    operation: RuleOperation | None
    external_id: str | None
    warnings: list[Detail]
    warning_as_error: bool = False


# Which record is being written reaches the point where its stored form is known (inside the store's
# transaction, for updates) without threading it through every write path.
_WRITING: ContextVar[_Writing | None] = ContextVar("suitetalk_emulator_writing", default=None)
_OPERATIONS: Mapping[str, RuleOperation] = {
    "add": "add",
    "addList": "add",
    "update": "update",
    "updateList": "update",
    "upsert": "upsert",
    "upsertList": "upsert",
    "delete": "delete",
    "deleteList": "delete",
}


class RuleBook:
    """The rules of one emulator, compiled against the schema it serves.

    A write runs each record inside :meth:`writing`; the write path calls :meth:`apply` with the record's
    stored form (its search index), which raises :class:`RuleFailure` or collects warnings.
    """

    def __init__(self, schema: SchemaModel, version: str) -> None:
        self.schema = schema
        types_ns = faults_ns(version).replace("urn:faults_", "urn:types.faults_")
        self.codes = frozenset(schema.enum_values((types_ns, "StatusDetailCodeType")))
        self._source: tuple[Rule, ...] = ()
        self._compiled: tuple[_Compiled, ...] = ()

    def check(self, rules: Sequence[Rule]) -> tuple[_Compiled, ...]:
        """Compile ``rules``, raising :class:`RuleError` on the first one that cannot apply."""
        return tuple(self._compile(rule) for rule in rules)

    def use(self, rules: tuple[Rule, ...]) -> None:
        """Apply ``rules`` from now on (compiled once per tuple of rules given)."""
        if rules is not self._source:
            self._compiled = self.check(rules)
            self._source = rules

    def details(
        self, operation: RuleOperation, record_type: str, fields: Mapping[str, FieldValue]
    ) -> list[Detail]:
        """The details of every rule matching one record, in rule order."""
        return [
            c.detail
            for c in self._compiled
            if c.rule.record_type == record_type
            and operation in c.rule.operations
            and all(condition.holds(fields) for condition in c.conditions)
        ]

    def applies(self, operation: RuleOperation, record_type: str) -> bool:
        """Whether any rule concerns ``operation`` on records of ``record_type``."""
        return any(
            c.rule.record_type == record_type and operation in c.rule.operations for c in self._compiled
        )

    @contextmanager
    def writing(
        self, operation: str, external_id: str | None, *, warning_as_error: bool = False
    ) -> Iterator[list[Detail]]:
        """Scope of one record's write by ``operation`` (``addList``...): yields the list its warnings
        are added to. ``external_id`` is the one sent; ``warning_as_error`` (the request's preference)
        makes a warning fail the record, as NetSuite does."""
        scope = _Writing(_OPERATIONS.get(operation), external_id, [], warning_as_error)
        token = _WRITING.set(scope)
        try:
            yield scope.warnings
        finally:
            _WRITING.reset(token)

    def apply(
        self, record_type: str, fields: Mapping[str, FieldValue], *, external_id: str | _Sent | None = SENT
    ) -> None:
        """Check the record being written (``fields``: its search index) against the rules.

        Raises :class:`RuleFailure` when an ERROR rule matches; adds WARN details to the scope's warnings
        otherwise. Outside :meth:`writing` (or for an operation no rule names) it does nothing.
        """
        scope = _WRITING.get()
        if scope is None or scope.operation is None or not self._compiled:
            return
        sent = scope.external_id if isinstance(external_id, _Sent) else external_id
        found = self.details(scope.operation, record_type, {**fields, "externalId": sent})
        if scope.warning_as_error:
            found = [Detail(d.code, d.message, "ERROR") for d in found]
        if any(d.type == "ERROR" for d in found):
            raise RuleFailure(found)
        scope.warnings.extend(found)

    # ------------------------------------------------------------------------------------ compiling

    def _compile(self, rule: Rule) -> _Compiled:
        info = self.schema.record_types.get(rule.record_type)
        where = f"rule for {rule.record_type} ({rule.code})"
        if info is None:
            raise RuleError(f"{where}: this emulator's schema has no record type {rule.record_type!r}")
        if self.codes and rule.code not in self.codes:
            raise RuleError(
                f"{where}: {rule.code!r} is not one of NetSuite's status detail codes (StatusDetailCodeType) "
                "in the schema served; use one such as INVALID_FLD_VALUE, or serve NetSuite's full bundle "
                "for its whole list"
            )
        conditions = tuple(self._condition(info, name, spec, where) for name, spec in rule.when.items())
        return _Compiled(rule, conditions, Detail(rule.code, rule.message, rule.type))

    def _condition(self, info: RecordTypeInfo, name: str, spec: Any, where: str) -> _Condition:
        operator, values, shorthand = _split(spec)
        kind: Kind
        if name == "externalId":
            key, kind = "externalId", "string"
        elif name in info.by_name:
            field = info.by_name[name]
            found = _KINDS.get(field.kind)
            if found is None:
                raise RuleError(
                    f"{where}: {info.record_type}.{name} is a {field.kind.value} field; conditions apply to "
                    "text, number, date, checkbox, list and reference fields"
                )
            key, kind = name, found
        elif name.startswith("cust"):
            key, kind = CUSTOM_FIELD_PREFIX + name, _custom_kind(operator, values)
        else:
            raise RuleError(
                f"{where}: {info.record_type} has no field {name!r} (custom fields go by script id, "
                "e.g. custentity_tier)"
            )
        if kind == "boolean" and operator in (None, "is"):
            operator = None
        elif shorthand:
            operator = _DEFAULT_OPERATORS[kind]
        try:
            return _Condition(key, Criterion(key, kind, operator, _values(kind, values)))
        except CriterionError as exc:
            raise RuleError(f"{where}: condition on {name}: {exc}") from None


def _split(spec: Any) -> tuple[str | None, tuple[Any, ...], bool]:
    """(operator, values, whether the operator was left out) of a condition."""
    if isinstance(spec, (list, tuple)):
        if not spec or not (spec[0] is None or isinstance(spec[0], str)):
            raise RuleError(f"a condition is (operator, value, ...) or a bare value, got {spec!r}")
        operator = spec[0]
        if operator is not None and not any(operator in ops for ops in OPERATORS.values()):
            # A bare list of values ("anyOf" implied), not an operator.
            return None, tuple(spec), True
        return operator, tuple(spec[1:]), False
    return None, (spec,), True


def _custom_kind(operator: str | None, values: tuple[Any, ...]) -> Kind:
    """The kind of a custom field condition, from its operator and values (the schema does not say)."""
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if operator in OPERATORS["select"]:
        return "select"
    dated = values and all(isinstance(v, (datetime, date)) for v in values)
    if dated or operator in OPERATORS["date"] - OPERATORS["string"]:
        return "date"
    if values and all(isinstance(v, (int, float)) for v in values):
        return "double" if operator is None or operator in OPERATORS["double"] else "string"
    return "string"


def _values(kind: Kind, values: tuple[Any, ...]) -> tuple[Any, ...]:
    if kind in ("select", "enum"):
        return tuple(str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values)
    if kind == "double":
        return tuple(float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values)
    if kind == "date":
        return tuple(_date(v) for v in values)
    return values


def _date(value: Any) -> Any:
    # JSON has no dates: ISO strings are read as dates; anything else is left for the criterion to judge
    # (a predefined period such as "today", or an error that names it).
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
    return value


def load_rules(path: Path) -> tuple[Rule, ...]:
    """Rules from a JSON or TOML file (by its extension).

    JSON: a list of rule objects, or ``{"rules": [...]}``. TOML: ``[[rules]]`` tables. A rule has
    ``record_type``, ``code``, ``message``, optionally ``type`` (``ERROR``/``WARN``), ``when`` (a table
    of conditions, each ``["operator", value, ...]`` or a bare value) and ``operations``.
    Raises ``ValueError`` saying what is wrong and where.
    """
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            raise ValueError(f"{path}: rules files are .json or .toml")
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    items = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of rules (JSON) or [[rules]] tables (TOML)")
    rules = []
    for number, item in enumerate(items, start=1):
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'rule'}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"{path}: rule {number}: {problems}") from None
    return tuple(rules)
