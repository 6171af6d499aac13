#!/usr/bin/env python3
"""What each key-shape rule costs alone, to find the one that makes rules slow.

Usage: python3 bench/rule_cost.py --scrub build-bench/scrubber/tool/scrub [--rules FILE]
           [--slice-mib 64] [-r 3] [--top 12] bench/out

Runs `scrub --no-default-rules --rules ONE.json` over the first --slice-mib MiB of the corpus
(bench/make_corpus.py) once per rule, best of -r runs, and prints the rules furthest above the
median rule, with their keywords. A rule far above the median usually has a regex RE2's DFA
cannot hold (large bounded or lazy repeats: bound by the window, max_length, instead) or a
keyword that is common in logs. Wall times of one machine in one run: compare rules with each
other, never with figures from another run. Python 3 standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scrub", required=True, help="a (release) scrub binary")
    ap.add_argument("--rules", default=os.path.join(os.path.dirname(__file__), "..", "patterns",
                                                    "default.json"))
    ap.add_argument("--slice-mib", type=int, default=64)
    ap.add_argument("-r", "--repeats", type=int, default=3)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("corpus_dir")
    args = ap.parse_args()
    with open(args.rules, "rb") as f:
        rules = json.loads(f.read().decode("utf-8-sig"))["rules"]
    with tempfile.TemporaryDirectory() as tmp:
        sliced = os.path.join(tmp, "slice.log")
        with open(os.path.join(args.corpus_dir, "corpus.log"), "rb") as src, \
                open(sliced, "wb") as dst:
            dst.write(src.read(args.slice_mib * 1024 * 1024))
        one = os.path.join(tmp, "one.json")
        costs = []
        for rule in rules:
            with open(one, "w", encoding="utf-8") as f:
                json.dump({"rules": [rule]}, f)
            best = float("inf")
            for _ in range(args.repeats):
                with open(sliced, "rb") as stdin:
                    start = time.perf_counter()
                    done = subprocess.run([args.scrub, "--no-default-rules", "--rules", one],
                                          stdin=stdin, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
                    best = min(best, time.perf_counter() - start)
                if done.returncode != 0:
                    sys.exit("rule_cost: scrub failed on rule %r" % rule["id"])
            costs.append((best, rule["id"], rule.get("keywords", [])))
    median = statistics.median(c for c, _, _ in costs)
    print("%d rules over %d MiB, best of %d; median rule %.3f s" %
          (len(costs), args.slice_mib, args.repeats, median))
    print("%-8s %-7s %-40s %s" % ("seconds", "x med", "rule", "keywords"))
    for cost, rid, keywords in sorted(costs, reverse=True)[:args.top]:
        print("%-8.3f %-7.2f %-40s %s" % (cost, cost / median, rid, ", ".join(keywords)[:60]))


if __name__ == "__main__":
    main()
