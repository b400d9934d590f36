#include "adapters/providers/simulated_models_file.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_model_table.hpp"

namespace llmopt {

result<std::vector<simulated_model>> load_simulated_models_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"cannot_read", path + ": cannot open the file"};
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed_doc = parse_bounded_json(text.str(), json_bounds{});
  if (!parsed_doc)
    return error{parsed_doc.err().code, path + ": invalid JSON: " + parsed_doc.err().detail};
  const nlohmann::json& doc = *parsed_doc;
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
  // The simulator's own fields, which the scenario's parser leaves alone.
  for (std::size_t i = 0; i < parsed->size(); ++i) {
    auto st = read_stream_fields((*models)[i], "models[" + std::to_string(i) + "].", (*parsed)[i]);
    if (!st) return error{"bad_model", path + ": " + st.err().detail};
  }
  return std::move(parsed.value());
}

}  // namespace llmopt
