#include "actors/supervision.hpp"

#include <spdlog/spdlog.h>

namespace llmopt {

void log_surprises(caf::scheduled_actor* self, const char* name) {
  self->set_default_handler(
      [name](caf::scheduled_actor* actor, caf::message_view& m) -> caf::result<caf::message> {
        spdlog::error("{}: unexpected message dropped: {}", name,
                      caf::to_string(m.copy_content_to_message()));
        const auto* element = actor->current_mailbox_element();
        if (element && element->mid.is_request())
          return caf::make_error(caf::sec::unexpected_message);
        return caf::message{};
      });
  self->set_error_handler([name](caf::scheduled_actor*, caf::error& e) {
    spdlog::error("{}: unawaited error: {}", name, caf::to_string(e));
  });
  self->set_exception_handler(
      [name](caf::scheduled_actor*, std::exception_ptr& eptr) -> caf::error {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(eptr);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::critical("{}: exception in a handler, the actor stops: {}", name, what);
        return caf::make_error(caf::sec::runtime_error, std::move(what));
      });
}

}  // namespace llmopt
