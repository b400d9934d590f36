#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace llmopt::pages {

// Total readers of documents of any shape: a page renders whatever it is
// given, and nothing here throws on a missing field or a wrong type.

// j[key] when j is an object holding it, else null.
const nlohmann::json& member(const nlohmann::json& j, const std::string& key);
// j[i] when j is an array that long, else null.
const nlohmann::json& element(const nlohmann::json& j, std::size_t i);
// j when it is an array (an object), else an empty one: range-for over a
// number would visit the number itself.
const nlohmann::json& as_array(const nlohmann::json& j);
const nlohmann::json& as_object(const nlohmann::json& j);

bool is_finite_number(const nlohmann::json& j);
double number_or(const nlohmann::json& j, double fallback);
// A string as its text, null as "", anything else as its JSON.
std::string text_of(const nlohmann::json& j);

}  // namespace llmopt::pages
