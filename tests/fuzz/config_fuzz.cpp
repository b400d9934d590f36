// libFuzzer target for config/: the text of a configuration, as a file on
// SIGHUP or the body of POST /admin/v1/config reaches parse_settings.
//
// Each input is parsed twice, with and without environment overrides; a
// result must be total (an error has code "config" and a detail naming the
// source), deterministic (the same input gives the same verdict and the
// same settings), and a configuration compared with itself has no changes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_changes.hpp"
#include "config/loader.hpp"

namespace {

using namespace llmopt;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "config invariant broken: %s\n", what);
  std::abort();
}

// Overrides that are all valid: the parse must not fail because of them.
std::optional<std::string> overrides(const std::string& name) {
  if (name == "LLMOPT_HTTP_THREADS") return std::string("2");
  if (name == "LLMOPT_LOG_LEVEL") return std::string("warn");
  if (name == "OPENAI_API_KEY") return std::string("sk-fuzz");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const env_lookup none;
  auto first = parse_settings(text, "fuzz.toml", none);
  auto again = parse_settings(text, "fuzz.toml", none);
  if (first.ok() != again.ok()) broken("two parses of one text disagree");
  if (!first) {
    if (first.err().code != "config") broken("an error whose code is not config");
    if (first.err().detail.rfind("fuzz.toml", 0) != 0) broken("an error not naming its source");
    if (first.err().detail != again.err().detail) broken("two errors for one text");
    return 0;
  }
  if (!changes_between(*first, *again).empty()) broken("a configuration differs from itself");
  auto overridden = parse_settings(text, "fuzz.toml", overrides);
  if (!overridden) broken("valid overrides made a valid configuration invalid");
  const auto changes = changes_between(*first, *overridden);
  for (const auto& s : changes.settings)
    if (s != "http.threads" && s != "log.level") broken("an override changed another setting");
  return 0;
}
