#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "actors/daemon.hpp"
#include "cli/commands.hpp"

namespace llmopt {
namespace {

int serve(const std::optional<std::string>& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    std::fprintf(stderr, "llmopt: refusing to start: %s\n", config.err().detail.c_str());
    return 2;
  }
  configure_logging(config->values.log);
  // Every thread started from here on inherits the blocked signals, so only
  // the wait below receives them.
  block_control_signals();
  auto d = daemon::start(config->values, config->text, process_env());
  if (!d) {
    std::fprintf(stderr, "llmopt: cannot start: %s\n", d.err().detail.c_str());
    return 1;
  }
  int sig = 0;
  while ((sig = wait_for_control_signal()) == SIGHUP) {
    spdlog::info("received SIGHUP, reading {} again", config->values.source);
    (*d)->reload_file();
  }
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*d)->stop();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "run the daemon (built-in example config by default)");
  auto path = std::make_shared<std::optional<std::string>>();
  cmd->add_option_function<std::string>(
      "--config,-c", [path](const std::string& p) { *path = p; }, "configuration file (TOML)");
  cmd->callback([path, &exit_code] { exit_code = serve(*path); });
}

}  // namespace llmopt
