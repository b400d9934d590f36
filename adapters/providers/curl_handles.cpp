#include "adapters/providers/curl_handles.hpp"

#include <mutex>

namespace llmopt::curl {

void ensure_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool append(slist_handle& list, const char* line) {
  curl_slist* grown = curl_slist_append(list.get(), line);
  if (!grown) return false;
  list.release();  // `grown` is the same list, one node longer
  list.reset(grown);
  return true;
}

}  // namespace llmopt::curl
