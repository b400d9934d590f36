#include "decision/pipeline_counters.hpp"

#include <nlohmann/json.hpp>

namespace llmopt {
namespace {
constexpr std::array<std::string_view, signal_source_count> source_names{
    "cost", "latency", "sentinel", "shield", "observatory", "router"};
}

std::string_view to_string(signal_source s) {
  return source_names[static_cast<std::size_t>(s)];
}

std::optional<signal_source> parse_signal_source(std::string_view s) {
  for (std::size_t i = 0; i < source_names.size(); ++i)
    if (source_names[i] == s) return static_cast<signal_source>(i);
  return std::nullopt;
}

source_counters pipeline_counters::total() const {
  source_counters t;
  for (const auto& s : sources) {
    t.received += s.received;
    t.applied += s.applied;
    t.duplicates += s.duplicates;
    t.dead_lettered += s.dead_lettered;
  }
  return t;
}

void to_json(nlohmann::json& j, const pipeline_counters& c) {
  auto counts = [](const source_counters& s) {
    return nlohmann::json{{"received", s.received},
                          {"applied", s.applied},
                          {"duplicates", s.duplicates},
                          {"dead_lettered", s.dead_lettered}};
  };
  auto sources = nlohmann::json::object();
  for (std::size_t i = 0; i < c.sources.size(); ++i)
    sources[std::string{source_names[i]}] = counts(c.sources[i]);
  auto kinds = nlohmann::json::object();
  for (std::size_t i = 0; i < c.applied_by_kind.size(); ++i)
    kinds[std::string{to_string(static_cast<signal_kind>(i))}] = c.applied_by_kind[i];
  j = {{"sources", sources}, {"total", counts(c.total())}, {"applied_by_kind", kinds}};
}

status counters_from_json(const nlohmann::json& j, pipeline_counters& c) {
  try {
    for (std::size_t i = 0; i < c.sources.size(); ++i) {
      const auto& s = j.at("sources").at(std::string{source_names[i]});
      c.sources[i] = {s.at("received").get<long long>(), s.at("applied").get<long long>(),
                      s.at("duplicates").get<long long>(), s.at("dead_lettered").get<long long>()};
    }
    for (std::size_t i = 0; i < c.applied_by_kind.size(); ++i)
      c.applied_by_kind[i] =
          j.at("applied_by_kind").value(std::string{to_string(static_cast<signal_kind>(i))}, 0LL);
  } catch (const nlohmann::json::exception& e) {
    return error{"bad_checkpoint", std::string{"counters: "} + e.what()};
  }
  return ok_status();
}

}  // namespace llmopt
