#!/usr/bin/env bash
# The README's demonstration: plant made-up secrets, in the encodings tools
# print them in, into a copy of a real CI log, scrub it, and show every line
# that changed and the report. Usage: scripts/demo.sh PATH/TO/scrub
set -euo pipefail
scrub=$1
root=$(cd "$(dirname "$0")/.." && pwd)
log="$root/tests/data/ci-logs/test-ubuntu.log"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Made-up values; none of them is a real credential.
cat >"$work/secrets.json" <<'JSON'
{
  "GITHUB_TOKEN": "ghp_R4nd0mDem0T0kenN0tReal1234567890ab",
  "DB_PASSWORD": "s3cret p@ss/w0rd+42",
  "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEY1"
}
JSON

python3 - "$log" "$work/planted.log" <<'PY'
import base64, json, sys, urllib.parse
src, dst = sys.argv[1], sys.argv[2]
token = "ghp_R4nd0mDem0T0kenN0tReal1234567890ab"
password = "s3cret p@ss/w0rd+42"
aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEY1"
planted = [
    f"+ git clone https://x-access-token:{token}@github.com/acme/app.git",
    "> Authorization: Basic " + base64.b64encode(f"deploy:{password}".encode()).decode(),
    f"GET /download?file=a.tgz&password={urllib.parse.quote(password, safe='')}&v=2",
    "config: " + json.dumps({"aws_secret_access_key": aws, "region": "eu-west-1"}),
    "+ echo " + base64.b64encode((token + "\n").encode()).decode(),
]
lines = open(src, "rb").read().split(b"\n")
step = len(lines) // (len(planted) + 1)
for i, line in enumerate(planted):
    lines.insert((i + 1) * step + i, line.encode())
open(dst, "wb").write(b"\n".join(lines))
PY

echo "Scrubbing a real CI log ($(wc -l <"$work/planted.log") lines) with 5 planted secret lines:"
echo "  scrub --secrets-json secrets.json --label --report report.json < planted.log > scrubbed.log"
echo
"$scrub" --secrets-json "$work/secrets.json" --label --report "$work/report.json" \
  <"$work/planted.log" >"$work/scrubbed.log"
echo "Lines that changed (< as planted, > as scrub wrote them):"
diff "$work/planted.log" "$work/scrubbed.log" | grep '^[<>]' || true
echo
echo "Every other line is byte-identical to the original log."
echo "Report: $(cat "$work/report.json")"
