#pragma once

// Internal to adapters/providers: RAII owners of libcurl's C handles. Every
// CURL*, CURLM* and curl_slist* in llmopt lives in one of these.

#include <curl/curl.h>

#include <memory>

namespace llmopt::curl {

struct easy_deleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct multi_deleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct slist_deleter {
  void operator()(curl_slist* h) const { curl_slist_free_all(h); }
};

using easy_handle = std::unique_ptr<CURL, easy_deleter>;
using multi_handle = std::unique_ptr<CURLM, multi_deleter>;
using slist_handle = std::unique_ptr<curl_slist, slist_deleter>;

// Initialises libcurl once per process (thread-safe); call before creating
// any handle.
void ensure_global_init();

// Appends one "Name: value" line to `list`. Returns false when out of memory
// (the list is then unchanged).
bool append(slist_handle& list, const char* line);

}  // namespace llmopt::curl
