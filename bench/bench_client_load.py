"""Cold start: from ``import suitetalk`` to a ready zeep client on the full bundle, against bare zeep.

Each measurement is a fresh interpreter, so imports are really cold (only the interpreter's own start-up is
left out, the same for both). The bundle is first stored in a temporary WSDL cache (not timed); then, in
turns, N times each:

- candidate: ``import suitetalk``, ``WsdlCache(root).load(version)`` (manifest check: sizes and SHA-256 of
  every file), ``make_zeep_client(...)`` (hardened settings, local-only transport, service bound to a URL);
- baseline: ``import zeep`` and ``zeep.Client(wsdl=path)`` on the same cached files.

It reports medians and the ratio candidate / baseline (goal: 1.2 at most), and where the candidate's time
goes.

    .venv/bin/python bench/bench_client_load.py [BUNDLE_DIR] [--runs 15] [--version 2023_2]

``BUNDLE_DIR`` defaults to ``$SUITETALK_NETSUITE_WSDL``, else ``/work/shared/wsdl/2023_2``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from suitetalk.wsdl import WsdlCache

CANDIDATE = """
import json, sys, time
t0 = time.perf_counter()
import suitetalk
from suitetalk.wsdl import WsdlCache, make_zeep_client
t1 = time.perf_counter()
path = WsdlCache(sys.argv[1]).load(sys.argv[2])
t2 = time.perf_counter()
client, service = make_zeep_client(path, sys.argv[3], version=sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"total": t3 - t0, "import": t1 - t0, "verify": t2 - t1, "client": t3 - t2}))
"""

BASELINE = """
import json, sys, time
t0 = time.perf_counter()
import zeep
t1 = time.perf_counter()
client = zeep.Client(wsdl=sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"total": t2 - t0, "import": t1 - t0, "client": t2 - t1}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "bundle",
        nargs="?",
        default=os.environ.get("SUITETALK_NETSUITE_WSDL", "/work/shared/wsdl/2023_2"),
        help="folder holding netsuite.wsdl and xsd/",
    )
    parser.add_argument("--runs", type=int, default=15, help="measurements of each (default 15)")
    parser.add_argument("--version", default="2023_2")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-wsdl-") as root:
        wsdl = WsdlCache(root).fetch(args.version, Path(args.bundle))
        service_url = f"https://1234567.suitetalk.api.netsuite.com/services/NetSuitePort_{args.version}"
        candidate_args = (root, args.version, service_url)

        # One of each first, not counted: byte-compiles the modules, warms the OS file cache.
        run(CANDIDATE, *candidate_args)
        run(BASELINE, str(wsdl))
        candidate: list[dict[str, float]] = []
        baseline: list[dict[str, float]] = []
        for i in range(args.runs):
            # Alternate which goes first, so neither always follows the other.
            order = [(CANDIDATE, candidate_args, candidate), (BASELINE, (str(wsdl),), baseline)]
            for code, code_args, results in order if i % 2 == 0 else reversed(order):
                results.append(run(code, *code_args))

    def median(results: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in results)

    c_total, b_total = median(candidate, "total"), median(baseline, "total")
    b_import, b_client = median(baseline, "import"), median(baseline, "client")
    c_import, c_verify, c_client = (median(candidate, k) for k in ("import", "verify", "client"))
    print(f"bundle {args.bundle} (version {args.version}), {args.runs} fresh processes each, medians:")
    print(f"  bare zeep                              {b_total:.3f} s")
    print(f"    import zeep                          {b_import:.3f} s")
    print(f"    zeep.Client(wsdl=path)               {b_client:.3f} s")
    print(f"  suitetalk, from the cache              {c_total:.3f} s")
    print(f"    import suitetalk, suitetalk.wsdl     {c_import:.3f} s")
    print(f"    WsdlCache.load (verify manifest)     {c_verify:.3f} s")
    print(f"    make_zeep_client                     {c_client:.3f} s")
    low, high = min(r["total"] for r in candidate), max(r["total"] for r in candidate)
    print(f"  suitetalk range {low:.3f}..{high:.3f} s")
    print(f"  ratio, whole cold start: {c_total / b_total:.2f}x (goal <= 1.2x)")
    print(f"  ratio, load + client after the imports: {(c_verify + c_client) / b_client:.2f}x")
    print(f"  imports alone: {c_import / b_import:.2f}x ({c_import - b_import:+.3f} s)")


if __name__ == "__main__":
    main()
