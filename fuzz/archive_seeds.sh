#!/usr/bin/env bash
# Writes the seeds of corpus/archive_input_fuzzer/ (fuzz/README.md): small
# archives made with Debian's tar, gzip, zstd and zip, each prefixed with
# the selector byte of archive_input_fuzzer.cc (0 .tar, 1 .tar.gz,
# 2 .tar.zst, 3 .zip, 4 .zst; +0x80: an old OUT exists). Some hold the
# target's two secrets, in contents and names; one nests a tar.gz in a tar;
# a few are truncated. Times, owners and compression are fixed, so that a
# rerun writes the same bytes. Regression inputs (regress-*) are added by
# hand and not touched here. Every seed stays under 8 KiB.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=$here/corpus/archive_input_fuzzer
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TZ=UTC LC_ALL=C.UTF-8

# The secrets of archive_input_fuzzer.cc.
token='ghp_FuzzT0ken9Qk2Lm7Xw4Rt8'
password='hunter2-Db-Pa55word!'

tar_() { tar --format="${FORMAT:-ustar}" -b1 --sort=name --mtime=@1700000000 --owner=0 \
  --group=0 --numeric-owner "$@"; }
seed() {  # seed NAME SELECTOR FILE [BYTES]: the selector byte, then FILE (or its first BYTES)
  local name=$1 selector=$2 file=$3 bytes=${4:-}
  {
    printf "\\x$(printf %02x "$selector")"
    if [ -n "$bytes" ]; then head -c "$bytes" "$file"; else cat "$file"; fi
  } >"$dest/$name"
  local size
  size=$(stat -c %s "$dest/$name")
  [ "$size" -lt 8192 ] || { echo "$name: $size bytes, over 8 KiB" >&2; exit 1; }
}

mkdir -p tree/logs
printf 'step 1: checkout\nusing token %s for the API\nstep 2: done\n' "$token" >tree/logs/build.log
printf 'DB_PASSWORD=%s\nDB_HOST=db.internal\n' "$password" >tree/env.txt
printf 'no secret here\n' >tree/README
printf 'a file whose name holds the token\n' >"tree/logs/key-$token.txt"
touch -d @1700000000 tree/logs/* tree/env.txt tree/README tree/logs tree
(cd tree && ln -s build.log logs/latest.log)

tar_ -C tree -cf secrets.tar .
tar_ -C tree -cf plain.tar README
# PAX: a name past ustar's 100 bytes that holds the token, and a UTF-8 name.
mkdir -p long
long_name="deploy-$(printf 'x%.0s' $(seq 80))-$token.log"
printf 'token again: %s\n' "$token" >"long/$long_name"
printf 'journal\n' >long/журнал.log
touch -d @1700000000 long/*
FORMAT=pax tar_ --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C long -cf pax.tar .
FORMAT=gnu tar_ -C tree -cf gnu.tar logs/build.log
gzip -9n <secrets.tar >secrets.tar.gz
zstd -q -19 --no-check <secrets.tar -o secrets.tar.zst
(cd tree && zip -qX -r ../secrets.zip . && zip -qX -0 ../stored.zip env.txt README)
zstd -q -19 <tree/logs/build.log -o build.log.zst
# Two frames, cut inside the token: one stream.
head -c 30 tree/logs/build.log | zstd -q >two-frames.zst
tail -c +31 tree/logs/build.log | zstd -q >>two-frames.zst

# Nesting: a tar.gz inside a tar; a zst and a zip inside a tar.gz; a tar
# inside a zip not named as one (told by its ustar header).
mkdir -p nest
cp secrets.tar.gz nest/inner.tar.gz
cp build.log.zst nest/build.log.zst
cp tree/env.txt nest/env.txt
touch -d @1700000000 nest/*
tar_ -C nest -cf nested.tar inner.tar.gz env.txt
tar_ -C nest -cf nested-zst.tar build.log.zst env.txt
cp stored.zip nest/bundle.zip && touch -d @1700000000 nest/bundle.zip
tar_ -C nest -cf - bundle.zip build.log.zst | gzip -9n >nested-zip.tar.gz
cp plain.tar nest/archive.bin && touch -d @1700000000 nest/archive.bin
(cd nest && zip -qX ../tar-in-zip.zip archive.bin env.txt)

# Compressed data that is no archive: must fail closed.
cp build.log.zst nest/log.bin && gzip -9nc tree/logs/build.log >nest/log.gz
touch -d @1700000000 nest/log.bin nest/log.gz
tar_ -C nest -cf opaque.tar log.gz
tar_ -C nest -cf opaque-zst.tar log.bin

seed tar-secrets 0 secrets.tar
seed tar-plain 0 plain.tar
seed tar-pax-secret-name 0 pax.tar
seed tar-gnu 0 gnu.tar
seed tar-gz-secrets 1 secrets.tar.gz
seed tar-zst-secrets 2 secrets.tar.zst
seed zip-secrets 3 secrets.zip
seed zip-stored 3 stored.zip
seed zst-log 4 build.log.zst
seed zst-two-frames 4 two-frames.zst
seed tar-nested-tar-gz 0 nested.tar
seed tar-nested-zst 0 nested-zst.tar
seed tar-gz-nested-zip-zst 1 nested-zip.tar.gz
seed zip-tar-by-header 3 tar-in-zip.zip
seed tar-opaque-gzip 0 opaque.tar
seed tar-opaque-zst 0 opaque-zst.tar
seed old-out-tar 128 secrets.tar
seed old-out-zst 132 build.log.zst
# Misnamed: a zip named .tar, a tar.gz named .zst.
seed misnamed-zip-as-tar 0 secrets.zip
seed misnamed-tar-gz-as-zst 4 secrets.tar.gz
# Truncated.
seed truncated-tar 0 secrets.tar 1300
seed truncated-tar-gz 1 secrets.tar.gz 200
seed truncated-tar-zst 2 secrets.tar.zst 180
seed truncated-zip 3 secrets.zip 500
seed truncated-zst 4 build.log.zst 40
seed truncated-nested 0 nested.tar 1700
seed empty 0 /dev/null
