// Runs every file of corpus/<topic>/ through signal_parser. The file name is
// the expectation: valid-*.json must parse; dlq-<reason>-*.json must fail
// with exactly <reason> and a non-empty detail. Together with the generated
// too_large case, the corpus must produce every dead-letter reason.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/signal_parser.hpp"

namespace {

namespace fs = std::filesystem;
using llmopt::signal_parser;
using llmopt::topic_kind;

const fs::path corpus_dir = fs::path(LLMOPT_SOURCE_DIR) / "tests/adapters/signals/corpus";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "dlq-missing_field-cost-no-costUsd.json" → "missing_field".
std::string expected_reason(const std::string& file_name) {
  auto rest = file_name.substr(4);
  return rest.substr(0, rest.find('-'));
}

}  // namespace

TEST_CASE("every corpus file meets the expectation in its name", "[corpus]") {
  REQUIRE(fs::is_directory(corpus_dir));
  signal_parser parser;  // one parser for all files: buffers are reused
  std::set<std::string> reasons_seen;
  std::map<std::string, int> files_per_topic;
  for (const auto& topic_dir : fs::directory_iterator(corpus_dir)) {
    auto topic = llmopt::parse_topic_kind(topic_dir.path().filename().string());
    INFO("folder " << topic_dir.path());
    REQUIRE(topic.has_value());
    for (const auto& file : fs::directory_iterator(topic_dir.path())) {
      std::string name = file.path().filename().string();
      std::string bytes = read_bytes(file.path());
      auto parsed = parser.parse(*topic, bytes);
      std::string outcome =
          parsed ? std::string("ok") : parsed.err().code + ": " + parsed.err().detail;
      INFO(to_string(*topic) << "/" << name << " → " << outcome);
      ++files_per_topic[std::string(to_string(*topic))];
      if (name.rfind("valid-", 0) == 0) {
        CHECK(parsed.ok());
      } else {
        REQUIRE(name.rfind("dlq-", 0) == 0);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.err().code == expected_reason(name));
        CHECK_FALSE(parsed.err().detail.empty());
        reasons_seen.insert(parsed.err().code);
      }
    }
  }

  // too_large needs a message past the limit: generated, not stored.
  std::string large = R"({"eventId":"c-1","pad":")" + std::string(70000, 'x') + "\"}";
  auto too_large = parser.parse(topic_kind::cost, large);
  REQUIRE_FALSE(too_large.ok());
  CHECK(too_large.err().code == llmopt::dead_letter::too_large);
  reasons_seen.insert(too_large.err().code);

  for (auto reason : llmopt::dead_letter::all_reasons) {
    INFO("reason " << reason);
    CHECK(reasons_seen.count(std::string(reason)) == 1);
  }
  CHECK(reasons_seen.size() == llmopt::dead_letter::all_reasons.size());
  for (auto [topic, count] : files_per_topic) {
    INFO(topic << ": " << count << " files");
    CHECK(count >= 10);
  }
  CHECK(files_per_topic.size() == 6);  // every topic kind
}
