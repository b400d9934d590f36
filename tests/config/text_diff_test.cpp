#include "config/text_diff.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

TEST_CASE("unified_diff: equal texts have no diff") {
  CHECK(unified_diff("a\nb\n", "a\nb\n", "A", "B").empty());
  CHECK(unified_diff("", "", "A", "B").empty());
}

TEST_CASE("unified_diff: one changed line with its context, as diff -u prints it") {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  CHECK(unified_diff(before, after, "A", "B") ==
        "--- A\n+++ B\n"
        "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST_CASE("unified_diff: changes far apart are separate hunks, near ones one hunk") {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  const auto d = unified_diff(before, after, "A", "B");
  CHECK(d ==
        "--- A\n+++ B\n"
        "@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
        "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n");
  std::string close = before;
  close.replace(close.find("\n5\n") + 1, 1, "y");
  const auto near = unified_diff(before, close.replace(close.find("\n2\n") + 1, 1, "x"), "A", "B");
  CHECK(near.find("\n@@ ", near.find("\n@@ ") + 1) == std::string::npos);  // one hunk
}

TEST_CASE("unified_diff: added and removed lines, at the ends too") {
  CHECK(unified_diff("a\n", "a\nb\n", "A", "B") == "--- A\n+++ B\n@@ -1 +1,2 @@\n a\n+b\n");
  CHECK(unified_diff("a\nb\n", "b\n", "A", "B") == "--- A\n+++ B\n@@ -1,2 +1 @@\n-a\n b\n");
  CHECK(unified_diff("", "x\n", "A", "B") == "--- A\n+++ B\n@@ -0,0 +1 @@\n+x\n");
}

TEST_CASE("unified_diff: very long texts are still a correct diff") {
  std::string before, after;
  for (int i = 0; i < 5000; ++i) {
    before += "line " + std::to_string(i) + "\n";
    after += "line " + std::to_string(i % 2 ? i : -i) + "\n";
  }
  const auto d = unified_diff(before, after, "A", "B");
  // The even lines from 2 on differ: past the common first two lines and
  // last line, 4,997 lines on each side are more than are matched line by
  // line, so all of them are shown removed and added.
  std::size_t removed = 0, added = 0, pos = 0;
  while ((pos = d.find('\n', pos)) != std::string::npos && ++pos < d.size()) {
    removed += d[pos] == '-' && d.compare(pos, 4, "--- ") != 0;
    added += d[pos] == '+' && d.compare(pos, 4, "+++ ") != 0;
  }
  CHECK(removed == 4997);
  CHECK(added == 4997);
}

}  // namespace
}  // namespace llmopt
