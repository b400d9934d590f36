#include "adapters/providers/sim_faults.hpp"

#include <set>

namespace llmopt {
namespace {

using nlohmann::json;

constexpr const char* kind_names[] = {"status", "cut", "error_event", "stall"};

error bad(const std::string& field, const std::string& what) {
  return error{"bad_fault", field + ": " + what, field};
}

// An optional integer member in [low, high]; absent or null leaves `out`.
status read_int(const json& body, const char* key, long long low, long long high, long long& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return ok_status();
  const bool fits = it->is_number_integer() &&
                    !(it->is_number_unsigned() && it->get<std::uint64_t>() > 1ULL << 62);
  if (!fits || it->get<long long>() < low || it->get<long long>() > high)
    return bad(
        key, "expected an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  out = it->get<long long>();
  return ok_status();
}

}  // namespace

result<sim_fault> parse_fault(const json& body, const sim_model_table& models) {
  if (!body.is_object()) return bad("body", "expected a JSON object");
  static const std::set<std::string> known = {"model",         "kind",         "status",
                                              "retry_after_s", "after_tokens", "count"};
  for (const auto& [key, value] : body.items())
    if (!known.count(key)) return bad(key, "unknown field");
  sim_fault f;
  if (auto model = body.find("model"); model != body.end() && !model->is_null()) {
    if (!model->is_string()) return bad("model", "expected a model id");
    const auto index = models.find(model->get_ref<const std::string&>());
    if (!index)
      return error{"unknown_model", "no simulated model '" + model->get<std::string>() + "'",
                   "model"};
    f.model = *index;
    f.model_id = models.get(*index).id;
  }
  auto kind = body.find("kind");
  if (kind == body.end() || !kind->is_string())
    return bad("kind", "expected status, cut, error_event or stall");
  bool kind_known = false;
  for (std::size_t k = 0; k < 4; ++k)
    if (*kind == kind_names[k]) f.kind = static_cast<sim_fault_kind>(k), kind_known = true;
  if (!kind_known) return bad("kind", "expected status, cut, error_event or stall");
  long long status = -1, retry = -1, after = 0;
  for (auto st : {read_int(body, "status", 400, 599, status),
                  read_int(body, "retry_after_s", 0, 86400, retry),
                  read_int(body, "after_tokens", 0, 1LL << 40, after),
                  read_int(body, "count", 1, 1000000, f.count)})
    if (!st) return st.err();
  if (f.kind == sim_fault_kind::status && status < 0)
    return bad("status", "required for kind status: an HTTP error status in [400, 599]");
  if (status >= 0) f.status = static_cast<int>(status);
  if (retry >= 0) f.retry_after_s = retry;
  f.after_tokens = static_cast<std::size_t>(after);
  return f;
}

json to_json(const sim_fault& f) {
  json j = {{"model", f.model ? json(f.model_id) : json()},
            {"kind", kind_names[static_cast<int>(f.kind)]},
            {"count", f.count}};
  if (f.kind == sim_fault_kind::status) j["status"] = f.status;
  if (f.retry_after_s) j["retry_after_s"] = *f.retry_after_s;
  if (f.kind != sim_fault_kind::status) j["after_tokens"] = f.after_tokens;
  return j;
}

void sim_fault_table::add(sim_fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(f));
}

std::size_t sim_fault_table::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto n = faults_.size();
  faults_.clear();
  return n;
}

std::optional<sim_fault> sim_fault_table::take(std::size_t model) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->model && *it->model != model) continue;
    sim_fault taken = *it;
    taken.count = 1;
    if (--it->count == 0) faults_.erase(it);
    return taken;
  }
  return std::nullopt;
}

json sim_fault_table::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = json::array();
  for (const auto& f : faults_)
    out.push_back(llmopt::to_json(f));
  return out;
}

}  // namespace llmopt
