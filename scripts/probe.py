"""Runs the probe posts through `doxwatch scan --json` and prints each verdict and its spans.

usage: python3 scripts/probe.py [FILE] [DOXWATCH]

FILE (default scripts/probes.tsv): one probe a line, EXPECT<TAB>text, where EXPECT is
d (labelled doxxing_post), a (labelled data_sale_ad), n (labelled benign: verdict none or
pii_exposure) or x (anything: read the spans); EXPECT ending in `!` marks a known gap, a probe
the matcher is known to get wrong (`tests/probes.rs` holds every other probe to its EXPECT and
every gap to failing, so a fixed gap loses its `!`).
`\\n` in a text is a line break; lines starting with `#` are comments. A probe whose verdict
differs from EXPECT is marked with a cross, and the last line counts them. DOXWATCH defaults
to the debug build (target/debug/doxwatch).

The probes are phrasings and evasions that the development corpus does not hold, written
while generalising the matcher; all their values are synthetic.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The post label each expectation needs (a sale ad with a sample record is both).
WANT = {"d": "doxxing_post", "a": "data_sale_ad", "n": "benign"}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "scripts", "probes.tsv")
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target", "debug", "doxwatch")
    probes = []
    for line in open(path, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            expect, text = line.rstrip("\n").split("\t", 1)
            probes.append((expect, text.replace("\\n", "\n")))
    posts = "".join(
        json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n"
        for i, (_, text) in enumerate(probes)
    )
    out = subprocess.run(
        [binary, "scan", "--json", "-"], input=posts.encode(), capture_output=True, check=False
    ).stdout.decode()
    results = {r["id"]: r for r in map(json.loads, out.splitlines())}
    unexpected = 0
    gaps = 0
    for i, (expect, text) in enumerate(probes):
        r = results.get(str(i), {"verdict": "none", "labels": ["benign"], "findings": []})
        chars = list(text)
        gap = expect.endswith("!")
        want = expect.rstrip("!")
        ok = want == "x" or WANT[want] in r["labels"]
        unexpected += not ok
        gaps += gap
        spans = " ".join(
            f"{f['kind']}[{''.join(chars[f['start']:f['end']])}]" for f in r["findings"]
        )
        mark = "  " if ok else ("✗!" if gap else "✗ ")
        print(f"{mark}{want}->{r['verdict']}: {text[:70]}\n      {spans}")
    print(unexpected, "unexpected of", len(probes), f"({gaps} known gaps marked `!`)")


if __name__ == "__main__":
    main()
