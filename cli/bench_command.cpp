#include <unistd.h>

#include <climits>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/gateway_bench.hpp"
#include "bench/ingest_bench.hpp"
#include "bench/learnability_bench.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"

namespace llmopt {
namespace {

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{"llmopt"};
}

// A benchmark's figures: one JSON object with --json, else `table`. When it
// could not run: the error on stderr, and `failure_code` as the exit code.
void print_figures(const result<nlohmann::json>& figures, bool json, int failure_code,
                   int& exit_code, const std::function<void(const nlohmann::json&)>& table) {
  if (!figures) {
    std::fprintf(stderr, "llmopt: %s\n", figures.err().detail.c_str());
    exit_code = failure_code;
    return;
  }
  if (json) {
    std::printf("%s\n", figures->dump().c_str());
    return;
  }
  table(*figures);
}

void print_distribution_row(const char* what, const nlohmann::json& d) {
  std::printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", what, d["mean_ms"].get<double>(),
              d["p50_ms"].get<double>(), d["p99_ms"].get<double>(), d["p99_9_ms"].get<double>());
}

void print_gateway_figures(const nlohmann::json& f) {
  const auto& direct = f["direct"];
  const auto& through = f["through"];
  std::printf("%.0f requests/s for %.1f s per path%s%s\n", f["rps"].get<double>(),
              f["seconds"].get<double>(), f["stream"].get<bool>() ? ", streamed" : "",
              f["checks"].get<bool>() ? ", with key, budgets, limits and cache" : "");
  std::printf("  %-22s %9s %9s %9s %9s   (ms)\n", "", "mean", "p50", "p99", "p99.9");
  const bool stream = f["stream"].get<bool>();
  for (const char* what : stream ? std::vector<const char*>{"latency", "ttft", "gap"}
                                 : std::vector<const char*>{"latency"}) {
    print_distribution_row((std::string(what) + " direct").c_str(), direct[what]);
    print_distribution_row((std::string(what) + " through llmopt").c_str(), through[what]);
    print_distribution_row((std::string(what) + " added").c_str(), f["added"][what]);
  }
  for (const auto* path : {&direct, &through}) {
    const auto& p = *path;
    std::printf(
        "  %-8s ok %llu of %llu, http errors %llu, failed %llu, bad streams %llu, "
        "%d connections\n",
        path == &direct ? "direct" : "through", p["ok"].get<unsigned long long>(),
        p["due"].get<unsigned long long>(), p["http_errors"].get<unsigned long long>(),
        p["failed"].get<unsigned long long>(), p["streams_bad"].get<unsigned long long>(),
        p["connections"].get<int>());
  }
  if (f.contains("checks_seen")) {
    const auto& c = f["checks_seen"];
    std::printf("checks   cache misses %lld, hits %lld;", c["cache_misses"].get<long long>(),
                c["cache_hits"].get<long long>());
    for (const auto& b : c["budgets"])
      std::printf(" %s spent $%.6f", b.value("scope", std::string{"?"}).c_str(),
                  b.value("spent_usd", 0.0));
    std::printf("\n");
  }
  const auto& l = f["llmopt"];
  std::printf("llmopt CPU   %.1f us per request (%.1f before its idle use of %.1f%% of a core)\n",
              l["cpu_us_per_request"].get<double>(), l["cpu_us_per_request_gross"].get<double>(),
              100 * l["idle_cpu_share"].get<double>());
  for (const auto& [name, us] : l["cpu_us_per_request_by_thread"].items())
    std::printf("  %-16s %8.1f us per request\n", name.c_str(), us.get<double>());
  std::printf("llmopt RSS   %.0f MB before, %.0f MB at its peak\n",
              l["rss_before_mb"].get<double>(), l["peak_rss_mb"].get<double>());
  std::printf(
      "load generator  %.0f%% of a core, largest send lag %.3f ms (direct), %.0f%%, "
      "%.3f ms (through); upstream %.0f%% of a core (direct)\n",
      100 * direct["generator_cpu_share"].get<double>(),
      direct["generator_max_send_lag_ms"].get<double>(),
      100 * through["generator_cpu_share"].get<double>(),
      through["generator_max_send_lag_ms"].get<double>(),
      100 * f["upstream"]["cpu_share_direct"].get<double>());
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("bench", "benchmarks that print figures");
  cmd->require_subcommand(1);
  auto options = std::make_shared<ingest_bench_options>();
  auto json = std::make_shared<bool>(false);
  auto* ingest = cmd->add_subcommand(
      "ingest",
      "signals per second through collector, parser and aggregator, against a bare consumer");
  ingest->add_option("--signals,-n", options->signals, "signals to produce and consume")
      ->check(CLI::Range(1000LL, 100'000'000LL));
  ingest
      ->add_option("--partitions,-p", options->partitions,
                   "partitions per topic (the embedded broker keeps 5 MB per partition)")
      ->check(CLI::Range(1, 1024));
  ingest->add_option("--models", options->models, "distinct models in the signals")
      ->check(CLI::Range(1, 1'000'000));
  ingest->add_option("--seed", options->seed, "seed of the generated signals");
  ingest->add_flag("--json", *json, "print one JSON object");
  ingest->callback([options, json, &exit_code] {
    configure_logging(default_settings().log);  // on stderr: --json prints one object on stdout
    options->self_exe = self_exe();
    print_figures(run_ingest_bench(*options), *json, 1, exit_code, [](const nlohmann::json& f) {
      std::printf("signals            %lld (%.0f bytes each, %d models, %d partitions per topic)\n",
                  f["signals"].get<long long>(), f["mean_message_bytes"].get<double>(),
                  f["models"].get<int>(), f["partitions"].get<int>());
      std::printf("pipeline           %.0f signals/s (%.3f s)\n", f["signals_per_s"].get<double>(),
                  f["seconds"].get<double>());
      std::printf("bare consumer      %.0f messages/s\n", f["raw_consume_per_s"].get<double>());
      std::printf("ratio              %.2f\n", f["ratio"].get<double>());
      std::printf("peak RSS           %.0f MB\n", f["peak_rss_mb"].get<double>());
    });
  });

  auto gateway_options = std::make_shared<gateway_bench_options>();
  auto* gateway = cmd->add_subcommand(
      "gateway",
      "the latency and CPU llmopt adds to every call: a fixed upstream driven directly and "
      "through llmopt at the same arrival rate");
  gateway->add_option("--rps", gateway_options->rps, "requests per second, on both paths")
      ->check(CLI::Range(1.0, 100'000.0));
  gateway->add_option("--seconds", gateway_options->seconds, "measured seconds per path")
      ->check(CLI::Range(0.1, 3600.0));
  gateway->add_flag("--stream", gateway_options->stream,
                    "streamed answers (20 tokens at 20 tokens/s): time to first token and gaps");
  gateway->add_flag("--checks", gateway_options->checks,
                    "every request with an llmopt key, its budget and RPM/TPM limits, a route "
                    "budget and the cache on (a miss each time)");
  gateway->add_flag("--json", *json, "print one JSON object");
  gateway->callback([gateway_options, json, &exit_code] {
    configure_logging(default_settings().log);
    gateway_options->self_exe = self_exe();
    print_figures(run_gateway_bench(*gateway_options), *json, 1, exit_code,
                  [](const nlohmann::json& f) { print_gateway_figures(f); });
  });

  auto learn = std::make_shared<learnability_options>();
  auto* learnability = cmd->add_subcommand(
      "learnability",
      "llmopt's normalized score on a scenario over many seeds, beside a reference learner "
      "told everything but answer quality");
  learnability->add_option("scenario", learn->scenario_file, "scenario file (JSON)")->required();
  learnability->add_option("--seeds", learn->seeds, "how many seeds")->check(CLI::Range(1, 10'000));
  learnability->add_option("--first-seed", learn->first_seed, "the first seed");
  learnability->add_flag("--json", *json, "print one JSON object");
  learnability->callback([learn, json, &exit_code] {
    configure_logging(default_settings().log);
    print_figures(
        run_learnability_bench(*learn), *json, 2, exit_code, [&](const nlohmann::json& f) {
          std::printf("scenario %s, %zu seeds from %llu: normalized score\n",
                      f["scenario"].get<std::string>().c_str(), f["seeds"].size(),
                      static_cast<unsigned long long>(learn->first_seed));
          std::printf("  %-10s %7s %7s %7s %7s %12s\n", "policy", "mean", "p10", "min", "max",
                      ">= 0.90");
          for (const char* p : {"llmopt", "thompson", "reference"}) {
            const auto& s = f[p];
            std::printf("  %-10s %7.3f %7.3f %7.3f %7.3f %11.0f%%\n", p, s["mean"].get<double>(),
                        s["p10"].get<double>(), s["min"].get<double>(), s["max"].get<double>(),
                        100 * s["at_least_0.90"].get<double>());
          }
        });
  });
}

}  // namespace llmopt
