#!/usr/bin/env python3
"""Writes a C++ source defining scrubber::DefaultRulesJson() from a rule file.

Usage: embed_rules.py INPUT.json OUTPUT.cc. The bytes go in as a char array,
so no compiler's string-literal length limit applies.
"""
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    lines = []
    for i in range(0, len(data), 16):
        lines.append("  " + ", ".join(str(b) for b in data[i:i + 16]) + ",")
    body = "\n".join(lines)
    with open(dst, "w") as out:
        out.write("// Generated from patterns/default.json by embed_rules.py. Do not edit.\n")
        out.write('#include "scrubber/rule_set.h"\n\n')
        out.write("namespace scrubber {\nnamespace {\n")
        out.write("const char kDefaultRules[] = {\n%s\n  0};\n" % body)
        out.write("}  // namespace\n\n")
        out.write("std::string_view DefaultRulesJson() {\n")
        out.write("  return std::string_view(kDefaultRules, %d);\n}\n\n" % len(data))
        out.write("}  // namespace scrubber\n")


if __name__ == "__main__":
    main()
