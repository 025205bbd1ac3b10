"""The offline SuiteTalk emulator: a real SOAP server on loopback that NetSuite clients can use unchanged.

>>> from suitetalk.emulator import Emulator
>>> with Emulator() as emulator:                                   # doctest: +SKIP
...     print(emulator.service_url, emulator.wsdl_url, emulator.credentials)

It serves a WSDL bundle (the project's compact schema by default, or NetSuite's full bundle from a folder),
checks token passports as NetSuite does, stores records in SQLite (memory or a file), enforces a
concurrency limit with NetSuite's fault and injects faults on purpose, reproducibly from a seed; rules make
chosen records fail or succeed with warnings, and ``tls=True`` serves HTTPS.
"""

from __future__ import annotations

from .app import Stats
from .rules import Rule, load_rules
from .serve import serve
from .server import Emulator
from .settings import EmulatorSettings, generate_credentials

__all__ = ["Emulator", "EmulatorSettings", "Rule", "Stats", "generate_credentials", "load_rules", "serve"]
