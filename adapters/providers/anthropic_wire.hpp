#pragma once

// The anthropic wire format (see wire_format.hpp for the contracts).

#include "adapters/providers/wire_format.hpp"

namespace llmopt::wire {

result<upstream_request> anthropic_request(const chat_request& request, const std::string& model);
result<chat_completion> anthropic_reply(std::string_view body, const reply_context& ctx);
std::unique_ptr<stream_decoder> anthropic_stream_decoder(const reply_context& ctx);

}  // namespace llmopt::wire
