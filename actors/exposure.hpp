#pragma once

#include <string>

#include "config/settings.hpp"
#include "decision/result.hpp"

namespace llmopt {

// True when `listen` ("host:port") binds to the loopback interface only:
// 127.0.0.0/8, [::1] or localhost.
bool listens_on_loopback(const std::string& listen);

// Refuses a gateway that listens beyond loopback without credentials: it
// needs auth.required = true and admin.token set. The error names the
// setting to change.
status check_exposure(const settings& s);

}  // namespace llmopt
