#pragma once

// Helpers of the provider simulator's tests (provider_sim_test.cpp and
// sim_*_test.cpp): they speak plain HTTP to it, as any client would, and
// read streams with the project's own SSE and NDJSON readers.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/curl_loop.hpp"
#include "adapters/providers/provider_sim.hpp"
#include "adapters/providers/sse_reader.hpp"
#include "tests/support/http_client.hpp"

namespace llmopt::sim_test {

using nlohmann::json;

inline simulated_model model(const std::string& id, double median_ms, double p95_ms,
                             double error_rate = 0, double quality = 0.8) {
  simulated_model m;
  m.id = id;
  m.price = {1.0, 2.0};
  m.behaviour = {median_ms, p95_ms, error_rate, quality};
  return m;
}

// A model whose answers have exactly `tokens` tokens, after `latency_ms`.
inline simulated_model fixed_model(const std::string& id, double latency_ms, long long tokens) {
  auto m = model(id, latency_ms, latency_ms);
  m.output_tokens = tokens;
  return m;
}

inline std::unique_ptr<provider_sim> start(std::vector<simulated_model> models,
                                           std::uint64_t seed = 1) {
  provider_sim_options o;
  o.models = std::move(models);
  o.seed = seed;
  auto sim = provider_sim::start(std::move(o));
  REQUIRE(sim.ok());
  return std::move(sim.value());
}

inline std::string root_of(const provider_sim& sim) {
  return sim.base_url(sim_format::ollama);  // "http://H:P"
}

// One exchange whose body is captured as it arrives, each piece with the
// time since the request was sent.
struct capture {
  curl_loop::http_result result;  // status 0: no complete response (cut, timeout)
  std::string body;               // the 2xx body as streamed, or the error body
  std::vector<std::pair<double, std::string>> pieces;
  double first_ms() const { return pieces.empty() ? -1 : pieces.front().first; }
  double last_ms() const { return pieces.empty() ? -1 : pieces.back().first; }
};

inline capture post(const std::string& url, const std::string& body,
                    std::vector<std::string> headers = {}, long timeout_ms = 10000) {
  struct shared {
    std::mutex mu;
    capture c;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    std::promise<void> done;
  };
  auto s = std::make_shared<shared>();
  headers.push_back("Content-Type: application/json");
  curl_loop loop;
  curl_loop::http_call call;
  call.url = url;
  call.body = body;
  call.headers = std::move(headers);
  call.timeout_ms = timeout_ms;
  call.on_body = [s](std::string_view bytes) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s->t0).count();
    std::lock_guard<std::mutex> lock(s->mu);
    s->c.body.append(bytes);
    s->c.pieces.emplace_back(ms, std::string(bytes));
    return true;
  };
  loop.submit(std::move(call), [s](curl_loop::http_result r) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->c.body.empty()) s->c.body = r.body;
      s->c.result = std::move(r);
    }
    s->done.set_value();
  });
  REQUIRE(s->done.get_future().wait_for(std::chrono::milliseconds(timeout_ms + 5000)) ==
          std::future_status::ready);
  std::lock_guard<std::mutex> lock(s->mu);
  return s->c;
}

inline json post_json(const std::string& url, const json& body, long expected_status = 200,
                      std::vector<std::string> headers = {}) {
  auto c = post(url, body.dump(), std::move(headers));
  INFO(url << " -> " << c.result.status << " " << c.body);
  REQUIRE(c.result.status == expected_status);
  return json::parse(c.body);
}

inline std::vector<sse_event> sse_events(const std::string& body) {
  sse_reader reader;
  std::vector<sse_event> events;
  REQUIRE(reader.feed(body, events).ok());
  CHECK_FALSE(reader.mid_event());
  return events;
}

inline std::vector<json> ndjson_lines(const std::string& body) {
  line_reader reader;
  std::vector<std::string> lines;
  REQUIRE(reader.feed(body, lines).ok());
  CHECK(reader.rest().empty());
  std::vector<json> out;
  for (const auto& l : lines)
    out.push_back(json::parse(l));
  return out;
}

// GET /admin/stats with `query` (e.g. "until_open=0&timeout_ms=5000").
inline json stats(const provider_sim& sim, const std::string& query = "") {
  auto r = test::http_get(root_of(sim) + "/admin/stats" + (query.empty() ? "" : "?" + query));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

inline void add_fault(const provider_sim& sim, const json& fault) {
  auto r = test::http_post_json(root_of(sim) + "/admin/faults", fault.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
}

inline const std::vector<std::string> anthropic_headers = {"anthropic-version: 2023-06-01"};

}  // namespace llmopt::sim_test
