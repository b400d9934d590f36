#include "bench/signal_stream.hpp"

#include <random>

#include "decision/printf_string.hpp"

namespace llmopt {
namespace {

const char* const timestamp = "2026-11-21T10:00:00Z";

struct generator {
  std::mt19937_64 rng;
  int models;
  signal_stream out;
  std::vector<std::size_t> valid;  // indexes of fresh valid messages
  int invalid_made = 0;

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  std::string model() { return printf_string("m%d", pick(models)); }

  void add(const std::string& source, std::string key, std::string value) {
    out.messages.push_back({source, std::move(key), std::move(value)});
    ++out.expected.by_source[source].received;
  }

  void fresh(int i) {
    const double r = uniform();
    const std::string m = model();
    std::string source, value;
    if (r < 0.70) {
      // Cost in micro-dollars so that sums are exact in binary floating point
      // up to rounding of the decimal; the test compares with a tolerance.
      const double cost = static_cast<double>(1 + pick(50'000)) / 1e6;
      source = "cost";
      value = printf_string(R"({"eventId":"c-%d","timestamp":"%s","modelId":"%s","provider":"sim",)"
                            R"("inputTokens":%d,"outputTokens":%d,"costUsd":%.6f,"latencyMs":%d,)"
                            R"("metadata":{"route":"chat","tenant":"t%d"}})",
                            i, timestamp, m.c_str(), 100 + pick(2000), 10 + pick(800), cost,
                            100 + pick(3000), pick(5));
      out.expected.cost_by_model["sim:" + m] += cost;
    } else if (r < 0.80) {
      const int p50 = 200 + pick(800);
      source = "latency";
      value =
          printf_string(R"({"profileId":"lp-%d","modelId":"%s","provider":"sim","timestamp":"%s",)"
                        R"("p50Ms":%d,"p90Ms":%d,"p95Ms":%d,"p99Ms":%d,"meanMs":%d,"stdDevMs":%d,)"
                        R"("sampleCount":%d})",
                        i, m.c_str(), timestamp, p50, p50 * 2, p50 * 2 + 100, p50 * 3, p50 + 50,
                        p50 / 2, 100 + pick(1000));
    } else if (r < 0.85) {
      source = "sentinel";
      value = printf_string(R"({"drift_id":"d-%d","detected_at":"%s","type":"performance_drift",)"
                            R"("model_id":"%s","provider":"sim","magnitude":0.%d,"p_value":0.01,)"
                            R"("confidence":0.9})",
                            i, timestamp, m.c_str(), pick(9));
    } else if (r < 0.90) {
      source = "shield";
      value =
          printf_string(R"({"eventId":"pb-%d","timestamp":"%s","requestId":"r-%d","policyId":"p1",)"
                        R"("policyName":"PII","reason":"pii_detected","severity":"low",)"
                        R"("modelId":"%s","provider":"sim","action":"redact"})",
                        i, timestamp, i, m.c_str());
    } else if (r < 0.95) {
      source = "observatory";
      value =
          printf_string(R"({"traceId":"t-%d","spanId":"s-%d","operationName":"chat",)"
                        R"("serviceName":"app","startTime":"%s","endTime":"%s","durationMs":%d,)"
                        R"("status":"ok","attributes":{"gen_ai.request.model":"%s",)"
                        R"("gen_ai.system":"sim","gen_ai.usage.input_tokens":10,)"
                        R"("gen_ai.usage.output_tokens":5}})",
                        i, i, timestamp, timestamp, 50 + pick(500), m.c_str());
    } else {
      source = "observatory";
      // Wrapped in a CloudEvents envelope.
      value = printf_string(
          R"({"specversion":"1.0","id":"ce-%d","source":"/app","type":)"
          R"("com.llmdevops.observatory.event.v1","time":"%s","data":{"eventId":"f-%d",)"
          R"("timestamp":"%s","type":"custom","category":"feedback","severity":"info",)"
          R"("message":"rating","source":"app","modelId":"%s","provider":"sim",)"
          R"("data":{"rating":%d,"route":"chat"}}})",
          i, timestamp, i, timestamp, m.c_str(), 1 + pick(5));
    }
    ++out.expected.by_source[source].applied;
    valid.push_back(out.messages.size());
    add(source, m, value);
  }

  void invalid(int i) {
    static const char* const sources[] = {"cost", "latency", "sentinel", "shield", "observatory"};
    std::string source = "cost", value;
    switch (invalid_made++ % 10) {
      case 0:
        value = printf_string(R"({"eventId":"bad-%d","costUsd":)", i);
        break;  // not_json
      case 1:
        value = "[1,2,3]";
        source = sources[pick(5)];
        break;  // not_object
      case 2:   // missing_field
        value =
            printf_string(R"({"eventId":"bad-%d","timestamp":"%s","modelId":"m1","provider":"sim",)"
                          R"("inputTokens":1,"outputTokens":1})",
                          i, timestamp);
        break;
      case 3:  // wrong_type
        value =
            printf_string(R"({"eventId":"bad-%d","timestamp":"%s","modelId":"m1","provider":"sim",)"
                          R"("inputTokens":1,"outputTokens":1,"costUsd":"free"})",
                          i, timestamp);
        break;
      case 4:  // out_of_range
        value =
            printf_string(R"({"eventId":"bad-%d","timestamp":"%s","modelId":"m1","provider":"sim",)"
                          R"("inputTokens":1,"outputTokens":1,"costUsd":-2})",
                          i, timestamp);
        break;
      case 5:  // unknown_enum
        source = "sentinel";
        value = printf_string(
            R"({"driftId":"bad-%d","detectedAt":"%s","type":"mood_drift","modelId":"m1",)"
            R"("provider":"sim","magnitude":0.5,"pValue":0.1,"confidence":0.5})",
            i, timestamp);
        break;
      case 6:  // bad_timestamp
        value = printf_string(R"({"eventId":"bad-%d","timestamp":"yesterday","modelId":"m1",)"
                              R"("provider":"sim","inputTokens":1,"outputTokens":1,"costUsd":1})",
                              i);
        break;
      case 7:  // bad_envelope
        source = "shield";
        value = printf_string(
            R"({"specversion":"1.0","id":"bad-%d","source":"/x","type":"x","data":5})", i);
        break;
      case 8:  // unknown_kind
        source = "latency";
        value = printf_string(R"({"someId":"bad-%d","value":1})", i);
        break;
      default:  // too_large, rarely: the broker keeps 5 MB per partition
        if (invalid_made % 500 == 9) {
          value =
              printf_string(R"({"eventId":"bad-%d","pad":")", i) + std::string(70'000, 'x') + "\"}";
        } else {
          value = "\xff\xfe not utf-8";  // not_json
        }
    }
    ++out.expected.by_source[source].dead_lettered;
    add(source, "bad", value);
  }

  void duplicate() {
    const auto original =
        out.messages[valid[static_cast<std::size_t>(pick(static_cast<int>(valid.size())))]];
    ++out.expected.by_source[original.source].duplicates;
    add(original.source, original.key, original.value);
  }
};

}  // namespace

stream_expectation::counts stream_expectation::total() const {
  counts t;
  for (const auto& [source, c] : by_source) {
    t.received += c.received;
    t.applied += c.applied;
    t.duplicates += c.duplicates;
    t.dead_lettered += c.dead_lettered;
  }
  return t;
}

signal_stream make_signal_stream(std::uint64_t seed, int count, double invalid_fraction,
                                 double duplicate_fraction, int models) {
  generator g{std::mt19937_64(seed), models, {}, {}, 0};
  for (int i = 0; i < count; ++i) {
    const double r = g.uniform();
    if (r < invalid_fraction)
      g.invalid(i);
    else if (r < invalid_fraction + duplicate_fraction && !g.valid.empty())
      g.duplicate();
    else
      g.fresh(i);
  }
  return std::move(g.out);
}

std::string topic_of(const std::string& source) {
  return "llm.signals." + source;
}

}  // namespace llmopt
