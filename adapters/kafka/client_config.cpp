#include "adapters/kafka/client_config.hpp"

#include <spdlog/spdlog.h>

namespace llmopt::kafka {
namespace {

// Called on librdkafka's internal threads; spdlog's loggers are thread-safe.
void log_to_spdlog(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  auto spd_level = level <= 3   ? spdlog::level::err
                   : level == 4 ? spdlog::level::warn
                   : level <= 6 ? spdlog::level::info
                                : spdlog::level::debug;
  spdlog::log(spd_level, "kafka {} {}: {}", rd_kafka_name(rk), facility, line);
}

// `text` with every occurrence of `secret` replaced by "***".
std::string without(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

}  // namespace

property_map merge_properties(property_map base, const property_map& overrides) {
  for (const auto& [name, value] : overrides)
    base.insert_or_assign(name, value);
  return base;
}

result<conf_ptr> make_conf(const property_map& properties) {
  conf_ptr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      // The value may be a resolved ${VAR} secret: it is never repeated,
      // and librdkafka's own message quotes it, so it is masked there too.
      return kafka_error("property " + name + ": " + without(errstr, value));
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), log_to_spdlog);
  return conf;
}

result<client_ptr> make_client(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  client_ptr client(rd_kafka_new(type, conf.get(), errstr, sizeof errstr));
  if (!client) return kafka_error(std::string("creating client: ") + errstr);
  (void)conf.release();  // rd_kafka_new took ownership
  return client;
}

}  // namespace llmopt::kafka
