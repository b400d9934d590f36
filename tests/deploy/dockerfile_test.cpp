// deploy/Dockerfile without a container runtime (none runs where the tests
// run): its stages, user, port, health check and entry point as compose and
// Kubernetes expect them, and deploy/runtime-packages.sh, which gives the
// runtime stage the packages of every library the binary loads.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "deploy_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

run_result runtime_packages(const std::string& binary) {
  return run({deploy_path("runtime-packages.sh"), binary});
}

}  // namespace

TEST_CASE("the image builds on Debian 12 with the build dependencies of install-deps.sh") {
  const auto stages = dockerfile_stages(deploy_path("Dockerfile"));
  REQUIRE(stages.size() == 2);
  const auto& build = stages[0];
  CHECK(build.from == "debian:12");
  REQUIRE(build.name == "build");
  const auto runs = build.all("RUN");
  REQUIRE(runs.size() >= 2);
  CHECK(runs[0].find("deploy/install-deps.sh --build-only") != std::string::npos);
  CHECK(runs[1].find("--target llmopt") != std::string::npos);
  CHECK(runs[1].find("deploy/runtime-packages.sh") != std::string::npos);
}

TEST_CASE("the image runs llmopt serve on debian:12-slim as a fixed non-root user") {
  const auto stages = dockerfile_stages(deploy_path("Dockerfile"));
  REQUIRE(stages.size() == 2);
  const auto& runtime = stages[1];
  CHECK(runtime.from == "debian:12-slim");
  // The packages the build stage listed from the binary's libraries.
  bool installs_listed = false;
  for (const auto& r : runtime.all("RUN"))
    installs_listed |=
        r.find("xargs -a /tmp/runtime-packages.txt apt-get install") != std::string::npos;
  CHECK(installs_listed);
  // deploy/k8s/deployment.yaml's runAsUser and runAsGroup
  // (tests/deploy/k8s_test.cpp).
  CHECK(runtime.all("USER") == std::vector<std::string>{"10001:10001"});
  const auto user = runtime.all("RUN");
  CHECK(std::any_of(user.begin(), user.end(), [](const std::string& r) {
    return r.find("useradd --system --uid 10001 --gid 10001") != std::string::npos &&
           r.find("install -d -o llmopt -g llmopt -m 0750 /var/lib/llmopt") != std::string::npos;
  }));
  CHECK(runtime.all("ENV") == std::vector<std::string>{"LLMOPT_STATE_DIR=/var/lib/llmopt"});
  CHECK(runtime.all("EXPOSE") == std::vector<std::string>{"8080"});
  REQUIRE(runtime.all("HEALTHCHECK").size() == 1);
  CHECK(runtime.all("HEALTHCHECK")[0].find("http://127.0.0.1:8080/health/live") !=
        std::string::npos);
  CHECK(runtime.all("ENTRYPOINT") ==
        std::vector<std::string>{R"(["/usr/local/bin/llmopt", "serve"])"});
  CHECK(runtime.all("CMD") ==
        std::vector<std::string>{R"(["--config", "/etc/llmopt/llmopt.toml"])"});
}

TEST_CASE("runtime-packages.sh lists the package of every library the binary loads") {
  auto r = runtime_packages(LLMOPT_BINARY);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto packages = lines_of(r.out);
  CHECK(std::is_sorted(packages.begin(), packages.end()));
  // One library of each kind the daemon links: C and C++ runtime, Kafka,
  // actors, HTTP client, store, Redis.
  for (const auto* package :
       {"libc6", "libstdc++6", "librdkafka1", "libcurl4", "libsqlite3-0", "libhiredis0.14"})
    CHECK(contains(packages, package));
  CHECK(std::any_of(packages.begin(), packages.end(),
                    [](const std::string& p) { return p.rfind("libcaf-core", 0) == 0; }));

  // Every line of ldd is covered: each library's file belongs to a listed
  // package.
  auto ldd = run({"ldd", LLMOPT_BINARY});
  REQUIRE(ldd.exit_code == 0);
  for (const auto& line : lines_of(ldd.out)) {
    const auto arrow = line.find(" => ");
    if (arrow == std::string::npos) continue;
    const auto path = line.substr(arrow + 4, line.find(" (") - arrow - 4);
    auto owner =
        run({"sh", "-c", "dpkg-query -S \"$(readlink -f \"$0\")\" || dpkg-query -S \"$0\"", path});
    INFO(line << ": " << owner.out << owner.err);
    if (owner.exit_code != 0) continue;  // spelled otherwise for dpkg: the script tried harder
    CHECK(contains(packages, owner.out.substr(0, owner.out.find(':'))));
  }
}

TEST_CASE("runtime-packages.sh fails, naming it, on a library no package holds or none finds") {
  temp_dir dir;
  write_file(dir.file("own.cpp"), "int own() { return 7; }\n");
  write_file(dir.file("main.cpp"), "int own();\nint main() { return own(); }\n");
  auto lib = run({"g++", "-shared", "-fPIC", "-o", dir.file("libown.so"), dir.file("own.cpp")});
  REQUIRE(lib.exit_code == 0);
  auto app = run({"g++", "-o", dir.file("app"), dir.file("main.cpp"), "-L" + dir.path(), "-lown",
                  "-Wl,-rpath," + dir.path()});
  REQUIRE(app.exit_code == 0);

  auto unowned = runtime_packages(dir.file("app"));
  CHECK(unowned.exit_code != 0);
  CHECK(unowned.err.find(dir.file("libown.so") + " belongs to no Debian package") !=
        std::string::npos);
  CHECK(unowned.out.empty());

  std::remove(dir.file("libown.so").c_str());
  auto missing = runtime_packages(dir.file("app"));
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("needs libown.so, which is not found") != std::string::npos);
}
