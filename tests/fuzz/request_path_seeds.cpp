#include "tests/fuzz/request_path_seeds.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/wire_format.hpp"

namespace llmopt::fuzz {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The parameter byte naming format `f` (read as input[1] % 4).
unsigned char format_parameter(const json& fixture) {
  auto f = wire::format_named(fixture.value("format", "openai"));
  return static_cast<unsigned char>('0' + static_cast<int>(f.value_or(wire::format::openai)));
}

// A fixture member holding JSON (sent as its text) or raw text (sent as is).
std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : dump_json(value);
}

// The seeds of one fixture (README.md of the fixtures: one case a file),
// by the operation they are for.
std::vector<std::pair<std::string, std::string>> seeds_of(const json& fixture) {
  const unsigned char f = format_parameter(fixture);
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const char* name, operation op, unsigned char parameter, std::string payload) {
    out.emplace_back(name, selector(op, parameter) + payload);
  };
  for (const char* key : {"request", "unsupported"})
    if (fixture.contains(key))
      add("chat_request", operation::chat_request, '0', dump_json(fixture[key]["openai"]));
  if (fixture.contains("reply")) {
    const json& c = fixture["reply"];
    std::string native =
        c.contains("native_text") ? text_of(c["native_text"]) : text_of(c["native"]);
    add("reply", operation::reply, f, native);
    add("error_body", operation::error_body, '0', native);
  }
  if (fixture.contains("stream"))
    add("stream", operation::stream, f, text_of(fixture["stream"]["native"]));
  if (fixture.contains("inbound_request"))
    add("messages_request", operation::messages_request, '0',
        dump_json(fixture["inbound_request"]["anthropic"]));
  if (fixture.contains("inbound_reply"))
    add("reply", operation::reply, '0', dump_json(fixture["inbound_reply"]["openai"]));
  if (fixture.contains("inbound_stream")) {
    std::string lines;
    for (const auto& chunk : fixture["inbound_stream"]["openai"])
      lines += dump_json(chunk) + "\n";
    add("encoder", operation::encoder, '0', lines);
  }
  return out;
}

bool extract(const fs::path& fixture_path, const fs::path& out_dir) {
  std::ifstream in(fixture_path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const json fixture = json::parse(text, nullptr, false);
  if (!in || !fixture.is_object()) {
    std::fprintf(stderr, "request_path_fuzz: cannot read fixture %s\n", fixture_path.c_str());
    return false;
  }
  const std::string stem =
      fixture_path.parent_path().filename().string() + "-" + fixture_path.stem().string();
  for (const auto& [name, bytes] : seeds_of(fixture)) {
    std::ofstream out(out_dir / (stem + "." + name), std::ios::binary);
    out << bytes;
  }
  return true;
}

}  // namespace

bool takes_parameter(operation op) {
  switch (op) {
    case operation::chat_request:
    case operation::messages_request:
    case operation::encoder:
      return false;
    case operation::reply:
    case operation::stream:
    case operation::error_body:
    case operation::bounded_json:
    case operation::event_reader:
      return true;
  }
  return false;
}

std::string selector(operation op, unsigned char parameter) {
  std::string bytes(1, static_cast<char>('0' + static_cast<int>(op)));
  if (takes_parameter(op)) bytes.push_back(static_cast<char>(parameter));
  return bytes;
}

void extract_seeds_if_asked(int argc, char** argv) {
  constexpr std::string_view flag = "-extract_seeds=";
  fs::path out_dir;
  for (int i = 1; i < argc; ++i)
    if (std::string_view arg = argv[i]; arg.substr(0, flag.size()) == flag)
      out_dir = std::string(arg.substr(flag.size()));
  if (out_dir.empty()) return;
  fs::create_directories(out_dir);
  bool all_read = true;
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') all_read = extract(argv[i], out_dir) && all_read;
  std::exit(all_read ? 0 : 1);
}

}  // namespace llmopt::fuzz
