#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmopt::test {

// deploy/'s files as the tools that use them read them.

// LLMOPT_SOURCE_DIR/deploy/RELATIVE.
std::string deploy_path(const std::string& relative);

// Every YAML file under deploy/ (.yaml and .yml, recursively), sorted.
std::vector<std::string> deploy_yaml_files();

// Every document of the YAML file at `path`, parsed by PyYAML (Debian's
// python3-yaml) and handed over as JSON. REQUIREs that it parses, with the
// parser's message (line, column) when it does not.
nlohmann::json yaml_documents(const std::string& path);

// The one object of `kind` among deploy/k8s/*.yaml; REQUIREs exactly one.
nlohmann::json k8s_object(const std::string& kind);

// The ${NAME} references in `text`, in order of appearance, each once.
std::vector<std::string> references_in(const std::string& text);

// deploy/Dockerfile as instructions: continuation lines joined, comments
// dropped; each stage (FROM ... [AS name]) with its instructions in order.
struct dockerfile_stage {
  std::string from;                                               // the base image
  std::string name;                                               // after AS, or ""
  std::vector<std::pair<std::string, std::string>> instructions;  // {"RUN", "apt-get ..."}

  // The arguments of every instruction `keyword` (upper case), in order.
  std::vector<std::string> all(const std::string& keyword) const;
};
std::vector<dockerfile_stage> dockerfile_stages(const std::string& path);

}  // namespace llmopt::test
