#include "adapters/providers/simulated_models_file.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace llmopt {

result<std::vector<simulated_model>> load_simulated_models_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"cannot_read", path + ": cannot open the file"};
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return error{"invalid_json", path + ": invalid JSON: " + e.what()};
  }
  const nlohmann::json* models = &doc;
  if (doc.is_object()) {
    auto it = doc.find("models");
    if (it == doc.end()) return error{"bad_model", path + ": models: missing"};
    models = &*it;
  } else if (!doc.is_array()) {
    return error{"bad_model", path + ": expected an array of models or an object with \"models\""};
  }
  auto parsed = parse_simulated_models(*models);
  if (!parsed) return error{parsed.err().code, path + ": " + parsed.err().detail};
  return std::move(parsed.value());
}

}  // namespace llmopt
