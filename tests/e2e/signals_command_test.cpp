// `llmopt signals`: every shipped example (signals/examples) is what
// `signals example` prints and what `signals validate` accepts; a file of
// good and bad messages gets the collector's verdict per line, with its
// dead-letter reason; usage errors exit 2.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

const std::string examples_dir = LLMOPT_SOURCE_DIR "/signals/examples";

run_result signals(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), {LLMOPT_BINARY, "signals"});
  return run(args, input);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// `signals kinds`: kind -> topic.
std::map<std::string, std::string> kinds() {
  auto r = signals({"kinds"});
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::string> out;
  for (const auto& line : lines_of(r.out)) {
    std::istringstream words(line);
    std::string kind, topic;
    words >> kind >> topic;
    out[kind] = topic;
  }
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("every shipped signal example is printed as its file and validates ok", "[e2e]") {
  const auto all = kinds();
  REQUIRE(all.size() == 11);
  CHECK(all.at("cost") == "llm.signals.cost");
  CHECK(all.at("sentinel_alert") == "llm.signals.sentinel");
  CHECK(all.at("structured_event") == "llm.signals.observatory");
  CHECK(all.at("call") == "llm.calls");

  std::set<std::string> files;
  for (const auto& f : std::filesystem::directory_iterator(examples_dir))
    files.insert(f.path().stem().string());
  std::set<std::string> expected{"cloudevent"};
  for (const auto& [kind, topic] : all)
    expected.insert(kind);
  CHECK(files == expected);

  for (const auto& name : files) {
    INFO(name);
    const auto path = examples_dir + "/" + name + ".json";
    const auto bytes = read_file(path);
    REQUIRE(lines_of(bytes).size() == 1);  // one message per line, as validate reads
    auto printed = signals({"example", name});
    CHECK(printed.exit_code == 0);
    CHECK(printed.out == bytes);

    // By kind and by topic (the envelope has no kind: its type names the family).
    std::vector<std::vector<std::string>> ways;
    if (name != "cloudevent") ways.push_back({"validate", "--kind", name, path});
    ways.push_back(
        {"validate", "--topic", name == "cloudevent" ? "llm.signals.cost" : all.at(name), path});
    for (const auto& args : ways) {
      auto r = signals(args);
      INFO(r.out << r.err);
      CHECK(r.exit_code == 0);
      CHECK(starts_with(r.out, "line 1: ok "));
    }
  }
}

TEST_CASE("signals validate gives each line the collector's verdict and exits 1 on any bad one",
          "[e2e]") {
  temp_dir dir;
  const auto file = dir.file("cost.jsonl");
  write_file(
      file,
      // 1: valid, provider inside modelId
      R"({"eventId":"c-1","timestamp":"2026-11-21T10:15:02Z","modelId":"openai:gpt-4o","inputTokens":10,"outputTokens":5,"costUsd":0.01})"
      "\n"
      // 2: no costUsd
      R"({"eventId":"c-2","timestamp":"2026-11-21T10:15:02Z","modelId":"openai:gpt-4o","inputTokens":10,"outputTokens":5})"
      "\n"
      // 3: fractional token count
      R"({"eventId":"c-3","timestamp":"2026-11-21T10:15:02Z","modelId":"openai:gpt-4o","inputTokens":10.5,"outputTokens":5,"costUsd":0.01})"
      "\n"
      "\n"                // 4: blank, skipped
      "{\"eventId\": \n"  // 5: truncated
      // 6: valid snake_case in a CloudEvents envelope that names latency-lens
      R"({"specversion":"1.0","id":"e-6","type":"com.llmdevops.latencylens.anomaly.v1","data":{"anomaly_id":"la-6","detected_at":"2026-11-21T10:16:00Z","model_id":"gpt-4o","provider":"openai","type":"spike","severity":"HIGH","observed_value":4200,"baseline_value":1500,"deviation_percent":180}})"
      "\n"
      // 7: negative cost
      R"({"eventId":"c-7","timestamp":"2026-11-21T10:15:02Z","modelId":"openai:gpt-4o","inputTokens":1,"outputTokens":1,"costUsd":-1})"
      "\n"
      // 8: bad envelope
      R"({"specversion":"0.3","data":{}})"
      "\n"
      // 9: a month 13
      R"({"eventId":"c-9","timestamp":"2026-13-01T00:00:00Z","modelId":"openai:gpt-4o","inputTokens":1,"outputTokens":1,"costUsd":1})"
      "\n");

  auto r = signals({"validate", "--topic", "llm.signals.cost", file});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const auto out = lines_of(r.out);
  REQUIRE(out.size() == 8);
  CHECK(out[0] ==
        "line 1: ok cost c-1 openai:gpt-4o at 2026-11-21T10:15:02.000Z: 10 + 5 tokens, $0.01");
  CHECK(out[1] == "line 2: dead letter missing_field: costUsd: missing");
  CHECK(out[2] == "line 3: dead letter wrong_type: inputTokens: expected an integer, got 10.5");
  CHECK(starts_with(out[3], "line 5: dead letter not_json: "));
  CHECK(out[4] ==
        "line 6: ok latency_anomaly la-6 openai:gpt-4o at 2026-11-21T10:16:00.000Z: spike, high: "
        "4200 against 1500 (180%)");
  CHECK(out[5] == "line 7: dead letter out_of_range: costUsd: expected a number >= 0, got -1");
  CHECK(starts_with(out[6], "line 8: dead letter bad_envelope: specversion: "));
  CHECK(starts_with(out[7], "line 9: dead letter bad_timestamp: timestamp: "));
  CHECK(r.err.find("8 message(s): 2 ok, 6 invalid") != std::string::npos);

  // The same verdicts as JSON, one object per line, from stdin.
  auto json = signals({"validate", "--json", "--topic", "llm.signals.cost", "-"}, read_file(file));
  CHECK(json.exit_code == 1);
  const auto objects = lines_of(json.out);
  REQUIRE(objects.size() == 8);
  std::vector<std::string> reasons;
  for (const auto& line : objects) {
    auto j = nlohmann::json::parse(line);
    reasons.push_back(j["ok"].get<bool>() ? j["kind"].get<std::string>()
                                          : j["reason"].get<std::string>());
  }
  CHECK(reasons == std::vector<std::string>{"cost", "missing_field", "wrong_type", "not_json",
                                            "latency_anomaly", "out_of_range", "bad_envelope",
                                            "bad_timestamp"});
  auto second = nlohmann::json::parse(objects[1]);
  CHECK(second["line"] == 2);
  CHECK(second["detail"] == "costUsd: missing");
  auto first = nlohmann::json::parse(objects[0]);
  CHECK(first["id"] == "c-1");
  CHECK(first["model"] == "openai:gpt-4o");
}

TEST_CASE("signals validate --kind fails a valid message of another kind", "[e2e]") {
  auto anomaly = signals({"example", "anomaly"});
  REQUIRE(anomaly.exit_code == 0);
  auto r = signals({"validate", "--kind", "drift"}, anomaly.out);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(starts_with(r.out, "line 1: not drift: read as anomaly a-17 "));
  // On the topic it is fine: the collector takes it.
  CHECK(signals({"validate", "--topic", "llm.signals.sentinel"}, anomaly.out).exit_code == 0);
}

TEST_CASE("signals validate uses the configured topic names and message bound", "[e2e]") {
  temp_dir dir;
  const auto config = dir.file("llmopt.toml");
  write_file(config, simulated_config(dir.path(),
                                      "\n[collector]\nmax_message_bytes = 256\n"
                                      "\n[kafka.topics]\ncost = \"acme.cost\"\n"));
  const auto cost = read_file(examples_dir + "/cost.json");
  CHECK(signals({"validate", "--config", config, "--topic", "acme.cost"}, cost).exit_code == 0);
  CHECK(signals({"validate", "--config", config, "--topic", "llm.signals.cost"}, cost).exit_code ==
        2);

  const std::string big = "{\"eventId\":\"" + std::string(300, 'x') + "\"}\n";
  auto r = signals({"validate", "--config", config, "--kind", "cost"}, big);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(starts_with(r.out, "line 1: dead letter too_large: "));
  CHECK(r.out.find("limit 256") != std::string::npos);
  CHECK(r.out.find("the line has 314 bytes") != std::string::npos);
  // The built-in configuration's bound (64 KiB) takes it.
  auto builtin = signals({"validate", "--kind", "cost"}, big);
  CHECK(starts_with(builtin.out, "line 1: dead letter missing_field: "));
}

TEST_CASE("signals usage errors exit 2 and name what is accepted", "[e2e]") {
  const auto cost = read_file(examples_dir + "/cost.json");
  auto unknown_kind = signals({"validate", "--kind", "costs"}, cost);
  CHECK(unknown_kind.exit_code == 2);
  CHECK(unknown_kind.err.find("unknown kind \"costs\"") != std::string::npos);
  CHECK(unknown_kind.err.find("latency_profile") != std::string::npos);

  auto unknown_topic = signals({"validate", "--topic", "llm.signals.costs"}, cost);
  CHECK(unknown_topic.exit_code == 2);
  CHECK(unknown_topic.err.find("llm.signals.observatory") != std::string::npos);

  CHECK(signals({"validate"}, cost).exit_code == 2);
  CHECK(signals({"validate", "--kind", "cost", "--topic", "llm.signals.cost"}, cost).exit_code ==
        2);

  temp_dir dir;
  auto missing = signals({"validate", "--kind", "cost", dir.file("missing.jsonl")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("missing.jsonl") != std::string::npos);
  CHECK(signals({"validate", "--kind", "cost", dir.path()}).exit_code == 2);  // a directory
  CHECK(missing.out.empty());

  auto example = signals({"example", "nope"});
  CHECK(example.exit_code == 2);
  CHECK(example.err.find("cloudevent") != std::string::npos);
}
