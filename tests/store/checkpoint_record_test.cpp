#include "store/checkpoint_record.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

checkpoint_record record_of(const std::string& store, long long checkpoint,
                            std::vector<partition_position> positions) {
  return checkpoint_record{"llmopt", store, checkpoint, std::move(positions)};
}

TEST_CASE("a checkpoint record reads back as it was written") {
  const auto r = record_of("store-a", 12, {{"llm.signals.cost", 0, 100}, {"llm.calls", 3, 7}});
  auto read = read_checkpoint_message(checkpoint_message(r), 1 << 20);
  REQUIRE(read);
  CHECK(read->group == "llmopt");
  CHECK(read->store == "store-a");
  CHECK(read->checkpoint == 12);
  REQUIRE(read->positions.size() == 2);
  CHECK(read->positions[1].topic == "llm.calls");
  CHECK(read->positions[1].partition == 3);
  CHECK(read->positions[1].offset == 7);
}

TEST_CASE("a bad checkpoint record is refused with the field that is wrong") {
  struct bad {
    std::string text;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{
           {R"({"group":"g","checkpoint":1,"positions":[]})", "store"},
           {R"({"group":"g","store":"","checkpoint":1,"positions":[]})", "store is empty"},
           {R"({"group":"g","store":"s","checkpoint":1.5,"positions":[]})",
            "checkpoint is not an integer"},
           {R"({"group":"g","store":"s","checkpoint":-1,"positions":[]})", "checkpoint is not in"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":{}})",
            "positions is not an array"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":[["t",0]]})",
            "positions[0] is not"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":[["t",0,1],["t",1,-5]]})",
            "positions[1][2] is not in"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":[[7,0,1]]})",
            "positions[0][0] is not a string"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":[["t",2000000,1]]})",
            "positions[0][1]"},
           {R"({"store":"s","checkpoint":1,"positions":[]})", "group"},
           {R"([1,2])", "not an object"},
           {R"({"group":"g","store":"s","checkpoint":1,"positions":[[[[[[1]]]]]]})", "nested"},
       }) {
    INFO(b.text);
    auto read = read_checkpoint_message(b.text, 1 << 20);
    REQUIRE_FALSE(read);
    CHECK(read.err().detail.find(b.says) != std::string::npos);
  }
  auto big = read_checkpoint_message(std::string(100, ' ') + "{}", 64);
  REQUIRE_FALSE(big);
  CHECK(big.err().code == "too_large");
}

TEST_CASE("the group's position of a partition is the furthest any store's newest record says") {
  group_positions g;
  CHECK_FALSE(g.at("t", 0));
  g.add(record_of("a", 5, {{"t", 0, 100}, {"t", 1, 40}}));
  g.add(record_of("b", 2, {{"t", 0, 130}}));
  CHECK(g.at("t", 0) == 130);
  CHECK(g.at("t", 1) == 40);
  CHECK_FALSE(g.at("t", 2));
  CHECK_FALSE(g.at("u", 0));
  CHECK(g.checkpoint_of("a") == 5);
  CHECK_FALSE(g.checkpoint_of("c"));

  // A store's newer record replaces its older one; a late older copy does not.
  g.add(record_of("a", 6, {{"t", 0, 100}, {"t", 1, 90}}));
  g.add(record_of("a", 4, {{"t", 1, 10}}));
  CHECK(g.checkpoint_of("a") == 6);
  CHECK(g.at("t", 1) == 90);

  // A tombstone of a store's key takes its positions out.
  g.forget("b");
  CHECK(g.at("t", 0) == 100);
  CHECK_FALSE(g.checkpoint_of("b"));
}

}  // namespace
}  // namespace llmopt
