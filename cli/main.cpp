// The llmopt binary: one executable, one subcommand per task.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"llmopt: keeps LLM traffic on the best model, from Kafka signals"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "llmopt 0.1.0");
  int exit_code = 0;
  llmopt::add_serve_command(app, exit_code);
  llmopt::add_broker_command(app, exit_code);
  llmopt::add_provider_sim_command(app, exit_code);
  llmopt::add_config_command(app, exit_code);
  llmopt::add_decisions_command(app, exit_code);
  llmopt::add_bench_command(app, exit_code);
  llmopt::add_simulate_command(app, exit_code);
  llmopt::add_keys_command(app, exit_code);
  llmopt::add_routes_command(app, exit_code);
  llmopt::add_dlq_command(app, exit_code);
  llmopt::add_signals_command(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
