// Tests for EncodeVariants and ParseVariantList: each variant's exact form,
// and the base64 property that a core literal survives any surrounding bytes
// at its alignment (checked against an independent encoder).

#include "scrubber/variants.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace scrubber {
namespace {

constexpr VariantMask kAll = VariantMask::All();

// A deliberately simple, bit-at-a-time base64 encoder, independent of the
// one under test.
std::string SimpleBase64(std::string_view bytes, bool url = false, bool pad = true) {
  const std::string alphabet =
      std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") +
      (url ? "-_" : "+/");
  std::vector<int> bits;
  for (const char ch : bytes) {
    for (int b = 7; b >= 0; --b) {
      bits.push_back((static_cast<unsigned char>(ch) >> b) & 1);
    }
  }
  while (bits.size() % 6 != 0) {
    bits.push_back(0);
  }
  std::string out;
  for (size_t i = 0; i < bits.size(); i += 6) {
    int v = 0;
    for (size_t j = 0; j < 6; ++j) {
      v = v * 2 + bits[i + j];
    }
    out += alphabet[v];
  }
  while (pad && out.size() % 4 != 0) {
    out += '=';
  }
  return out;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += static_cast<char>(byte(rng));
  }
  return s;
}

std::vector<std::string> LiteralsOfKind(const std::vector<VariantLiteral>& literals,
                                        VariantKind kind) {
  std::vector<std::string> out;
  for (const VariantLiteral& literal : literals) {
    if (literal.kind == kind) {
      out.push_back(literal.bytes);
    }
  }
  return out;
}

bool HasLiteral(const std::vector<VariantLiteral>& literals, std::string_view bytes) {
  return std::ranges::any_of(literals, [&](const VariantLiteral& l) { return l.bytes == bytes; });
}

bool AnyLiteralOfKindIn(const std::vector<VariantLiteral>& literals,
                        VariantKind kind,
                        std::string_view text) {
  return std::ranges::any_of(literals, [&](const VariantLiteral& l) {
    return l.kind == kind && text.find(l.bytes) != std::string_view::npos;
  });
}

// The core for alignment k, derived from the definition with the test's own
// encoder: characters of base64(k filler bytes + secret) that see only the
// secret's bits.
std::string ExpectedCore(std::string_view secret, size_t k, bool url) {
  const std::string encoded = SimpleBase64(std::string(k, 'X') + std::string(secret), url);
  const size_t first = (8 * k + 5) / 6;
  const size_t end = 8 * (k + secret.size()) / 6;
  return encoded.substr(first, end - first);
}

// For each alignment k: the library emits the core, and the core is found in
// the encoding of random prefix (k + 3m bytes) + secret + random suffix.
void CheckCoresOfOneSecret(std::string_view secret, bool url, std::mt19937& rng) {
  std::uniform_int_distribution<size_t> small(0, 7);
  const std::vector<VariantLiteral> literals = EncodeVariants(secret, kAll, 4);
  for (size_t k = 0; k < 3; ++k) {
    const std::string core = ExpectedCore(secret, k, url);
    ASSERT_TRUE(HasLiteral(literals, core)) << "n=" << secret.size() << " k=" << k;
    std::string text = RandomBytes(rng, k + 3 * small(rng));
    text += secret;
    text += RandomBytes(rng, small(rng));
    EXPECT_NE(SimpleBase64(text, url).find(core), std::string::npos)
        << "n=" << secret.size() << " k=" << k;
  }
}

void CheckCoreSurvivesSurroundings(bool url) {
  std::mt19937 rng(url ? 1234 : 4321);
  for (size_t n = 4; n <= 40; ++n) {
    for (int trial = 0; trial < 8; ++trial) {
      CheckCoresOfOneSecret(RandomBytes(rng, n), url, rng);
    }
  }
}

TEST(Base64Variants, CoreSurvivesPrefixAndSuffix) {
  CheckCoreSurvivesSurroundings(false);
}

TEST(Base64UrlVariants, CoreSurvivesPrefixAndSuffix) {
  CheckCoreSurvivesSurroundings(true);
}

TEST(Base64Variants, BasicAuthHeaderContainsALiteral) {
  const std::string secret = "hunter2-s3cr3t!";
  const auto literals = EncodeVariants(secret, kAll, 4);
  EXPECT_TRUE(AnyLiteralOfKindIn(literals, VariantKind::kBase64, SimpleBase64("user:" + secret)));
  EXPECT_TRUE(AnyLiteralOfKindIn(literals, VariantKind::kBase64, SimpleBase64("u:" + secret)));
}

TEST(Base64Variants, SecretFollowedByNewlineContainsALiteral) {
  for (const std::string secret : {"abcd", "abcde", "abcdef", "correct horse battery"}) {
    const auto literals = EncodeVariants(secret, kAll, 4);
    EXPECT_TRUE(AnyLiteralOfKindIn(literals, VariantKind::kBase64, SimpleBase64(secret + "\n")))
        << secret;
  }
}

TEST(Base64Variants, PaddedEndingAppearsWhenSecretEndsTheText) {
  const std::string secret = "tok-12345";  // 9 bytes
  for (size_t k = 0; k < 3; ++k) {
    if ((k + secret.size()) % 3 == 0) {
      continue;
    }
    const std::string text = SimpleBase64(std::string(k, 'p') + secret);
    const std::string ending = SimpleBase64(std::string(k, '\0') + secret).substr((8 * k + 5) / 6);
    ASSERT_NE(ending.find('='), std::string::npos);
    EXPECT_TRUE(text.ends_with(ending));
    EXPECT_TRUE(HasLiteral(EncodeVariants(secret, kAll, 4), ending)) << "k=" << k;
  }
  // With no prefix the whole padded encoding is a literal.
  EXPECT_TRUE(HasLiteral(EncodeVariants("abcde", kAll, 4), SimpleBase64("abcde")));
}

TEST(Base64Variants, UnpaddedEndingAppearsForUnpaddedText) {
  const std::string secret = "abcde";
  const auto literals = EncodeVariants(secret, kAll, 4);
  EXPECT_TRUE(HasLiteral(literals, SimpleBase64(secret, /*url=*/false, /*pad=*/false)));
  EXPECT_TRUE(HasLiteral(literals, SimpleBase64("\xfb\xff" + secret, true, false).substr(3)));
}

TEST(Base64Variants, UrlAlphabetUsesDashAndUnderscore) {
  const std::string secret = "\xfb\xff\xfe\xfb\xff\xfe";
  const auto url = LiteralsOfKind(EncodeVariants(secret, kAll, 4), VariantKind::kBase64Url);
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(url[0], "-__--__-");
  for (const std::string& literal : url) {
    EXPECT_EQ(literal.find_first_of("+/"), std::string::npos) << literal;
  }
}

TEST(PercentVariants, UpperLowerFormAndCommonLibraryEncodings) {
  const auto percent =
      LiteralsOfKind(EncodeVariants("a b/c+d%e~_.-", kAll, 4), VariantKind::kPercent);
  EXPECT_EQ(percent, (std::vector<std::string>{
                         "a%20b%2Fc%2Bd%25e~_.-", "a%20b%2fc%2bd%25e~_.-", "a+b%2Fc%2Bd%25e~_.-",
                         "a+b%2fc%2bd%25e~_.-",
                         "a%20b/c%2Bd%25e~_.-",  // Python's quote(), which keeps '/'
                     }));
}

TEST(PercentVariants, EncodeUriComponentKeepsItsMarks) {
  const auto percent = LiteralsOfKind(EncodeVariants("it's(1)!", kAll, 4), VariantKind::kPercent);
  EXPECT_EQ(std::count(percent.begin(), percent.end(), "it's(1)!"), 0);
  EXPECT_EQ(std::count(percent.begin(), percent.end(), "it%27s%281%29%21"), 1);
}

TEST(JsonVariants, HtmlSafeFormAsGoWritesIt) {
  auto literals = EncodeVariants("a<b>&c'd", kAll, 4);
  EXPECT_TRUE(HasLiteral(literals, "a\\u003cb\\u003e\\u0026c\\u0027d"));
  EXPECT_TRUE(HasLiteral(literals, "a\\u003Cb\\u003E\\u0026c\\u0027d"));
}

TEST(PercentVariants, HexDigitsOnlyGiveOneForm) {
  // Uppercase and lowercase hex agree when no escaped byte has a letter digit.
  const auto percent = LiteralsOfKind(EncodeVariants("ab cd", kAll, 4), VariantKind::kPercent);
  EXPECT_EQ(percent, (std::vector<std::string>{"ab%20cd", "ab+cd"}));
}

TEST(JsonVariants, PlainSlashAsciiOnlyAndUpperCaseHexForms) {
  const std::string secret = "p\"q\\r/s\x01t\x7f\t\xc3\xa9\xf0\x9f\x98\x80";
  const auto json = LiteralsOfKind(EncodeVariants(secret, kAll, 4), VariantKind::kJson);
  EXPECT_EQ(json, (std::vector<std::string>{
                      "p\\\"q\\\\r/s\\u0001t\\u007f\\t\xc3\xa9\xf0\x9f\x98\x80",
                      "p\\\"q\\\\r\\/s\\u0001t\\u007f\\t\xc3\xa9\xf0\x9f\x98\x80",
                      "p\\\"q\\\\r/s\\u0001t\\u007F\\t\xc3\xa9\xf0\x9f\x98\x80",
                      "p\\\"q\\\\r/s\\u0001t\\u007f\\t\\u00e9\\ud83d\\ude00",
                      "p\\\"q\\\\r/s\\u0001t\\u007F\\t\\u00E9\\uD83D\\uDE00",
                  }));
}

TEST(JsonVariants, ShortEscapesForControlCharacters) {
  const auto json =
      LiteralsOfKind(EncodeVariants("a\b\f\n\r\tz", VariantMask::All(), 4), VariantKind::kJson);
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json[0], "a\\b\\f\\n\\r\\tz");
}

TEST(JsonVariants, InvalidUtf8GivesNoAsciiOnlyForm) {
  const auto json = LiteralsOfKind(EncodeVariants("a\"/b\xff", kAll, 4), VariantKind::kJson);
  EXPECT_EQ(json, (std::vector<std::string>{"a\\\"/b\xff", "a\\\"\\/b\xff"}));
  // Overlong encodings and lone surrogates are not valid UTF-8 either.
  for (const std::string bad :
       {"\"abc\xc0\xaf", "\"abc\xed\xa0\x80", "\"abc\xe2\x82", "\"\xf4\x90\x80\x80"}) {
    for (const std::string& literal :
         LiteralsOfKind(EncodeVariants(bad, kAll, 1), VariantKind::kJson)) {
      EXPECT_EQ(literal.find("\\u"), std::string::npos) << literal;
    }
  }
}

TEST(JsonVariants, NothingToEscapeGivesNoJsonLiteral) {
  EXPECT_TRUE(LiteralsOfKind(EncodeVariants("plain-token", kAll, 4), VariantKind::kJson).empty());
}

TEST(XmlVariants, EntitiesAndSingleQuoteForms) {
  const auto xml = LiteralsOfKind(EncodeVariants("a<b>&\"c'd", kAll, 4), VariantKind::kXml);
  EXPECT_EQ(xml, (std::vector<std::string>{
                     "a&lt;b&gt;&amp;&quot;c&#39;d", "a&#60;b&#62;&#38;&#34;c&#39;d",
                     "a&lt;b&gt;&amp;&quot;c&apos;d", "a&lt;b&gt;&amp;&quot;c&#x27;d"}));
}

TEST(XmlVariants, NoSingleQuoteGivesNamedAndNumericForms) {
  const auto xml = LiteralsOfKind(EncodeVariants("x&y<z", kAll, 4), VariantKind::kXml);
  EXPECT_EQ(xml, (std::vector<std::string>{"x&amp;y&lt;z", "x&#38;y&#60;z"}));
}

TEST(ShellVariants, SetXQuotesSingleQuoteAndPrintfQEscapes) {
  const auto shell = LiteralsOfKind(EncodeVariants("it's a $x", kAll, 4), VariantKind::kShell);
  EXPECT_EQ(shell, (std::vector<std::string>{"it'\\''s a $x", "it\\'s\\ a\\ \\$x"}));
}

TEST(ShellVariants, PrintfQEscapesHashAndTildeOnlyAtStart) {
  const auto shell = LiteralsOfKind(EncodeVariants("#a#~b", kAll, 4), VariantKind::kShell);
  EXPECT_EQ(shell, (std::vector<std::string>{"\\#a#~b"}));
  const auto tilde = LiteralsOfKind(EncodeVariants("~u|v", kAll, 4), VariantKind::kShell);
  EXPECT_EQ(tilde, (std::vector<std::string>{"\\~u\\|v"}));
}

TEST(LinesVariants, EachLineAndCrlfWholeButNoShortLines) {
  const std::string key = "{\n\"type\": \"service_account\",\n\"private_key\": \"MIIEvQ\"\n}\n";
  const auto literals = EncodeVariants(key, kAll, 4);
  const auto lines = LiteralsOfKind(literals, VariantKind::kLines);
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "\"type\": \"service_account\",",
                "\"private_key\": \"MIIEvQ\"",
                "{\r\n\"type\": \"service_account\",\r\n\"private_key\": \"MIIEvQ\"\r\n}\r\n",
            }));
  EXPECT_FALSE(HasLiteral(literals, "{"));
  EXPECT_FALSE(HasLiteral(literals, "}"));
}

TEST(LinesVariants, CrlfSecretAlsoGivesLfForm) {
  const auto lines =
      LiteralsOfKind(EncodeVariants("line-one\r\nline-two", kAll, 4), VariantKind::kLines);
  EXPECT_EQ(lines, (std::vector<std::string>{"line-one", "line-two", "line-one\nline-two"}));
}

TEST(LinesVariants, SingleLineSecretHasNone) {
  EXPECT_TRUE(LiteralsOfKind(EncodeVariants("one line", kAll, 4), VariantKind::kLines).empty());
}

TEST(EncodeVariants, EveryLiteralMeetsMinLength) {
  std::mt19937 rng(99);
  for (size_t min_length = 1; min_length <= 12; ++min_length) {
    for (size_t n = min_length; n < min_length + 10; ++n) {
      for (const std::string& secret :
           {RandomBytes(rng, n), std::string(n, 'a'), std::string("a\nb c'd\"\r\n<&>%/\xc3\xa9")}) {
        for (const VariantLiteral& literal : EncodeVariants(secret, kAll, min_length)) {
          EXPECT_GE(literal.bytes.size(), min_length);
        }
      }
    }
  }
}

TEST(EncodeVariants, SecretShorterThanMinLengthGivesNothing) {
  EXPECT_TRUE(EncodeVariants("a b", kAll, 4).empty());
  EXPECT_TRUE(EncodeVariants("", kAll, 0).empty());
}

TEST(EncodeVariants, RawFirstAndNoDuplicates) {
  std::mt19937 rng(7);
  std::vector<std::string> secrets = {"abcd", "aaaaaaaa", "a'b\"c\nd\r\ne", "AAAA", "p w/+%"};
  for (size_t n = 4; n < 30; ++n) {
    secrets.push_back(RandomBytes(rng, n));
  }
  for (const std::string& secret : secrets) {
    const auto literals = EncodeVariants(secret, kAll, 4);
    ASSERT_FALSE(literals.empty());
    EXPECT_EQ(literals[0].kind, VariantKind::kRaw);
    EXPECT_EQ(literals[0].bytes, secret);
    std::set<std::string> unique;
    size_t raw_count = 0;
    for (const VariantLiteral& literal : literals) {
      unique.insert(literal.bytes);
      raw_count += literal.kind == VariantKind::kRaw ? 1 : 0;
    }
    EXPECT_EQ(unique.size(), literals.size()) << "duplicate literal";
    EXPECT_EQ(raw_count, 1U);
  }
}

TEST(EncodeVariants, MaskSelectsKinds) {
  const std::string secret = "a b'c\"d/e\nf";
  EXPECT_EQ(EncodeVariants(secret, VariantMask::RawOnly(), 4).size(), 1U);
  VariantMask mask = VariantMask::RawOnly();
  mask.Set(VariantKind::kJson);
  for (const VariantLiteral& literal : EncodeVariants(secret, mask, 4)) {
    EXPECT_TRUE(literal.kind == VariantKind::kRaw || literal.kind == VariantKind::kJson);
  }
  EXPECT_GT(EncodeVariants(secret, mask, 4).size(), 1U);
}

TEST(ParseVariantList, AllAndRawOnly) {
  ASSERT_TRUE(ParseVariantList("all").ok());
  EXPECT_EQ(*ParseVariantList("all"), VariantMask::All());
  EXPECT_EQ(*ParseVariantList(" all "), VariantMask::All());
  EXPECT_EQ(*ParseVariantList("raw"), VariantMask::RawOnly());
  EXPECT_EQ(*ParseVariantList("raw,all"), VariantMask::All());
}

TEST(ParseVariantList, NamesWithSpacesAndRawAlwaysIncluded) {
  Result<VariantMask> mask = ParseVariantList("base64 , json,\txml");
  ASSERT_TRUE(mask.ok());
  EXPECT_TRUE(mask->Has(VariantKind::kRaw));
  EXPECT_TRUE(mask->Has(VariantKind::kBase64));
  EXPECT_TRUE(mask->Has(VariantKind::kJson));
  EXPECT_TRUE(mask->Has(VariantKind::kXml));
  EXPECT_FALSE(mask->Has(VariantKind::kBase64Url));
  EXPECT_FALSE(mask->Has(VariantKind::kLines));
}

TEST(ParseVariantList, EveryNameRoundTrips) {
  VariantMask all;
  for (const VariantKind kind :
       {VariantKind::kRaw, VariantKind::kBase64, VariantKind::kBase64Url, VariantKind::kPercent,
        VariantKind::kJson, VariantKind::kXml, VariantKind::kShell, VariantKind::kLines}) {
    Result<VariantMask> mask = ParseVariantList(VariantName(kind));
    ASSERT_TRUE(mask.ok()) << VariantName(kind);
    EXPECT_TRUE(mask->Has(kind));
    all.Set(kind);
  }
  EXPECT_EQ(all, VariantMask::All());
  EXPECT_EQ(VariantName(VariantKind::kBase64Url), "base64url");
}

TEST(ParseVariantList, UnknownOrEmptyIsInvalidArgument) {
  Result<VariantMask> unknown = ParseVariantList("raw,foo");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(),
            "unknown variant 'foo' in --variants (expected raw, base64, base64url, percent, json, "
            "xml, shell, lines or all)");
  for (const std::string_view bad : {"", "  ", "raw,,json", "json,", "Base64", "base-64"}) {
    Result<VariantMask> result = ParseVariantList(bad);
    ASSERT_FALSE(result.ok()) << "'" << bad << "'";
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

TEST(JsonVariants, UpperCaseUnicodeEscapesAreAlsoCovered) {
  // ESC and e-acute, as Java and .NET encoders write them.
  auto literals = EncodeVariants("k\x1b-caf\xc3\xa9-\\u", VariantMask::All(), 4);
  EXPECT_TRUE(HasLiteral(literals, "k\\u001b-caf\xc3\xa9-\\\\u"));
  EXPECT_TRUE(HasLiteral(literals, "k\\u001B-caf\xc3\xa9-\\\\u"));
  EXPECT_TRUE(HasLiteral(literals, "k\\u001b-caf\\u00e9-\\\\u"));
  EXPECT_TRUE(HasLiteral(literals, "k\\u001B-caf\\u00E9-\\\\u"));
}

}  // namespace
}  // namespace scrubber
