// sd_notify's protocol without libsystemd: what the daemon sends reaches a
// real AF_UNIX datagram socket at a path or an abstract name, and a manager
// that is gone or does not read is an error returned at once, never a wait.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "adapters/systemd/notify_socket.hpp"
#include "tests/support/notify_listener.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt;
using namespace llmopt::test;

TEST_CASE("a notification reaches the socket NOTIFY_SOCKET names, as one datagram") {
  temp_dir dir;
  const std::string address = GENERATE(as<std::string>{}, "path", "abstract") == "path"
                                  ? dir.file("notify")
                                  : unique_abstract_name();
  notify_listener manager(address);
  auto socket = notify_socket::open(address);
  REQUIRE(socket);

  REQUIRE(socket->send("READY=1\nSTATUS=ready"));
  auto first = manager.next(std::chrono::seconds(5));
  REQUIRE(first);
  CHECK(*first == "READY=1\nSTATUS=ready");

  REQUIRE(socket->send("STOPPING=1"));
  auto second = manager.next(std::chrono::seconds(5));
  REQUIRE(second);
  CHECK(*second == "STOPPING=1");
}

TEST_CASE("an abstract name is matched exactly: a longer or shorter name gets nothing") {
  const std::string name = unique_abstract_name();
  notify_listener manager(name);
  auto longer = notify_socket::open(name + "x");
  REQUIRE(longer);
  CHECK_FALSE(longer->send("READY=1"));
  CHECK_FALSE(manager.next(std::chrono::milliseconds(100)));
}

TEST_CASE("a socket that is gone is an error naming it, returned at once") {
  temp_dir dir;
  const std::string address = dir.file("notify");
  auto socket = [&] {
    notify_listener manager(address);
    auto opened = notify_socket::open(address);
    REQUIRE(opened);
    REQUIRE(opened->send("READY=1"));
    return std::move(*opened);
  }();  // the manager goes: its socket is closed and removed

  auto sent = socket.send("STOPPING=1");
  REQUIRE_FALSE(sent);
  CHECK(sent.err().detail.find(address) != std::string::npos);
  CHECK(sent.err().detail.find("No such file") != std::string::npos);
}

TEST_CASE("a manager that does not read makes send fail, never block") {
  temp_dir dir;
  notify_listener manager(dir.file("notify"));
  auto socket = notify_socket::open(manager.address());
  REQUIRE(socket);
  // A datagram socket's queue holds a few hundred datagrams at most; a
  // blocking send would stall on the first that does not fit, and this test
  // would run into its CTest timeout.
  const auto start = std::chrono::steady_clock::now();
  int refused = 0;
  for (int i = 0; i < 5000; ++i)
    if (!socket->send("WATCHDOG=1")) ++refused;
  CHECK(refused > 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // What was queued is still delivered.
  auto first = manager.next(std::chrono::seconds(1));
  REQUIRE(first);
  CHECK(*first == "WATCHDOG=1");
}

TEST_CASE("addresses that are not a socket's are refused when opened") {
  const std::string address =
      GENERATE(as<std::string>{}, "", "run/systemd/notify", "/" + std::string(200, 'a'));
  auto socket = notify_socket::open(address);
  REQUIRE_FALSE(socket);
  CHECK(socket.err().detail.find("NOTIFY_SOCKET") != std::string::npos);
}
