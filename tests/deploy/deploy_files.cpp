#include "deploy_files.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/process.hpp"

namespace llmopt::test {

std::string deploy_path(const std::string& relative) {
  return std::string(LLMOPT_SOURCE_DIR) + "/deploy/" + relative;
}

std::vector<std::string> deploy_yaml_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(deploy_path("")))
    if (entry.is_regular_file() &&
        (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml"))
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json yaml_documents(const std::string& path) {
  // Debian's interpreter, where python3-yaml installs the module: a python3
  // earlier on PATH (pyenv, a virtualenv) may not have it.
  auto r = run(
      {"/usr/bin/python3", std::string(LLMOPT_SOURCE_DIR) + "/tests/deploy/yaml_to_json.py", path});
  INFO("python3 yaml_to_json.py " << path << " (needs python3-yaml: deploy/install-deps.sh):\n"
                                  << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

nlohmann::json k8s_object(const std::string& kind) {
  std::vector<nlohmann::json> found;
  for (const auto& file : deploy_yaml_files()) {
    if (file.find("/k8s/") == std::string::npos) continue;
    for (const auto& doc : yaml_documents(file))
      if (doc.value("kind", "") == kind) found.push_back(doc);
  }
  INFO("objects of kind " << kind << " in deploy/k8s");
  REQUIRE(found.size() == 1);
  return found.front();
}

std::vector<std::string> references_in(const std::string& text) {
  static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::vector<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), reference), end; it != end; ++it)
    if (std::find(names.begin(), names.end(), (*it)[1].str()) == names.end())
      names.push_back((*it)[1].str());
  return names;
}

std::vector<std::string> dockerfile_stage::all(const std::string& keyword) const {
  std::vector<std::string> out;
  for (const auto& [k, args] : instructions)
    if (k == keyword) out.push_back(args);
  return out;
}

std::vector<dockerfile_stage> dockerfile_stages(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<dockerfile_stage> stages;
  std::string line, instruction;
  auto finish = [&] {
    const auto start = instruction.find_first_not_of(" \t");
    if (start == std::string::npos) return instruction.clear();
    std::istringstream words(instruction.substr(start));
    std::string keyword;
    words >> keyword;
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), ::toupper);
    std::string args;
    std::getline(words >> std::ws, args);
    instruction.clear();
    if (keyword == "FROM") {
      std::istringstream from(args);
      dockerfile_stage stage;
      std::string as;
      from >> stage.from >> as >> stage.name;
      stages.push_back(stage);
      return;
    }
    REQUIRE_FALSE(stages.empty());  // every instruction but ARG follows a FROM
    stages.back().instructions.emplace_back(keyword, args);
  };
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '#') continue;  // comments, directives
    if (!line.empty() && line.back() == '\\') {
      instruction += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    instruction += line;
    finish();
  }
  finish();
  return stages;
}

}  // namespace llmopt::test
