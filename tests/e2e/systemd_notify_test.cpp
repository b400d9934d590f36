// Readiness notification (deploy/llmopt.service, Type=notify): `llmopt
// serve` started with NOTIFY_SOCKET, as systemd starts it, sends READY=1 on
// that socket once /health/ready says ready, and STOPPING=1 when SIGTERM
// starts its shutdown. A socket that is gone changes nothing else.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>

#include "daemon_fixture.hpp"
#include "tests/support/notify_listener.hpp"

using namespace llmopt::test;

namespace {

// `llmopt serve` on the simulated config with `notify_socket` as
// NOTIFY_SOCKET; awaits the gateway's address (printed before it is ready).
struct notified_daemon {
  temp_dir dir;
  std::unique_ptr<child_process> process;
  std::string url;

  explicit notified_daemon(const std::string& notify_socket) {
    write_file(dir.file("llmopt.toml"), simulated_config(dir.path()));
    process = std::make_unique<child_process>(
        std::vector<std::string>{LLMOPT_BINARY, "serve", "--config", dir.file("llmopt.toml")},
        std::vector<std::string>{"NOTIFY_SOCKET=" + notify_socket});
    const std::string marker = "gateway listening on ";
    auto line = process->await_line(
        [&](const std::string& l) { return l.find(marker) != std::string::npos; },
        std::chrono::seconds(30));
    INFO("stdout:\n" << process->out() << "\nstderr:\n" << process->err());
    REQUIRE(line);
    url = line->substr(line->find(marker) + marker.size());
  }
};

}  // namespace

TEST_CASE("serve sends READY=1 once ready and STOPPING=1 on SIGTERM to NOTIFY_SOCKET") {
  temp_dir sockets;
  const bool abstract = GENERATE(false, true);
  notify_listener systemd(abstract ? unique_abstract_name() : sockets.file("notify"));
  notified_daemon d(systemd.address());

  auto ready = systemd.await_line("READY=1", std::chrono::seconds(30));
  INFO("received: " << systemd.received().size() << " datagrams; stderr:\n" << d.process->err());
  REQUIRE(ready);
  // READY=1 comes no sooner than ready: what a probe asks at that moment.
  CHECK(http_get(d.url + "/health/ready").status == 200);
  // Said once: the notifications before it were not READY=1.
  CHECK(systemd.received().size() == 1);

  d.process->signal(SIGTERM);
  auto stopping = systemd.await_line("STOPPING=1", std::chrono::seconds(15));
  REQUIRE(stopping);
  auto code = d.process->wait(std::chrono::seconds(30));
  REQUIRE(code);
  CHECK(*code == 0);
  // Nothing after STOPPING=1 pretends to be ready again.
  CHECK(systemd.received().back() == *stopping);
}

TEST_CASE("a NOTIFY_SOCKET that is gone is logged and serve runs and stops as without it") {
  temp_dir sockets;
  const std::string gone = sockets.file("no-such-socket");
  notified_daemon d(gone);
  auto ready = d.process->await_line([](const std::string& l) { return l == "llmopt: ready"; },
                                     std::chrono::seconds(30));
  INFO("stderr:\n" << d.process->err());
  REQUIRE(ready);
  CHECK(http_get(d.url + "/health/ready").status == 200);
  d.process->signal(SIGTERM);
  auto code = d.process->wait(std::chrono::seconds(30));
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(d.process->err().find("cannot notify " + gone) != std::string::npos);
}
