// HyperscanLiteralMatcher: all literals in one Hyperscan streaming-mode
// database built with the pure-literal compiler. Match ids are literal ids;
// since a literal's id gives its length, a match's start is its end minus
// that length and no start-of-match tracking is needed.
#ifndef SCRUBBER_SRC_HYPERSCAN_LITERAL_MATCHER_H_
#define SCRUBBER_SRC_HYPERSCAN_LITERAL_MATCHER_H_

#include <memory>

#include "literal_matcher.h"
#include "literal_table.h"

namespace scrubber {

// True when this build has Hyperscan and the CPU can run it.
bool HyperscanUsable();

// Compiles `table` (finalized, non-empty, outliving the matcher). Fails
// with an Internal status naming what Hyperscan said.
Result<std::unique_ptr<LiteralMatcher>> CompileHyperscanLiterals(const LiteralTable* table);

}  // namespace scrubber

#endif  // SCRUBBER_SRC_HYPERSCAN_LITERAL_MATCHER_H_
