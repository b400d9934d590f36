#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actors/decision_options.hpp"
#include "adapters/kafka/embedded_broker.hpp"
#include "cli/commands.hpp"

namespace llmopt {
namespace {

struct broker_args {
  std::optional<std::string> config;
  int partitions = 0;  // 0: kafka.embedded_partitions of the config
  std::string bootstrap_file;
};

// SIGINT/SIGTERM stop the broker; SIGUSR1 takes every broker down (an
// outage, for tests in another process) and SIGUSR2 brings them back.
sigset_t broker_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2})
    sigaddset(&set, sig);
  return set;
}

// Answers outage signals until SIGINT or SIGTERM arrives.
// REQUIRES: broker_signals() blocked in every thread (before the broker started).
void serve_signals(kafka::embedded_broker& broker) {
  const sigset_t set = broker_signals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGUSR1 && sig != SIGUSR2) return;
    bool down = sig == SIGUSR1;
    auto st = down ? broker.set_all_brokers_down() : broker.set_all_brokers_up();
    if (!st) {
      std::fprintf(stderr, "llmopt: %s\n", st.err().detail.c_str());
      continue;
    }
    std::printf("llmopt: brokers %s\n", down ? "down" : "up");
    std::fflush(stdout);
  }
}

int run_broker(const broker_args& args) {
  auto config = load_config(args.config);
  if (!config) {
    std::fprintf(stderr, "llmopt: %s\n", config.err().detail.c_str());
    return 2;
  }
  const auto& k = config->values.kafka;
  int partitions = args.partitions > 0 ? args.partitions : k.embedded_partitions;
  // Blocked before the mock cluster starts its threads, so that they inherit
  // the mask and only sigwait() below receives these signals.
  const sigset_t signals = broker_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto broker = kafka::embedded_broker::start();
  if (!broker) {
    std::fprintf(stderr, "llmopt: %s\n", broker.err().detail.c_str());
    return 1;
  }
  for (const auto& topic : kafka_topics_of(config->values)) {
    if (auto st = (*broker)->create_topic(topic, partitions); !st) {
      std::fprintf(stderr, "llmopt: %s\n", st.err().detail.c_str());
      return 1;
    }
  }
  std::string file = args.bootstrap_file;
  if (file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config->values.state_dir, ec);
    file = config->values.state_dir + "/kafka.bootstrap";
  }
  std::ofstream(file, std::ios::trunc) << (*broker)->bootstrap() << "\n";
  std::printf("llmopt: kafka broker at %s (%d partitions per topic; written to %s)\n",
              (*broker)->bootstrap().c_str(), partitions, file.c_str());
  std::fflush(stdout);
  serve_signals(**broker);
  return 0;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<broker_args>();
  auto* cmd = app.add_subcommand(
      "broker", "run the embedded Kafka broker (in memory) with llmopt's topics, standalone");
  cmd->footer(
      "Signals: SIGUSR1 takes every broker down (connections dropped and refused) and prints\n"
      "'llmopt: brokers down'; SIGUSR2 brings them back and prints 'llmopt: brokers up'.\n"
      "SIGINT or SIGTERM stops the broker (exit 0). Data lives in memory only.");
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file for topic names and state_dir");
  cmd->add_option("--partitions,-p", args->partitions, "partitions per topic")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--bootstrap-file", args->bootstrap_file,
                  "where to write the bootstrap address (default <state_dir>/kafka.bootstrap)");
  cmd->callback([args, &exit_code] { exit_code = run_broker(*args); });
}

}  // namespace llmopt
