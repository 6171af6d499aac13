#!/usr/bin/env python3
"""Archive benchmark: `scrub archive` on a .tar.zst of the corpus, beside
`zstd -dc | zstd -3` over the same file in the same run (medians of R runs).

Usage: python3 bench/archive_bench.py [--scrub PATH] [-r R] [OUT_DIR]
OUT_DIR holds corpus.log and secrets.txt from make_corpus.py (default bench/out).
"""
import argparse
import os
import statistics
import subprocess
import tarfile
import time


def timed(cmd, shell=False):
    start = time.monotonic()
    subprocess.run(cmd, shell=shell, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", nargs="?", default="bench/out")
    p.add_argument("--scrub", default="build-bench/scrubber/tool/scrub")
    p.add_argument("-r", "--repeats", type=int, default=3)
    p.add_argument("--member-mib", type=int, default=16, help="corpus split into members")
    args = p.parse_args()
    corpus = os.path.join(args.out_dir, "corpus.log")
    secrets = os.path.join(args.out_dir, "secrets.txt")
    members_dir = os.path.join(args.out_dir, "members")
    archive = os.path.join(args.out_dir, "corpus.tar.zst")
    if not os.path.exists(archive):
        os.makedirs(members_dir, exist_ok=True)
        with open(corpus, "rb") as f:
            i = 0
            while chunk := f.read(args.member_mib << 20):
                with open(os.path.join(members_dir, f"part-{i:03}.log"), "wb") as m:
                    m.write(chunk)
                i += 1
        subprocess.run(["tar", "--zstd", "-cf", archive, "-C", members_dir, "."], check=True)
    raw = os.path.getsize(corpus)
    out = os.path.join(args.out_dir, "scrubbed.tar.zst")
    cases = {
        "zstd -dc | zstd -3": lambda: timed(f"zstd -dcq {archive} | zstd -3 -q -c", shell=True),
        "scrub archive (1000 secrets)": lambda: timed(
            [args.scrub, "archive", "-q", "--secret-file", secrets, archive, out]),
    }
    times = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, run in cases.items():
            times[name].append(run())
    base = statistics.median(times["zstd -dc | zstd -3"])
    print(f"{archive}: {os.path.getsize(archive) / 2**20:.1f} MiB compressed, "
          f"{raw / 2**20:.1f} MiB of logs, {args.repeats} rounds")
    print(f"{'case':34} {'median s':>9} {'MB/s':>8} {'x zstd':>7}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:34} {m:9.3f} {raw / m / 1e6:8.1f} {m / base:7.2f}")


if __name__ == "__main__":
    main()
