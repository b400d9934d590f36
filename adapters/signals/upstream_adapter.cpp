#include "adapters/signals/upstream_adapter.hpp"

#include <string>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/error_detail.hpp"

namespace llmopt {

std::string_view read_signal_id(field_reader& r, std::string_view name,
                                const envelope_defaults& env) {
  if (env.id.empty()) return r.text(name);
  std::string_view id = r.optional_text(name);
  return id.empty() && !r.failed() ? env.id : id;
}

time_ms read_signal_time(field_reader& r, std::string_view name, const envelope_defaults& env) {
  if (!env.time) return r.time(name);
  auto at = r.optional_time(name);
  return at ? *at : r.failed() ? 0 : *env.time;
}

model_key read_model_key(field_reader& r, model_presence presence) {
  std::string_view model_id =
      presence == model_presence::required ? r.text("modelId") : r.optional_text("modelId");
  std::string_view provider = r.optional_text("provider");
  if (r.failed() || model_id.empty()) return {};
  if (const auto colon = model_id.find(':');
      colon != std::string_view::npos && (colon == 0 || colon + 1 == model_id.size())) {
    r.fail(dead_letter::out_of_range, "modelId",
           "expected \"provider:model\" with both parts, got " + quote_for_detail(model_id));
    return {};
  }
  if (presence == model_presence::required && provider.empty() &&
      model_id.find(':') == std::string_view::npos) {
    r.fail(dead_letter::missing_field, "provider",
           "missing (required unless modelId reads \"provider:model\")");
    return {};
  }
  return make_model_key(provider, model_id);
}

void fail_unknown_kind(field_reader& r, std::string_view topic, std::string_view expected) {
  std::string what = "unrecognised ";
  what.append(topic).append(" object: no ").append(expected);
  r.fail(dead_letter::unknown_kind, {}, what);
}

}  // namespace llmopt
