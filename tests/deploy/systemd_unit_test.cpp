// deploy/llmopt.service as systemd reads it, without a running systemd
// (none runs where the tests run): `systemd-analyze verify` finds nothing
// to say, the unit waits for llmopt's READY=1 (Type=notify, which
// tests/e2e/systemd_notify_test.cpp shows the daemon sends), and its
// hardening keeps systemd's own exposure score low.

#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "deploy_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt::test;

namespace {

const std::string installed_binary = "/usr/local/bin/llmopt";

// The unit's [Service] settings; a key set more than once keeps each value.
std::multimap<std::string, std::string> service_settings(const std::string& unit) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(unit);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (section == "[Service]" && eq != std::string::npos)
      out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

std::string value(const std::multimap<std::string, std::string>& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? std::string{} : it->second;
}

// A copy of the unit in `dir` whose ExecStart runs the binary just built:
// verify checks that the command exists, and /usr/local/bin/llmopt is where
// an install puts it, not where the tests run.
std::string unit_with_built_binary(const temp_dir& dir) {
  std::string unit = read_file(deploy_path("llmopt.service"));
  const auto at = unit.find("ExecStart=" + installed_binary + " ");
  REQUIRE(at != std::string::npos);
  unit.replace(at + std::string("ExecStart=").size(), installed_binary.size(), LLMOPT_BINARY);
  const auto path = dir.file("llmopt.service");
  write_file(path, unit);
  return path;
}

}  // namespace

TEST_CASE("systemd-analyze verify finds nothing to say about the unit") {
  temp_dir dir;
  auto r = run({"systemd-analyze", "verify", unit_with_built_binary(dir)});
  INFO("systemd-analyze (package systemd, deploy/install-deps.sh):\n" << r.out << r.err);
  CHECK(r.exit_code == 0);
  // Unknown keys and bad values are warnings with exit code 0: none allowed.
  CHECK(r.err.empty());
}

TEST_CASE("the unit waits for llmopt's READY=1 and lets it shut down in its own time") {
  const auto s = service_settings(read_file(deploy_path("llmopt.service")));
  CHECK(value(s, "Type") == "notify");
  CHECK(value(s, "NotifyAccess") == "main");
  CHECK(value(s, "ExecStart") == installed_binary + " serve --config /etc/llmopt/llmopt.toml");
  CHECK(value(s, "KillSignal") == "SIGTERM");
  // The daemon's shutdown waits up to 30 s for the collector's drain.
  CHECK(std::stoi(value(s, "TimeoutStopSec")) > 30);
  CHECK(value(s, "StateDirectory") == "llmopt");
  CHECK(value(s, "Environment") == "LLMOPT_STATE_DIR=/var/lib/llmopt");
}

TEST_CASE("the unit's hardening: no privileges, a read-only system, only IP and local sockets") {
  const auto s = service_settings(read_file(deploy_path("llmopt.service")));
  CHECK(value(s, "NoNewPrivileges") == "yes");
  CHECK(value(s, "ProtectSystem") == "strict");
  CHECK(value(s, "ProtectHome") == "yes");
  CHECK(value(s, "PrivateTmp") == "yes");
  CHECK(value(s, "PrivateDevices") == "yes");
  CHECK(s.count("CapabilityBoundingSet") == 1);
  CHECK(value(s, "CapabilityBoundingSet").empty());
  // AF_UNIX: the notification socket.
  CHECK(value(s, "RestrictAddressFamilies") == "AF_INET AF_INET6 AF_UNIX");
  CHECK(value(s, "SystemCallFilter") == "@system-service");
  CHECK(value(s, "User") != "root");

  // systemd's own score of the whole set (0 safest, 10 exposed); --threshold
  // is in tenths. 1.2 when this was written.
  auto r = run({"systemd-analyze", "security", "--offline=true", "--threshold=15",
                deploy_path("llmopt.service")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}
