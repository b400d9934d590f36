#include <signal.h>

#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/example_config.hpp"
#include "config/loader.hpp"

namespace llmopt {

result<loaded_config> load_config(const std::optional<std::string>& path) {
  loaded_config out;
  if (path) {
    std::ifstream f(*path, std::ios::binary);
    if (!f) return error{"config", *path + ": cannot read the file"};
    std::ostringstream text;
    text << f.rdbuf();
    out.text = text.str();
  } else {
    out.text = example_config_text;
  }
  auto parsed = parse_settings(out.text, path ? *path : std::string{"<built-in>"}, process_env());
  if (!parsed) return parsed.err();
  out.values = std::move(*parsed);
  return out;
}

namespace {
sigset_t control_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void block_control_signals() {
  sigset_t set = control_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_control_signal() {
  sigset_t set = control_signals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace llmopt
