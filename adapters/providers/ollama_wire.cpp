#include "adapters/providers/ollama_wire.hpp"

// Placeholder until the ollama translation lands: every request is refused as
// unsupported, so no candidate of this format is ever tried.

namespace llmopt::wire {
namespace {

class refusing_decoder final : public stream_decoder {
 public:
  status feed(std::string_view, std::vector<nlohmann::json>&) override {
    return error{"bad_reply", "ollama streams are not translated yet"};
  }
  status finish(std::vector<nlohmann::json>&) override {
    return error{"bad_reply", "ollama streams are not translated yet"};
  }
};

}  // namespace

result<upstream_request> ollama_request(const chat_request&, const std::string&) {
  return error{"unsupported", "the ollama wire format is not implemented yet", "model"};
}

result<chat_completion> ollama_reply(std::string_view, const reply_context&) {
  return error{"bad_reply", "the ollama wire format is not implemented yet"};
}

std::unique_ptr<stream_decoder> ollama_stream_decoder(const reply_context&) {
  return std::make_unique<refusing_decoder>();
}

}  // namespace llmopt::wire
