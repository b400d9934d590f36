#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "actors/llmopt_policy.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "decision/simulation.hpp"
#include "pages/simulation_html.hpp"

namespace llmopt {
namespace {

struct simulate_args {
  std::string scenario_file;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> config_file;
  std::optional<std::string> html_file;
  bool json = false;
};

int run(const simulate_args& args) {
  auto s = load_scenario(args.scenario_file);
  if (!s) {
    std::fprintf(stderr, "llmopt: %s\n", s.err().detail.c_str());
    return 2;
  }
  if (args.seed) s->seed = *args.seed;
  settings base = default_settings();
  if (args.config_file) {
    auto loaded = load_config(args.config_file);
    if (!loaded) {
      std::fprintf(stderr, "llmopt: %s\n", loaded.err().detail.c_str());
      return 2;
    }
    base = std::move(loaded->values);
  }
  configure_logging(base.log);

  sim_world world(*s);
  std::vector<named_policy> policies;
  policies.push_back(
      {"llmopt", std::make_unique<llmopt_policy>(simulation_settings(*s, base), s->seed)});
  for (auto& p : baseline_policies(world))
    policies.push_back(std::move(p));
  // The world reads emitted shield events with the production parser too,
  // to know which requests are violations.
  signal_reader reader = production_signal_reader();
  auto report = run_simulation(world, policies, reader, {"llmopt", "oracle"});

  if (args.html_file) {
    std::ofstream out(*args.html_file, std::ios::binary | std::ios::trunc);
    out << pages::simulation_html(report);
    if (!out.flush()) {
      std::fprintf(stderr, "llmopt: %s: cannot write the report\n", args.html_file->c_str());
      return 1;
    }
  }
  if (args.json) {
    report.erase("timeline");
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::printf("%s", simulation_table(report).c_str());
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<simulate_args>();
  auto* cmd = app.add_subcommand(
      "simulate", "run a scenario through llmopt's decision path and the baseline policies");
  cmd->add_option("scenario", args->scenario_file, "scenario file (JSON)")->required();
  cmd->add_option("--seed", args->seed, "override the scenario's seed");
  cmd->add_option("--config", args->config_file,
                  "take the decision settings from this configuration file");
  cmd->add_option("--html", args->html_file, "also write a self-contained HTML report here");
  cmd->add_flag("--json", args->json, "print the report as one JSON object");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace llmopt
