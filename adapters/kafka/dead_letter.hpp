#pragma once

// Dead letters: messages llmopt cannot use, kept with the reason.

#include <string>

#include "adapters/kafka/message.hpp"
#include "adapters/kafka/producer.hpp"
#include "decision/result.hpp"

namespace llmopt::kafka {

// Header names on every dead letter (spec/signals.md, "Dead-letter reasons").
inline constexpr const char* header_error = "llmopt-error";
inline constexpr const char* header_error_detail = "llmopt-error-detail";
inline constexpr const char* header_source_topic = "llmopt-source-topic";
inline constexpr const char* header_source_partition = "llmopt-source-partition";
inline constexpr const char* header_source_offset = "llmopt-source-offset";

// Enqueues `original` on `dlq_topic`: its key and value bytes unchanged (null
// stays null), its own headers except any llmopt-* ones, then
// llmopt-error = reason.code, llmopt-error-detail = reason.detail and the
// source topic, partition and offset (decimal).
//
// Like producer::produce() this only enqueues: the original's offset may be
// stored once p.flush() succeeded without new delivery failures.
// Thread: any (see producer); `original` must not be used concurrently.
status send_dead_letter(producer& p, const std::string& dlq_topic, const message& original,
                        const error& reason);

}  // namespace llmopt::kafka
