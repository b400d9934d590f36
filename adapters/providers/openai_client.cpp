#include "adapters/providers/openai_client.hpp"

#include <utility>

#include "decision/assert.hpp"

namespace llmopt {
namespace {

// Replaces every occurrence of `secret` in `text`.
std::string mask(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  static const std::string hidden = "[redacted]";
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + hidden.size()))
    text.replace(pos, secret.size(), hidden);
  return text;
}

long long token_count(const nlohmann::json& usage, const char* key) {
  if (!usage.is_object()) return 0;
  auto it = usage.find(key);
  return it != usage.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

// The provider's own explanation of a failed call, if the body carries one.
std::string error_message_of(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  auto err = j.find("error");
  if (err == j.end()) return {};
  if (err->is_string()) return err->get<std::string>();
  if (err->is_object()) {
    auto msg = err->find("message");
    if (msg != err->end() && msg->is_string()) return msg->get<std::string>();
  }
  return {};
}

class openai_compatible_client final : public provider_client {
 public:
  openai_compatible_client(curl_loop& loop, openai_client_options options)
      : loop_(loop), options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/')
      options_.base_url.pop_back();
    url_ = options_.base_url + "/chat/completions";
  }

  void send(chat_call call, std::function<void(chat_reply)> done) override {
    LLMOPT_ASSERT(call.body.is_object() || call.body.is_null());
    call.body["model"] = call.upstream_model;
    curl_loop::http_call http;
    http.method = "POST";
    http.url = url_;
    http.timeout_ms = options_.timeout_ms;
    http.headers = {"Content-Type: application/json", "Accept: application/json"};
    if (!options_.api_key.empty())
      http.headers.push_back("Authorization: Bearer " + options_.api_key);
    http.body = call.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    loop_.submit(std::move(http),
                 [key = options_.api_key, timeout = options_.timeout_ms, done = std::move(done)](
                     curl_loop::http_result r) { done(read_chat_reply(r, timeout, key)); });
  }

 private:
  curl_loop& loop_;
  openai_client_options options_;
  std::string url_;
};

}  // namespace

chat_reply read_chat_reply(const curl_loop::http_result& r, long timeout_ms,
                           const std::string& api_key) {
  chat_reply out;
  out.http_status = static_cast<int>(r.status);
  out.latency_ms = r.latency_ms;
  if (r.timed_out) {
    out.status = call_status::timeout;
    out.error = "no answer within " + std::to_string(timeout_ms) + " ms";
    return out;
  }
  out.status = call_status::error;
  if (r.status == 0) {
    out.error = mask("connection failed: " + r.error, api_key);
    return out;
  }
  if (r.status < 200 || r.status > 299) {
    auto message = error_message_of(r.body);
    out.error =
        mask("HTTP " + std::to_string(r.status) + (message.empty() ? "" : ": " + message), api_key);
    return out;
  }
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    out.error = "invalid JSON in the provider's response";
    return out;
  }
  if (!body.contains("choices")) {
    out.error = "provider response has no choices";
    return out;
  }
  auto usage = body.find("usage");
  if (usage != body.end()) {
    out.input_tokens = token_count(*usage, "prompt_tokens");
    out.output_tokens = token_count(*usage, "completion_tokens");
    auto cost = usage->is_object() ? usage->find("cost") : usage->end();
    if (cost != usage->end() && cost->is_number() && cost->get<double>() >= 0)
      out.billed_usd = cost->get<double>();
  }
  out.status = call_status::ok;
  out.body = std::move(body);
  return out;
}

std::unique_ptr<provider_client> make_openai_compatible_client(curl_loop& loop,
                                                               openai_client_options options) {
  return std::make_unique<openai_compatible_client>(loop, std::move(options));
}

}  // namespace llmopt
