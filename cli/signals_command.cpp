// `llmopt signals`: the signal contract (signals/README.md) from the command
// line. `validate` runs messages through the collector's own parser, with
// the collector's limits and topic map, so its verdict is the daemon's.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/decision_options.hpp"
#include "adapters/signals/signal_parser.hpp"
#include "cli/commands.hpp"
#include "cli/signal_shapes.hpp"
#include "cli/signal_summary.hpp"
#include "decision/decision_record.hpp"

namespace llmopt {
namespace {

constexpr int exit_invalid = 1;
constexpr int exit_usage = 2;

struct validate_args {
  std::optional<std::string> config;
  std::optional<std::string> topic;
  std::optional<std::string> kind;
  std::string file = "-";
  bool json = false;
};

// Reads lines from a FILE, keeping at most `keep` bytes of each: memory
// stays bounded whatever the input. The caller owns the FILE.
class line_reader {
 public:
  line_reader(std::FILE* in, std::size_t keep) : in_(in), keep_(keep) {}

  // The next line, without its '\n', cut to `keep` bytes; `length` is its
  // whole length. False at the end of the input or on a read error.
  bool next(std::string& line, std::size_t& length) {
    line.clear();
    length = 0;
    int c = getc_unlocked(in_);
    if (c == EOF) return false;
    for (; c != EOF && c != '\n'; c = getc_unlocked(in_)) {
      if (line.size() < keep_) line.push_back(static_cast<char>(c));
      ++length;
    }
    return true;
  }

  bool failed() const { return std::ferror(in_) != 0; }

 private:
  std::FILE* in_;
  std::size_t keep_;
};

// What one line is to the collector, and to the --kind the user expects.
struct verdict {
  result<typed_signal> parsed;
  const signal_shape* expected = nullptr;  // --kind, when given

  bool wrong_kind() const { return parsed && expected && !expected->is_read_as(parsed->kind()); }
  bool ok() const { return parsed && !wrong_kind(); }
};

std::string text_of(long line, const verdict& v) {
  std::string out = "line " + std::to_string(line) + ": ";
  if (!v.parsed) return out + "dead letter " + v.parsed.err().code + ": " + v.parsed.err().detail;
  const auto& s = *v.parsed;
  if (v.wrong_kind())
    out += "not " + std::string(v.expected->kind) + ": read as ";
  else
    out += "ok ";
  out.append(to_string(s.kind())).append(" ").append(s.id);
  if (!s.model.empty()) out += " " + s.model;
  return out + " at " + format_time(s.at) + ": " + summarize(s.body);
}

// Keys in the order of the text line.
nlohmann::ordered_json json_of(long line, const verdict& v) {
  nlohmann::ordered_json out{{"line", line}, {"ok", v.ok()}};
  if (!v.parsed) {
    out["reason"] = v.parsed.err().code;
    out["detail"] = v.parsed.err().detail;
    return out;
  }
  const auto& s = *v.parsed;
  out["kind"] = to_string(s.kind());
  if (v.wrong_kind()) out["expected_kind"] = v.expected->kind;
  out["id"] = s.id;
  out["model"] = s.model;
  out["at"] = format_time(s.at);
  out["summary"] = summarize(s.body);
  return out;
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "llmopt signals validate: %s\n", what.c_str());
  return exit_usage;
}

std::string shape_names() {
  std::string out;
  for (const auto& shape : signal_shapes())
    out.append(out.empty() ? "" : ", ").append(shape.kind);
  return out;
}

std::string topic_names(const signal_topic_map& topics) {
  std::string out;
  for (const auto& [name, family] : topics)
    out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

// The adapter family --topic or --kind names, as the collector would pick
// it; or the usage error.
result<topic_kind> family_of(const validate_args& args, const signal_topic_map& topics,
                             const signal_shape*& expected) {
  if (args.topic.has_value() == args.kind.has_value())
    return error{"usage", "give either --topic T or --kind K"};
  if (args.topic) {
    auto found = topics.find(*args.topic);
    if (found == topics.end())
      return error{"usage",
                   "unknown topic \"" + *args.topic + "\"; signal topics: " + topic_names(topics)};
    return found->second;
  }
  expected = find_signal_shape(*args.kind);
  if (!expected)
    return error{"usage", "unknown kind \"" + *args.kind + "\"; kinds: " + shape_names()};
  return expected->family;
}

int validate(const validate_args& args) {
  auto loaded = load_config(args.config);
  if (!loaded) return usage_error(loaded.err().detail);
  const signal_topic_map topics = signal_topics_of(loaded->values);
  const signal_shape* expected = nullptr;
  auto family = family_of(args, topics, expected);
  if (!family) return usage_error(family.err().detail);

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned{nullptr, std::fclose};
  std::FILE* in = stdin;
  if (args.file != "-") {
    owned.reset(std::fopen(args.file.c_str(), "rb"));
    if (!owned) return usage_error(args.file + ": cannot open the file");
    in = owned.get();
  }
  signal_parser parser{parse_limits_of(loaded->values)};
  // One byte past the limit is enough for the parser to call it too_large.
  line_reader lines{in, parser.limits().max_message_bytes + 1};
  std::string line;
  std::size_t length = 0;
  long number = 0, checked = 0, invalid = 0;
  while (lines.next(line, length)) {
    ++number;
    if (length == 0) continue;  // a blank line is no message
    verdict v{parser.parse(*family, line), expected};
    if (!v.parsed && length > line.size()) {  // cut: say how long it really is
      error cut = v.parsed.err();
      cut.detail += " (cut there: the line has " + std::to_string(length) + " bytes)";
      v.parsed = std::move(cut);
    }
    ++checked;
    invalid += v.ok() ? 0 : 1;
    if (args.json)
      std::printf("%s\n",
                  json_of(number, v)
                      .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                      .c_str());
    else
      std::printf("%s\n", text_of(number, v).c_str());
  }
  if (lines.failed()) return usage_error(args.file + ": cannot read the file");
  std::fprintf(stderr, "llmopt: %ld message(s): %ld ok, %ld invalid\n", checked, checked - invalid,
               invalid);
  return invalid == 0 ? 0 : exit_invalid;
}

int print_example(const std::string& kind) {
  auto bytes = signal_example(kind);
  if (!bytes) {
    std::string names;
    for (auto name : signal_example_names())
      names.append(names.empty() ? "" : ", ").append(name);
    std::fprintf(stderr, "llmopt signals example: unknown kind \"%s\"; examples: %s\n",
                 kind.c_str(), names.c_str());
    return exit_usage;
  }
  std::fwrite(bytes->data(), 1, bytes->size(), stdout);
  return 0;
}

int list_kinds(const std::optional<std::string>& config) {
  auto loaded = load_config(config);
  if (!loaded) {
    std::fprintf(stderr, "llmopt: %s\n", loaded.err().detail.c_str());
    return exit_usage;
  }
  const signal_topic_map topics = signal_topics_of(loaded->values);
  for (const auto& shape : signal_shapes()) {
    std::string topic;
    for (const auto& [name, family] : topics)
      if (family == shape.family) topic = name;
    std::printf("%-17s %-24s %s\n", std::string(shape.kind).c_str(), topic.c_str(),
                std::string(shape.title).c_str());
  }
  return 0;
}

}  // namespace

void add_signals_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("signals", "the signal contract: validate messages, examples");
  cmd->require_subcommand(1);

  auto args = std::make_shared<validate_args>();
  auto* validate_cmd = cmd->add_subcommand(
      "validate", "check JSON messages, one per line, exactly as the collector would");
  validate_cmd->add_option_function<std::string>(
      "--topic,-t", [args](const std::string& t) { args->topic = t; },
      "the Kafka topic the messages are for (kafka.topics.*)");
  validate_cmd->add_option_function<std::string>(
      "--kind,-k", [args](const std::string& k) { args->kind = k; },
      "the kind each message must be (llmopt signals kinds)");
  validate_cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file (its topic names and collector.max_message_bytes)");
  validate_cmd->add_flag("--json", args->json, "one JSON object per line");
  validate_cmd->add_option("file", args->file, "messages, one per line; - for stdin (default)");
  validate_cmd->callback([args, &exit_code] { exit_code = validate(*args); });

  auto kind = std::make_shared<std::string>();
  auto* example_cmd = cmd->add_subcommand("example", "print a valid message of a kind");
  example_cmd->add_option("kind", *kind, "a kind (llmopt signals kinds) or cloudevent")->required();
  example_cmd->callback([kind, &exit_code] { exit_code = print_example(*kind); });

  auto config = std::make_shared<std::optional<std::string>>();
  auto* kinds_cmd = cmd->add_subcommand("kinds", "each kind, the topic it goes to, its shape");
  kinds_cmd->add_option_function<std::string>(
      "--config,-c", [config](const std::string& p) { *config = p; },
      "configuration file (its topic names)");
  kinds_cmd->callback([config, &exit_code] { exit_code = list_kinds(*config); });
}

}  // namespace llmopt
