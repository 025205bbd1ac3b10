"""Cold start with the codec: a fresh interpreter to a ready ``Client`` from the WSDL cache, against a bare
``zeep.Client(wsdl)`` with zeep's default settings on the same cached files.

The bundle is stored in a temporary WSDL cache and one client is built first (not timed), which compiles the
schema map and stores it beside the bundle. Then, in turns, N fresh processes each:

- candidate: ``from suitetalk import Client, ...`` and ``Client(credentials, ClientConfig(version=...,
  wsdl_cache=root))``: the cached bundle and its map are verified against the manifest and the map is read;
  zeep's model of the WSDL is not built (it is loaded on first need). Also timed, after that, the deferred
  cost: ``client.zeep`` (what the first request or record built pays);
- baseline: ``import zeep`` and ``zeep.Client(wsdl=path)``.

Medians of wall time and of the process's CPU time.

    python bench/bench_codec_start.py [BUNDLE_DIR] [--runs 11] [--version 2023_2]
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

CANDIDATE = """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from suitetalk import Client, ClientConfig, Credentials
credentials = Credentials(
    account="1234567", consumer_key="ck", consumer_secret="cs", token_id="tk", token_secret="ts"
)
client = Client(credentials, ClientConfig(version=sys.argv[2], wsdl_cache=sys.argv[1]))
w1, c1 = time.perf_counter(), time.process_time()
client.zeep
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"wall": w1 - w0, "cpu": c1 - c0, "zeep_wall": w2 - w1, "zeep_cpu": c2 - c1}))
"""

BASELINE = """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
import zeep
client = zeep.Client(wsdl=sys.argv[1])
w1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"wall": w1 - w0, "cpu": c1 - c0}))
"""


# Both sides run from compiled bytecode, as after ``pip install`` (which compiles every module it installs):
# with PYTHONDONTWRITEBYTECODE set, an editable checkout would recompile this library's modules in every
# process (some 50 ms here) while zeep's installed bytecode is used, a cost no installed copy pays.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=_ENV
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "bundle", nargs="?", default=os.environ.get("SUITETALK_NETSUITE_WSDL", "/work/shared/wsdl/2023_2")
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--version", default="2023_2")
    args = parser.parse_args()
    from suitetalk.wsdl import WsdlCache

    with tempfile.TemporaryDirectory(prefix="bench-start-") as root:
        wsdl = WsdlCache(root).fetch(args.version, Path(args.bundle))
        run(CANDIDATE, root, args.version)  # stores the schema map and the bytecode; warms the OS file cache
        run(BASELINE, str(wsdl))
        candidate: list[dict[str, float]] = []
        baseline: list[dict[str, float]] = []
        for i in range(args.runs):
            order = [(CANDIDATE, (root, args.version), candidate), (BASELINE, (str(wsdl),), baseline)]
            for code, code_args, results in order if i % 2 == 0 else reversed(order):
                results.append(run(code, *code_args))

    def median(results: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"bundle {args.bundle} (version {args.version}), {args.runs} fresh processes each, medians:")
    for key in ("wall", "cpu"):
        c, b = median(candidate, key), median(baseline, key)
        print(f"  {key:>4}: ready Client from the cache {c:.3f} s, bare zeep.Client {b:.3f} s = {c / b:.2f}x")
    print(
        f"  deferred: zeep's model loaded on first need {median(candidate, 'zeep_wall'):.3f} s wall, "
        f"{median(candidate, 'zeep_cpu'):.3f} s CPU"
    )


if __name__ == "__main__":
    main()
