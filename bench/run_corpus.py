#!/usr/bin/env python3
"""Corpus throughput, setup time and memory of `scrub`, against cat and ripgrep in the same run.

Takes a corpus directory made by bench/make_corpus.py and a built scrub binary; builds nothing.

Throughput: every tool reads corpus.log as its stdin (a file redirect) and writes its stdout to
/dev/null; the tools run in rounds, one run of each per round with the order rotated from round
to round, so that drift in the machine's state falls on all of them alike. Wall time is taken
around each child process (so it includes starting it, about a millisecond), peak RSS from GNU
time (/usr/bin/time -f %M) wrapped around the tool. Before the rounds each tool runs once,
untimed, into a pipe that this script reads, to warm the page cache and to check that it works
and how many masks it wrote.

Setup: `scrub -v --secret-file secrets-K.txt --engine E < /dev/null` for each K and engine, the
"compiled in X s" figure parsed from stderr; and ripgrep on an empty file, its own setup cost.
Memory at scale: scrub over the whole corpus with the largest secret file.

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024
MASK = b"***"
GNU_TIME = "/usr/bin/time"
COMPILED_RE = re.compile(rb"(\d+) secrets, (\d+) literals, (?:\d+ rules, )?compiled in ([0-9.eE+-]+) s")


def parse_args():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("corpus_dir", help="directory written by make_corpus.py")
  p.add_argument("--scrub", required=True, help="path of the scrub binary (release build)")
  p.add_argument("--rg", default="rg", help="ripgrep binary (default rg)")
  p.add_argument("-r", "--repeats", type=int, default=5,
                 help="timed runs of each tool, and of each setup case (default 5)")
  p.add_argument("--engines", default="auto,hyperscan,re2", help="scrub engines (default all three)")
  p.add_argument("--setup-counts", default=None,
                 help="secret counts for the setup timing (default: those make_corpus wrote)")
  p.add_argument("--large-count", type=int, default=None,
                 help="secret count for the whole-corpus memory run (default: the largest)")
  p.add_argument("--large-repeats", type=int, default=1,
                 help="whole-corpus runs with --large-count secrets, per engine (default 1)")
  p.add_argument("--rules", default="off,on",
                 help="scrub runs without (off) and with (on) the default key-shape rules "
                      "(default off,on)")
  p.add_argument("--no-check", action="store_true", help="skip the untimed checking run")
  p.add_argument("--json", default=None, help="results file (default CORPUS_DIR/results.json)")
  return p.parse_args()


class Run:
  """One finished child: wall seconds, peak RSS in KiB, exit status, captured stderr."""

  def __init__(self, seconds, maxrss_kib, status, stderr):
    self.seconds = seconds
    self.maxrss_kib = maxrss_kib
    self.status = status
    self.stderr = stderr


def run_once(argv, stdin_path, stdout_fd):
  """Runs argv with stdin from stdin_path and stdout to stdout_fd; stderr to a temp file.

  Peak RSS comes from GNU time, not from os.wait4 here: Linux carries the RSS high-water mark
  of the process that forks over exec, so a direct child of this script would report at least
  the Python interpreter's own RSS. GNU time is small and reads its own child's rusage.
  """
  with open(stdin_path, "rb") as fin, tempfile.TemporaryFile() as ferr, \
      tempfile.NamedTemporaryFile() as ftime:
    timed = [GNU_TIME, "-f", "%M", "-o", ftime.name, "--"] + argv
    start = time.perf_counter()
    proc = subprocess.run(timed, stdin=fin, stdout=stdout_fd, stderr=ferr)
    seconds = time.perf_counter() - start
    ferr.seek(0)
    # On a non-zero exit GNU time writes a "Command exited..." line before the figure.
    lines = ftime.read().decode(errors="replace").split()
    maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return Run(seconds, maxrss, proc.returncode, ferr.read())


def run_checked(argv, stdin_path):
  """Runs argv once into a pipe, no RSS; returns (Run, bytes out, masks written)."""
  with open(stdin_path, "rb") as fin, tempfile.TemporaryFile() as ferr:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=fin, stdout=subprocess.PIPE, stderr=ferr)
    total, masks, pending = 0, 0, b""
    # Count masks line by line: a mask never spans a line end, so no count is split.
    while True:
      chunk = proc.stdout.read(MIB)
      if not chunk:
        break
      total += len(chunk)
      buf = pending + chunk
      cut = buf.rfind(b"\n") + 1
      masks += buf.count(MASK, 0, cut)
      pending = buf[cut:]
    masks += pending.count(MASK)
    proc.stdout.close()
    proc.wait()
    seconds = time.perf_counter() - start
    ferr.seek(0)
    return Run(seconds, None, proc.returncode, ferr.read()), total, masks


def ok_status(tool, status):
  # ripgrep exits 1 when nothing matched; that is still a full pass over the input.
  return status == 0 or (tool["name"] == "ripgrep" and status == 1)


def summarize(runs, corpus_bytes):
  secs = [r.seconds for r in runs]
  med = statistics.median(secs)
  return {
      "runs": len(runs),
      "seconds": secs,
      "median_s": med,
      "min_s": min(secs),
      "max_s": max(secs),
      "mb_per_s": corpus_bytes / med / 1e6 if med > 0 else None,
      "peak_rss_mib": max(r.maxrss_kib for r in runs) / 1024,
  }


def tool_version(argv):
  try:
    out = subprocess.run(argv, capture_output=True, timeout=30).stdout
    return out.decode(errors="replace").splitlines()[0].strip()
  except (OSError, subprocess.SubprocessError, IndexError):
    return None


def machine_info():
  cpu = None
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          cpu = line.split(":", 1)[1].strip()
          break
  except OSError:
    pass
  return {
      "cpu": cpu,
      "cpus": os.cpu_count(),
      "kernel": platform.release(),
      "python": platform.python_version(),
      "loadavg_start": os.getloadavg(),
  }


def warm(path):
  with open(path, "rb") as f:
    while f.read(8 * MIB):
      pass


def fail(msg):
  sys.exit(f"run_corpus: {msg}")


def main():
  args = parse_args()
  cdir = args.corpus_dir
  with open(os.path.join(cdir, "corpus.json")) as f:
    manifest = json.load(f)
  corpus = os.path.join(cdir, manifest["corpus"])
  corpus_bytes = os.path.getsize(corpus)
  secret_files = {int(k): os.path.join(cdir, v) for k, v in manifest["secret_files"].items()}
  secrets_txt = os.path.join(cdir, "secrets.txt")
  literals_txt = os.path.join(cdir, "literals.txt")
  scrub = os.path.abspath(args.scrub)
  rg = shutil.which(args.rg)
  if not os.access(scrub, os.X_OK):
    fail(f"{scrub}: not an executable")
  if rg is None:
    fail(f"{args.rg}: not found (apt-get install ripgrep)")
  if not os.access(GNU_TIME, os.X_OK):
    fail(f"{GNU_TIME}: not found; peak RSS needs GNU time (apt-get install -y time)")
  engines = [e for e in args.engines.split(",") if e]
  setup_counts = (sorted(int(c) for c in args.setup_counts.split(",") if c)
                  if args.setup_counts else sorted(secret_files))
  large = args.large_count or max(secret_files)
  for c in setup_counts + [large]:
    if c not in secret_files:
      fail(f"no secrets-{c}.txt in {cdir}; rerun make_corpus.py with --secret-counts")
  n_secrets = manifest["secrets"]

  tools = [
      {"name": "cat", "argv": ["cat"]},
      {"name": "ripgrep", "label": f"ripgrep ({manifest['literals']} literals)",
       "argv": [rg, "--no-config", "-a", "--passthru", "--no-line-number", "--color", "never",
                "-F", "-f", literals_txt, "-r", MASK.decode()]},
  ]
  rule_modes = [m for m in args.rules.split(",") if m]
  for e in engines:
    if "off" in rule_modes:
      tools.append({"name": f"scrub {e}", "label": f"scrub {e} ({n_secrets} secrets)",
                    "argv": [scrub, "--no-default-rules", "--secret-file", secrets_txt,
                             "--engine", e]})
    if "on" in rule_modes:
      tools.append({"name": f"scrub {e} +rules",
                    "label": f"scrub {e} ({n_secrets} secrets + default rules)",
                    "argv": [scrub, "--secret-file", secrets_txt, "--engine", e]})

  started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
  machine = machine_info()
  print(f"run_corpus: {corpus}: {corpus_bytes} bytes ({corpus_bytes / MIB:.1f} MiB), "
        f"{manifest['planted_total']} planted lines; {args.repeats} rounds", file=sys.stderr)
  warm(corpus)

  # Untimed checking run: warms everything up, drops a tool that cannot run.
  checks = {}
  for t in list(tools):
    if args.no_check:
      break
    run, out_bytes, masks = run_checked(t["argv"], corpus)
    if not ok_status(t, run.status):
      print(f"run_corpus: {t['name']} failed (exit {run.status}), left out: "
            f"{run.stderr.decode(errors='replace').strip()[:300]}", file=sys.stderr)
      tools.remove(t)
      continue
    checks[t["name"]] = {"bytes_out": out_bytes, "masks": masks}

  # Timed rounds, the order rotated each round.
  runs = {t["name"]: [] for t in tools}
  with open(os.devnull, "wb") as devnull:
    for r in range(args.repeats):
      k = r % len(tools)
      for t in tools[k:] + tools[:k]:
        run = run_once(t["argv"], corpus, devnull.fileno())
        if not ok_status(t, run.status):
          fail(f"{t['name']} failed (exit {run.status}) in round {r + 1}")
        runs[t["name"]].append(run)
      print(f"run_corpus: round {r + 1}/{args.repeats} done", file=sys.stderr)

    # Whole corpus with the largest secret file: memory at scale (unless the rounds had it).
    large_tools = [{"name": f"scrub {e}", "label": f"scrub {e} ({large} secrets)",
                    "argv": [scrub, "--no-default-rules", "--secret-file", secret_files[large],
                             "--engine", e]}
                   for e in engines if f"scrub {e}" in runs and large != n_secrets]
    large_runs = {t["label"]: [] for t in large_tools}
    for r in range(args.large_repeats):
      for t in large_tools:
        run = run_once(t["argv"], corpus, devnull.fileno())
        if run.status != 0:
          fail(f"{t['label']} failed (exit {run.status})")
        large_runs[t["label"]].append(run)

  # Setup: compile time on empty input, each case once per round.
  setup_cases = [(c, e) for c in setup_counts for e in engines if f"scrub {e}" in runs]
  setup_runs = {case: [] for case in setup_cases}
  setup_meta = {}
  rg_setup = []
  rg_tool = next((t for t in tools if t["name"] == "ripgrep"), None)
  with open(os.devnull, "wb") as devnull, tempfile.NamedTemporaryFile() as empty:
    for r in range(args.repeats):
      # ripgrep's own setup, for reading its row: an empty regular file, because with stdin
      # from /dev/null ripgrep searches the working directory instead.
      if rg_tool is not None:
        run = run_once(rg_tool["argv"], empty.name, devnull.fileno())
        if not ok_status(rg_tool, run.status):
          fail(f"ripgrep on empty input failed (exit {run.status})")
        rg_setup.append(run)
      for c, e in setup_cases:
        argv = [scrub, "-v", "--no-default-rules", "--secret-file", secret_files[c], "--engine", e]
        run = run_once(argv, os.devnull, devnull.fileno())
        m = COMPILED_RE.search(run.stderr)
        if run.status != 0 or not m:
          fail(f"scrub -v with {c} secrets, engine {e}: exit {run.status}, no 'compiled in' "
               f"line on stderr")
        setup_runs[(c, e)].append((float(m.group(3)), run))
        setup_meta[(c, e)] = {"secrets_loaded": int(m.group(1)), "literals": int(m.group(2))}

  # Results.
  rows = []
  for t in tools:
    s = summarize(runs[t["name"]], corpus_bytes)
    s.update({"tool": t["name"], "label": t.get("label", t["name"]), "argv": t["argv"]})
    s.update(checks.get(t["name"], {}))
    rows.append(s)
  for t in large_tools:
    s = summarize(large_runs[t["label"]], corpus_bytes)
    s.update({"tool": t["name"], "label": t["label"], "argv": t["argv"], "secrets": large})
    rows.append(s)
  rg_med = next((r["median_s"] for r in rows if r["tool"] == "ripgrep"), None)
  for row in rows:
    row["ratio_vs_rg"] = row["median_s"] / rg_med if rg_med else None

  setup = []
  for (c, e), items in setup_runs.items():
    compiled = [x for x, _ in items]
    walls = [run.seconds for _, run in items]
    setup.append({
        "engine": e, "secrets": c, **setup_meta[(c, e)], "runs": len(items),
        "compile_s": compiled, "compile_median_s": statistics.median(compiled),
        "wall_median_s": statistics.median(walls),
        "peak_rss_mib": max(run.maxrss_kib for _, run in items) / 1024,
    })

  if rg_setup:
    setup.append({
        "engine": "ripgrep", "secrets": n_secrets, "literals": manifest["literals"],
        "runs": len(rg_setup), "compile_s": None, "compile_median_s": None,
        "wall_median_s": statistics.median(r.seconds for r in rg_setup),
        "peak_rss_mib": max(r.maxrss_kib for r in rg_setup) / 1024,
    })

  machine["loadavg_end"] = os.getloadavg()
  results = {
      "started": started,
      "machine": machine,
      "versions": {"cat": tool_version(["cat", "--version"]),
                   "ripgrep": tool_version([rg, "--version"]),
                   "scrub": tool_version([scrub, "--version"])},
      "corpus": {**manifest, "path": os.path.abspath(corpus), "bytes": corpus_bytes},
      "repeats": args.repeats,
      "stdin": "corpus file redirect", "stdout": "/dev/null",
      "throughput": rows,
      "setup": setup,
  }
  out_json = args.json or os.path.join(cdir, "results.json")
  with open(out_json, "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")

  print_tables(results, rows, setup)
  print(f"\nresults: {out_json}")


def fmt(x, spec, none="-"):
  return none if x is None else format(x, spec)


def print_tables(results, rows, setup):
  c = results["corpus"]
  m = results["machine"]
  print(f"corpus {c['bytes'] / MIB:.1f} MiB ({c['planted_total']} planted lines), "
        f"{results['repeats']} rounds; {m['cpu']}, {m['cpus']} CPUs; "
        f"stdin from the file, stdout to /dev/null")
  print(f"{'tool':<34} {'runs':>4} {'median s':>9} {'MB/s':>8} {'x rg':>6} "
        f"{'peak RSS MiB':>12} {'masks':>6}")
  for r in rows:
    print(f"{r['label']:<34} {r['runs']:>4} {r['median_s']:>9.3f} "
          f"{fmt(r['mb_per_s'], '.1f'):>8} {fmt(r['ratio_vs_rg'], '.2f'):>6} "
          f"{r['peak_rss_mib']:>12.1f} {fmt(r.get('masks'), 'd'):>6}")
  print()
  print(f"{'setup, empty input':<20} {'secrets':>7} {'literals':>8} {'runs':>4} "
        f"{'compiled in (median s)':>22} {'wall median s':>13} {'peak RSS MiB':>12}")
  for s in setup:
    name = s["engine"] if s["engine"] == "ripgrep" else "scrub " + s["engine"]
    print(f"{name:<20} {s['secrets']:>7} {s['literals']:>8} {s['runs']:>4} "
          f"{fmt(s['compile_median_s'], '.4f'):>22} {s['wall_median_s']:>13.4f} "
          f"{s['peak_rss_mib']:>12.1f}")


if __name__ == "__main__":
  main()
