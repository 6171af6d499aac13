#!/usr/bin/env python3
"""Pre-checker for scrub key-shape rule files (DESIGN section 5).

Usage: python3 patterns/check_rules.py patterns/default.json [LOGFILE...]

Checks every rule's fields, emulates the engine's matching semantics (see
scrubber/include/scrubber/rule_set.h) with Python `re` on bytes, runs the
validators, and reports:
  * examples the rule does not redact,
  * counter-examples the rule redacts,
  * every redaction in the given log files (which must hold no secrets).
Matched text is never shown beyond its first 12 characters.
Exit status 1 on any failure. Standard library only.
"""

import base64
import binascii
import json
import math
import re
import sys
from bisect import bisect_right

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore
    import re._constants as sre_constants  # type: ignore
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore
    import sre_constants  # type: ignore

MAX_REPEAT_BOUND = 1000
VALIDATORS = ("github-crc32", "gitlab-crc32", "age-bech32", "jwt", "generic-value",
              "basic-credentials")
KNOWN_FIELDS = {
    "id", "description", "regex", "keywords", "lead", "group", "max_length",
    "multiline", "min_entropy", "validate", "examples", "counter_examples",
}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PREVIEW = 12
UNBOUNDED = []  # rules whose regex has no length bound of its own (the window bounds it)

# ---------------------------------------------------------------------------
# Validators (the same definitions the C++ engine implements)

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_base(n, alphabet, width):
    base = len(alphabet)
    out = ""
    while n:
        n, r = divmod(n, base)
        out = alphabet[r] + out
    return out.rjust(width, alphabet[0])


def validate_github_crc32(span):
    # PREFIX_ + body + 6 check chars: base62 of crc32(body), padded with '0'.
    # (ghp_/gho_/ghu_/npm_: body is 30 chars; ghr_ long form: 70.)
    s = span.decode("latin-1")
    i = s.find("_")
    if i < 0:
        return False
    rest = s[i + 1:]
    if len(rest) < 7:
        return False
    body, check = rest[:-6], rest[-6:]
    crc = binascii.crc32(body.encode("latin-1")) & 0xFFFFFFFF
    return encode_base(crc, B62, 6) == check


def validate_gitlab_crc32(span):
    # last 7 chars = base36 lowercase of crc32(all preceding chars), padded '0'.
    if len(span) < 8:
        return False
    body, check = span[:-7], span[-7:].decode("latin-1")
    crc = binascii.crc32(body) & 0xFFFFFFFF
    return encode_base(crc, B36, 7) == check


BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32_hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def validate_age_bech32(span):
    s = span.decode("latin-1").lower()
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s):
        return False
    hrp, data = s[:pos], s[pos + 1:]
    if hrp != "age-secret-key-":
        return False
    if any(c not in BECH32_CHARSET for c in data):
        return False
    values = [BECH32_CHARSET.find(c) for c in data]
    return bech32_polymod(bech32_hrp_expand(hrp) + values) == 1


def validate_jwt(span):
    seg = span.split(b".", 1)[0]
    if not seg or len(seg) % 4 == 1:
        return False
    if not re.fullmatch(rb"[A-Za-z0-9_-]+", seg):
        return False
    try:
        raw = base64.urlsafe_b64decode(seg + b"=" * (-len(seg) % 4))
    except (binascii.Error, ValueError):
        return False
    raw = raw.lstrip(b" \t\r\n")
    return raw.startswith(b"{") and b'"alg"' in raw


GENERIC_VALUE_EXTS = (b".pem", b".key", b".crt", b".json", b".yaml", b".yml", b".txt", b".p12",
                      b".pfx", b".env", b".cfg", b".conf", b".ini", b".xml")
IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
LOWER_PATH_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789/_.-")


def validate_generic_value(span):
    # Rejects a value that names something rather than being a secret: a URL,
    # an ARN, a GCP resource name, a file name, a dotted identifier (a class, a
    # host) or a lower-case path.
    if b"://" in span or span.startswith(b"arn:") or span.startswith(b"projects/"):
        return False
    if span.endswith(GENERIC_VALUE_EXTS):
        return False
    # a.b.c of identifier characters with a run of four letters or more.
    dots = span.count(b".")
    all_identifier = all(c in IDENT_BYTES or c == 0x2E for c in span)
    word = False
    letters = 0
    for c in span:
        letters = letters + 1 if (0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A) else 0
        word = word or letters >= 4
    if dots >= 2 and all_identifier and word:
        return False
    # kv-prod/db-password-2: a path of lower-case names.
    if b"/" in span and all(c in LOWER_PATH_BYTES for c in span):
        return False
    return True


def validate_basic_credentials(span):
    # Standard base64 (padding optional, right when present) of printable
    # text (no control bytes but tabs and line breaks; bytes from 0x80 are
    # UTF-8 or Latin-1) user:password with neither part empty.
    body = span.rstrip(b"=")
    pads = len(span) - len(body)
    if len(body) % 4 == 1 or (pads and (len(body) + pads) % 4 != 0):
        return False
    if not re.fullmatch(rb"[A-Za-z0-9+/]*", body):
        return False
    # Drop the bits that do not make a whole byte, as a streaming decoder does.
    whole = len(body) // 4 * 4
    raw = base64.b64decode(body[:whole]) if whole else b""
    rest = body[whole:]
    if rest:
        raw += base64.b64decode(rest + b"=" * (4 - len(rest)))
    if any((c < 0x20 and c not in b"\t\n\r") or c == 0x7F for c in raw):
        return False
    colon = raw.find(b":")
    return 0 < colon < len(raw) - 1


VALIDATE_FUNCS = {
    "basic-credentials": validate_basic_credentials,
    "generic-value": validate_generic_value,
    "github-crc32": validate_github_crc32,
    "gitlab-crc32": validate_gitlab_crc32,
    "age-bech32": validate_age_bech32,
    "jwt": validate_jwt,
}


def entropy(span):
    if not span:
        return 0.0
    counts = {}
    for b in span:
        counts[b] = counts.get(b, 0) + 1
    n = len(span)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


# ---------------------------------------------------------------------------
# Regex translation and syntax checks


def translate_regex(rx):
    """RE2 -> Python re (bytes). Returns (python_pattern_str, case_insensitive)."""
    ci = rx.startswith("(?i)")
    py = rx.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
    # RE2's \z (end of text; here the end of the search window) is Python's \Z.
    py = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", py)
    return py, ci


FORBIDDEN_OPS = {
    "ASSERT": "lookahead/lookbehind",
    "ASSERT_NOT": "negative lookahead/lookbehind",
    "GROUPREF": "backreference",
    "GROUPREF_EXISTS": "conditional backreference",
    "POSSESSIVE_REPEAT": "possessive quantifier",
    "ATOMIC_GROUP": "atomic group",
}


def walk_syntax(parsed, problems, warnings):
    for op, av in parsed:
        name = str(op)
        if name in FORBIDDEN_OPS:
            problems.append(FORBIDDEN_OPS[name] + " not allowed")
        if name == "AT":
            at = str(av)
            # AT_END_STRING comes from RE2's \z, translated (RE2 has no \Z).
            if at in ("AT_BEGINNING",):
                warnings.append("'^' depends on where the engine's window starts; avoid it")
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            if hi != sre_constants.MAXREPEAT and hi > MAX_REPEAT_BOUND:
                problems.append("repetition bound {%d,%d} exceeds %d" % (lo, hi, MAX_REPEAT_BOUND))
            if lo > MAX_REPEAT_BOUND:
                problems.append("repetition minimum %d exceeds %d" % (lo, MAX_REPEAT_BOUND))
            walk_syntax(sub, problems, warnings)
        elif name == "SUBPATTERN":
            sub = av[-1]
            walk_syntax(sub, problems, warnings)
        elif name == "BRANCH":
            for alt in av[1]:
                walk_syntax(alt, problems, warnings)
        elif name == "ATOMIC_GROUP":
            walk_syntax(av, problems, warnings)
        elif name in ("ASSERT", "ASSERT_NOT"):
            walk_syntax(av[1], problems, warnings)


def check_regex_syntax(rx):
    problems, warnings = [], []
    # (?i) only as the very first thing; no other inline flags at all.
    for m in re.finditer(r"\(\?([a-zA-Z]+)[:)]", rx):
        if not (m.start() == 0 and m.group(0) == "(?i)"):
            problems.append("inline flags %r only allowed as a leading (?i)" % m.group(0))
    if re.search(r"\(\?[aiLmsux-]*-", rx):
        problems.append("flag removal not allowed")
    if "\\Q" in rx or "\\p" in rx or "\\P" in rx or "[[:" in rx:
        problems.append("RE2-only syntax (\\Q, \\p, [[:class:]]) cannot be checked in Python")
    return problems, warnings


# ---------------------------------------------------------------------------
# Engine emulation


class CompiledRule:
    def __init__(self, rule):
        self.rule = rule
        self.id = rule["id"]
        py, self.ci = translate_regex(rule["regex"])
        self.pat = re.compile(py.encode("latin-1"))
        self.keywords = [k.encode("utf-8") for k in rule.get("keywords", [])]
        if self.ci:
            self.keywords = [k.lower() for k in self.keywords]
        self.lead = rule.get("lead", 0)
        self.max_length = rule["max_length"]
        self.multiline = bool(rule.get("multiline", False))
        self.min_entropy = float(rule.get("min_entropy", 0) or 0)
        self.validate = VALIDATE_FUNCS.get(rule.get("validate") or "")
        g = rule.get("group")
        if g is None or g == "":
            self.group = 0
        elif isinstance(g, int) or (isinstance(g, str) and g.isdigit()):
            self.group = int(g)
        else:
            self.group = g

    def passes(self, span):
        if self.min_entropy and entropy(span) < self.min_entropy:
            return False
        if self.validate and not self.validate(span):
            return False
        return True

    def keyword_positions(self, data, lowered):
        hay = lowered if self.ci else data
        occ = set()
        for kw in self.keywords:
            i = hay.find(kw)
            while i >= 0:
                occ.add(i)
                i = hay.find(kw, i + 1)
        return sorted(occ)


class Text:
    """A byte string with its line structure (lines end at \\n and \\r)."""

    def __init__(self, data):
        self.data = data
        self.lowered = data.lower()
        # starts of lines; a line runs to the next \n or \r (exclusive)
        self.breaks = [m.start() for m in re.finditer(rb"[\r\n]", data)]

    def line_of(self, k):
        i = bisect_right(self.breaks, k - 1)  # number of breaks before k
        start = self.breaks[i - 1] + 1 if i > 0 else 0
        end = self.breaks[i] if i < len(self.breaks) else len(self.data)
        return start, end

    def line_number(self, pos):
        # 1-based, counted by \n
        return self.data.count(b"\n", 0, pos) + 1


def scan(cr, text):
    """Returns list of (match_start, match_end, span_start, span_end)."""
    data = text.data
    out = []
    s = 0
    cur = None
    for k in cr.keyword_positions(data, text.lowered):
        if cr.multiline:
            lo, hi = 0, len(data)
        else:
            lo, hi = text.line_of(k)
        if (lo, hi) != cur:
            cur = (lo, hi)
            s = lo
        sp = max(s, k - cr.lead, lo)
        end = min(hi, sp + 2 * cr.max_length + 1)
        if sp > end:
            continue
        m = cr.pat.search(data, sp, end)
        if m is None or m.start() > sp + cr.max_length:
            s = sp + cr.max_length + 1
            continue
        try:
            gs, ge = m.span(cr.group)
        except IndexError:
            gs, ge = -1, -1
        if gs < 0 or ge <= gs or not cr.passes(data[gs:ge]):
            s = m.start() + 1
            continue
        out.append((m.start(), m.end(), gs, ge))
        s = max(m.end(), m.start() + 1)
    return out


def redact(data, spans):
    """Merge overlapping/touching intervals and mask them with ***."""
    iv = sorted((a, b) for a, b in spans)
    merged = []
    for a, b in iv:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(data[pos:a])
        out.append(b"***")
        pos = b
    out.append(data[pos:])
    return b"".join(out)


def preview(b):
    s = b[:PREVIEW].decode("latin-1")
    return repr(s + ("..." if len(b) > PREVIEW else ""))


# ---------------------------------------------------------------------------
# Rule checks


def check_fields(rule, idx, seen_ids, errors, warnings):
    rid = rule.get("id") if isinstance(rule, dict) else None
    where = "rule %r" % rid if isinstance(rid, str) else "rule #%d" % idx
    errs = []
    if not isinstance(rule, dict):
        errors.append("%s: not an object" % where)
        return False
    for f in rule:
        if f not in KNOWN_FIELDS:
            errs.append("unknown field %r" % f)
    if not isinstance(rid, str) or not ID_RE.match(rid):
        errs.append("id must be kebab-case")
    elif rid in seen_ids:
        errs.append("duplicate id")
    else:
        seen_ids.add(rid)
    d = rule.get("description")
    if not isinstance(d, str) or not d.strip() or "\n" in d or "\r" in d:
        errs.append("description must be a one-line string")
    rx = rule.get("regex")
    if not isinstance(rx, str) or not rx:
        errs.append("regex must be a non-empty string")
    kws = rule.get("keywords", [])
    if not isinstance(kws, list) or not all(isinstance(k, str) for k in kws):
        errs.append("keywords must be an array of strings")
    else:
        if not kws:
            warnings.append("%s: no keywords: searched everywhere (slow)" % where)
        for k in kws:
            if len(k.encode("utf-8")) < 2:
                errs.append("keyword %r shorter than 2 bytes" % k)
            if "\n" in k or "\r" in k:
                errs.append("keyword %r holds a line break" % k)
        if len(set(kws)) != len(kws):
            errs.append("duplicate keywords")
    lead = rule.get("lead", 0)
    if not isinstance(lead, int) or isinstance(lead, bool) or lead < 0:
        errs.append("lead must be a non-negative integer")
    ml = rule.get("max_length")
    if not isinstance(ml, int) or isinstance(ml, bool) or ml <= 0:
        errs.append("max_length must be a positive integer")
    elif isinstance(lead, int) and lead > ml:
        errs.append("lead %d exceeds max_length %d" % (lead, ml))
    if "multiline" in rule and not isinstance(rule["multiline"], bool):
        errs.append("multiline must be a boolean")
    if "min_entropy" in rule:
        me = rule["min_entropy"]
        if isinstance(me, bool) or not isinstance(me, (int, float)) or not 0 <= me <= 8:
            errs.append("min_entropy must be a number in [0, 8]")
    if "validate" in rule and rule["validate"] not in VALIDATORS:
        errs.append("validate must be one of %s" % ", ".join(VALIDATORS))
    g = rule.get("group")
    if g is not None and not (isinstance(g, str) or (isinstance(g, int) and not isinstance(g, bool) and g >= 0)):
        errs.append("group must be a number or a name")
    for f in ("examples", "counter_examples"):
        v = rule.get(f)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            errs.append("%s must be an array of non-empty strings" % f)
        elif len(v) < 2:
            errs.append("%s: at least 2 required" % f)
    if isinstance(rx, str) and rx:
        probs, warns = check_regex_syntax(rx)
        errs.extend("regex: " + p for p in probs)
        warnings.extend("%s: regex: %s" % (where, w) for w in warns)
        py, _ = translate_regex(rx)
        try:
            compiled = re.compile(py.encode("latin-1"))
        except (re.error, UnicodeEncodeError) as e:
            errs.append("regex: %s" % e)
            compiled = None
        if compiled is not None:
            try:
                parsed = sre_parse.parse(py.encode("latin-1"))
                probs, warns = [], []
                walk_syntax(parsed, probs, warns)
                errs.extend("regex: " + p for p in sorted(set(probs)))
                warnings.extend("%s: regex: %s" % (where, w) for w in sorted(set(warns)))
                lo, hi = parsed.getwidth()
                if lo == 0:
                    errs.append("regex can match the empty string")
                if isinstance(ml, int):
                    if hi >= sre_constants.MAXREPEAT:
                        UNBOUNDED.append(rid)
                    elif hi > ml:
                        errs.append("regex can match %d bytes, more than max_length %d" % (hi, ml))
            except Exception as e:  # pragma: no cover
                warnings.append("%s: could not analyse regex: %s" % (where, e))
            if g is not None and g != "":
                if isinstance(g, int) or (isinstance(g, str) and g.isdigit()):
                    if int(g) > compiled.groups:
                        errs.append("group %s does not exist" % g)
                elif g not in compiled.groupindex:
                    errs.append("group %r does not exist" % g)
    for e in errs:
        errors.append("%s: %s" % (where, e))
    return not errs


def check_examples(cr, errors):
    """Examples redacted, counter-examples untouched, keyword and lead proven."""
    n_ex = n_cx = 0
    for i, ex in enumerate(cr.rule["examples"]):
        n_ex += 1
        data = ex.encode("utf-8")
        hits = scan(cr, Text(data))
        if not hits:
            errors.append("rule %r: example %d not redacted" % (cr.id, i + 1))
            continue
        # Free (keyword-less) search: every match must contain a keyword no
        # further than `lead` after its start, and fit in max_length.
        segments = [data] if cr.multiline else re.split(rb"[\r\n]", data)
        for seg in segments:
            low = seg.lower() if cr.ci else seg
            pos = 0
            while pos <= len(seg):
                m = cr.pat.search(seg, pos)
                if not m:
                    break
                span = seg[m.start(cr.group):m.end(cr.group)] if m.start(cr.group) >= 0 else b""
                if span and cr.passes(span):
                    mt = low[m.start():m.end()]
                    ok = False
                    for kw in cr.keywords:
                        i = mt.find(kw)
                        while i >= 0:
                            if i <= cr.lead and i + len(kw) <= len(mt):
                                ok = True
                                break
                            i = mt.find(kw, i + 1)
                        if ok:
                            break
                    if cr.keywords and not ok:
                        errors.append("rule %r: example match %s holds no keyword within lead %d of its start"
                                      % (cr.id, preview(seg[m.start():m.end()]), cr.lead))
                    if m.end() - m.start() > cr.max_length:
                        errors.append("rule %r: example match of %d bytes exceeds max_length %d"
                                      % (cr.id, m.end() - m.start(), cr.max_length))
                    pos = max(m.end(), m.start() + 1)
                else:
                    pos = m.start() + 1
    for i, cx in enumerate(cr.rule["counter_examples"]):
        n_cx += 1
        data = cx.encode("utf-8")
        hits = scan(cr, Text(data))
        if hits:
            gs, ge = hits[0][2], hits[0][3]
            errors.append("rule %r: counter-example %d redacted at byte %d: %s"
                          % (cr.id, i + 1, gs, preview(data[gs:ge])))
    return n_ex, n_cx


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    path, logs = argv[1], argv[2:]
    errors, warnings = [], []
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8-sig"))  # a byte order mark is not content
    except (OSError, ValueError) as e:
        print("%s: %s" % (path, e))
        return 1
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        print('%s: expected {"rules": [...]}' % path)
        return 1
    extra = set(doc) - {"rules"}
    if extra:
        warnings.append("%s: unknown top-level fields %s" % (path, sorted(extra)))
    seen = set()
    compiled = []
    for i, rule in enumerate(doc["rules"]):
        if check_fields(rule, i, seen, errors, warnings):
            compiled.append(CompiledRule(rule))
    n_ex = n_cx = 0
    for cr in compiled:
        a, b = check_examples(cr, errors)
        n_ex += a
        n_cx += b
    log_hits = 0
    for lp in logs:
        try:
            with open(lp, "rb") as f:
                text = Text(f.read())
        except OSError as e:
            errors.append("%s: %s" % (lp, e))
            continue
        for cr in compiled:
            for ms, me, gs, ge in scan(cr, text):
                log_hits += 1
                errors.append("log hit: rule %r: %s:%d: %s" % (cr.id, lp, text.line_number(gs),
                                                               preview(text.data[gs:ge])))
    for w in warnings:
        print("warning: " + w)
    if UNBOUNDED:
        print("note: %d rules rely on the search window (max_length) to bound their regex: %s"
              % (len(UNBOUNDED), ", ".join(UNBOUNDED)))
    for e in errors:
        print("FAIL: " + e)
    print("%s: %d rules, %d examples, %d counter-examples, %d log files, %d log hits, %d failures"
          % (path, len(doc["rules"]), n_ex, n_cx, len(logs), log_hits, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
