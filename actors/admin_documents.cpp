#include "actors/admin_documents.hpp"

#include "actors/messages.hpp"

namespace llmopt {

void read_pipeline(const gateway_parts& parts, std::function<void(nlohmann::json)> done) {
  auto aggregator = parts.aggregator;
  caf::anon_send(parts.collector, pipeline_query{[aggregator, done](nlohmann::json collector) {
                   caf::anon_send(aggregator,
                                  pipeline_query{[collector, done](nlohmann::json counters) {
                                    counters["collector"] = collector;
                                    done(std::move(counters));
                                  }});
                 }});
}

}  // namespace llmopt
