#include "adapters/kafka/dead_letter.hpp"

#include <optional>
#include <string_view>

namespace llmopt::kafka {

status send_dead_letter(producer& p, const std::string& dlq_topic, const message& original,
                        const error& reason) {
  header_list headers;
  // The original's headers (e.g. CloudEvents binary-mode attributes) help to
  // diagnose it; llmopt-* ones from an earlier dead-lettering would be
  // ambiguous next to the new reason.
  for (auto& h : original.headers()) {
    if (h.first.rfind("llmopt-", 0) != 0) headers.push_back(std::move(h));
  }
  headers.emplace_back(header_error, reason.code);
  headers.emplace_back(header_error_detail, reason.detail);
  headers.emplace_back(header_source_topic, std::string(original.topic()));
  headers.emplace_back(header_source_partition, std::to_string(original.partition()));
  headers.emplace_back(header_source_offset, std::to_string(original.offset()));

  std::optional<std::string_view> value;
  if (!original.has_null_value()) value = original.value();
  return p.produce(dlq_topic, original.key(), value, headers);
}

}  // namespace llmopt::kafka
