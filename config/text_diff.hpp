#pragma once

#include <string>

namespace llmopt {

// A unified diff (as `diff -u`) of `before` and `after`, line by line, with
// `context` unchanged lines around each change: "--- label_before",
// "+++ label_after", then hunks "@@ -l,n +l,n @@". Empty when the texts are
// equal. Lines common to both ends are matched first; the rest by longest
// common subsequence, or, past 4,000 lines on each side, shown as removed
// and added whole (still a correct diff, not the shortest).
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label_before, const std::string& label_after,
                         int context = 3);

}  // namespace llmopt
