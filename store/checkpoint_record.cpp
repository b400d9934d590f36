#include "store/checkpoint_record.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "decision/outside_json.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_positions = 100'000;
constexpr long long max_number = 1LL << 53;

long long number_from(const nlohmann::json& j, const std::string& path) {
  if (!j.is_number_integer()) throw std::invalid_argument(path + " is not an integer");
  const auto n = j.get<long long>();
  if (n < 0 || n > max_number) throw std::invalid_argument(path + " is not in [0, 2^53]");
  return n;
}

std::string text_from(const nlohmann::json& j, const std::string& path) {
  if (!j.is_string()) throw std::invalid_argument(path + " is not a string");
  auto s = j.get<std::string>();
  if (s.empty()) throw std::invalid_argument(path + " is empty");
  return s;
}

}  // namespace

std::string checkpoint_message(const checkpoint_record& r) {
  auto positions = nlohmann::json::array();
  for (const auto& p : r.positions)
    positions.push_back({p.topic, p.partition, p.offset});
  return nlohmann::json{{"group", r.group},
                        {"store", r.store},
                        {"checkpoint", r.checkpoint},
                        {"positions", std::move(positions)}}
      .dump();
}

result<checkpoint_record> read_checkpoint_message(std::string_view text, std::size_t max_bytes) {
  auto j = parse_outside_json(text, max_bytes, 4);
  if (!j) return error{j.err().code, "a checkpoint record: " + j.err().detail};
  checkpoint_record r;
  try {
    if (!j->is_object()) throw std::invalid_argument("the record is not an object");
    r.group = text_from(j->at("group"), "group");
    r.store = text_from(j->at("store"), "store");
    r.checkpoint = number_from(j->at("checkpoint"), "checkpoint");
    const auto& positions = j->at("positions");
    if (!positions.is_array()) throw std::invalid_argument("positions is not an array");
    if (positions.size() > max_positions)
      throw std::invalid_argument("positions has over 100000 entries");
    r.positions.reserve(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i) {
      const std::string path = "positions[" + std::to_string(i) + "]";
      const auto& p = positions[i];
      if (!p.is_array() || p.size() != 3)
        throw std::invalid_argument(path + " is not [topic, partition, offset]");
      const auto partition = number_from(p[1], path + "[1]");
      if (partition > 1'000'000) throw std::invalid_argument(path + "[1] is over 1000000");
      r.positions.push_back(partition_position{text_from(p[0], path + "[0]"),
                                               static_cast<int>(partition),
                                               number_from(p[2], path + "[2]")});
    }
  } catch (const nlohmann::json::exception& e) {
    return error{"invalid_checkpoint_record", e.what()};
  } catch (const std::invalid_argument& e) {
    return error{"invalid_checkpoint_record", e.what()};
  }
  return r;
}

void group_positions::add(checkpoint_record record) {
  auto it = newest_.find(record.store);
  if (it != newest_.end() && it->second.checkpoint > record.checkpoint) return;
  auto store = record.store;
  newest_[store] = std::move(record);
}

std::optional<long long> group_positions::at(const std::string& topic, int partition) const {
  std::optional<long long> furthest;
  for (const auto& [store, record] : newest_)
    for (const auto& p : record.positions)
      if (p.partition == partition && p.topic == topic)
        furthest = std::max(furthest.value_or(p.offset), p.offset);
  return furthest;
}

std::optional<long long> group_positions::checkpoint_of(const std::string& store) const {
  auto it = newest_.find(store);
  if (it == newest_.end()) return std::nullopt;
  return it->second.checkpoint;
}

}  // namespace llmopt
