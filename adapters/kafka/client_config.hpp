#pragma once

// Building librdkafka configurations and client handles.

#include <map>
#include <string>

#include "adapters/kafka/handles.hpp"
#include "decision/result.hpp"

namespace llmopt::kafka {

// librdkafka properties by name. Later layers override earlier ones, so an
// adapter's defaults are a first layer and the operator's properties a second.
using property_map = std::map<std::string, std::string>;

// Returns `base` with every entry of `overrides` applied on top.
property_map merge_properties(property_map base, const property_map& overrides);

// A configuration holding `properties`, with librdkafka's log lines routed to
// spdlog (logger "kafka"). Fails on an unknown property or an invalid value,
// naming both.
result<conf_ptr> make_conf(const property_map& properties);

// Creates a client of `type` from `conf`; on success the client owns the
// configuration, on failure `conf` is destroyed and the error returned.
result<client_ptr> make_client(rd_kafka_type_t type, conf_ptr conf);

}  // namespace llmopt::kafka
