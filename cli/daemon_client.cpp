#include "cli/daemon_client.hpp"

#include <curl/curl.h>

#include <fstream>
#include <memory>

#include "config/loader.hpp"

namespace llmopt {
namespace {

constexpr std::size_t max_reply_bytes = 64 << 20;

std::string base_url(const settings& s, const std::optional<std::string>& url) {
  if (url) return *url;
  std::ifstream written(s.state_dir + "/http.address");
  std::string line;
  if (written && std::getline(written, line) && !line.empty()) return line;
  return "http://" + s.http.listen;
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > max_reply_bytes) return 0;  // stops the transfer
  body->append(data, size * n);
  return size * n;
}

}  // namespace

result<daemon_answer> daemon_call(const loaded_config& config, const std::string& method,
                                  const std::string& path, const std::string& body,
                                  const std::optional<std::string>& url) {
  const auto& s = config.values;
  auto token = resolve_secret(s.admin.token, process_env());
  if (!token) return error{"admin", "admin.token: " + token.err().detail};
  const std::string target = base_url(s, url) + path;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return error{"admin", "cannot start an HTTP request"};
  std::string reply;
  char why[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  if (!token->empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + *token).c_str());
  if (method == "POST") headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  curl_easy_setopt(h.get(), CURLOPT_URL, target.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  if (method == "POST") {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, why);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(h.get()) != CURLE_OK)
    return error{"admin", target + ": " + why + " (is `llmopt serve` running with this config?)"};
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 401)
    return error{"admin", target +
                              ": 401: the daemon wants the admin token (admin.token's "
                              "variable, set in this environment too)"};
  auto parsed = nlohmann::json::parse(reply, nullptr, false);
  if (parsed.is_discarded())
    return error{"admin", target + ": HTTP " + std::to_string(status) + ", not JSON"};
  return daemon_answer{status, std::move(parsed)};
}

result<nlohmann::json> daemon_get(const loaded_config& config, const std::string& path,
                                  const std::optional<std::string>& url) {
  auto answer = daemon_call(config, "GET", path, {}, url);
  if (!answer) return answer.err();
  if (answer->status != 200)
    return error{"admin", path + ": HTTP " + std::to_string(answer->status)};
  return std::move(answer->body);
}

}  // namespace llmopt
