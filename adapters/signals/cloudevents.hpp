#pragma once

#include <simdjson.h>

#include <optional>

#include "adapters/signals/topic_kind.hpp"
#include "adapters/signals/upstream_adapter.hpp"
#include "decision/result.hpp"

namespace llmopt {

// A CloudEvents 1.0 envelope in structured mode, opened: its payload and
// what the envelope contributes to the signal. Views point into the
// simdjson document (valid until the parser parses again).
struct cloudevent {
  simdjson::dom::object data;        // the upstream object
  std::optional<topic_kind> family;  // named by `type`, if it names one
  envelope_defaults defaults;        // `id` and `time`
};

// True if `message` is an envelope: it has a `specversion` key.
bool is_cloudevent(simdjson::dom::object message);

// Opens an envelope (REQUIRES: is_cloudevent(message)).
// bad_envelope: specversion is not the string "1.0"; data is absent or not
// an object (data_base64 is not supported); id, type or datacontenttype is
// present but not a string; datacontenttype is not JSON.
// bad_timestamp: time is present but not a timestamp (field_reader rules).
// Other attributes (source, subject, extensions) are ignored.
result<cloudevent> open_cloudevent(simdjson::dom::object message);

}  // namespace llmopt
