#include "pages/json_fields.hpp"

#include <cmath>

namespace llmopt::pages {

using nlohmann::json;

namespace {
const json null_value;
}  // namespace

const json& member(const json& j, const std::string& key) {
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

const json& element(const json& j, std::size_t i) {
  return j.is_array() && i < j.size() ? j[i] : null_value;
}

const json& as_array(const json& j) {
  static const json empty = json::array();
  return j.is_array() ? j : empty;
}

const json& as_object(const json& j) {
  static const json empty = json::object();
  return j.is_object() ? j : empty;
}

bool is_finite_number(const json& j) {
  return j.is_number() && std::isfinite(j.get<double>());
}

double number_or(const json& j, double fallback) {
  return is_finite_number(j) ? j.get<double>() : fallback;
}

std::string text_of(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.is_null() ? "" : j.dump();
}

}  // namespace llmopt::pages
