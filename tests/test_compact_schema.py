"""The emulator's compact WSDL + XSD set: it loads, it is versioned, and it is a subset of NetSuite's.

"Subset, not a dialect": every declaration of the compact bundle must be NetSuite's own, so that whatever
a client builds from it (or the emulator answers with it) is also valid under NetSuite's full schema. The
conformance tests check that structurally against NetSuite's 2023_2 bundle and by validating representative
requests and responses against both schema sets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree
from lxml.builder import ElementMaker

from suitetalk.auth import TokenPassport, compute_signature
from suitetalk.emulator.schema import (
    COVERED_OPERATIONS,
    COVERED_RECORD_TYPES,
    COVERED_SEARCH_RECORD_TYPES,
    SCHEMA_FILES,
    generate_bundle,
    record_type_qname,
    render_bundle,
    search_type_qname,
)
from suitetalk.namespaces import XSD, XSI, core_ns, faults_ns, messages_ns, wsdl_tns

VERSIONS = ("2025_2", "2023_2", "2019_1")
REAL_VERSION = "2023_2"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
FAULT_ELEMENTS = (
    "insufficientPermissionFault",
    "invalidAccountFault",
    "invalidCredentialsFault",
    "invalidSessionFault",
    "invalidVersionFault",
    "exceededConcurrentRequestLimitFault",
    "exceededRequestLimitFault",
    "exceededUsageLimitFault",
    "exceededRecordCountFault",
    "exceededRequestSizeFault",
    "unexpectedErrorFault",
    "asyncFault",
)


def ns(package: str, group: str, version: str) -> str:
    return f"urn:{package}_{version}.{group}.webservices.netsuite.com"


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """version -> path of the generated compact ``netsuite.wsdl``."""
    return {v: generate_bundle(v, tmp_path_factory.mktemp(f"compact_{v}")) for v in VERSIONS}


def schema_for(wsdl: Path) -> etree.XMLSchema:
    """One XMLSchema over every namespace the WSDL's ``types`` section imports."""
    tree = etree.parse(str(wsdl))
    wrapper = etree.Element(f"{{{XSD}}}schema")
    for imp in tree.iterfind(f"{{{WSDL_NS}}}types/{{{XSD}}}schema/{{{XSD}}}import"):
        location = (wsdl.parent / imp.get("schemaLocation", "")).resolve()
        etree.SubElement(
            wrapper, f"{{{XSD}}}import", namespace=imp.get("namespace", ""), schemaLocation=location.as_uri()
        )
    return etree.XMLSchema(wrapper)


@pytest.fixture(scope="session")
def compact_schemas(bundles: dict[str, Path]) -> dict[str, etree.XMLSchema]:
    return {v: schema_for(path) for v, path in bundles.items()}


@pytest.fixture(scope="session")
def real_schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return schema_for(netsuite_bundle / "netsuite.wsdl")


class NoNetwork(requests.adapters.BaseAdapter):
    """Fails any HTTP(S) request: the bundle must load from its own files."""

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        raise AssertionError(f"network access attempted: {request.url}")

    def close(self) -> None:
        pass


def offline_client(wsdl: Path) -> zeep.Client:
    session = requests.Session()
    session.mount("http://", NoNetwork())
    session.mount("https://", NoNetwork())
    return zeep.Client(wsdl=str(wsdl), transport=zeep.Transport(session=session))


@pytest.fixture(scope="session")
def clients(bundles: dict[str, Path]) -> dict[str, zeep.Client]:
    return {v: offline_client(path) for v, path in bundles.items()}


# ----------------------------------------------------------------------------------- generation and API


def test_bundle_has_netsuites_layout(bundles: dict[str, Path]) -> None:
    folder = bundles["2025_2"].parent
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert written == sorted(SCHEMA_FILES)
    assert bundles["2025_2"] == folder / "netsuite.wsdl"
    for required in (
        "xsd/platform.core.xsd",
        "xsd/platform.coreTypes.xsd",
        "xsd/platform.messages.xsd",
        "xsd/platform.faults.xsd",
        "xsd/platform.faultTypes.xsd",
        "xsd/platform.common.xsd",
        "xsd/lists.relationships.xsd",
        "xsd/transactions.sales.xsd",
        "xsd/setup.customization.xsd",
    ):
        assert required in written


def test_schema_locations_are_relative(bundles: dict[str, Path]) -> None:
    folder = bundles["2025_2"].parent
    for relative in SCHEMA_FILES:
        tree = etree.parse(str(folder / relative))
        for imp in tree.iter(f"{{{XSD}}}import"):
            location = imp.get("schemaLocation", "")
            assert location, relative
            assert "://" not in location, (relative, location)
            assert not location.startswith("/"), (relative, location)
            assert (folder / relative).parent.joinpath(location).resolve().is_file()


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = generate_bundle("2024_1", tmp_path / "a").parent
    second = generate_bundle("2024_1", tmp_path / "b").parent
    for relative in SCHEMA_FILES:
        assert (first / relative).read_bytes() == (second / relative).read_bytes()
    assert render_bundle("2024_1") == {r: (first / r).read_bytes() for r in SCHEMA_FILES}


def test_generation_overwrites_an_older_bundle(tmp_path: Path) -> None:
    generate_bundle("2023_1", tmp_path)
    generate_bundle("2025_2", tmp_path)
    assert b"2023_1" not in (tmp_path / "xsd" / "platform.core.xsd").read_bytes()


@pytest.mark.parametrize("bad", ["2025", "2025_3", "v2025_2", "2025_2_0", "", "25_2"])
def test_invalid_version_is_rejected_and_nothing_written(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY_N"):
        generate_bundle(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_version_substitution_is_complete(bundles: dict[str, Path]) -> None:
    folder = bundles["2025_2"].parent
    namespaces: set[str] = set()
    for relative in SCHEMA_FILES:
        text = (folder / relative).read_text(encoding="utf-8")
        assert "$" not in text, relative
        assert set(re.findall(r"20\d\d_[12]", text)) == {"2025_2"}, relative
        root = etree.fromstring(text.encode())
        for node in root.iter(etree.Element):
            namespaces.update(u for u in node.nsmap.values() if "netsuite" in u)
            namespaces.update(node.get(a, "") for a in ("targetNamespace", "namespace") if node.get(a))
    netsuite = {u for u in namespaces if "netsuite" in u}
    assert netsuite, "no NetSuite namespace found"
    assert all("_2025_2." in u for u in netsuite), sorted(netsuite)
    assert core_ns("2025_2") in netsuite
    assert wsdl_tns("2025_2") in netsuite
    address = etree.parse(str(bundles["2025_2"])).find(f".//{{{SOAP_BINDING_NS}}}address")
    assert address is not None
    assert address.get("location") == "https://webservices.netsuite.com/services/NetSuitePort_2025_2"


def test_record_and_search_qnames() -> None:
    assert record_type_qname("customer", "2025_2") == (
        "{urn:relationships_2025_2.lists.webservices.netsuite.com}Customer"
    )
    assert search_type_qname("transaction", "2025_2", "advanced") == (
        "{urn:sales_2025_2.transactions.webservices.netsuite.com}TransactionSearchAdvanced"
    )
    assert search_type_qname("item", "2025_2", "basic") == (
        "{urn:common_2025_2.platform.webservices.netsuite.com}ItemSearchBasic"
    )
    with pytest.raises(ValueError, match="partner"):
        record_type_qname("partner", "2025_2")
    with pytest.raises(ValueError, match="kind"):
        search_type_qname("customer", "2025_2", "columns")
    with pytest.raises(ValueError, match="YYYY_N"):
        record_type_qname("customer", "2025")


# ----------------------------------------------------------------------------------------- compilation


@pytest.mark.parametrize("version", VERSIONS)
def test_every_xsd_compiles(bundles: dict[str, Path], version: str) -> None:
    folder = bundles[version].parent
    for relative in SCHEMA_FILES[1:]:
        etree.XMLSchema(etree.parse(str(folder / relative)))
    schema_for(bundles[version])


@pytest.mark.parametrize("version", VERSIONS)
def test_zeep_loads_offline_with_every_operation(clients: dict[str, zeep.Client], version: str) -> None:
    client = clients[version]
    service = client.wsdl.services["NetSuiteService"]
    port = service.ports["NetSuitePort"]
    binding = port.binding
    assert binding.name.localname == "NetSuiteBinding"
    assert binding.port_type.name.localname == "NetSuitePortType"
    assert port.binding_options["address"].endswith(f"/services/NetSuitePort_{version}")
    assert set(binding.port_type.operations) == set(COVERED_OPERATIONS)
    for operation in COVERED_OPERATIONS:
        assert binding.get(operation).soapaction == operation
        assert client.service[operation] is not None

    def headers(operation: str, side: str) -> set[str]:
        return {name for name, _ in getattr(binding.get(operation), side).header.type.elements}

    assert headers("search", "input") == {
        "tokenPassport",
        "applicationInfo",
        "partnerInfo",
        "searchPreferences",
    }
    assert headers("add", "input") == {"tokenPassport", "applicationInfo", "partnerInfo", "preferences"}
    assert headers("add", "output") == {"documentInfo"}


@pytest.mark.parametrize("version", VERSIONS)
def test_zeep_resolves_record_and_search_types(clients: dict[str, zeep.Client], version: str) -> None:
    client = clients[version]
    for record_type in COVERED_RECORD_TYPES:
        assert client.get_type(record_type_qname(record_type, version)) is not None
    for search_type in COVERED_SEARCH_RECORD_TYPES:
        for kind in ("basic", "search", "advanced", "row", "rowBasic"):
            assert client.get_type(search_type_qname(search_type, version, kind)) is not None
    core = core_ns(version)
    for name in ("RecordRef", "TokenPassport", "SearchResult", "CustomFieldList", "StringCustomFieldRef"):
        assert client.get_type(f"{{{core}}}{name}") is not None
    customer = client.get_type(record_type_qname("customer", version))(entityId="ACME", companyName="Acme")
    assert customer.entityId == "ACME"


def test_covered_record_types_are_in_the_record_type_enum(bundles: dict[str, Path]) -> None:
    core_types = etree.parse(str(bundles["2025_2"].parent / "xsd" / "platform.coreTypes.xsd"))

    def enum(name: str) -> set[str]:
        return set(
            core_types.xpath(
                f"//xs:simpleType[@name='{name}']//xs:enumeration/@value", namespaces={"xs": XSD}
            )
        )

    assert set(COVERED_RECORD_TYPES) <= enum("RecordType")
    assert set(COVERED_SEARCH_RECORD_TYPES) <= enum("SearchRecordType")


# ------------------------------------------------------------------------- structural conformance model


def resolve(node: etree._Element, qname: str) -> str:
    prefix, _, local = qname.rpartition(":")
    return f"{{{node.nsmap[prefix or None]}}}{local}"


@dataclass(frozen=True)
class Child:
    name: str
    type: str | None
    min: str
    max: str
    default: str | None


@dataclass
class ComplexType:
    abstract: bool
    content: str
    base: str | None
    own_children: list[Child]
    own_attrs: dict[str, tuple[str | None, str, str | None]]
    file: str


@dataclass
class SchemaModel:
    """The declarations of a bundle's XSD files, by qualified name."""

    complex: dict[str, ComplexType] = field(default_factory=dict)
    simple: dict[str, tuple[str, list[str], list[tuple[str, str]], str]] = field(default_factory=dict)
    elements: dict[str, tuple[str | None, dict[str, str], str]] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, files: Iterable[Path]) -> SchemaModel:
        model = cls()
        for path in files:
            root = etree.parse(str(path)).getroot()
            tns = root.get("targetNamespace", "")
            assert root.get("elementFormDefault") == "qualified"
            model.namespaces[path.name] = tns
            for comp in root.iterchildren(
                f"{{{XSD}}}complexType", f"{{{XSD}}}simpleType", f"{{{XSD}}}element"
            ):
                qname = f"{{{tns}}}{comp.get('name')}"
                if comp.tag == f"{{{XSD}}}complexType":
                    model.complex[qname] = model._complex(comp, tns, path.name)
                elif comp.tag == f"{{{XSD}}}simpleType":
                    restriction = comp.find(f"{{{XSD}}}restriction")
                    assert restriction is not None, qname
                    enums = [e.get("value", "") for e in restriction.iterfind(f"{{{XSD}}}enumeration")]
                    facets = sorted(
                        (etree.QName(f).localname, f.get("value", ""))
                        for f in restriction
                        if etree.QName(f).localname != "enumeration"
                    )
                    model.simple[qname] = (
                        resolve(restriction, restriction.get("base", "")),
                        enums,
                        facets,
                        path.name,
                    )
                else:
                    flags = {k: v for k, v in comp.attrib.items() if k not in ("name", "type")}
                    type_ = resolve(comp, comp.get("type", "")) if comp.get("type") else None
                    model.elements[qname] = (type_, flags, path.name)
        return model

    @staticmethod
    def _complex(comp: etree._Element, tns: str, file: str) -> ComplexType:
        content, base = "complex", None
        holder = comp
        for kind in ("complexContent", "simpleContent"):
            inner = comp.find(f"{{{XSD}}}{kind}")
            if inner is not None:
                content = kind
                derivation = inner[0]
                assert etree.QName(derivation).localname == "extension", comp.get("name")
                base = resolve(derivation, derivation.get("base", ""))
                holder = derivation
        children = []
        sequence = holder.find(f"{{{XSD}}}sequence")
        for el in sequence.iterchildren(f"{{{XSD}}}element") if sequence is not None else ():
            if el.get("ref"):
                name, type_ = resolve(el, el.get("ref", "")), None
            else:
                name = f"{{{tns}}}{el.get('name')}"
                type_ = resolve(el, el.get("type", "")) if el.get("type") else None
            children.append(
                Child(name, type_, el.get("minOccurs", "1"), el.get("maxOccurs", "1"), el.get("default"))
            )
        attrs = {
            a.get("name", ""): (
                resolve(a, a.get("type", "")) if a.get("type") else None,
                a.get("use", "optional"),
                a.get("default"),
            )
            for a in holder.iterchildren(f"{{{XSD}}}attribute")
        }
        return ComplexType(comp.get("abstract") == "true", content, base, children, attrs, file)

    def children(self, qname: str) -> list[Child]:
        """Content model including what is inherited through complexContent extension."""
        ct = self.complex[qname]
        inherited = self.children(ct.base) if ct.content == "complexContent" and ct.base else []
        return inherited + ct.own_children

    def attributes(self, qname: str) -> dict[str, tuple[str | None, str, str | None]]:
        ct = self.complex[qname]
        inherited = self.attributes(ct.base) if ct.base in self.complex else {}
        return {**inherited, **ct.own_attrs}


def bundle_model(wsdl: Path) -> SchemaModel:
    return SchemaModel.load(sorted((wsdl.parent / "xsd").glob("*.xsd")))


def subsequence_problems(type_name: str, compact: list[Child], real: list[Child]) -> Iterator[str]:
    position = 0
    for child in compact:
        while position < len(real) and real[position].name != child.name:
            if real[position].min != "0":
                yield f"{type_name}: required child {real[position].name} omitted"
            position += 1
        if position == len(real):
            yield f"{type_name}: child {child.name} is not in NetSuite's sequence (or is out of order)"
            return
        if real[position] != child:
            yield f"{type_name}: child {child.name} differs: compact {child}, NetSuite {real[position]}"
        position += 1
    for rest in real[position:]:
        if rest.min != "0":
            yield f"{type_name}: required child {rest.name} omitted"


def conformance_problems(compact: SchemaModel, real: SchemaModel) -> Iterator[str]:
    for file, tns in compact.namespaces.items():
        if real.namespaces.get(file) != tns:
            yield f"{file}: namespace {tns} is not NetSuite's ({real.namespaces.get(file)})"
    for qname, ct in compact.complex.items():
        theirs = real.complex.get(qname)
        if theirs is None:
            yield f"complexType {qname} is not NetSuite's"
            continue
        if ct.file != theirs.file:
            yield f"complexType {qname} is in {ct.file}, NetSuite has it in {theirs.file}"
        if (ct.abstract, ct.content, ct.base) != (theirs.abstract, theirs.content, theirs.base):
            yield f"complexType {qname}: derivation differs"
            continue
        yield from subsequence_problems(qname, compact.children(qname), real.children(qname))
        ours_attrs, real_attrs = compact.attributes(qname), real.attributes(qname)
        for name, spec in ours_attrs.items():
            if real_attrs.get(name) != spec:
                yield f"complexType {qname}: attribute {name} {spec} is not NetSuite's {real_attrs.get(name)}"
        for name, (_, use, _) in real_attrs.items():
            if use == "required" and name not in ours_attrs:
                yield f"complexType {qname}: required attribute {name} omitted"
    for qname, (base, enums, facets, file) in compact.simple.items():
        theirs_simple = real.simple.get(qname)
        if theirs_simple is None:
            yield f"simpleType {qname} is not NetSuite's"
            continue
        real_base, real_enums, real_facets, real_file = theirs_simple
        if (base, facets, file) != (real_base, real_facets, real_file):
            yield f"simpleType {qname}: base, facets or file differ"
        if set(enums) - set(real_enums):
            yield f"simpleType {qname}: values not in NetSuite's enum: {sorted(set(enums) - set(real_enums))}"
        if real_enums and not enums:
            yield f"simpleType {qname}: NetSuite's enum became an open string"
    for qname, element in compact.elements.items():
        if real.elements.get(qname) != element:
            yield f"element {qname}: {element} differs from NetSuite's {real.elements.get(qname)}"


@pytest.fixture(scope="session")
def real_model(netsuite_bundle: Path) -> SchemaModel:
    return bundle_model(netsuite_bundle / "netsuite.wsdl")


# name -> (file, text, replacement, what the report must name)
TAMPERINGS = {
    "renamed child": ("lists.relationships.xsd", 'name="companyName"', 'name="companyNom"', "companyNom"),
    "retyped child": (
        "lists.relationships.xsd",
        'name="isPerson" type="xsd:boolean"',
        'name="isPerson" type="xsd:string"',
        "isPerson",
    ),
    "loosened bounds": (
        "platform.core.xsd",
        'name="searchId" type="xsd:string" minOccurs="0"',
        'name="searchId" type="xsd:string" minOccurs="0" maxOccurs="2"',
        "searchId",
    ),
    "required child dropped": ("platform.core.xsd", '<element name="nonce" type="xsd:string"/>', "", "nonce"),
    "invented enum value": ("platform.coreTypes.xsd", 'value="customer"', 'value="client"', "client"),
    "invented type": (
        "platform.core.xsd",
        '<complexType name="RecordRef">',
        '<complexType name="RecordReference"/><complexType name="RecordRef">',
        "RecordReference",
    ),
    "attribute retyped": (
        "platform.core.xsd",
        '<attribute name="typeId" type="xsd:string"/>',
        '<attribute name="typeId" type="xsd:long"/>',
        "typeId",
    ),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_conformance_check_catches_a_dialect(
    tampering: str, real_model: SchemaModel, bundles: dict[str, Path], tmp_path: Path
) -> None:
    """The structural check is not vacuous: each kind of departure from NetSuite's schema is reported."""
    file, old, new, expected = TAMPERINGS[tampering]
    source = bundles[REAL_VERSION].parent / "xsd"
    (tmp_path / "xsd").mkdir()
    for path in source.glob("*.xsd"):
        text = path.read_text(encoding="utf-8")
        if path.name == file:
            assert old in text, tampering
            text = text.replace(old, new, 1)
        (tmp_path / "xsd" / path.name).write_text(text, encoding="utf-8")
    problems = list(conformance_problems(bundle_model(tmp_path / "netsuite.wsdl"), real_model))
    assert any(expected in problem for problem in problems), problems


def test_compact_xsd_is_a_subset_of_netsuites(real_model: SchemaModel, bundles: dict[str, Path]) -> None:
    real = real_model
    compact = bundle_model(bundles[REAL_VERSION])
    assert len(compact.complex) > 150
    assert len(compact.simple) > 15
    assert len(compact.elements) > 80
    problems = list(conformance_problems(compact, real))
    assert not problems, "\n".join(problems)


def wsdl_operations(
    wsdl: Path,
) -> tuple[etree._Element, dict[str, etree._Element], dict[str, etree._Element]]:
    root = etree.parse(str(wsdl)).getroot()
    port_ops = {o.get("name", ""): o for o in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    binding_ops = {
        o.get("name", ""): o for o in root.iterfind(f"{{{WSDL_NS}}}binding/{{{WSDL_NS}}}operation")
    }
    return root, port_ops, binding_ops


def describe_port_operation(op: etree._Element) -> list[tuple[str, str | None, str]]:
    return [(etree.QName(io).localname, io.get("name"), resolve(io, io.get("message", ""))) for io in op]


def describe_binding_operation(op: etree._Element) -> object:
    action = op.find(f"{{{SOAP_BINDING_NS}}}operation")
    sides = []
    for side in ("input", "output"):
        el = op.find(f"{{{WSDL_NS}}}{side}")
        assert el is not None
        headers = [
            (h.get("message"), h.get("part"), h.get("use")) for h in el.iter(f"{{{SOAP_BINDING_NS}}}header")
        ]
        bodies = [b.get("use") for b in el.iter(f"{{{SOAP_BINDING_NS}}}body")]
        sides.append((el.get("name"), headers, bodies))
    faults = sorted(
        (f.get("name"), f[0].get("name"), f[0].get("use")) for f in op.iterfind(f"{{{WSDL_NS}}}fault")
    )
    return (action.get("soapAction") if action is not None else None, sides, faults)


def test_compact_wsdl_is_a_subset_of_netsuites(netsuite_bundle: Path, bundles: dict[str, Path]) -> None:
    compact, compact_port, compact_binding = wsdl_operations(bundles[REAL_VERSION])
    real, real_port, real_binding = wsdl_operations(netsuite_bundle / "netsuite.wsdl")
    assert compact.get("targetNamespace") == real.get("targetNamespace")
    assert list(compact_port) == list(COVERED_OPERATIONS)
    assert list(compact_binding) == list(COVERED_OPERATIONS)

    def messages(root: etree._Element) -> dict[str, list[tuple[str | None, str]]]:
        return {
            m.get("name", ""): [(p.get("name"), resolve(p, p.get("element", ""))) for p in m]
            for m in root.iterfind(f"{{{WSDL_NS}}}message")
        }

    real_messages = messages(real)
    for name, parts in messages(compact).items():
        assert real_messages.get(name) == parts, name
    for name, op in compact_port.items():
        assert describe_port_operation(op) == describe_port_operation(real_port[name]), name
        assert describe_binding_operation(compact_binding[name]) == describe_binding_operation(
            real_binding[name]
        ), name
        assert describe_binding_operation(compact_binding[name])[0] == name  # type: ignore[index]
    for tag in ("portType", "binding", "service"):
        assert [e.get("name") for e in compact.iterfind(f"{{{WSDL_NS}}}{tag}")] == [
            e.get("name") for e in real.iterfind(f"{{{WSDL_NS}}}{tag}")
        ]
    style = f"{{{WSDL_NS}}}binding/{{{SOAP_BINDING_NS}}}binding"
    assert compact.find(style).attrib == real.find(style).attrib  # type: ignore[union-attr]
    port = f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port"
    assert compact.find(port).attrib == real.find(port).attrib  # type: ignore[union-attr]


# ------------------------------------------------------------------------- representative documents


class Docs:
    """Builds NetSuite request and response documents for one version, with lxml."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.nsmap = {
            "platformCore": core_ns(version),
            "platformMsgs": messages_ns(version),
            "platformFaults": faults_ns(version),
            "platformCommon": ns("common", "platform", version),
            "listRel": ns("relationships", "lists", version),
            "listEmp": ns("employees", "lists", version),
            "listAcct": ns("accounting", "lists", version),
            "tranSales": ns("sales", "transactions", version),
            "setupCustom": ns("customization", "setup", version),
            "xsi": XSI,
        }
        make = {p: ElementMaker(namespace=u, nsmap=self.nsmap) for p, u in self.nsmap.items() if p != "xsi"}
        self.core, self.msgs, self.faults = make["platformCore"], make["platformMsgs"], make["platformFaults"]
        self.common, self.rel, self.emp = make["platformCommon"], make["listRel"], make["listEmp"]
        self.acct, self.sales, self.custom = make["listAcct"], make["tranSales"], make["setupCustom"]

    @staticmethod
    def xsi(type_: str, **attrs: str) -> dict[str, str]:
        return {f"{{{XSI}}}type": type_, **attrs}

    def ref(self, tag: Callable[..., etree._Element], internal_id: str, **attrs: str) -> etree._Element:
        return tag(internalId=internal_id, **attrs)

    def status(self, ok: bool = True, code: str | None = None) -> etree._Element:
        details = []
        if code:
            details.append(
                self.core.statusDetail(
                    self.core.code(code), self.core.message(f"{code} happened"), type="ERROR"
                )
            )
        return self.core.status(*details, isSuccess="true" if ok else "false")

    def custom_fields(self, holder: Callable[..., etree._Element]) -> etree._Element:
        c = self.core
        return holder(
            c.customField(
                c.value("Gold"), self.xsi("platformCore:StringCustomFieldRef", scriptId="custentity_tier")
            ),
            c.customField(
                c.value("42"), self.xsi("platformCore:LongCustomFieldRef", scriptId="custentity_n")
            ),
            c.customField(c.value("0.5"), self.xsi("platformCore:DoubleCustomFieldRef", internalId="12")),
            c.customField(
                c.value("true"), self.xsi("platformCore:BooleanCustomFieldRef", scriptId="custentity_b")
            ),
            c.customField(
                c.value("2024-03-01T00:00:00Z"),
                self.xsi("platformCore:DateCustomFieldRef", scriptId="custentity_d"),
            ),
            c.customField(
                c.value(internalId="3", typeId="7"),
                self.xsi("platformCore:SelectCustomFieldRef", scriptId="custentity_s"),
            ),
            c.customField(
                c.value(internalId="1"),
                c.value(c.name("Two"), externalId="two"),
                self.xsi("platformCore:MultiSelectCustomFieldRef", scriptId="custentity_m"),
            ),
        )

    def customer(self, tag: Callable[..., etree._Element], internal_id: str | None = None) -> etree._Element:
        r, common = self.rel, self.common
        attrs = self.xsi("listRel:Customer", externalId="CUST-1")
        if internal_id:
            attrs["internalId"] = internal_id
        return tag(
            r.entityId("ACME-1"),
            r.isPerson("false"),
            r.companyName("Acme Inc."),
            r.phone("+1 555 0100"),
            r.email("billing@acme.example"),
            r.isInactive("false"),
            r.dateCreated("2024-01-02T03:04:05Z"),
            self.ref(r.subsidiary, "1"),
            self.ref(r.terms, "2"),
            self.ref(r.currency, "1"),
            r.lastModifiedDate("2024-02-03T04:05:06.000-08:00"),
            r.stage("_customer"),
            r.addressbookList(
                r.addressbook(
                    r.defaultBilling("true"),
                    r.label("HQ"),
                    r.addressbookAddress(
                        common.country("_unitedStates"),
                        common.addressee("Acme Inc."),
                        common.addr1("1 Main St"),
                        common.city("Springfield"),
                        common.state("IL"),
                        common.zip("62701"),
                    ),
                ),
                replaceAll="true",
            ),
            self.custom_fields(r.customFieldList),
            attrs,
        )

    def sales_order(self, tag: Callable[..., etree._Element]) -> etree._Element:
        s = self.sales
        return tag(
            self.ref(s.entity, "10", type="customer"),
            s.tranDate("2024-03-01T00:00:00Z"),
            s.orderStatus("_pendingFulfillment"),
            s.memo("web order 1001"),
            s.itemList(
                s.item(self.ref(s.item, "55"), s.quantity("2"), s.rate("9.99"), s.amount("19.98")),
                s.item(self.ref(s.item, "56"), s.quantity("1"), s.description("gift wrap")),
                replaceAll="false",
            ),
            self.custom_fields(s.customFieldList),
            self.xsi("tranSales:SalesOrder", externalId="WEB-1001"),
        )

    def invoice(self, tag: Callable[..., etree._Element]) -> etree._Element:
        s = self.sales
        return tag(
            self.ref(s.entity, "10"),
            s.tranDate("2024-03-02T00:00:00Z"),
            s.tranId("INV-1"),
            s.total("19.98"),
            s.itemList(s.item(self.ref(s.item, "55"), s.amount("19.98"), s.quantity("2"))),
            self.xsi("tranSales:Invoice", internalId="900"),
        )

    def inventory_item(self, tag: Callable[..., etree._Element]) -> etree._Element:
        a = self.acct
        return tag(
            a.salesDescription("Blue widget"),
            a.itemId("WIDGET-BLUE"),
            a.displayName("Widget (blue)"),
            a.isInactive("false"),
            a.subsidiaryList(self.core.recordRef(internalId="1")),
            self.xsi("listAcct:InventoryItem", externalId="SKU-1"),
        )

    def contact(self, tag: Callable[..., etree._Element]) -> etree._Element:
        r = self.rel
        return tag(
            r.firstName("Ada"),
            r.lastName("Lovelace"),
            r.email("ada@acme.example"),
            self.xsi("listRel:Contact", externalId="CONTACT-1"),
        )

    def vendor(self, tag: Callable[..., etree._Element]) -> etree._Element:
        r = self.rel
        return tag(
            r.companyName("Widgets Ltd"),
            r.email("ap@widgets.example"),
            r.isInactive("false"),
            self.ref(r.subsidiary, "1"),
            self.xsi("listRel:Vendor", externalId="VEND-1"),
        )

    def employee(self, tag: Callable[..., etree._Element]) -> etree._Element:
        e = self.emp
        return tag(
            e.firstName("Grace"),
            e.lastName("Hopper"),
            e.email("grace@acme.example"),
            self.ref(e.subsidiary, "1"),
            e.title("Engineer"),
            self.custom_fields(e.customFieldList),
            self.xsi("listEmp:Employee", externalId="EMP-1"),
        )

    def custom_record(self, tag: Callable[..., etree._Element]) -> etree._Element:
        c = self.custom
        return tag(
            c.name("Warehouse note"),
            self.ref(c.recType, "17"),
            self.custom_fields(c.customFieldList),
            self.xsi("setupCustom:CustomRecord", externalId="NOTE-1"),
        )

    def documents(self) -> dict[str, etree._Element]:
        """name -> a standalone document whose root is a NetSuite global element."""
        m, c, s, common, r = self.msgs, self.core, self.sales, self.common, self.rel
        when = "2024-05-01T12:00:00.000-07:00"
        passport = TokenPassport(
            "1234567_SB1", "ck", "tok", "6obMKq0tmY8ylVOdEkA1", 1439829974,
            compute_signature("1234567_SB1", "ck", "tok", "6obMKq0tmY8ylVOdEkA1", 1439829974, "cs", "ts"),
        )  # fmt: skip
        docs: dict[str, etree._Element] = {
            "tokenPassport": passport.to_element(self.version),
            "preferences": m.preferences(
                m.warningAsError("false"),
                m.disableMandatoryCustomFieldValidation("true"),
                m.ignoreReadOnlyFields("true"),
                m.runServerSuiteScriptAndTriggerWorkflows("false"),
            ),
            "searchPreferences": m.searchPreferences(
                m.bodyFieldsOnly("false"), m.returnSearchColumns("true"), m.pageSize("50")
            ),
            "partnerInfo": m.partnerInfo(m.partnerId("PARTNER-1")),
            "applicationInfo": m.applicationInfo(m.applicationId("A1B2C3")),
            "documentInfo": m.documentInfo(m.nsId("WEBSERVICES_1234567_050120241234567890_abc")),
            "add": m.add(self.customer(m.record)),
            "addList": m.addList(
                self.customer(m.record),
                self.sales_order(m.record),
                self.inventory_item(m.record),
                self.invoice(m.record),
            ),
            "update": m.update(
                m.record(
                    c.nullFieldList(c.name("fax"), c.name("custentity_tier")),
                    r.companyName("Acme Corp."),
                    self.xsi("listRel:Customer", internalId="10"),
                )
            ),
            "upsertList": m.upsertList(
                self.contact(m.record),
                self.vendor(m.record),
                self.employee(m.record),
                self.custom_record(m.record),
                self.sales_order(m.record),
            ),
            "delete": m.delete(
                m.baseRef(self.xsi("platformCore:RecordRef", internalId="10", type="customer"))
            ),
            "deleteList": m.deleteList(
                m.baseRef(self.xsi("platformCore:RecordRef", externalId="SKU-1", type="inventoryItem")),
                m.baseRef(self.xsi("platformCore:CustomRecordRef", internalId="5", typeId="17")),
            ),
            "get": m.get(m.baseRef(self.xsi("platformCore:RecordRef", internalId="10", type="customer"))),
            "getList": m.getList(
                m.baseRef(self.xsi("platformCore:RecordRef", internalId="10", type="customer")),
                m.baseRef(self.xsi("platformCore:RecordRef", externalId="WEB-1001", type="salesOrder")),
                m.baseRef(
                    self.xsi("platformCore:CustomRecordRef", scriptId="customrecord_note", internalId="5")
                ),
            ),
            "getResponse": m.getResponse(m.readResponse(self.status(), self.customer(m.record, "10"))),
            "getListResponse": m.getListResponse(
                m.readResponseList(
                    self.status(),
                    m.readResponse(self.status(), self.customer(m.record, "10")),
                    m.readResponse(self.status(), self.invoice(m.record)),
                    m.readResponse(self.status(False, "RCRD_DSNT_EXIST")),
                )
            ),
            "addListResponse": m.addListResponse(
                m.writeResponseList(
                    self.status(),
                    m.writeResponse(
                        self.status(),
                        m.baseRef(
                            self.xsi(
                                "platformCore:RecordRef",
                                internalId="11",
                                externalId="CUST-1",
                                type="customer",
                            )
                        ),
                    ),
                    m.writeResponse(self.status(False, "DUP_ENTITY")),
                )
            ),
            "upsertListResponse": m.upsertListResponse(
                m.writeResponseList(
                    m.writeResponse(
                        self.status(),
                        m.baseRef(self.xsi("platformCore:CustomRecordRef", internalId="5", typeId="17")),
                    ),
                    m.writeResponse(self.status(False, "INVALID_KEY_OR_REF")),
                )
            ),
            "search": m.search(
                m.searchRecord(
                    r.basic(
                        common.email(c.searchValue("@acme.example"), operator="contains"),
                        common.externalId(c.searchValue(externalId="CUST-1"), operator="anyOf"),
                        common.isInactive(c.searchValue("false")),
                        common.lastModifiedDate(
                            c.searchValue(when), c.searchValue2("2024-06-01T00:00:00Z"), operator="within"
                        ),
                        common.stage(c.searchValue("_customer"), operator="anyOf"),
                        common.customFieldList(
                            c.customField(
                                c.searchValue("Gold"),
                                self.xsi(
                                    "platformCore:SearchStringCustomField",
                                    scriptId="custentity_tier",
                                    operator="is",
                                ),
                            ),
                            c.customField(
                                c.searchValue(internalId="3"),
                                self.xsi(
                                    "platformCore:SearchMultiSelectCustomField",
                                    scriptId="custentity_s",
                                    operator="anyOf",
                                ),
                            ),
                        ),
                    ),
                    r.contactJoin(common.email(c.searchValue("ada@acme.example"), operator="is")),
                    self.xsi("listRel:CustomerSearch"),
                )
            ),
            "searchAdvanced": m.search(
                m.searchRecord(
                    s.criteria(
                        s.basic(
                            common.mainLine(c.searchValue("true")),
                            common.tranDate(c.predefinedSearchValue("thisMonth"), operator="within"),
                            common.type(
                                c.searchValue("_salesOrder"), c.searchValue("_invoice"), operator="anyOf"
                            ),
                        )
                    ),
                    s.columns(
                        s.basic(common.entity(), common.total(c.customLabel("Total")), common.tranId()),
                        s.customerJoin(common.email()),
                    ),
                    self.xsi(
                        "tranSales:TransactionSearchAdvanced", savedSearchScriptId="customsearch_orders"
                    ),
                )
            ),
            "searchMoreWithId": m.searchMoreWithId(
                m.searchId("WEBSERVICES_1234567_050120241234567890_abc"), m.pageIndex("2")
            ),
            "searchResponse": m.searchResponse(
                c.searchResult(
                    self.status(),
                    c.totalRecords("120"),
                    c.pageSize("50"),
                    c.totalPages("3"),
                    c.pageIndex("1"),
                    c.searchId("WEBSERVICES_1234567_050120241234567890_abc"),
                    c.recordList(self.customer(c.record, "10"), self.contact(c.record)),
                )
            ),
            "searchRowResponse": m.searchMoreWithIdResponse(
                c.searchResult(
                    self.status(),
                    c.totalRecords("1"),
                    c.pageIndex("2"),
                    c.searchRowList(
                        c.searchRow(
                            s.basic(
                                common.entity(c.searchValue(internalId="10")),
                                common.total(c.searchValue("19.98")),
                                common.tranId(c.searchValue("SO-1")),
                                common.customFieldList(
                                    c.customField(
                                        c.searchValue("Gold"),
                                        self.xsi(
                                            "platformCore:SearchColumnStringCustomField",
                                            scriptId="custbody_x",
                                        ),
                                    )
                                ),
                            ),
                            s.customerJoin(common.email(c.searchValue("billing@acme.example"))),
                            self.xsi("tranSales:TransactionSearchRow"),
                        )
                    ),
                )
            ),
            "expiredSearch": m.searchMoreWithIdResponse(c.searchResult(self.status(False, "INVALID_JOB_ID"))),
            "getDeleted": m.getDeleted(
                m.getDeletedFilter(
                    c.deletedDate(c.searchValue(when), operator="after"),
                    c.type(c.searchValue("customer"), c.searchValue("salesOrder"), operator="anyOf"),
                ),
                m.pageIndex("1"),
            ),
            "getDeletedResponse": m.getDeletedResponse(
                c.getDeletedResult(
                    self.status(),
                    c.totalRecords("1"),
                    c.pageSize("1000"),
                    c.totalPages("1"),
                    c.pageIndex("1"),
                    c.deletedRecordList(
                        c.deletedRecord(
                            c.deletedDate(when),
                            c.record(
                                c.name("ACME-1"),
                                self.xsi("platformCore:RecordRef", internalId="10", type="customer"),
                            ),
                        )
                    ),
                )
            ),
            "getServerTime": m.getServerTime(),
            "getServerTimeResponse": m.getServerTimeResponse(
                c.getServerTimeResult(
                    self.status(),
                    c.serverTime(dt.datetime(2024, 5, 1, 19, tzinfo=dt.timezone.utc).isoformat()),
                )
            ),
            "getAccountGovernanceInfoResponse": m.getAccountGovernanceInfoResponse(
                c.getAccountGovernanceInfoResult(
                    self.status(), c.accountConcurrencyLimit("15"), c.unallocatedConcurrencyLimit("5")
                )
            ),
            "getIntegrationGovernanceInfoResponse": m.getIntegrationGovernanceInfoResponse(
                c.getIntegrationGovernanceInfoResult(
                    self.status(), c.integrationConcurrencyLimit("5"), c.limitType("_integrationSpecific")
                )
            ),
            "getDataCenterUrls": m.getDataCenterUrls(m.account("1234567_SB1")),
            "getDataCenterUrlsResponse": m.getDataCenterUrlsResponse(
                c.getDataCenterUrlsResult(
                    self.status(),
                    c.dataCenterUrls(
                        c.restDomain("https://1234567-sb1.suitetalk.api.netsuite.com"),
                        c.webservicesDomain("https://1234567-sb1.suitetalk.api.netsuite.com"),
                        c.systemDomain("https://1234567-sb1.app.netsuite.com"),
                    ),
                )
            ),
            "initialize": m.initialize(
                m.initializeRecord(c.type("invoice"), c.reference(internalId="77", type="salesOrder"))
            ),
            "attach": m.attach(
                m.attachReference(
                    c.attachTo(self.xsi("platformCore:RecordRef", internalId="10", type="customer")),
                    c.attachedRecord(self.xsi("platformCore:RecordRef", internalId="20", type="contact")),
                    self.xsi("platformCore:AttachBasicReference"),
                )
            ),
            "getAll": m.getAll(m.record(recordType="currency")),
        }
        codes = {
            "exceededConcurrentRequestLimitFault": "WS_REQUEST_BLOCKED",
            "exceededRequestLimitFault": "WS_CONCUR_SESSION_DISALLWD",
            "invalidCredentialsFault": "USER_ERROR",
            "invalidVersionFault": "UNSUPPORTED_WS_VERSION",
            "invalidAccountFault": "INVALID_ACCT",
            "insufficientPermissionFault": "INSUFFICIENT_PERMISSION",
            "invalidSessionFault": "SESSION_TIMED_OUT",
            "exceededRecordCountFault": "MAX_RCRDS_EXCEEDED",
            "asyncFault": "JOB_NOT_COMPLETE",
        }
        for fault in FAULT_ELEMENTS:
            code = codes.get(fault, "UNEXPECTED_ERROR")
            docs[fault] = getattr(self.faults, fault)(
                self.faults.code(code), self.faults.message("Request blocked.")
            )
        return docs


@pytest.fixture(scope="session")
def documents() -> dict[str, etree._Element]:
    return Docs(REAL_VERSION).documents()


def test_documents_cover_every_fault_and_header(documents: dict[str, etree._Element]) -> None:
    for name in (*FAULT_ELEMENTS, "tokenPassport", "preferences", "searchPreferences", "documentInfo"):
        assert name in documents


def assert_valid(schema: etree.XMLSchema, doc: etree._Element, label: str) -> None:
    tree = etree.ElementTree(etree.fromstring(etree.tostring(doc)))
    if not schema.validate(tree):
        pytest.fail(f"{label}: {schema.error_log}")


@pytest.mark.parametrize("name", sorted(Docs(REAL_VERSION).documents()))
def test_document_is_valid_in_compact_and_real_schema(
    name: str,
    documents: dict[str, etree._Element],
    compact_schemas: dict[str, etree.XMLSchema],
    real_schema: etree.XMLSchema,
) -> None:
    assert_valid(compact_schemas[REAL_VERSION], documents[name], f"{name} (compact)")
    assert_valid(real_schema, documents[name], f"{name} (NetSuite)")


@pytest.mark.parametrize("version", ["2025_2", "2019_1"])
def test_documents_are_valid_in_other_versions(
    version: str, compact_schemas: dict[str, etree.XMLSchema]
) -> None:
    for name, doc in Docs(version).documents().items():
        assert_valid(compact_schemas[version], doc, f"{name} ({version})")
    # a document of another version is not: the namespaces carry the version
    other = Docs(REAL_VERSION).documents()["add"]
    assert not compact_schemas[version].validate(etree.ElementTree(other))


def test_invalid_documents_are_rejected_by_both(
    compact_schemas: dict[str, etree.XMLSchema], real_schema: etree.XMLSchema
) -> None:
    docs = Docs(REAL_VERSION)
    m, r = docs.msgs, docs.rel
    out_of_order = m.add(m.record(r.companyName("Acme"), r.entityId("ACME"), docs.xsi("listRel:Customer")))
    misspelt = m.add(m.record(r.companyname("Acme"), docs.xsi("listRel:Customer")))
    unsigned = docs.msgs.tokenPassport(*Docs(REAL_VERSION).documents()["tokenPassport"][:-1])
    bad_code = docs.faults.invalidCredentialsFault(docs.faults.code("NOT_A_CODE"), docs.faults.message("x"))
    for doc in (out_of_order, misspelt, unsigned, bad_code):
        tree = etree.ElementTree(doc)
        assert not compact_schemas[REAL_VERSION].validate(tree)
        assert not real_schema.validate(tree)


def body_and_headers(envelope: etree._Element) -> list[etree._Element]:
    soap = "http://schemas.xmlsoap.org/soap/envelope/"
    return [*envelope.find(f"{{{soap}}}Header"), *envelope.find(f"{{{soap}}}Body")]  # type: ignore[misc]


def test_zeep_built_requests_are_valid_netsuite_requests(
    clients: dict[str, zeep.Client], compact_schemas: dict[str, etree.XMLSchema], real_schema: etree.XMLSchema
) -> None:
    client = clients[REAL_VERSION]
    version = REAL_VERSION
    core = core_ns(version)
    passport = TokenPassport("1234567", "ck", "tok", "6obMKq0tmY8ylVOdEkA1", 1439829974, "c2ln")
    customer_type = client.get_type(record_type_qname("customer", version))
    ref = client.get_type(f"{{{core}}}RecordRef")
    string_field = client.get_type(f"{{{core}}}StringCustomFieldRef")
    customer = customer_type(
        entityId="ACME",
        companyName="Acme",
        subsidiary=ref(internalId="1"),
        customFieldList={"customField": [string_field(scriptId="custentity_tier", value="Gold")]},
        externalId="CUST-1",
    )
    search_type = client.get_type(search_type_qname("customer", version))
    basic_type = client.get_type(search_type_qname("customer", version, "basic"))
    string_search = client.get_type(f"{{{core}}}SearchStringField")
    search = search_type(basic=basic_type(email=string_search(searchValue="@acme", operator="contains")))
    requests_ = [
        client.create_message(
            client.service, "add", record=customer, _soapheaders={"tokenPassport": passport.to_zeep()}
        ),
        client.create_message(
            client.service,
            "search",
            searchRecord=search,
            _soapheaders={
                "tokenPassport": passport.to_zeep(),
                "searchPreferences": {"bodyFieldsOnly": False, "pageSize": 25},
            },
        ),
        client.create_message(
            client.service, "getServerTime", _soapheaders={"tokenPassport": passport.to_zeep()}
        ),
    ]
    for envelope in requests_:
        parts = body_and_headers(envelope)
        assert parts
        for part in parts:
            assert_valid(compact_schemas[version], part, f"zeep {etree.QName(part).localname} (compact)")
            assert_valid(real_schema, part, f"zeep {etree.QName(part).localname} (NetSuite)")


def test_every_status_code_the_emulator_answers_is_in_the_compact_enum(netsuite_bundle: Path) -> None:
    """The emulator's answers must validate against the schema it serves, not only against NetSuite's."""
    import suitetalk.emulator as emulator_package

    def codes(text: str, type_name: str) -> set[str]:
        start = text.index(f'name="{type_name}"')
        return set(re.findall(r'value="([A-Z_0-9]+)"', text[start : text.index("</simpleType>", start)]))

    real = codes((netsuite_bundle / "xsd" / "platform.faultTypes.xsd").read_text(), "StatusDetailCodeType")
    compact_text = render_bundle("2023_2")["xsd/platform.faultTypes.xsd"].decode()
    compact = codes(compact_text, "StatusDetailCodeType")
    source = "".join(p.read_text() for p in Path(emulator_package.__file__).parent.glob("*.py"))
    used = {literal for literal in re.findall(r'"([A-Z][A-Z_0-9]{4,})"', source) if literal in real}
    assert used, "the emulator answers NetSuite status codes"
    assert used - compact == set()
