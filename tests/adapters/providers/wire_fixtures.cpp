#include "tests/adapters/providers/wire_fixtures.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/providers/anthropic_inbound.hpp"
#include "adapters/providers/wire_format.hpp"

namespace llmopt::test {
using json = nlohmann::json;

namespace {

const std::filesystem::path fixtures_dir =
    std::filesystem::path(LLMOPT_SOURCE_DIR) / "tests/adapters/providers/fixtures";

json read_fixture(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto j = json::parse(text.str(), nullptr, false);
  INFO(file.string());
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::vector<std::filesystem::path> fixtures_in(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::exists(fixtures_dir / dir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir / dir))
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

wire::reply_context context_of(const json& c) {
  wire::reply_context ctx;
  ctx.model = c.value("model", "model");
  ctx.fallback_id = c.value("fallback_id", "chatcmpl-test");
  ctx.created = c.value("created", 1700000000LL);
  return ctx;
}

void check_usage(const json& expected, const wire::token_usage& got) {
  if (expected.is_null()) return;
  CHECK(got.reported);
  CHECK(got.input_tokens == expected.value("input_tokens", 0LL));
  CHECK(got.output_tokens == expected.value("output_tokens", 0LL));
  CHECK(got.cached_input_tokens == expected.value("cached_input_tokens", 0LL));
}

wire::format format_of(const json& fixture) {
  auto f = wire::format_named(fixture.at("format").get<std::string>());
  REQUIRE(f);
  return *f;
}

void run_request(const json& fixture) {
  const auto& c = fixture.at("request");
  auto request = check_chat_request(c.at("openai"));
  INFO((request.ok() ? std::string() : request.err().detail));
  REQUIRE(request.ok());
  auto native = wire::translate_request(format_of(fixture), *request, c.at("model"));
  INFO((native.ok() ? std::string() : native.err().code + ": " + native.err().detail));
  REQUIRE(native.ok());
  const auto& want = c.at("native");
  CHECK(native->path == want.at("path").get<std::string>());
  CHECK(native->headers == want.value("headers", std::vector<std::string>{}));
  CHECK(native->dropped == want.value("dropped", std::vector<std::string>{}));
  auto body = json::parse(native->body);
  INFO("body: " << body.dump(2));
  CHECK(body == want.at("body"));
}

void run_unsupported(const json& fixture) {
  const auto& c = fixture.at("unsupported");
  auto request = check_chat_request(c.at("openai"));
  REQUIRE(request.ok());
  auto native = wire::translate_request(format_of(fixture), *request, c.at("model"));
  REQUIRE_FALSE(native.ok());
  CHECK(native.err().code == "unsupported");
  CHECK(native.err().field == c.at("field").get<std::string>());
  CHECK_FALSE(native.err().detail.empty());
}

std::string native_text(const json& c) {
  return c.contains("native_text") ? c.at("native_text").get<std::string>() : c.at("native").dump();
}

void run_reply(const json& fixture) {
  const auto& c = fixture.at("reply");
  auto reply = wire::translate_reply(format_of(fixture), native_text(c),
                                     context_of(c.value("context", json::object())));
  INFO((reply.ok() ? std::string() : reply.err().code + ": " + reply.err().detail));
  if (c.contains("error")) {
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.err().code == c.at("error").get<std::string>());
    return;
  }
  REQUIRE(reply.ok());
  INFO("got: " << reply->body.dump(2));
  CHECK(reply->body == c.at("openai"));
  check_usage(c.value("usage", json()), reply->usage);
}

struct stream_run {
  std::vector<json> chunks;
  std::string error;  // code, or empty
  wire::token_usage usage;
};

// Feeds `text` in pieces of `piece` bytes (0: whole), then finishes.
stream_run run_stream_in_pieces(wire::format f, const wire::reply_context& ctx,
                                const std::string& text, std::size_t piece) {
  stream_run out;
  auto decoder = wire::make_stream_decoder(f, ctx);
  const std::size_t step = piece == 0 ? std::max<std::size_t>(1, text.size()) : piece;
  for (std::size_t at = 0; at < text.size() && out.error.empty(); at += step) {
    auto st = decoder->feed(std::string_view(text).substr(at, step), out.chunks);
    if (!st) out.error = st.err().code;
  }
  if (out.error.empty()) {
    auto st = decoder->finish(out.chunks);
    if (!st) out.error = st.err().code;
  }
  out.usage = decoder->usage();
  return out;
}

void run_stream(const json& fixture) {
  const auto& c = fixture.at("stream");
  const auto f = format_of(fixture);
  const auto ctx = context_of(c.value("context", json::object()));
  const std::string text = c.at("native").get<std::string>();
  const std::string want_error =
      c.value("error", json()).is_string() ? c.at("error").get<std::string>() : "";
  auto whole = run_stream_in_pieces(f, ctx, text, 0);
  INFO("got: " << json(whole.chunks).dump(2));
  CHECK(whole.error == want_error);
  CHECK(json(whole.chunks) == c.at("openai"));
  check_usage(c.value("usage", json()), whole.usage);
  for (std::size_t piece : {1, 7}) {
    auto split = run_stream_in_pieces(f, ctx, text, piece);
    INFO("in pieces of " << piece);
    CHECK(split.error == whole.error);
    CHECK(json(split.chunks) == json(whole.chunks));
  }
}

void run_inbound_request(const json& fixture) {
  const auto& c = fixture.at("inbound_request");
  auto chat = wire::messages_request_to_chat(c.at("anthropic").dump(), json_bounds{});
  if (c.contains("error")) {
    REQUIRE_FALSE(chat.ok());
    CHECK(chat.err().code == c.at("error").at("code").get<std::string>());
    CHECK(chat.err().field == c.at("error").at("field").get<std::string>());
    return;
  }
  INFO((chat.ok() ? std::string() : chat.err().code + ": " + chat.err().detail));
  REQUIRE(chat.ok());
  INFO("got: " << chat->dump(2));
  CHECK(*chat == c.at("openai"));
  CHECK(check_chat_request(*chat).ok());
}

void run_inbound_reply(const json& fixture) {
  const auto& c = fixture.at("inbound_reply");
  auto message = wire::chat_completion_to_message(c.at("openai"));
  INFO("got: " << message.dump(2));
  CHECK(message == c.at("anthropic"));
}

void run_inbound_stream(const json& fixture) {
  const auto& c = fixture.at("inbound_stream");
  wire::message_stream_encoder encoder;
  std::string text;
  for (const auto& chunk : c.at("openai"))
    text += encoder.encode(chunk);
  text += encoder.end();
  CHECK(text == c.at("anthropic").get<std::string>());
}

void run_fixture(const std::filesystem::path& file) {
  const json fixture = read_fixture(file);
  INFO(file.filename().string() << ": " << fixture.value("about", ""));
  REQUIRE(fixture.contains("about"));
  int cases = 0;
  if (fixture.contains("request")) ++cases, run_request(fixture);
  if (fixture.contains("unsupported")) ++cases, run_unsupported(fixture);
  if (fixture.contains("reply")) ++cases, run_reply(fixture);
  if (fixture.contains("stream")) ++cases, run_stream(fixture);
  if (fixture.contains("inbound_request")) ++cases, run_inbound_request(fixture);
  if (fixture.contains("inbound_reply")) ++cases, run_inbound_reply(fixture);
  if (fixture.contains("inbound_stream")) ++cases, run_inbound_stream(fixture);
  CHECK(cases == 1);
}

}  // namespace

void run_wire_fixtures(const std::string& dir, std::size_t at_least) {
  auto files = fixtures_in(dir);
  CHECK(files.size() >= at_least);
  for (const auto& file : files) {
    SECTION(file.filename().string()) {
      run_fixture(file);
    }
  }
}

}  // namespace llmopt::test
