#include "adapters/providers/provider_client.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

const std::string key = "sk-proj-Zq81fKs0dLx93mNAbCdwxyz";

TEST_CASE("mask_secret hides the key wherever it appears") {
  CHECK(mask_secret("got " + key + " and " + key + ".", key) == "got [redacted] and [redacted].");
  CHECK(mask_secret("nothing here", key) == "nothing here");
  CHECK(mask_secret("left alone", "") == "left alone");
}

TEST_CASE("mask_secret hides a provider's masked echo of the key") {
  // OpenAI's 401 message quotes the key half masked.
  const std::string openai =
      "HTTP 401: Incorrect API key provided: sk-proj-********************wxyz. You can find your "
      "API key at https://platform.openai.com/account/api-keys.";
  auto masked = mask_secret(openai, key);
  CHECK(masked.find("wxyz") == std::string::npos);
  CHECK(masked.find("sk-proj") == std::string::npos);
  CHECK(masked.find("Incorrect API key provided: [redacted]. You can find") != std::string::npos);
  // Only its own echoes: other masked words and the rest of the text stay.
  CHECK(mask_secret("rate limited on ab****cd", key) == "rate limited on ab****cd");
  CHECK(mask_secret("key \"sk-********wxyz\" refused", key) == "key \"[redacted]\" refused");
}

}  // namespace
}  // namespace llmopt
