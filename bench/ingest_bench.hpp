#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "decision/result.hpp"

namespace llmopt {

struct ingest_bench_options {
  long long signals = 1'000'000;
  int partitions = 64;  // per topic
  int models = 1'000;   // distinct models in the signals
  std::uint64_t seed = 1;
  std::string self_exe;  // this binary, to run `llmopt broker` as a child
};

// `llmopt bench ingest`: fills a broker (the embedded one, in a child
// process so that its memory is not counted) with realistic mixed signals,
// then measures in this process
//   1. the real pipeline: collector actor (consumer, parser, positions,
//      backpressure) and aggregator actor (dedup, counters, aggregates);
//   2. a bare consumer (the same librdkafka consumer adapter) that only
//      counts the same messages;
// each from its first message to its last (the group join is not timed).
// Returns {"signals", "seconds", "signals_per_s", "raw_consume_per_s",
// "ratio", "peak_rss_mb", ...}.
result<nlohmann::json> run_ingest_bench(const ingest_bench_options& options);

}  // namespace llmopt
