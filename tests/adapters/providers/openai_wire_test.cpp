#include <catch2/catch.hpp>

#include "adapters/providers/openai_wire.hpp"
#include "tests/adapters/providers/wire_fixtures.hpp"

using namespace llmopt;

TEST_CASE("openai wire format: golden fixtures") {
  test::run_wire_fixtures("openai", 8);
}

TEST_CASE("openai wire format: a stream that reached its finish_reason may close without [DONE]") {
  wire::reply_context ctx{"m", "chatcmpl-x", 1};
  auto decoder = wire::openai_stream_decoder(ctx);
  std::vector<nlohmann::json> chunks;
  REQUIRE(decoder
              ->feed("data: {\"id\":\"a\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                     "\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n",
                     chunks)
              .ok());
  REQUIRE(decoder->finish(chunks).ok());
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0]["choices"][0]["delta"]["role"] == "assistant");  // added to the first delta
}

TEST_CASE(
    "openai wire format: a reply or chunk the upstream gives another object type is still "
    "a chat.completion") {
  wire::reply_context ctx{"m", "chatcmpl-x", 1};
  auto reply = wire::openai_reply(R"({"object":"list","choices":[]})", ctx);
  REQUIRE(reply.ok());
  CHECK(reply->body["object"] == "chat.completion");

  auto decoder = wire::openai_stream_decoder(ctx);
  std::vector<nlohmann::json> chunks;
  REQUIRE(decoder->feed("data: {\"choices\":[{\"index\":0,\"delta\":{}}]}\n\n", chunks).ok());
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0]["object"] == "chat.completion.chunk");  // none given
}

TEST_CASE(
    "openai wire format: usage counts past 2^50 are not believed, so totals cannot overflow") {
  wire::reply_context ctx{"m", "chatcmpl-x", 1};
  auto decoder = wire::openai_stream_decoder(ctx);
  std::vector<nlohmann::json> chunks;
  REQUIRE(decoder
              ->feed("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9223372036854775807,"
                     "\"completion_tokens\":1}}\n\ndata: [DONE]\n\n",
                     chunks)
              .ok());
  REQUIRE(decoder->finish(chunks).ok());
  CHECK(decoder->usage().input_tokens == 0);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0]["usage"]["total_tokens"] == 1);
}
