#!/usr/bin/env python3
"""Latency and throughput of `scrub exec`, against a plain `| cat` measured in the same run.

Latency: a writer (a small Python script) prints N lines (default 2,000), one write(2) each,
with a short sleep between them; each line carries time.monotonic_ns() taken just before its
write. This script reads the output pipe and records, per line, its arrival time minus its
write time (CLOCK_MONOTONIC is one clock for all processes on the machine). Three ways:

  python3 writer.py                                   direct: the pipe alone, the floor
  sh -c 'python3 writer.py | cat'                     the reference: one more process
  scrub exec --secret-file S -- python3 writer.py     S: K random secrets (default 1,000)

Throughput: FILE is the CI logs of tests/data/ci-logs concatenated again and again up to a
size (default 512 MiB); stdout goes to /dev/null in both cases:

  sh -c 'cat FILE | cat'
  scrub exec --secret-file S --report R -- cat FILE   (R checks that every byte went through)
  the same with --no-add-mask-commands                (what honouring ::add-mask:: costs)

in R rounds (default 5), the order rotating, wall time around each process; peak RSS from
GNU time (/usr/bin/time -f %M) wrapped around it.

Python 3 standard library only. Builds nothing: pass the binary with --scrub.
"""

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024
GNU_TIME = "/usr/bin/time"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WRITER = r'''
import os, sys, time
n, pause = int(sys.argv[1]), float(sys.argv[2]) / 1000
for i in range(n):
  os.write(1, b"%06d t=%d INFO step 4/9: compiling module %d of the build, all fine\n"
           % (i, time.monotonic_ns(), i))
  time.sleep(pause)
'''


def parse_args():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("--scrub", default=os.path.join(ROOT, "build-bench/scrubber/tool/scrub"),
                 help="scrub binary (default build-bench/scrubber/tool/scrub, built by "
                 "./run bench; build/scrubber/tool/scrub works too)")
  p.add_argument("--secrets", type=int, default=1000, help="registered secrets (default 1000)")
  p.add_argument("--lines", type=int, default=2000, help="lines per latency run (default 2000)")
  p.add_argument("--pause-ms", type=float, default=1.0,
                 help="writer's sleep between lines (default 1)")
  p.add_argument("--latency-runs", type=int, default=1,
                 help="latency runs per case, pooled (default 1)")
  p.add_argument("-r", "--repeats", type=int, default=5, help="throughput rounds (default 5)")
  p.add_argument("--size-mib", type=int, default=512, help="throughput input (default 512)")
  p.add_argument("--logs", default=os.path.join(ROOT, "tests/data/ci-logs"),
                 help="logs the throughput input repeats (default tests/data/ci-logs)")
  p.add_argument("--seed", type=int, default=1)
  p.add_argument("--skip-throughput", action="store_true")
  p.add_argument("--json", default=None, help="also write the results here")
  return p.parse_args()


def fail(msg):
  print("exec_latency: " + msg, file=sys.stderr)
  sys.exit(1)


def write_secrets(path, count, seed):
  """Random secrets of 20 to 64 bytes, mostly letters and digits."""
  rnd = random.Random(seed)
  alphabet = string.ascii_letters + string.digits + "+/=-_.:"
  with open(path, "w") as f:
    for _ in range(count):
      f.write("".join(rnd.choice(alphabet) for _ in range(rnd.randint(20, 64))) + "\n")


def percentile(values, q):
  ordered = sorted(values)
  return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_latency(argv, lines):
  """Runs argv, reads its stdout; returns (latencies in ns, first line ns after start)."""
  start = time.monotonic_ns()
  proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
  fd = proc.stdout.fileno()
  latencies, first, pending = [], None, b""
  while True:
    chunk = os.read(fd, 65536)
    now = time.monotonic_ns()
    if not chunk:
      break
    pending += chunk
    *complete, pending = pending.split(b"\n")
    for line in complete:
      at = line.find(b" t=")
      if at < 0:
        continue
      stamp = int(line[at + 3:line.index(b" ", at + 3)])
      latencies.append(now - stamp)
      if first is None:
        first = now - start
  err = proc.stderr.read()
  if proc.wait() != 0 or len(latencies) != lines:
    fail(f"{argv[0]}: exit {proc.returncode}, {len(latencies)} of {lines} lines; "
         f"stderr: {err.decode(errors='replace').strip()}")
  return latencies, first


def build_input(path, logs_dir, size):
  names = sorted(n for n in os.listdir(logs_dir) if n.endswith(".log"))
  if not names:
    fail(f"no .log files in {logs_dir}")
  logs = []
  for n in names:
    with open(os.path.join(logs_dir, n), "rb") as f:
      logs.append(f.read())
  written = 0
  with open(path, "wb") as out:
    while written < size:
      for data in logs:
        data = data[:size - written]
        out.write(data)
        written += len(data)
        if written >= size:
          break
  return written


def run_timed(argv):
  """Wall seconds and peak RSS (KiB) of argv, stdout to /dev/null."""
  with tempfile.NamedTemporaryFile() as ftime, tempfile.TemporaryFile() as ferr:
    timed = [GNU_TIME, "-f", "%M", "-o", ftime.name, "--"] + argv
    start = time.perf_counter()
    proc = subprocess.run(timed, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=ferr)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
      ferr.seek(0)
      fail(f"{' '.join(argv)}: exit {proc.returncode}: {ferr.read().decode(errors='replace')}")
    figures = ftime.read().decode(errors="replace").split()
    return seconds, int(figures[-1]) if figures and figures[-1].isdigit() else 0


def throughput(args, scrub, secrets, work):
  data = os.path.join(work, "input.log")
  size = build_input(data, args.logs, args.size_mib * MIB)
  report = os.path.join(work, "report.json")
  cases = {
      "cat FILE | cat": ["sh", "-c", 'cat "$1" | cat', "sh", data],
      "scrub exec -- cat FILE": [scrub, "exec", "--secret-file", secrets, "--report", report,
                                 "--", "cat", data],
      "  --no-add-mask-commands": [scrub, "exec", "--no-add-mask-commands", "--secret-file",
                                   secrets, "--report", report, "--", "cat", data],
  }
  run_timed(["cat", data])  # warm the page cache
  runs = {name: [] for name in cases}
  names = list(cases)
  for r in range(args.repeats):
    # Rotate the order, so that drift in the machine's state falls on all cases alike.
    for name in names[r % len(names):] + names[:r % len(names)]:
      runs[name].append(run_timed(cases[name]))
      if "--report" in cases[name]:
        with open(report) as f:
          got = json.load(f).get("bytes_in")
        if got != size:
          fail(f"scrub's report says {got} bytes in, the input has {size}")
  rows = []
  for name in names:
    med = statistics.median(s for s, _ in runs[name])
    rows.append({"case": name, "runs": len(runs[name]), "median_s": med,
                 "mb_per_s": size / med / 1e6,
                 "peak_rss_mib": max(k for _, k in runs[name]) / 1024,
                 "seconds": [s for s, _ in runs[name]]})
  base = rows[0]["median_s"]
  for row in rows:
    row["x_cat"] = row["median_s"] / base
  return size, rows


def main():
  args = parse_args()
  scrub = os.path.abspath(args.scrub)
  if not os.access(scrub, os.X_OK):
    fail(f"no scrub binary at {scrub}: run ./run bench, or pass --scrub build/scrubber/tool/scrub")
  if subprocess.run([scrub, "exec", "--", "true"], capture_output=True).returncode != 0:
    fail(f"{scrub} has no working `exec` subcommand (an old build?)")
  if not args.skip_throughput and not os.access(GNU_TIME, os.X_OK):
    fail(f"{GNU_TIME} is missing (apt-get install time)")
  results = {"scrub": scrub, "cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}
  with tempfile.TemporaryDirectory(prefix="exec-bench-") as work:
    secrets = os.path.join(work, "secrets.txt")
    write_secrets(secrets, args.secrets, args.seed)
    writer = os.path.join(work, "writer.py")
    with open(writer, "w") as f:
      f.write(WRITER)
    w = ["python3", writer, str(args.lines), str(args.pause_ms)]
    cases = {
        "direct pipe": w,
        "writer | cat": ["sh", "-c", 'python3 "$@" | cat', "sh"] + w[1:],
        f"scrub exec ({args.secrets} secrets)": [scrub, "exec", "--secret-file", secrets, "--"]
                                                 + w,
    }
    latency = []
    for name, argv in cases.items():
      pooled, firsts = [], []
      for _ in range(args.latency_runs):
        lat, first = measure_latency(argv, args.lines)
        pooled += lat
        firsts.append(first)
      latency.append({"case": name, "lines": len(pooled),
                      "median_ms": statistics.median(pooled) / 1e6,
                      "p99_ms": percentile(pooled, 0.99) / 1e6, "max_ms": max(pooled) / 1e6,
                      "first_line_ms": statistics.median(firsts) / 1e6})
    results["latency"] = latency
    if not args.skip_throughput:
      size, rows = throughput(args, scrub, secrets, work)
      results["throughput"] = {"input_bytes": size, "rows": rows}
  results["loadavg_end"] = os.getloadavg()
  print_tables(args, results)
  if args.json:
    with open(args.json, "w") as f:
      json.dump(results, f, indent=2)


def print_tables(args, results):
  load = "/".join(f"{a:.1f}" for a in results["loadavg_start"])
  print(f"scrub: {results['scrub']}; {results['cpus']} CPUs; load at start {load}")
  print(f"\nlatency: {args.lines} lines x {args.latency_runs} run(s), "
        f"one write each, {args.pause_ms} ms apart")
  print(f"{'case':32} {'lines':>6} {'median ms':>10} {'p99 ms':>9} {'max ms':>9} "
        f"{'first line ms':>14}")
  for row in results["latency"]:
    print(f"{row['case']:32} {row['lines']:6d} {row['median_ms']:10.3f} {row['p99_ms']:9.3f} "
          f"{row['max_ms']:9.3f} {row['first_line_ms']:14.1f}")
  if "throughput" in results:
    t = results["throughput"]
    print(f"\nthroughput: {t['input_bytes'] / MIB:.0f} MiB of CI logs, "
          f"{args.repeats} rounds, stdout to /dev/null")
    print(f"{'case':32} {'runs':>5} {'median s':>9} {'MB/s':>8} {'x cat':>6} "
          f"{'peak RSS MiB':>13}")
    for row in t["rows"]:
      print(f"{row['case']:32} {row['runs']:5d} {row['median_s']:9.3f} {row['mb_per_s']:8.1f} "
            f"{row['x_cat']:6.2f} {row['peak_rss_mib']:13.1f}")


if __name__ == "__main__":
  main()
