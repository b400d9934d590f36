#include <cstdio>
#include <filesystem>
#include <fstream>

#include "adapters/kafka/embedded_broker.hpp"
#include "cli/commands.hpp"

namespace llmopt {
namespace {

struct broker_args {
  std::optional<std::string> config;
  int partitions = 0;  // 0: kafka.embedded_partitions of the config
  std::string bootstrap_file;
};

int run_broker(const broker_args& args) {
  auto config = load_config(args.config);
  if (!config) {
    std::fprintf(stderr, "llmopt: %s\n", config.err().detail.c_str());
    return 2;
  }
  const auto& k = config->values.kafka;
  int partitions = args.partitions > 0 ? args.partitions : k.embedded_partitions;
  block_shutdown_signals();
  auto broker = kafka::embedded_broker::start();
  if (!broker) {
    std::fprintf(stderr, "llmopt: %s\n", broker.err().detail.c_str());
    return 1;
  }
  for (const auto* topic : {&k.topic_cost, &k.topic_latency, &k.topic_sentinel, &k.topic_shield,
                            &k.topic_observatory, &k.topic_dlq, &k.topic_decisions}) {
    if (auto st = (*broker)->create_topic(*topic, partitions); !st) {
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
  wait_for_shutdown_signal();
  return 0;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<broker_args>();
  auto* cmd = app.add_subcommand(
      "broker", "run the embedded Kafka broker (in memory) with llmopt's topics, standalone");
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
