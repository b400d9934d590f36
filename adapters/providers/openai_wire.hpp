#pragma once

// The openai wire format (see wire_format.hpp for the contracts).

#include "adapters/providers/wire_format.hpp"

namespace llmopt::wire {

result<upstream_request> openai_request(const chat_request& request, const std::string& model);
result<chat_completion> openai_reply(std::string_view body, const reply_context& ctx);
std::unique_ptr<stream_decoder> openai_stream_decoder(const reply_context& ctx);

}  // namespace llmopt::wire
