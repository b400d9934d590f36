#include "config/text_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace llmopt {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// One line of the edit script: ' ' kept, '-' removed, '+' added, with its
// index in `before` (for ' ' and '-') or `after` ('+').
struct edit {
  char op;
  std::size_t line;
};

constexpr std::size_t max_matched_lines = 4000;

// The edit script of a[a0, a1) against b[b0, b1), by longest common
// subsequence.
void middle_edits(const std::vector<std::string>& a, std::size_t a0, std::size_t a1,
                  const std::vector<std::string>& b, std::size_t b0, std::size_t b1,
                  std::vector<edit>& out) {
  const std::size_t n = a1 - a0, m = b1 - b0;
  if (n > max_matched_lines || m > max_matched_lines) {
    for (std::size_t i = a0; i < a1; ++i)
      out.push_back({'-', i});
    for (std::size_t j = b0; j < b1; ++j)
      out.push_back({'+', j});
    return;
  }
  // lcs[i][j]: the longest common subsequence of a[a0+i..) and b[b0+j..).
  std::vector<std::uint16_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::uint16_t& { return lcs[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      at(i, j) = a[a0 + i] == b[b0 + j] ? static_cast<std::uint16_t>(at(i + 1, j + 1) + 1)
                                        : std::max(at(i + 1, j), at(i, j + 1));
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[a0 + i] == b[b0 + j]) {
      out.push_back({' ', a0 + i});
      ++i, ++j;
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      out.push_back({'-', a0 + i++});  // removals before additions, as diff -u
    } else {
      out.push_back({'+', b0 + j++});
    }
  }
}

// A hunk's range as diff -u writes it: "first,count", or "first" for one
// line; an empty range names the line before it.
std::string range(std::size_t lines_before, std::size_t count) {
  const auto first = std::to_string(lines_before + (count ? 1 : 0));
  return count == 1 ? first : first + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label_before, const std::string& label_after,
                         int context) {
  const auto a = lines_of(before), b = lines_of(after);
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
    ++prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  if (prefix == a.size() && prefix == b.size()) return "";

  std::vector<edit> edits;
  for (std::size_t i = 0; i < prefix; ++i)
    edits.push_back({' ', i});
  middle_edits(a, prefix, a.size() - suffix, b, prefix, b.size() - suffix, edits);
  for (std::size_t k = suffix; k-- > 0;)
    edits.push_back({' ', a.size() - 1 - k});

  // Line numbers in both texts at each edit.
  std::vector<std::size_t> line_a(edits.size() + 1), line_b(edits.size() + 1);
  for (std::size_t k = 0; k < edits.size(); ++k) {
    line_a[k + 1] = line_a[k] + (edits[k].op != '+');
    line_b[k + 1] = line_b[k] + (edits[k].op != '-');
  }
  std::string out = "--- " + label_before + "\n+++ " + label_after + "\n";
  const std::size_t ctx = static_cast<std::size_t>(std::max(0, context));
  std::size_t k = 0;
  while (k < edits.size()) {
    if (edits[k].op == ' ') {
      ++k;
      continue;
    }
    // A hunk: from `ctx` lines before this change to `ctx` lines after the
    // last change that is within 2 * ctx kept lines of the previous one.
    const std::size_t start = k >= ctx ? k - ctx : 0;
    std::size_t end = k;  // one past the last change
    std::size_t kept = 0;
    for (std::size_t q = k; q < edits.size(); ++q) {
      if (edits[q].op == ' ') {
        if (++kept > 2 * ctx) break;
      } else {
        kept = 0;
        end = q + 1;
      }
    }
    const std::size_t stop = std::min(edits.size(), end + ctx);
    const auto count_a = line_a[stop] - line_a[start], count_b = line_b[stop] - line_b[start];
    out += "@@ -" + range(line_a[start], count_a) + " +" + range(line_b[start], count_b) + " @@\n";
    for (std::size_t q = start; q < stop; ++q) {
      const auto& e = edits[q];
      out += e.op;
      out += e.op == '+' ? b[e.line] : a[e.line];
      out += '\n';
    }
    k = stop;
  }
  return out;
}

}  // namespace llmopt
