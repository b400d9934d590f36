// Every YAML file under deploy/ is YAML: a file added there is parsed here
// before any tool of a machine without a container runtime or a cluster
// could say otherwise.

#include <catch2/catch.hpp>

#include <algorithm>

#include "deploy_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt::test;

TEST_CASE("every YAML file under deploy/ parses into objects") {
  const auto files = deploy_yaml_files();
  for (const auto* expected :
       {"compose.yaml", "prometheus.yml", "k8s/kustomization.yaml", "k8s/deployment.yaml",
        "k8s/configmap.yaml", "k8s/service.yaml", "k8s/pdb.yaml", "k8s/pvc.yaml"}) {
    INFO(expected);
    CHECK(std::find(files.begin(), files.end(), deploy_path(expected)) != files.end());
  }
  for (const auto& file : files) {
    INFO(file);
    const auto documents = yaml_documents(file);
    REQUIRE_FALSE(documents.empty());
    for (const auto& doc : documents)
      CHECK(doc.is_object());
  }
}

TEST_CASE("a file that is not YAML fails the parse, naming its line") {
  // What makes the check above able to fail: the parser refuses what
  // kubectl would refuse.
  temp_dir dir;
  write_file(dir.file("broken.yaml"), "key: [unclosed\nother: 1\n");
  auto r =
      run({"/usr/bin/python3", std::string(LLMOPT_SOURCE_DIR) + "/tests/deploy/yaml_to_json.py",
           dir.file("broken.yaml")});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("line 2") != std::string::npos);
}
