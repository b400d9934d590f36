#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "decision/result.hpp"

namespace llmopt {

struct gateway_bench_options {
  double rps = 2000;     // arrival rate, the same for both paths
  double seconds = 5;    // measured time per path
  bool stream = false;   // streamed answers: time to first token and gaps too
  // Every request as a shared gateway sees it: an llmopt key with a budget
  // and RPM/TPM limits, a route budget, and the cache on (each request a
  // miss: its body differs from every other's).
  bool checks = false;
  int stream_tokens = 20;   // content chunks of a streamed answer
  int token_gap_ms = 50;    // their pace: 20 tokens/s
  std::string self_exe;     // this binary, to run `llmopt serve` as a child
};

// `llmopt bench gateway`: what llmopt adds to every call.
//   1. starts a fixed-answer OpenAI-compatible upstream in this process
//      (bench/fixed_upstream.hpp) and `llmopt serve` as a child process in
//      front of it (embedded broker, one route with one candidate);
//   2. drives the upstream directly, then through llmopt, at the same fixed
//      arrival rate (bench/open_loop_load.hpp: open loop, so queueing
//      shows), after a short warm-up of both;
//   3. reports both paths' latency (mean, p50, p99, p99.9), what llmopt adds,
//      for streams time to first token and the gap between tokens; the
//      child's CPU per request net of its idle use, by thread; its RSS before
//      and its peak; errors; and the generator's and upstream's own CPU and
//      send lag, which show whether they were the bottleneck.
// Figures only: nothing here passes or fails on time.
result<nlohmann::json> run_gateway_bench(const gateway_bench_options& options);

}  // namespace llmopt
