// Variant encodings of a secret: the forms in which a secret's bytes appear
// in logs once a tool has encoded them (DESIGN §2). Each variant is a literal
// that the matcher looks for besides the raw value.
#ifndef SCRUBBER_VARIANTS_H_
#define SCRUBBER_VARIANTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/status.h"

namespace scrubber {

enum class VariantKind : uint8_t {
  kRaw,
  kBase64,
  kBase64Url,
  kPercent,
  kJson,
  kXml,
  kShell,
  kLines,
};

// A set of VariantKinds, one bit per kind.
class VariantMask {
 public:
  constexpr VariantMask() = default;
  static constexpr VariantMask All() { return VariantMask(0xff); }
  static constexpr VariantMask RawOnly() { return VariantMask(1); }

  constexpr bool Has(VariantKind k) const { return (bits_ >> static_cast<int>(k)) & 1U; }
  constexpr void Set(VariantKind k) { bits_ |= 1U << static_cast<int>(k); }
  constexpr bool operator==(const VariantMask&) const = default;

 private:
  explicit constexpr VariantMask(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};

// Parses a comma-separated list of variant names ("raw,base64,json", or
// "all"). raw is always included. Unknown names are an error.
Result<VariantMask> ParseVariantList(std::string_view list);

// The name used on the command line for a kind ("base64url").
std::string_view VariantName(VariantKind kind);

struct VariantLiteral {
  VariantKind kind;
  std::string bytes;
};

// Every literal under which `secret` is redacted, for the kinds in `mask`:
// the raw bytes first, then each variant that differs from the raw form.
// Literals shorter than `min_length` are dropped; duplicates appear once.
// See DESIGN §2 for the exact forms.
std::vector<VariantLiteral> EncodeVariants(std::string_view secret,
                                           VariantMask mask,
                                           size_t min_length);

}  // namespace scrubber

#endif  // SCRUBBER_VARIANTS_H_
