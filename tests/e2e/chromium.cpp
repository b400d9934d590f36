#include "tests/e2e/chromium.hpp"

#include <catch2/catch.hpp>

#include <chrono>

#include "tests/support/text.hpp"

namespace llmopt::test {

run_result chromium(const temp_dir& dir, const std::vector<std::string>& args,
                    const std::string& url) {
  std::vector<std::string> argv = {"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                   "--user-data-dir=" + dir.file("chromium-profile")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  auto r = run(argv, {}, std::chrono::seconds(90));
  if (r.exit_code == 127 && r.err.find("exec chromium") != std::string::npos)
    FAIL("chromium is not installed: run deploy/install-deps.sh (" << r.err << ")");
  INFO("chromium stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

std::size_t screenshot_size(const temp_dir& dir, const std::string& url,
                            const std::string& png_file, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--screenshot=" + png_file, "--window-size=1200,900"};
  all.insert(all.end(), args.begin(), args.end());
  chromium(dir, all, url);
  auto png = read_file(png_file);
  REQUIRE(png.size() > 8);
  REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  return png.size();
}

}  // namespace llmopt::test
