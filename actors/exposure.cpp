#include "actors/exposure.hpp"

namespace llmopt {

bool listens_on_loopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string host = listen.substr(0, colon == std::string::npos ? listen.size() : colon);
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

status check_exposure(const settings& s) {
  if (listens_on_loopback(s.http.listen)) return ok_status();
  const std::string where = "http.listen = \"" + s.http.listen + "\" is not a loopback address";
  if (!s.auth.required)
    return error{"startup", where + ": auth.required = false would let anyone who reaches it "
                                    "spend the provider keys; set auth.required = true"};
  if (s.admin.token.empty())
    return error{"startup", where + ": the admin API needs admin.token (a ${NAME} reference "
                                    "to the environment variable holding the token)"};
  return ok_status();
}

}  // namespace llmopt
