#include <cstdio>
#include <fstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/kafka/dead_letter.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/kafka/topic_reader.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_read = 1000000;  // dead letters read per command
constexpr auto read_timeout = std::chrono::seconds(20);

struct dlq_args {
  std::optional<std::string> config;
  std::optional<std::string> reason;
  int limit = 20;
  bool json = false;
};

std::string header(const kafka::topic_record& m, std::string_view name) {
  for (const auto& [k, v] : m.headers)
    if (k == name) return v;
  return "";
}

// The dead-letter topic's messages with `reason` (all without one), the
// newest `limit`, oldest first; and the config they were read with.
struct selection {
  settings config;
  std::string brokers;
  kafka::property_map properties;
  std::vector<kafka::topic_record> letters;
  bool complete = true;
};

result<selection> select_letters(const dlq_args& args) {
  auto loaded = load_config(args.config);
  if (!loaded) return loaded.err();
  selection out;
  out.config = loaded->values;
  const auto& k = out.config.kafka;
  out.brokers = k.brokers;
  if (out.brokers.empty()) {  // the embedded broker of the running daemon
    std::ifstream written(out.config.state_dir + "/kafka.bootstrap");
    std::getline(written, out.brokers);
    if (out.brokers.empty())
      return error{"dlq", "kafka.brokers is not set and " + out.config.state_dir +
                              "/kafka.bootstrap is missing: is `llmopt serve` running?"};
  }
  auto properties = resolve_properties(k.properties, process_env());
  if (!properties) return properties.err();
  out.properties = *properties;
  auto read = kafka::read_topic(out.brokers, out.properties, k.topic_dlq, max_read, read_timeout);
  if (!read) return read.err();
  out.complete = read->complete;
  for (auto& m : read->records)
    if (!args.reason || header(m, kafka::header_error) == *args.reason)
      out.letters.push_back(std::move(m));
  if (out.letters.size() > static_cast<std::size_t>(args.limit))
    out.letters.erase(out.letters.begin(),
                      out.letters.end() - static_cast<std::ptrdiff_t>(args.limit));
  return out;
}

nlohmann::json json_of(const kafka::topic_record& m) {
  return {{"partition", m.partition},
          {"offset", m.offset},
          {"reason", header(m, kafka::header_error)},
          {"detail", header(m, kafka::header_error_detail)},
          {"source_topic", header(m, kafka::header_source_topic)},
          {"source_partition", header(m, kafka::header_source_partition)},
          {"source_offset", header(m, kafka::header_source_offset)},
          {"key", m.key ? nlohmann::json(*m.key) : nlohmann::json()},
          {"value", m.value ? nlohmann::json(*m.value) : nlohmann::json()}};
}

int list(const dlq_args& args) {
  auto s = select_letters(args);
  if (!s) {
    std::fprintf(stderr, "llmopt: %s\n", s.err().detail.c_str());
    return 1;
  }
  if (!s->complete) std::fprintf(stderr, "llmopt: the dead-letter topic was not read to its end\n");
  if (args.json) {
    auto out = nlohmann::json::array();
    for (const auto& m : s->letters)
      out.push_back(json_of(m));
    // Invalid UTF-8 in a value is replaced, never a failure.
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (const auto& m : s->letters) {
    const std::string whole = m.value.value_or("");
    auto value = whole.substr(0, 120);
    for (auto& c : value)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    std::printf("%d@%lld  %-18s from %s/%s@%s: %s\n    %s%s\n", m.partition, m.offset,
                header(m, kafka::header_error).c_str(),
                header(m, kafka::header_source_topic).c_str(),
                header(m, kafka::header_source_partition).c_str(),
                header(m, kafka::header_source_offset).c_str(),
                header(m, kafka::header_error_detail).c_str(), value.c_str(),
                whole.size() > 120 ? "..." : "");
  }
  return 0;
}

// Each selected dead letter back to the topic it came from: its key, value
// and headers as they were (without llmopt's). What is still invalid comes
// back to the dead-letter topic; what is fixed is applied (once: signal ids
// are deduplicated).
int replay(const dlq_args& args) {
  auto s = select_letters(args);
  if (!s) {
    std::fprintf(stderr, "llmopt: %s\n", s.err().detail.c_str());
    return 1;
  }
  auto p = kafka::producer::create({s->brokers, "llmopt-dlq-replay", s->properties});
  if (!p) {
    std::fprintf(stderr, "llmopt: %s\n", p.err().detail.c_str());
    return 1;
  }
  int sent = 0, skipped = 0;
  for (const auto& m : s->letters) {
    const auto topic = header(m, kafka::header_source_topic);
    if (topic.empty()) {
      ++skipped;
      continue;
    }
    kafka::header_list headers;
    for (const auto& [k, v] : m.headers)
      if (k.rfind("llmopt-", 0) != 0) headers.emplace_back(k, v);
    std::optional<std::string_view> key, value;
    if (m.key) key = *m.key;
    if (m.value) value = *m.value;
    if (auto st = (*p)->produce(topic, key, value, headers); !st) {
      std::fprintf(stderr, "llmopt: %s\n", st.err().detail.c_str());
      return 1;
    }
    ++sent;
  }
  const auto failures_before = (*p)->delivery_failures();
  if (auto st = (*p)->flush(std::chrono::seconds(30));
      !st || (*p)->delivery_failures() != failures_before) {
    std::fprintf(stderr, "llmopt: not every dead letter was delivered%s%s\n", st ? "" : ": ",
                 st ? "" : st.err().detail.c_str());
    return 1;
  }
  std::printf("replayed %d dead letter(s)%s\n", sent,
              skipped ? (", skipped " + std::to_string(skipped) + " without a source topic").c_str()
                      : "");
  return 0;
}

void add_options(CLI::App* cmd, const std::shared_ptr<dlq_args>& args) {
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file (its Kafka brokers and dead-letter topic)");
  cmd->add_option_function<std::string>(
      "--reason,-r", [args](const std::string& r) { args->reason = r; },
      "only dead letters with this reason (not_json, unknown_kind, ...)");
  cmd->add_option("--limit,-n", args->limit, "the newest N (default 20)")
      ->check(CLI::Range(1, 1000000));
}

}  // namespace

void add_dlq_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<dlq_args>();
  auto* cmd = app.add_subcommand("dlq", "the dead-letter topic: each message with its reason");
  add_options(cmd, args);
  cmd->add_flag("--json", args->json, "print JSON");
  auto* replay_cmd = cmd->add_subcommand(
      "replay", "send dead letters back to the topic they came from, once the cause is fixed");
  add_options(replay_cmd, args);
  replay_cmd->callback([args, &exit_code] { exit_code = replay(*args); });
  cmd->callback([args, cmd, &exit_code] {
    if (cmd->got_subcommand("replay")) return;
    exit_code = list(*args);
  });
}

}  // namespace llmopt
