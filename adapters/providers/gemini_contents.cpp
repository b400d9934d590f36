#include "adapters/providers/gemini_contents.hpp"

#include <cctype>
#include <map>
#include <string_view>

#include "adapters/providers/bounded_json.hpp"

namespace llmopt::wire::gemini {
namespace {

using json = nlohmann::json;

// Gemini 3 models refuse a replayed functionCall part without the thought
// signature the model sent with it. OpenAI's shape has no place for one, so
// no client can hand it back; the Gemini API's Thought signatures page (FAQ)
// documents this value for function calls in a history Gemini did not
// write. The model then resumes without its earlier reasoning.
constexpr const char* stand_in_signature = "context_engineering_is_the_way_to_go";

// What a client's JSON text inside the request (tool call arguments, a tool
// result) is parsed within.
const json_bounds client_text_bounds{64u << 20, 64};

error unsupported(std::string field, std::string detail) {
  return error{"unsupported", std::move(detail), std::move(field)};
}

std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string dot(const std::string& path, const char* key) {
  return path + "." + key;
}

// REQUIRES: v.is_string() (check_chat_request guarantees the fields read so).
const std::string& str(const json& v) {
  return v.get_ref<const std::string&>();
}

bool has_prefix_nocase(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != lower_prefix[i]) return false;
  return true;
}

// "data:<mime>[;param]...;base64,<data>" as a Blob part {"inlineData":
// {mimeType, data}}; nullopt for any other text.
std::optional<json> inline_data_of(std::string_view uri) {
  if (!has_prefix_nocase(uri, "data:")) return std::nullopt;
  const auto comma = uri.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string_view header = uri.substr(5, comma - 5);
  constexpr std::string_view base64 = ";base64";
  if (header.size() < base64.size() ||
      !has_prefix_nocase(header.substr(header.size() - base64.size()), base64))
    return std::nullopt;
  const std::string_view mime = header.substr(0, header.find(';'));
  if (mime.empty()) return std::nullopt;
  return json{{"inlineData",
               {{"mimeType", std::string(mime)}, {"data", std::string(uri.substr(comma + 1))}}}};
}

// The image type a URL's file extension names, among the image types the
// Gemini API fetches from URLs (File input methods: External HTTP / Signed
// URLs, Supported content types). The reference asks for a MIME type with
// every file; FileData.mimeType is optional, so an unknown one is left out.
std::optional<std::string> image_type_of_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto slash = url.rfind('/');
  const auto period = url.rfind('.');
  if (period == std::string_view::npos || (slash != std::string_view::npos && period < slash))
    return std::nullopt;
  std::string extension;
  for (char c : url.substr(period + 1))
    extension.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (extension == "png") return "image/png";
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "webp") return "image/webp";
  if (extension == "bmp") return "image/bmp";
  return std::nullopt;
}

// A tool call's arguments as the object FunctionCall.args must be; "" (a
// call without arguments, as some clients write it) is {}.
std::optional<json> arguments_object(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = parse_bounded_json(text, client_text_bounds);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return std::move(*parsed);
}

// Empty text is left out everywhere: it says nothing, and Gemini refuses
// empty text parts.
void add_text(json& parts, const std::string& text) {
  if (!text.empty()) parts.push_back(json{{"text", text}});
}

class messages_translator {
 public:
  result<translated_messages> run(const json& messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (auto err = message(messages[i], at("messages", i))) return *err;
    }
    if (out_.contents.empty())
      return unsupported("messages", "Gemini needs a user or assistant message with content");
    return std::move(out_);
  }

 private:
  std::optional<error> message(const json& m, const std::string& path) {
    if (m.contains("name"))
      return unsupported(dot(path, "name"), "Gemini contents have no participant names");
    const std::string& role = str(m["role"]);
    if (role == "system" || role == "developer") {
      system(m["content"]);
      return std::nullopt;
    }
    if (role == "user") return user(m["content"], dot(path, "content"));
    if (role == "assistant") return assistant(m, path);
    return tool(m, path);
  }

  void system(const json& content) {
    if (content.is_string()) return add_text(out_.system_parts, str(content));
    for (const auto& part : content)
      add_text(out_.system_parts, str(part["text"]));
  }

  std::optional<error> user(const json& content, const std::string& path) {
    json parts = json::array();
    if (content.is_string()) {
      add_text(parts, str(content));
    } else {
      for (std::size_t j = 0; j < content.size(); ++j)
        if (auto err = user_part(content[j], at(path, j), parts)) return err;
    }
    push("user", std::move(parts));
    return std::nullopt;
  }

  std::optional<error> user_part(const json& part, const std::string& path, json& parts) {
    const std::string& type = str(part["type"]);
    if (type == "text") {
      add_text(parts, str(part["text"]));
      return std::nullopt;
    }
    if (type == "image_url") return image(part["image_url"], dot(path, "image_url"), parts);
    if (type == "input_audio") return audio(part["input_audio"], dot(path, "input_audio"), parts);
    return file(part["file"], dot(path, "file"), parts);
  }

  std::optional<error> image(const json& image_url, const std::string& path, json& parts) {
    const std::string& url = str(image_url["url"]);
    if (auto blob = inline_data_of(url)) {
      parts.push_back(std::move(*blob));
    } else if (has_prefix_nocase(url, "https://")) {
      // The Gemini API fetches public and signed https URLs given as
      // fileData.fileUri (File input methods: External HTTP / Signed URLs).
      json file_data{{"fileUri", url}};
      if (auto type = image_type_of_url(url)) file_data["mimeType"] = *type;
      parts.push_back(json{{"fileData", std::move(file_data)}});
    } else {
      return unsupported(dot(path, "url"),
                         "Gemini takes images as base64 data: URIs or https URLs it fetches "
                         "itself; llmopt never fetches them");
    }
    return detail(image_url, path);
  }

  // "detail" becomes generationConfig.mediaResolution, which is one for the
  // whole request.
  std::optional<error> detail(const json& image_url, const std::string& path) {
    auto it = image_url.find("detail");
    if (it == image_url.end() || str(*it) == "auto") return std::nullopt;
    const std::string wanted = str(*it) == "low" ? "MEDIA_RESOLUTION_LOW" : "MEDIA_RESOLUTION_HIGH";
    if (out_.media_resolution && *out_.media_resolution != wanted)
      return unsupported(dot(path, "detail"),
                         "Gemini sets one media resolution for a request; its images ask for "
                         "different details");
    out_.media_resolution = wanted;
    return std::nullopt;
  }

  std::optional<error> audio(const json& audio, const std::string& path, json& parts) {
    auto format = audio.find("format");  // optional to check_chat_request
    for (const char* known : {"wav", "mp3", "aiff", "aac", "ogg", "flac"})
      if (format != audio.end() && str(*format) == known) {
        parts.push_back(
            json{{"inlineData", {{"mimeType", "audio/" + str(*format)}, {"data", audio["data"]}}}});
        return std::nullopt;
      }
    return unsupported(dot(path, "format"),
                       "Gemini reads audio as wav, mp3, aiff, aac, ogg or flac");
  }

  std::optional<error> file(const json& file, const std::string& path, json& parts) {
    if (file.contains("file_id"))
      return unsupported(dot(path, "file_id"),
                         "an OpenAI file id names nothing Gemini can read; send file_data");
    auto data = file.find("file_data");
    std::optional<json> blob;
    if (data != file.end() && data->is_string()) blob = inline_data_of(str(*data));
    if (!blob)
      return unsupported(dot(path, "file_data"),
                         "Gemini takes a file as a base64 data: URI (file_data)");
    parts.push_back(std::move(*blob));
    if (file.contains("filename")) out_.dropped.push_back(dot(path, "filename"));
    return std::nullopt;
  }

  std::optional<error> assistant(const json& m, const std::string& path) {
    json parts = json::array();
    if (auto content = m.find("content"); content != m.end() && !content->is_null()) {
      if (content->is_string()) {
        add_text(parts, str(*content));
      } else {
        for (const auto& part : *content)  // text, or an earlier refusal: what the model said
          add_text(parts, str(part[str(part["type"]) == "text" ? "text" : "refusal"]));
      }
    }
    if (auto refusal = m.find("refusal"); refusal != m.end() && refusal->is_string())
      add_text(parts, str(*refusal));
    if (auto calls = m.find("tool_calls"); calls != m.end()) {
      const std::string calls_path = dot(path, "tool_calls");
      for (std::size_t k = 0; k < calls->size(); ++k) {
        const json& call = (*calls)[k];
        const json& function = call["function"];
        auto args = arguments_object(str(function["arguments"]));
        if (!args)
          return unsupported(at(calls_path, k) + ".function.arguments",
                             "Gemini takes function call arguments as a JSON object");
        json part{{"functionCall",
                   {{"id", call["id"]}, {"name", function["name"]}, {"args", std::move(*args)}}}};
        if (k == 0) part["thoughtSignature"] = stand_in_signature;  // the first call of a step
        call_names_[str(call["id"])] = str(function["name"]);
        parts.push_back(std::move(part));
      }
    }
    push("model", std::move(parts));
    return std::nullopt;
  }

  std::optional<error> tool(const json& m, const std::string& path) {
    const std::string& id = str(m["tool_call_id"]);
    auto name = call_names_.find(id);
    if (name == call_names_.end())
      return unsupported(dot(path, "tool_call_id"),
                         "no earlier assistant tool call has this id, and Gemini's "
                         "functionResponse needs the function's name");
    const json& content = m["content"];
    std::string text;
    if (content.is_string()) {
      text = str(content);
    } else {
      for (const auto& part : content)
        text += str(part["text"]);
    }
    // FunctionResponse.response is an object: a JSON object result goes as
    // it is, anything else as {"content": text}.
    auto parsed = parse_bounded_json(text, client_text_bounds);
    json response = parsed && parsed->is_object() ? std::move(*parsed) : json{{"content", text}};
    json part{{"functionResponse",
               {{"id", id}, {"name", name->second}, {"response", std::move(response)}}}};
    if (in_tool_results_) {
      out_.contents.back()["parts"].push_back(std::move(part));
    } else {
      out_.contents.push_back(json{{"role", "user"}, {"parts", json::array({std::move(part)})}});
      in_tool_results_ = true;
    }
    return std::nullopt;
  }

  // A message that says nothing (only empty text) adds no content.
  void push(const char* role, json parts) {
    in_tool_results_ = false;
    if (parts.empty()) return;
    out_.contents.push_back(json{{"role", role}, {"parts", std::move(parts)}});
  }

  translated_messages out_;
  std::map<std::string, std::string> call_names_;  // tool call id -> function name
  bool in_tool_results_ = false;                   // the last content collects tool results
};

}  // namespace

result<translated_messages> translate_messages(const json& messages) {
  return messages_translator().run(messages);
}

}  // namespace llmopt::wire::gemini
