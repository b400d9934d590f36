#include "adapters/signals/signal_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <exception>
#include <string>

#include "adapters/signals/cloudevents.hpp"
#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/error_detail.hpp"
#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

// Buffers allocated up front; larger messages (up to the limit) grow them.
constexpr std::size_t initial_capacity = 64 * 1024;

error make_error(std::string_view code, std::string detail) {
  return error{std::string(code), std::move(detail)};
}

typed_signal read_signal(topic_kind family, field_reader& r, const envelope_defaults& env) {
  switch (family) {
    case topic_kind::cost:
      return read_cost_signal(r, env);
    case topic_kind::latency:
      return read_latency_signal(r, env);
    case topic_kind::sentinel:
      return read_sentinel_signal(r, env);
    case topic_kind::shield:
      return read_shield_signal(r, env);
    case topic_kind::observatory:
      return read_observatory_signal(r, env);
    case topic_kind::calls:
      return read_calls_signal(r, env);
  }
  r.fail(dead_letter::unknown_kind, {}, "unknown topic");
  return {};
}

// Reads the parsed message: the envelope if any, then the upstream object.
result<typed_signal> read_message(topic_kind topic, simdjson::dom::element root) {
  simdjson::dom::object message;
  if (root.get_object().get(message))
    return make_error(dead_letter::not_object,
                      std::string("top level is ") + json_type_name(root) + ", expected an object");
  topic_kind family = topic;
  envelope_defaults defaults;
  std::string_view root_name;
  if (is_cloudevent(message)) {
    auto event = open_cloudevent(message);
    if (!event) return event.err();
    message = event->data;
    family = event->family.value_or(topic);
    defaults = event->defaults;
    root_name = "data";
  }
  std::optional<error> first_error;
  field_reader reader{message, first_error, root_name};
  typed_signal signal = read_signal(family, reader, defaults);
  if (first_error) return std::move(*first_error);
  return signal;
}

}  // namespace

struct signal_parser::state {
  simdjson::dom::parser json;
  // False until allocate() succeeded: the constructor cannot report an
  // out-of-memory failure; the next parse retries and reports it.
  bool ready = false;

  simdjson::error_code allocate(const parse_limits& limits) {
    // simdjson counts the document itself as one more level than we do.
    return json.allocate(std::min(limits.max_message_bytes, initial_capacity),
                         limits.max_depth + 1);
  }
};

signal_parser::signal_parser(parse_limits limits)
    : limits_(limits), state_(std::make_unique<state>()) {
  limits_.max_depth = std::max<std::size_t>(limits_.max_depth, 1);
  state_->ready = state_->allocate(limits_) == simdjson::SUCCESS;
}

signal_parser::~signal_parser() = default;
signal_parser::signal_parser(signal_parser&&) noexcept = default;
signal_parser& signal_parser::operator=(signal_parser&&) noexcept = default;

result<typed_signal> signal_parser::parse(topic_kind topic, std::string_view bytes) {
  if (bytes.size() > limits_.max_message_bytes)
    return make_error(dead_letter::too_large, std::to_string(bytes.size()) + " bytes, limit " +
                                                  std::to_string(limits_.max_message_bytes));
  // simdjson reports through error codes; only allocating the signal's
  // strings can throw (std::bad_alloc). It must not escape to the consumer.
  try {
    if (!state_->ready) {
      if (auto code = state_->allocate(limits_))
        return make_error(dead_letter::too_large, std::string("cannot allocate parser buffers: ") +
                                                      simdjson::error_message(code));
      state_->ready = true;
    }
    simdjson::dom::element root;
    if (auto code = state_->json.parse(bytes.data(), bytes.size()).get(root))
      return make_error(dead_letter::not_json, simdjson::error_message(code));
    return read_message(topic, root);
  } catch (const std::exception& e) {
    return make_error(dead_letter::too_large, std::string("cannot hold the signal: ") + e.what());
  }
}

}  // namespace llmopt
