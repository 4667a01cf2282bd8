#include "io/ModelSearchPath.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>

// Set by engine/CMakeLists.txt. The source tree's models/ (absolute), and the installed models
// directory relative to the installed program's directory (for the default layout,
// bin/egress and share/egress/models: "../share/egress/models").
#ifndef EGRESS_MODELS_DIR
#define EGRESS_MODELS_DIR ""
#endif
#ifndef EGRESS_INSTALLED_MODELS_DIR
#define EGRESS_INSTALLED_MODELS_DIR "../share/egress/models"
#endif

namespace egress {

namespace fs = std::filesystem;

std::string installedModelDirectory() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty()) return {};
    return (exe.parent_path() / EGRESS_INSTALLED_MODELS_DIR).lexically_normal().string();
}

std::vector<std::string> modelSearchPath() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("EGRESS_MODEL_PATH")) {
        std::stringstream s(env);
        std::string dir;
        while (std::getline(s, dir, ':'))
            if (!dir.empty()) dirs.push_back(dir);
    }
    const std::string installed = installedModelDirectory();
    std::error_code ec;
    if (!installed.empty() && fs::is_directory(installed, ec)) dirs.push_back(installed);
    else if (std::string(EGRESS_MODELS_DIR).size() > 0) dirs.emplace_back(EGRESS_MODELS_DIR);
    return dirs;
}

}  // namespace egress
