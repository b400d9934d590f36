// The response cache's key: what changes the answer is in it, what only
// changes its delivery or the client's bookkeeping is not; which requests
// may be cached at all.

#include <catch2/catch.hpp>

#include "actors/cache_key.hpp"

using namespace llmopt;
using nlohmann::json;

namespace {

const json base = json::parse(
    R"({"model":"chat","temperature":0,"messages":[{"role":"user","content":"hello"}]})");

json with(json body, const char* key, json value) {
  body[key] = std::move(value);
  return body;
}

chat_request request(const json& body) {
  auto r = check_chat_request(body);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("the key is SHA-256 in lowercase hex") {
  const auto key = cache_key_of(base);
  CHECK(key.size() == 64);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("streaming, its options and the client's tags do not change the key") {
  const auto key = cache_key_of(base);
  CHECK(cache_key_of(with(base, "stream", true)) == key);
  CHECK(cache_key_of(
            with(with(base, "stream", true), "stream_options", {{"include_usage", true}})) == key);
  CHECK(cache_key_of(with(base, "user", "alice")) == key);
  CHECK(cache_key_of(with(base, "metadata", {{"team", "a"}})) == key);
  CHECK(cache_key_of(with(base, "store", true)) == key);
  CHECK(cache_key_of(with(base, "service_tier", "flex")) == key);
}

TEST_CASE("what can change the answer changes the key") {
  const auto key = cache_key_of(base);
  CHECK(cache_key_of(with(base, "model", "other-route")) != key);
  CHECK(cache_key_of(with(base, "model", "openai:gpt-4o")) != key);
  CHECK(cache_key_of(with(base, "temperature", 0.5)) != key);
  CHECK(cache_key_of(with(base, "max_tokens", 10)) != key);
  CHECK(cache_key_of(with(base, "seed", 1)) != key);
  CHECK(cache_key_of(with(base, "tools",
                          json::array({{{"type", "function"}, {"function", {{"name", "f"}}}}}))) !=
        key);
  auto other = base;
  other["messages"][0]["content"] = "hello!";
  CHECK(cache_key_of(other) != key);
}

TEST_CASE("the key does not depend on the order of the members as sent") {
  auto reordered = json::parse(
      R"({"messages":[{"content":"hello","role":"user"}],"temperature":0,"model":"chat"})");
  CHECK(cache_key_of(reordered) == cache_key_of(base));
}

TEST_CASE("greedy answers are cached, sampled ones only where the route allows") {
  CHECK(cache_refusal_of(request(base), false, false) == cache_refusal::none);
  auto sampled = request(with(base, "temperature", 0.7));
  CHECK(cache_refusal_of(sampled, false, false) == cache_refusal::sampled);
  CHECK(cache_refusal_of(sampled, false, true) == cache_refusal::none);
  auto unset = base;
  unset.erase("temperature");  // every provider's default is above 0
  CHECK(cache_refusal_of(request(unset), false, false) == cache_refusal::sampled);
  CHECK(cache_refusal_of(request(unset), false, true) == cache_refusal::none);
}

TEST_CASE("no-store and several choices are never cached") {
  CHECK(cache_refusal_of(request(base), true, true) == cache_refusal::opted_out);
  CHECK(cache_refusal_of(request(with(base, "n", 2)), false, true) == cache_refusal::many_choices);
  CHECK(cache_refusal_of(request(with(base, "n", 1)), false, false) == cache_refusal::none);
}
