#pragma once

#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt::test {

// Headless Chromium on `url` (a file:// or http:// address), with a profile
// of its own in `dir` (no state shared with another run or the user's
// browser) and `args` (--dump-dom, --screenshot=FILE, ...). REQUIREs exit 0;
// FAILs when Chromium is missing: CI installs it (deploy/install-deps.sh),
// so a skip would hide a broken setup.
run_result chromium(const temp_dir& dir, const std::vector<std::string>& args,
                    const std::string& url);

// The size of a screenshot of `url`, after checking it is a PNG.
std::size_t screenshot_size(const temp_dir& dir, const std::string& url,
                            const std::string& png_file, const std::vector<std::string>& args = {});

}  // namespace llmopt::test
