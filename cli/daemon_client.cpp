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

result<nlohmann::json> daemon_get(const loaded_config& config, const std::string& path,
                                  const std::optional<std::string>& url) {
  const auto& s = config.values;
  auto token = resolve_secret(s.admin.token, process_env());
  if (!token) return error{"admin", "admin.token: " + token.err().detail};
  const std::string target = base_url(s, url) + path;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return error{"admin", "cannot start an HTTP request"};
  std::string body;
  char why[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  if (!token->empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + *token).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  curl_easy_setopt(h.get(), CURLOPT_URL, target.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, why);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(h.get()) != CURLE_OK)
    return error{"admin", target + ": " + why + " (is `llmopt serve` running with this config?)"};
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 401)
    return error{"admin", target + ": 401: the daemon wants the admin token (admin.token's "
                                   "variable, set in this environment too)"};
  if (status != 200) return error{"admin", target + ": HTTP " + std::to_string(status)};
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return error{"admin", target + ": the answer is not JSON"};
  return parsed;
}

}  // namespace llmopt
