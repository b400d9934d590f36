#include "adapters/kafka/client_config.hpp"

#include <catch2/catch.hpp>

namespace llmopt::kafka {
namespace {

TEST_CASE("a property librdkafka refuses is named without its value") {
  // The value came from a ${VAR} reference: it may be a secret.
  auto conf = make_conf({{"security.protocol", "hunter2-secret"}});
  REQUIRE_FALSE(conf.ok());
  CHECK(conf.err().detail.find("security.protocol") != std::string::npos);
  CHECK(conf.err().detail.find("hunter2") == std::string::npos);

  auto unknown = make_conf({{"sasl.pasword", "hunter2-secret"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.err().detail.find("sasl.pasword") != std::string::npos);
  CHECK(unknown.err().detail.find("hunter2") == std::string::npos);
}

TEST_CASE("accepted properties make a configuration") {
  CHECK(make_conf({{"bootstrap.servers", "127.0.0.1:1"}, {"client.id", "llmopt"}}).ok());
}

}  // namespace
}  // namespace llmopt::kafka
