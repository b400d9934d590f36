#include "decision/world_model.hpp"

#include <cmath>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace llmopt {
namespace {

constexpr double z95 = 1.6448536269514722;  // standard-normal 95th percentile
constexpr double two_pi = 6.283185307179586;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t hash_string(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Standard-normal deviate from two uniforms (Box-Muller).
double normal_from(double u1, double u2) {
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

error model_error(std::size_t index, const std::string& field, const std::string& what) {
  std::string where = "models[" + std::to_string(index) + "]";
  if (!field.empty()) where += "." + field;
  return error{"bad_model", where + ": " + what};
}

}  // namespace

lognormal lognormal::from_median_p95(double median, double p95) {
  LLMOPT_ASSERT(median > 0 && p95 >= median);
  lognormal d;
  d.mu = std::log(median);
  d.sigma = (std::log(p95) - d.mu) / z95;
  return d;
}

double lognormal::at(double z) const {
  return std::exp(mu + sigma * z);
}

double lognormal::mean() const {
  return std::exp(mu + sigma * sigma / 2);
}

double uniform_draw(std::uint64_t seed, std::uint64_t index, std::uint64_t stream) {
  std::uint64_t h = splitmix64(seed ^ splitmix64(index ^ splitmix64(stream)));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

double normal_draw(std::uint64_t seed, std::uint64_t index, std::uint64_t stream) {
  return normal_from(uniform_draw(seed, index, stream), uniform_draw(seed, index, stream + 1));
}

std::uint64_t stream_of(const std::string& name) {
  return hash_string(name);
}

request_draw draw_request(const simulated_model& model, std::uint64_t seed,
                          std::uint64_t request_index) {
  const std::uint64_t stream = hash_string(model.id);
  const double u_latency1 = uniform_draw(seed, request_index, stream);
  const double u_latency2 = uniform_draw(seed, request_index, stream + 1);
  const double u_error = uniform_draw(seed, request_index, stream + 2);
  const double u_good = uniform_draw(seed, request_index, stream + 3);
  const auto& b = model.behaviour;
  request_draw d;
  d.latency_ms = lognormal::from_median_p95(b.latency_median_ms, b.latency_p95_ms)
                     .at(normal_from(u_latency1, u_latency2));
  d.failed = u_error < b.error_rate;
  d.good = !d.failed && u_good < b.quality;
  return d;
}

result<simulated_model> with_changes(const simulated_model& model, const nlohmann::json& changes) {
  if (!changes.is_object()) return error{"bad_update", "expected a JSON object"};
  static const std::set<std::string> known = {"latency_ms", "error_rate", "quality",
                                              "price_in_per_mtok", "price_out_per_mtok"};
  for (const auto& [key, value] : changes.items())
    if (!known.count(key)) return error{"bad_update", key + ": unknown field"};
  auto read = [&](const nlohmann::json& obj, const char* key, const std::string& path,
                  double& dst) -> status {
    auto it = obj.find(key);
    if (it == obj.end()) return ok_status();
    if (!it->is_number()) return error{"bad_update", path + ": expected a number"};
    dst = it->get<double>();
    return ok_status();
  };
  simulated_model m = model;
  auto& b = m.behaviour;
  if (auto lat = changes.find("latency_ms"); lat != changes.end()) {
    if (!lat->is_object())
      return error{"bad_update", "latency_ms: expected an object {median, p95}"};
    for (auto st : {read(*lat, "median", "latency_ms.median", b.latency_median_ms),
                    read(*lat, "p95", "latency_ms.p95", b.latency_p95_ms)})
      if (!st) return st.err();
  }
  for (auto st : {read(changes, "error_rate", "error_rate", b.error_rate),
                  read(changes, "quality", "quality", b.quality),
                  read(changes, "price_in_per_mtok", "price_in_per_mtok", m.price.in_per_mtok),
                  read(changes, "price_out_per_mtok", "price_out_per_mtok", m.price.out_per_mtok)})
    if (!st) return st.err();
  for (auto [price, field] : {std::pair{m.price.in_per_mtok, "price_in_per_mtok"},
                              std::pair{m.price.out_per_mtok, "price_out_per_mtok"}})
    if (!std::isfinite(price) || price < 0)
      return error{"bad_update", std::string(field) + ": expected a number >= 0"};
  if (auto st = validate(b); !st) return error{"bad_update", st.err().detail};
  return m;
}

status validate(const model_behaviour& b) {
  if (!(b.latency_median_ms > 0) || !std::isfinite(b.latency_median_ms))
    return error{"out_of_range", "latency_ms.median: expected a number > 0"};
  if (!(b.latency_p95_ms >= b.latency_median_ms) || !std::isfinite(b.latency_p95_ms))
    return error{"out_of_range", "latency_ms.p95: expected a number >= latency_ms.median"};
  if (!(b.error_rate >= 0 && b.error_rate <= 1))
    return error{"out_of_range", "error_rate: expected a number in [0, 1]"};
  if (!(b.quality >= 0 && b.quality <= 1))
    return error{"out_of_range", "quality: expected a number in [0, 1]"};
  return ok_status();
}

result<std::vector<simulated_model>> parse_simulated_models(const nlohmann::json& models) {
  if (!models.is_array()) return error{"bad_model", "models: expected an array"};
  std::vector<simulated_model> out;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    if (!m.is_object()) return model_error(i, "", "expected an object");
    auto number = [&](const nlohmann::json& obj, const char* key, const std::string& path,
                      double& dst) -> status {
      auto it = obj.find(key);
      if (it == obj.end() || !it->is_number()) return model_error(i, path, "expected a number");
      dst = it->get<double>();
      if (!std::isfinite(dst) || dst < 0) return model_error(i, path, "expected a number >= 0");
      return ok_status();
    };
    simulated_model sm;
    auto id = m.find("id");
    if (id == m.end() || !id->is_string() || id->get<std::string>().empty())
      return model_error(i, "id", "expected a non-empty string");
    sm.id = id->get<std::string>();
    auto lat = m.find("latency_ms");
    if (lat == m.end() || !lat->is_object())
      return model_error(i, "latency_ms", "expected an object {median, p95}");
    for (auto st : {number(m, "price_in_per_mtok", "price_in_per_mtok", sm.price.in_per_mtok),
                    number(m, "price_out_per_mtok", "price_out_per_mtok", sm.price.out_per_mtok),
                    number(*lat, "median", "latency_ms.median", sm.behaviour.latency_median_ms),
                    number(*lat, "p95", "latency_ms.p95", sm.behaviour.latency_p95_ms),
                    number(m, "error_rate", "error_rate", sm.behaviour.error_rate),
                    number(m, "quality", "quality", sm.behaviour.quality)})
      if (!st) return st.err();
    if (auto st = validate(sm.behaviour); !st)
      return error{"bad_model", "models[" + std::to_string(i) + "]." + st.err().detail};
    out.push_back(std::move(sm));
  }
  return out;
}

}  // namespace llmopt
