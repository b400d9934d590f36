#include <unistd.h>

#include <climits>
#include <cstdio>
#include <functional>

#include <nlohmann/json.hpp>

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
          std::printf("  %-10s %7s %7s %7s %12s\n", "policy", "mean", "min", "max", ">= 0.90");
          for (const char* p : {"llmopt", "reference"}) {
            const auto& s = f[p];
            std::printf("  %-10s %7.3f %7.3f %7.3f %11.0f%%\n", p, s["mean"].get<double>(),
                        s["min"].get<double>(), s["max"].get<double>(),
                        100 * s["at_least_0.90"].get<double>());
          }
        });
  });
}

}  // namespace llmopt
