#include "adapters/providers/provider_client.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "decision/assert.hpp"

namespace llmopt {
namespace {

using steady = std::chrono::steady_clock;

double ms_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string replace_model(std::string url, const std::string& model) {
  static const std::string placeholder = "{model}";
  for (auto at = url.find(placeholder); at != std::string::npos;
       at = url.find(placeholder, at + model.size()))
    url.replace(at, placeholder.size(), model);
  return url;
}

// One streaming call: the decoder and its timing, owned by the transfer's
// callbacks on the loop thread.
struct stream_call {
  std::unique_ptr<wire::stream_decoder> decoder;
  chunk_sink sink;
  curl_loop* loop = nullptr;
  curl_loop::call_id id = 0;
  std::optional<error> failure;  // the stream failed (an error event, bad bytes)
  steady::time_point started = steady::now();
  std::optional<steady::time_point> first_token;
  steady::time_point last_token;
  long long token_chunks = 0;
  std::vector<nlohmann::json> chunks;  // scratch, reused

  // Hands decoded chunks to the sink; false when the sink wants a pause.
  bool deliver() {
    if (chunks.empty()) return true;
    for (const auto& c : chunks)
      if (carries_token(c)) {
        const auto now = steady::now();
        if (!first_token) first_token = now;
        last_token = now;
        ++token_chunks;
      }
    const bool more = sink(chunks);
    chunks.clear();
    return more;
  }

  bool on_body(std::string_view bytes) {
    if (failure) return false;
    auto fed = decoder->feed(bytes, chunks);
    const bool more = deliver();
    if (!fed) {
      failure = fed.err();
      loop->cancel(id);  // nothing more is wanted from this upstream
      return false;
    }
    return more;
  }

  void measure(upstream_reply& out) const {
    out.streamed_tokens = first_token.has_value();
    if (!first_token) return;
    out.ttft_ms = ms_between(started, *first_token);
    if (token_chunks > 1)
      out.inter_token_ms =
          ms_between(*first_token, last_token) / static_cast<double>(token_chunks - 1);
    const double generating_s = ms_between(*first_token, last_token) / 1000.0;
    if (generating_s > 0 && out.usage.output_tokens > 1)
      out.output_tokens_per_s = static_cast<double>(out.usage.output_tokens - 1) / generating_s;
  }

  upstream_reply finish(const curl_loop::http_result& r, const std::string& api_key) {
    upstream_reply out;
    out.http_status = static_cast<int>(r.status);
    out.latency_ms = r.latency_ms;
    out.wait_ms = requested_wait_ms(r);
    if (!failure && r.status >= 200 && r.status <= 299) {
      auto done = decoder->finish(chunks);
      deliver();
      if (!done) failure = done.err();
    }
    if (failure) {
      out.error = mask_secret(failure->code + ": " + failure->detail, api_key);
    } else if (r.cancelled) {
      out.outcome = outcome_class::cancelled;
      out.error = "cancelled";
    } else if (r.timed_out) {
      out.status = call_status::timeout;
      out.error = mask_secret(r.error, api_key);
    } else if (r.status == 0) {
      out.error = mask_secret(
          (first_token ? "the stream broke off: " : "connection failed: ") + r.error, api_key);
    } else if (r.status < 200 || r.status > 299) {
      out.outcome = class_of_status(r.status);
      auto message = wire::upstream_error_message(r.body);
      out.error = mask_secret(
          "HTTP " + std::to_string(r.status) + (message.empty() ? "" : ": " + message), api_key);
    } else {
      out.outcome = outcome_class::ok;
      out.status = call_status::ok;
    }
    out.usage = decoder->usage();
    measure(out);
    return out;
  }
};

}  // namespace

std::string key_header_of(wire::format f) {
  switch (f) {
    case wire::format::anthropic:
      return "x-api-key";
    case wire::format::gemini:
      return "x-goog-api-key";
    case wire::format::openai:
    case wire::format::ollama:
      break;
  }
  return "authorization";
}

std::string mask_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  static const std::string hidden = "[redacted]";
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + hidden.size()))
    text.replace(pos, secret.size(), hidden);
  // Providers quote a key they refused half masked ("Incorrect API key
  // provided: sk-pr**********wxyz."): enough to tell whose key it is. Any
  // word with a run of '*' that shares the secret's first three or last
  // four characters goes too.
  const std::string head = secret.substr(0, std::min<std::size_t>(3, secret.size()));
  const std::string tail = secret.substr(secret.size() - std::min<std::size_t>(4, secret.size()));
  static const std::string separators = " \t\r\n\"'`,;:()[]{}<>";
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find_first_of(separators, at), text.size());
    if (end == at) {
      out += text[at++];
      continue;
    }
    std::string_view word(text.data() + at, end - at);
    std::string_view core = word;  // without a sentence's closing dots
    while (!core.empty() && core.back() == '.')
      core.remove_suffix(1);
    const bool masked = core.find("**") != std::string_view::npos;
    const bool shares = core.substr(0, head.size()) == head ||
                        (core.size() >= tail.size() && core.substr(core.size() - tail.size()) == tail);
    if (masked && shares)
      out += hidden + std::string(word.substr(core.size()));
    else
      out += word;
    at = end;
  }
  return out;
}

provider_client::provider_client(curl_loop& loop, provider_endpoint endpoint)
    : loop_(loop), endpoint_(std::move(endpoint)) {
  while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/')
    endpoint_.base_url.pop_back();
  if (endpoint_.key_header.empty()) endpoint_.key_header = key_header_of(endpoint_.format);
}

result<wire::upstream_request> provider_client::translate(const chat_request& request,
                                                          const std::string& model) const {
  return wire::translate_request(endpoint_.format, request, model);
}

curl_loop::http_call provider_client::http_call_for(const std::string& model,
                                                    const wire::upstream_request& native) const {
  curl_loop::http_call http;
  http.method = "POST";
  http.url = replace_model(endpoint_.base_url, model) + native.path;
  if (!endpoint_.api_version.empty())
    http.url += (native.path.find('?') == std::string::npos ? "?" : "&") +
                std::string("api-version=") + endpoint_.api_version;
  http.headers = {"Content-Type: application/json"};
  for (const auto& h : native.headers)
    http.headers.push_back(h);
  if (!endpoint_.api_key.empty())
    http.headers.push_back(endpoint_.key_header == "authorization"
                               ? "Authorization: Bearer " + endpoint_.api_key
                               : endpoint_.key_header + ": " + endpoint_.api_key);
  http.body = native.body;
  http.timeout_ms = endpoint_.timeout_ms;
  return http;
}

curl_loop::call_id provider_client::start(const chat_request& request, const std::string& model,
                                          wire::upstream_request native,
                                          const wire::reply_context& ctx, chunk_sink on_chunks,
                                          reply_sink done, long time_limit_ms) {
  auto http = http_call_for(model, native);
  if (time_limit_ms > 0) http.timeout_ms = std::min(http.timeout_ms, time_limit_ms);
  const auto format = endpoint_.format;
  const auto& key = endpoint_.api_key;
  if (!request.stream) {
    http.headers.push_back("Accept: application/json");
    return loop_.submit(std::move(http),
                        [format, ctx, key, done = std::move(done)](curl_loop::http_result r) {
                          done(read_reply(format, r, ctx, key));
                        });
  }
  http.headers.push_back("Accept: text/event-stream, application/x-ndjson, application/json");
  http.idle_timeout_ms = endpoint_.timeout_ms;
  http.timeout_ms = time_limit_ms;  // else a stream may run as long as it keeps sending
  auto call = std::make_shared<stream_call>();
  call->decoder = wire::make_stream_decoder(format, ctx);
  call->sink = std::move(on_chunks);
  call->loop = &loop_;
  http.on_body = [call](std::string_view bytes) { return call->on_body(bytes); };
  call->id =
      loop_.submit(std::move(http), [call, key, done = std::move(done)](curl_loop::http_result r) {
        done(call->finish(r, key));
      });
  return call->id;
}

}  // namespace llmopt
