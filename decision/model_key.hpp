#pragma once

#include <string>
#include <string_view>

namespace llmopt {

// The canonical identity of a model: "provider:model", e.g. "openai:gpt-4o".
using model_key = std::string;

// Milliseconds since the Unix epoch, on the wall clock in the daemon and on
// the virtual clock in the simulator. decision/ never reads a clock itself.
using time_ms = long long;

// Builds the canonical key from a signal's provider and model id: a model id
// that already contains ':' is used as is; otherwise "provider:model_id".
// An empty provider yields the bare model id.
inline model_key make_model_key(std::string_view provider, std::string_view model_id) {
  if (model_id.find(':') != std::string_view::npos || provider.empty()) return model_key{model_id};
  model_key key;
  key.reserve(provider.size() + 1 + model_id.size());
  key.append(provider).append(1, ':').append(model_id);
  return key;
}

// The provider part of a key ("openai" for "openai:gpt-4o"); empty if none.
inline std::string_view provider_of(std::string_view key) {
  auto colon = key.find(':');
  return colon == std::string_view::npos ? std::string_view{} : key.substr(0, colon);
}

// The model part of a key ("gpt-4o" for "openai:gpt-4o").
inline std::string_view model_name_of(std::string_view key) {
  auto colon = key.find(':');
  return colon == std::string_view::npos ? key : key.substr(colon + 1);
}

}  // namespace llmopt
