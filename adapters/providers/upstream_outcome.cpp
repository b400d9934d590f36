#include "adapters/providers/upstream_outcome.hpp"

#include <cctype>
#include <chrono>
#include <ctime>

#include "adapters/providers/provider_client.hpp"

namespace llmopt {

std::string_view to_string(outcome_class c) {
  switch (c) {
    case outcome_class::ok:
      return "ok";
    case outcome_class::request_error:
      return "request_error";
    case outcome_class::credentials_error:
      return "credentials_error";
    case outcome_class::model_failure:
      return "model_failure";
    case outcome_class::cancelled:
      return "cancelled";
  }
  return "model_failure";
}

outcome_class class_of_status(long status) {
  if (status >= 200 && status <= 299) return outcome_class::ok;
  if (status == 401 || status == 402 || status == 403) return outcome_class::credentials_error;
  if (status == 408 || status == 425 || status == 429) return outcome_class::model_failure;
  if (status >= 400 && status <= 499) return outcome_class::request_error;
  return outcome_class::model_failure;  // 5xx, and anything else no API promises
}

std::optional<long long> parse_retry_after(const std::string& value) {
  if (value.empty() || value.size() > 12) return std::nullopt;
  long long seconds = 0;
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::min<long long>(seconds, 86400);
}

namespace {
constexpr long long day_ms = 86400LL * 1000;
}

std::optional<long long> parse_http_date(const std::string& value) {
  if (value.size() != 29 || value.compare(25, 4, " GMT") != 0) return std::nullopt;
  std::tm tm{};
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return static_cast<long long>(timegm(&tm)) * 1000;
}

std::optional<long long> parse_reset_duration(const std::string& value) {
  if (value.empty() || value.size() > 32) return std::nullopt;
  double total_ms = 0;
  std::size_t at = 0;
  while (at < value.size()) {
    const std::size_t start = at;
    while (at < value.size() &&
           (std::isdigit(static_cast<unsigned char>(value[at])) || value[at] == '.'))
      ++at;
    if (at == start) return std::nullopt;
    double number = 0;
    const std::string digits = value.substr(start, at - start);
    try {
      std::size_t used = 0;
      number = std::stod(digits, &used);
      if (used != digits.size()) return std::nullopt;  // "1.2.3"
    } catch (const std::exception&) {
      return std::nullopt;
    }
    const std::size_t unit_start = at;
    while (at < value.size() && std::isalpha(static_cast<unsigned char>(value[at])))
      ++at;
    const std::string unit = value.substr(unit_start, at - unit_start);
    if (unit == "h")
      total_ms += number * 3600000;
    else if (unit == "m")
      total_ms += number * 60000;
    else if (unit == "s")
      total_ms += number * 1000;
    else if (unit == "ms")
      total_ms += number;
    else if (unit == "us")
      total_ms += number / 1000;
    else
      return std::nullopt;
  }
  return std::min(day_ms, static_cast<long long>(total_ms + 0.999));
}

std::optional<long long> requested_wait_ms(const curl_loop::http_result& r, long long now_unix_ms) {
  std::optional<long long> wait;
  auto at_least = [&wait](std::optional<long long> ms) {
    if (ms) wait = std::max(wait.value_or(0), *ms);
  };
  const auto retry_after = r.header("retry-after");
  if (auto seconds = parse_retry_after(retry_after)) at_least(*seconds * 1000);
  if (auto date = parse_http_date(retry_after))
    at_least(std::clamp(*date - now_unix_ms, 0LL, day_ms));
  at_least(parse_reset_duration(r.header("x-ratelimit-reset-requests")));
  at_least(parse_reset_duration(r.header("x-ratelimit-reset-tokens")));
  return wait;
}

std::optional<long long> requested_wait_ms(const curl_loop::http_result& r) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return requested_wait_ms(r, now.count());
}

bool carries_token(const nlohmann::json& chunk) {
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) return false;
  for (const auto& choice : *choices) {
    if (!choice.is_object()) continue;
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) continue;
    for (const char* key : {"content", "refusal"}) {
      auto it = delta->find(key);
      if (it != delta->end() && it->is_string() && !it->get_ref<const std::string&>().empty())
        return true;
    }
    auto calls = delta->find("tool_calls");
    if (calls != delta->end() && calls->is_array() && !calls->empty()) return true;
  }
  return false;
}

upstream_reply read_reply(wire::format f, const curl_loop::http_result& r,
                          const wire::reply_context& ctx, const std::string& api_key) {
  upstream_reply out;
  out.http_status = static_cast<int>(r.status);
  out.latency_ms = r.latency_ms;
  out.wait_ms = requested_wait_ms(r);
  if (r.cancelled) {
    out.outcome = outcome_class::cancelled;
    out.error = "cancelled";
    return out;
  }
  if (r.timed_out) {
    out.outcome = outcome_class::model_failure;
    out.status = call_status::timeout;
    out.error = mask_secret(r.error, api_key);
    return out;
  }
  if (r.status == 0) {
    out.error = mask_secret("connection failed: " + r.error, api_key);
    return out;
  }
  out.outcome = class_of_status(r.status);
  if (out.outcome != outcome_class::ok) {
    auto message = wire::upstream_error_message(r.body);
    out.error = mask_secret(
        "HTTP " + std::to_string(r.status) + (message.empty() ? "" : ": " + message), api_key);
    return out;
  }
  auto reply = wire::translate_reply(f, r.body, ctx);
  if (!reply) {
    out.outcome = outcome_class::model_failure;
    out.error = mask_secret("the reply is not a chat completion: " + reply.err().detail, api_key);
    return out;
  }
  out.status = call_status::ok;
  out.usage = reply->usage;
  out.completion = std::move(reply->body);
  return out;
}

}  // namespace llmopt
