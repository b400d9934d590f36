#include "actors/exposure.hpp"

#include <arpa/inet.h>

namespace llmopt {

bool listens_on_loopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon == std::string::npos ? listen.size() : colon);
  if (host == "localhost") return true;
  // Addresses only: a name such as "127.example.com" may resolve anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr v6{};
    host = host.substr(1, host.size() - 2);
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

status check_exposure(const settings& s) {
  if (listens_on_loopback(s.http.listen)) return ok_status();
  const std::string where = "http.listen = \"" + s.http.listen + "\" is not a loopback address";
  if (!s.auth.required)
    return error{"startup", where +
                                ": auth.required = false would let anyone who reaches it "
                                "spend the provider keys; set auth.required = true"};
  if (s.admin.token.empty())
    return error{"startup", where +
                                ": the admin API needs admin.token (a ${NAME} reference "
                                "to the environment variable holding the token)"};
  return ok_status();
}

}  // namespace llmopt
