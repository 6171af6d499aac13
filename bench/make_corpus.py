#!/usr/bin/env python3
"""Builds the corpus for the throughput benchmark (bench/run_corpus.py).

The corpus is the real CI logs in tests/data/ci-logs, concatenated again and again up to the
requested size, with one planted line about every 64 KiB that holds a random secret in one of
four encodings (raw, HTTP Basic base64 of "user:SECRET", percent-encoded in a URL query,
JSON-escaped). Nothing else about the logs is changed. Everything is deterministic in --seed.

Files written to OUT_DIR:
  corpus.log           the corpus
  secrets.txt          the N secrets planted in the corpus, one a line (scrub --secret-file)
  secrets-K.txt        for each K in --secret-counts: the first K secrets of the same sequence,
                       so secrets-K.txt starts with secrets.txt (setup time, memory at 10,000)
  literals.txt         the literals the ripgrep reference searches for (see literals_for)
  corpus.json          sizes, counts, seed and how many lines of each kind were planted

Python 3 standard library only.
"""

import argparse
import base64
import json
import os
import random
import string
import sys
import urllib.parse

MIB = 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LOGS = os.path.join(HERE, os.pardir, "tests", "data", "ci-logs")

# Secrets look like tokens: mostly alphanumeric, some of the punctuation that real tokens,
# passwords and base64 keys carry, and now and then a quote or a space so the percent and
# JSON encodings differ from the raw form.
TOKEN_CHARS = string.ascii_letters + string.digits
TOKEN_PUNCT = "+/=-_.:"
PUNCT_RATE = 0.08
QUOTE_RATE = 0.04
SPACE_RATE = 0.04

# Planted lines imitate the GitHub Actions log format of the corpus.
PLANT_PREFIX = b"2023-09-21T17:30:00.0000000Z "
PLANT_KINDS = ("raw", "base64", "percent", "json")


def parse_args():
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("out_dir", help="directory to write into (created if missing)")
  p.add_argument("--size-mib", type=float, default=256,
                 help="corpus size in MiB (default 256)")
  p.add_argument("--secrets", type=int, default=1000,
                 help="secrets planted and written to secrets.txt (default 1000)")
  p.add_argument("--secret-counts", default="1000,10000",
                 help="also write secrets-K.txt for each K (default 1000,10000)")
  p.add_argument("--plant-every-kib", type=float, default=64,
                 help="mean distance between planted lines in KiB (default 64)")
  p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
  p.add_argument("--logs", default=DEFAULT_LOGS,
                 help="directory of *.log files to repeat (default tests/data/ci-logs)")
  return p.parse_args()


def make_secret(rng):
  n = rng.randint(20, 64)
  chars = [rng.choice(TOKEN_PUNCT) if rng.random() < PUNCT_RATE else rng.choice(TOKEN_CHARS)
           for _ in range(n)]
  # Quotes and spaces only inside, never at the ends: a secret file line keeps its bytes, but
  # leading or trailing blanks would make the benchmark depend on how a reader trims lines.
  if rng.random() < QUOTE_RATE:
    chars[rng.randrange(1, n - 1)] = rng.choice("\"'")
  if rng.random() < SPACE_RATE:
    chars[rng.randrange(1, n - 1)] = " "
  return "".join(chars)


def make_secrets(seed, count):
  rng = random.Random(f"{seed}/secrets")
  seen, out = set(), []
  while len(out) < count:
    s = make_secret(rng)
    if s not in seen:
      seen.add(s)
      out.append(s)
  return out


def base64_cores(secret):
  """The secret's base64 as it appears inside a longer base64 text, at the 3 alignments.

  With k filler bytes before the secret (k = 0, 1, 2), output character i covers bits
  [6i, 6i+6) of the input; keep the characters whose bits all fall inside the secret.
  """
  raw = secret.encode()
  out = []
  for k in range(3):
    enc = base64.b64encode(b"\0" * k + raw).decode()
    first = (8 * k + 5) // 6
    last = (8 * (k + len(raw))) // 6
    out.append(enc[first:last])
  return out


def percent(secret):
  # RFC 3986: every byte outside the unreserved set, upper-case hex.
  return urllib.parse.quote(secret, safe="-._~")


def json_escape(secret):
  return json.dumps(secret, ensure_ascii=False)[1:-1]


def literals_for(secret):
  """What the ripgrep reference looks for per secret: a comparable literal count, not scrub's
  full variant set. Raw, base64 at 3 alignments, and the percent and JSON encodings where they
  differ from the raw form (the JSON one so that every planted line is found)."""
  lits = [secret] + base64_cores(secret)
  for enc in (percent(secret), json_escape(secret)):
    if enc != secret:
      lits.append(enc)
  return lits


def planted_line(kind, secret):
  if kind == "raw":
    body = f"export DEPLOY_TOKEN={secret}"
  elif kind == "base64":
    cred = base64.b64encode(f"user:{secret}".encode()).decode()
    body = f"> Authorization: Basic {cred}"
  elif kind == "percent":
    body = f"GET https://api.example.com/v1/items?access_token={percent(secret)}&page=2 200"
  else:
    body = '{"event": "login", "user": "ci", "password": "%s"}' % json_escape(secret)
  return PLANT_PREFIX + body.encode() + b"\n"


def read_logs(log_dir):
  names = sorted(n for n in os.listdir(log_dir) if n.endswith(".log"))
  if not names:
    sys.exit(f"make_corpus: no *.log files in {log_dir}")
  parts = []
  for n in names:
    with open(os.path.join(log_dir, n), "rb") as f:
      data = f.read()
    if not data.endswith(b"\n"):
      data += b"\n"
    parts.append(data)
  return b"".join(parts), names


def write_corpus(path, logs, target, secrets, every, seed):
  """Writes logs repeatedly, a planted line after the first line end past each gap; stops at
  the last line end at or before target bytes."""
  rng = random.Random(f"{seed}/plant")
  counts = {k: 0 for k in PLANT_KINDS}
  written, pos, copies = 0, 0, 1

  def next_gap():
    return rng.randint(every // 2, every + every // 2)

  gap = next_gap()
  with open(path, "wb") as out:
    while True:
      cut = logs.find(b"\n", pos + gap - 1)
      piece_end = len(logs) if cut < 0 else cut + 1
      piece = logs[pos:piece_end]
      if written + len(piece) > target:
        last = piece.rfind(b"\n", 0, target - written)
        if last >= 0:
          out.write(piece[:last + 1])
          written += last + 1
        break
      out.write(piece)
      written += len(piece)
      gap -= len(piece)
      pos = piece_end
      if pos == len(logs):
        pos = 0
        copies += 1
      if gap <= 0:
        kind = rng.choice(PLANT_KINDS)
        line = planted_line(kind, rng.choice(secrets))
        if written + len(line) > target:
          break
        out.write(line)
        written += len(line)
        counts[kind] += 1
        gap = next_gap()
  return written, copies, counts


def write_lines(path, lines):
  with open(path, "w", encoding="utf-8", newline="\n") as f:
    for line in lines:
      f.write(line + "\n")


def main():
  args = parse_args()
  counts = sorted({int(c) for c in args.secret_counts.split(",") if c.strip()})
  if args.secrets < 1 or any(c < 1 for c in counts):
    sys.exit("make_corpus: secret counts must be positive")
  os.makedirs(args.out_dir, exist_ok=True)

  secrets = make_secrets(args.seed, max([args.secrets] + counts))
  planted = secrets[:args.secrets]
  write_lines(os.path.join(args.out_dir, "secrets.txt"), planted)
  for c in counts:
    write_lines(os.path.join(args.out_dir, f"secrets-{c}.txt"), secrets[:c])

  literals, seen = [], set()
  for s in planted:
    for lit in literals_for(s):
      if lit and lit not in seen:
        seen.add(lit)
        literals.append(lit)
  write_lines(os.path.join(args.out_dir, "literals.txt"), literals)

  logs, names = read_logs(args.logs)
  target = int(args.size_mib * MIB)
  every = int(args.plant_every_kib * 1024)
  corpus = os.path.join(args.out_dir, "corpus.log")
  size, copies, kinds = write_corpus(corpus, logs, target, planted, every, args.seed)

  manifest = {
      "corpus": "corpus.log",
      "bytes": size,
      "seed": args.seed,
      "logs": names,
      "log_bytes": len(logs),
      "log_passes": copies,
      "secrets": args.secrets,
      "secret_files": {str(c): f"secrets-{c}.txt" for c in counts},
      "literals": len(literals),
      "plant_every_bytes": every,
      "planted": kinds,
      "planted_total": sum(kinds.values()),
  }
  with open(os.path.join(args.out_dir, "corpus.json"), "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
  print(f"make_corpus: {corpus}: {size} bytes ({size / MIB:.1f} MiB), {copies} passes over "
        f"{len(names)} logs, {manifest['planted_total']} planted lines; {args.secrets} secrets, "
        f"{len(literals)} literals", file=sys.stderr)


if __name__ == "__main__":
  main()
