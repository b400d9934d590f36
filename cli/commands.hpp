#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "config/settings.hpp"
#include "decision/result.hpp"

namespace llmopt {

// Each subcommand registers its options on `app` and returns nothing; the
// chosen one runs from main and its return value is the exit code.

void add_serve_command(CLI::App& app, int& exit_code);
void add_broker_command(CLI::App& app, int& exit_code);
void add_provider_sim_command(CLI::App& app, int& exit_code);
void add_config_command(CLI::App& app, int& exit_code);
void add_decisions_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);
void add_keys_command(CLI::App& app, int& exit_code);
void add_routes_command(CLI::App& app, int& exit_code);  // and `models`
void add_dlq_command(CLI::App& app, int& exit_code);
void add_signals_command(CLI::App& app, int& exit_code);

// The configuration every subcommand uses: the file given with --config, or
// the built-in example when none is; environment overrides applied. The
// text is returned too (for the config snapshot).
struct loaded_config {
  settings values;
  std::string text;
};
result<loaded_config> load_config(const std::optional<std::string>& path);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread
// it starts afterwards; wait_for_control_signal() then returns the one that
// arrived.
void block_control_signals();
int wait_for_control_signal();

// Logs go to stderr, as text or JSON lines.
void configure_logging(const log_settings& log);

}  // namespace llmopt
