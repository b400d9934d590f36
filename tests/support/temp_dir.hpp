#pragma once

#include <string>

namespace llmopt::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object goes out of scope.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `text` to `path`, replacing it.
void write_file(const std::string& path, const std::string& text);
// The whole file; empty if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace llmopt::test
