"""HTTPS for the emulator: a certificate authority made at start, and a server certificate it issues.

NetSuite is HTTPS only, so a client's TLS path (verification, a custom CA bundle, the error when a
certificate cannot be verified) is tested against the emulator with ``Emulator(tls=True)``. Each start
makes a new CA (an EC P-256 key, valid for a day) and a server certificate from it for ``127.0.0.1``,
``::1`` and ``localhost``; the CA certificate is written as PEM to ``ca_file`` for clients to trust
(``ClientConfig(verify=emulator.ca_file)``). The keys never leave the emulator's private temporary folder,
which is removed when it stops.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "emulator-ca.pem"
_CERT_FILE = "server-cert.pem"
_KEY_FILE = "server-key.pem"
_VALIDITY = datetime.timedelta(days=1)
_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    """Where the certificates of one emulator run are (all in one private folder)."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "suitetalk emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _alt_names(hosts: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def write_certificates(folder: Path, host: str) -> TlsFiles:
    """Make a CA and a server certificate for loopback (and ``host``) into ``folder``; return the paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + _VALIDITY  # a little slack for clock skew

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("suitetalk emulator CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    hosts = tuple(dict.fromkeys((*_HOSTS, host)))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    files = TlsFiles(folder / CA_FILE, folder / _CERT_FILE, folder / _KEY_FILE)
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    files.key_file.touch(mode=0o600)
    files.key_file.write_bytes(key_pem)
    return files


class _LazyHandshakeContext(ssl.SSLContext):
    """Handshakes in the connection's own thread, on its first read, not in the server's accept loop.

    The server accepts connections in one thread; with the default, a client that connects and stalls
    before its TLS hello would hold up every other connection.
    """

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        kwargs["do_handshake_on_connect"] = False
        return super().wrap_socket(*args, **kwargs)


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """The server's TLS settings: TLS 1.2 or later, the certificate issued by the run's CA."""
    context = _LazyHandshakeContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.cert_file, files.key_file)
    return context
