#!/usr/bin/env python3
"""Writes the committed seed corpora of fuzz/corpus/ (fuzz/README.md).

Deterministic: rerunning it rewrites the same files. Hand-made cases
(overlapping secrets, ::add-mask:: lines, CRLF, NUL bytes, encoded
variants) and small slices of the real CI logs in tests/data/ci-logs, each
prefixed with the header bytes that fuzz_case.h and no_leak_fuzzer.cc
document. Regression inputs found by fuzzing are added by hand beside them
and are not touched here."""
import base64
import json
import os
import struct
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "..", "tests", "data", "ci-logs")
MIN_LENGTHS = [1, 2, 3, 4, 4, 6, 11, 19]
MASKS = {"***": 0, "#": 1, "": 2, "[m]": 3}
ENGINES = {"re2": 0, "hyperscan": 4, "auto": 6}


def log_slice(name, start, length):
    with open(os.path.join(LOGS, name), "rb") as f:
        return f.read()[start:start + length]


def chunking(mode, k=0):
    """mode: 'byte', 'small' (pieces of 1..k+1), 'large', 'one'."""
    return {"byte": 0, "small": 0x40 | k, "large": 0x80 | k, "one": 0xC0}[mode]


def scrub_case(secrets, document, *, label=False, preserve=False, add_mask=False,
               raw_only=False, min_length=4, mask="***", engine="re2",
               chunk_a=chunking("small", 6), chunk_b=chunking("large", 1)):
    """secrets: bytes (taken as they are) or (offset, length) slices of the document."""
    flags = (label | preserve << 1 | add_mask << 2 | raw_only << 3
             | MIN_LENGTHS.index(min_length) << 4)
    layout = len(secrets) | MASKS[mask] << 3 | ENGINES[engine] << 5
    out = bytes([flags, layout, chunk_a, chunk_b])
    for s in secrets:
        if isinstance(s, tuple):
            offset, length = s
            assert 1 <= length <= 128
            out += bytes([0x80 | (length - 1)]) + struct.pack(">H", offset)
        else:
            assert len(s) < 128
            out += bytes([len(s)]) + s
    return out + document


def no_leak_case(secrets, text, *, min_length=4, add_mask=False, preserve=False,
                 raw_only=False, engine="re2", mask_start=0x20, mask_len=3,
                 chunk=chunking("small", 9), plant_seed=7):
    flags = (MIN_LENGTHS.index(min_length) | add_mask << 3 | preserve << 4 | raw_only << 5
             | ["re2", "hyperscan", "auto"].index(engine) << 6)
    layout = (len(secrets) - 1) | (mask_len - 1) << 2 | (mask_start & 0xF0)
    out = bytes([flags, layout, chunk, plant_seed])
    for s in secrets:
        extra = len(s) - min_length
        assert 0 <= extra < 48
        out += bytes([extra]) + s
    return out + text


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def variants(secret):
    """A few encoded forms, computed independently of the product."""
    s = secret.decode("latin-1")
    return [
        base64.b64encode(secret),
        base64.urlsafe_b64encode(b"x" + secret)[2:],
        urllib.parse.quote(s, safe="").encode("latin-1"),
        json.dumps(s)[1:-1].encode(),
        secret.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b"'", b"&#39;"),
        secret.replace(b"'", b"'\\''").replace(b" ", b"\\ "),
    ]


def scrub_cases():
    cases = {}
    cases["overlapping-secrets"] = scrub_case(
        [b"abab", b"bab", b"ba", b"b"],
        b"xxababab bab\nabbaba ab-ab abab\n",
        min_length=1, chunk_a=chunking("byte"), chunk_b=chunking("small", 2))
    cases["touching-secrets-label"] = scrub_case(
        [b"tok1", b"tok2", b"1tok"],
        b"tok1tok2 tok11tok2\r\n[tok1]tok2tok1",
        label=True, chunk_a=chunking("small", 3))
    cases["add-mask-lines"] = scrub_case(
        [b"hunter22"],
        b"start\n::add-mask::pa%25ss%0Aword\nuse pa%ss\nword here hunter22\r\n"
        b"::add-mask::  spaced \r\nspaced out\n::add-mask::ab\nab ab\n  ::add-mask::no\n"
        b"::add-mask",
        add_mask=True, chunk_a=chunking("small", 4), chunk_b=chunking("byte"))
    cases["add-mask-no-newline"] = scrub_case(
        [b"zzzz"], b"a zzzz\n::add-mask::tail-value", add_mask=True, mask="#")
    cases["crlf-multiline-secret"] = scrub_case(
        [b"line-one\nline-two", b"-----BEGIN KEY-----\nAAAA\n-----END KEY-----"],
        b"key: line-one\r\nline-two\r\nagain line-one\nline-two\n"
        b"-----BEGIN KEY-----\r\nAAAA\r\n-----END KEY-----\r\n",
        chunk_a=chunking("small", 5))
    cases["nul-bytes"] = scrub_case(
        [b"a\0b\0c", b"\0\0\0\0", b"\xff\xfe\0x"],
        b"\0\0\0\0\0a\0b\0c\0\xff\xfe\0x\0\0\0 end\0",
        mask="", chunk_a=chunking("byte"))
    secret = b"s3cret p@ss/w0rd+42 '\"&<>\xc3\xa9"
    doc = b"\n".join([b"raw: " + secret] + [b"v: " + v for v in variants(secret)]) + b"\n"
    cases["encoded-variants"] = scrub_case([secret], doc, chunk_a=chunking("small", 11))
    cases["encoded-variants-preserve"] = scrub_case(
        [secret], doc, preserve=True, engine="hyperscan", chunk_a=chunking("small", 30))
    long_secret = b"ghp_R4nd0mDem0T0kenN0tReal1234567890ab"
    cases["long-secret-stride"] = scrub_case(
        [long_secret, b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEY1"],
        b"+ git clone https://x-access-token:" + long_secret + b"@github.com/a/b.git\n"
        + base64.b64encode(long_secret + b"\n") + b"\n",
        min_length=19, engine="auto")
    log = log_slice("test-ubuntu.log", 900, 3000)
    cases["ci-log-test-ubuntu-slices"] = scrub_case(
        [(40, 12), (700, 30), (1500, 6), (2400, 64), b"Permissions"], log,
        label=True, chunk_a=chunking("large", 3), chunk_b=chunking("small", 63))
    log = log_slice("build-wheels-windows.log", 20000, 4000)
    cases["ci-log-windows-hyperscan"] = scrub_case(
        [(100, 20), (2000, 40), (3900, 90)], log, engine="hyperscan",
        add_mask=True, min_length=11, chunk_a=chunking("small", 40))
    log = log_slice("twine-check.log", 1000, 2500)
    cases["ci-log-twine-raw-only"] = scrub_case(
        [(10, 8), (11, 8), (300, 3)], log, raw_only=True, min_length=3, mask="[m]",
        chunk_a=chunking("byte"), chunk_b=chunking("one"))
    return cases


def no_leak_cases():
    cases = {}
    log = log_slice("test-ubuntu.log", 5000, 2500)
    cases["ci-log-two-secrets"] = no_leak_case(
        [b"s3cret p@ss/w0rd+42", b"ghp_R4nd0mDem0T0kenN0tReal1234567890ab"], log)
    cases["overlapping-short"] = no_leak_case(
        [b"abab", b"baba"], b"ab" * 40 + b"\n" + b"ba" * 20, min_length=4, mask_len=2)
    cases["add-mask-crlf"] = no_leak_case(
        [b"line1\nline2", b"p w'd\"&<"],
        b"a\r\n::add-mask::line1\r\nline1\r\nline2\r\n::add-mask::x\nend\r\n",
        add_mask=True, engine="hyperscan", mask_len=2)
    cases["nul-bytes-preserve"] = no_leak_case(
        [b"\0sec\0ret\0", b"\xc3\xa9t\xc3\xa9!!"], b"\0" * 30 + b"text\0\0",
        preserve=True, engine="auto", mask_len=1, chunk=chunking("byte"))
    cases["one-byte-secrets"] = no_leak_case(
        [b"x", b"y", b"%", b"="], b"xyz%=+ base64 ==\n", min_length=1, mask_len=1,
        chunk=chunking("one"))
    log = log_slice("build-wheels-ubuntu.log", 100000, 3000)
    cases["ci-log-long-secrets-raw-only"] = no_leak_case(
        [b"AKIAIOSFODNN7EXAMPLE-and-more-bytes", b"0123456789abcdef0123456789"], log,
        min_length=19, raw_only=True, chunk=chunking("large", 0), mask_len=1)
    return cases


def json_cases():
    demo = {"GITHUB_TOKEN": "ghp_R4nd0mDem0T0kenN0tReal1234567890ab",
            "DB_PASSWORD": "s3cret p@ss/w0rd+42",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEY1"}
    return {
        "object-of-names": json.dumps(demo, indent=2).encode(),
        "array-with-escapes": b'["a", "b\\n c", "\\u00e9\\ud83d\\ude00", "q\\"[,]{}", ""]',
        "empty-array": b"[ ]",
        "empty-object": b"{}",
        "duplicate-keys": b'{"k": "one", "k": "two", "": "empty name"}',
        "bom-array": b'\xef\xbb\xbf["x,y"]\n',
        "nested-array-error": b'[["x"], "y"]',
        "number-value-error": b'{"a": "ok", "b": 1.5e400}',
        "scalar-document-error": b'"just a string"',
        "truncated-error": b'{"a": "unterminated',
        "lines-crlf-and-empty": b"tok1\r\n\r\n\ntok2\rx\n\xff\xfe\0bin\n\r\nlast",
        "variant-list": b"raw,base64,json",
        "variant-list-all": b"all",
        "ci-log-slice": log_slice("twine-check.log", 0, 2000),
    }


def main():
    for name, data in scrub_cases().items():
        write("chunk_invariance_fuzzer", name, data)
        write("engine_agreement_fuzzer", name, data)
    for name, data in no_leak_cases().items():
        write("no_leak_fuzzer", name, data)
    for name, data in json_cases().items():
        write("secrets_json_fuzzer", name, data)


if __name__ == "__main__":
    main()
