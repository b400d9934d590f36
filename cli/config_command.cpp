#include <cstdio>

#include "cli/commands.hpp"
#include "config/loader.hpp"

namespace llmopt {

void add_config_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("config", "check a configuration file or list the settings");
  cmd->require_subcommand(1);

  auto* check = cmd->add_subcommand("check", "validate FILE; exit 0 when it is valid");
  auto file = std::make_shared<std::string>();
  check->add_option("FILE", *file, "configuration file (TOML)")->required();
  check->callback([file, &exit_code] {
    auto config = load_config(*file);
    if (!config) {
      std::fprintf(stderr, "%s\n", config.err().detail.c_str());
      exit_code = 1;
      return;
    }
    const auto& s = config->values;
    std::printf("%s: ok (%zu providers, %zu models, %zu routes)\n", file->c_str(),
                s.providers.size(), s.models.size(), s.routes.size());
  });

  auto* defaults = cmd->add_subcommand("defaults", "list every setting with default and bounds");
  defaults->callback([] { std::fputs(render_defaults().c_str(), stdout); });
}

}  // namespace llmopt
