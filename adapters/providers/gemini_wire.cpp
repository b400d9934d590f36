#include "adapters/providers/gemini_wire.hpp"

// Placeholder until the gemini translation lands: every request is refused as
// unsupported, so no candidate of this format is ever tried.

namespace llmopt::wire {
namespace {

class refusing_decoder final : public stream_decoder {
 public:
  status feed(std::string_view, std::vector<nlohmann::json>&) override {
    return error{"bad_reply", "gemini streams are not translated yet"};
  }
  status finish(std::vector<nlohmann::json>&) override {
    return error{"bad_reply", "gemini streams are not translated yet"};
  }
};

}  // namespace

result<upstream_request> gemini_request(const chat_request&, const std::string&) {
  return error{"unsupported", "the gemini wire format is not implemented yet", "model"};
}

result<chat_completion> gemini_reply(std::string_view, const reply_context&) {
  return error{"bad_reply", "the gemini wire format is not implemented yet"};
}

std::unique_ptr<stream_decoder> gemini_stream_decoder(const reply_context&) {
  return std::make_unique<refusing_decoder>();
}

}  // namespace llmopt::wire
