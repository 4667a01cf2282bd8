#pragma once
// One TOML document read with toml++, every problem an InputError at FILE:LINE:COLUMN naming the
// field: shared by the parameter-file loader and the sweep loader (io/ only; the core never
// sees TOML).
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <cstdint>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "io/TomlPrecheck.hpp"

namespace egress {

/// " (did you mean 'x'?)" for the closest candidate within a few edits, or "".
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates);

/// The whole file, or an InputError naming `what` ("parameter file").
std::string readTextFile(const std::string& path, const std::string& what);

/// "a table", "a string", ...: for "expected X, found Y".
const char* tomlTypeName(const toml::node& n);

/// Reads one TOML document, turning every problem into an InputError at the right place.
class Document {
public:
    Document(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
        precheckTomlText(path_, text_);  // what toml++ 3.3.0 cannot read safely (io/TomlPrecheck.hpp)
        try {
            root_ = toml::parse(text_, path_);
        } catch (const toml::parse_error& e) {
            const int line = static_cast<int>(e.source().begin.line);
            int column = static_cast<int>(e.source().begin.column);
            const std::string description(e.description());
            // toml++ places a redefined key at its value; the user looks for the key, which starts the line.
            if (description.find("redefine") != std::string::npos) column = firstColumnOfLine(line);
            throw InputError(path_, line, column, "invalid TOML: " + description);
        }
    }

    const toml::table& root() const { return root_; }

    int firstColumnOfLine(int line) const {
        std::istringstream lines(text_);
        std::string text;
        for (int i = 0; i < line && std::getline(lines, text); ++i) {}
        const auto first = text.find_first_not_of(" \t");
        return first == std::string::npos ? 1 : static_cast<int>(first) + 1;
    }
    const std::string& path() const { return path_; }

    [[noreturn]] void fail(const toml::source_region& at, const std::string& field, const std::string& msg) const {
        throw InputError(path_, static_cast<int>(at.begin.line), static_cast<int>(at.begin.column),
                         field.empty() ? msg : field + ": " + msg);
    }
    [[noreturn]] void fail(const toml::node& at, const std::string& field, const std::string& msg) const {
        fail(at.source(), field, msg);
    }

    /// Where byte `offset` of the value of string node `n` was written: inside the quotes, after
    /// escapes and line-ending backslashes, on the right line of a multi-line string. The node's
    /// own place when the text there is not the string's opening quote; the closing quote for an
    /// offset at or past the end.
    toml::source_region positionInString(const toml::node& n, std::size_t offset) const;

    std::string warning(const toml::source_region& at, const std::string& field, const std::string& msg) const {
        return path_ + ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column) +
               ": warning: " + field + ": " + msg;
    }

    /// Rejects keys outside `allowed`, suggesting the nearest allowed one.
    void checkKeys(const toml::table& table, const std::string& where, const std::vector<std::string>& allowed) const {
        for (const auto& [key, node] : table) {
            const std::string name(key.str());
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                fail(key.source(), join(where, name), "unknown key '" + name + "'" + didYouMean(name, allowed));
        }
    }

    const toml::table& table(const toml::node& n, const std::string& field) const {
        if (const auto* t = n.as_table()) return *t;
        fail(n, field, std::string("expected a table, found ") + tomlTypeName(n));
    }

    double number(const toml::node& n, const std::string& field) const {
        if (const auto* v = n.as_floating_point()) {
            if (!std::isfinite(v->get())) fail(n, field, "must be a finite number");
            return v->get();
        }
        if (const auto* v = n.as_integer()) return static_cast<double>(v->get());
        fail(n, field, std::string("expected a number, found ") + tomlTypeName(n));
    }

    double nonNegative(const toml::node& n, const std::string& field) const {
        const double v = number(n, field);
        if (v < 0.0) fail(n, field, "must not be negative (found " + formatNumber(v) + ")");
        return v;
    }

    double positive(const toml::node& n, const std::string& field) const {
        const double v = number(n, field);
        if (!(v > 0.0)) fail(n, field, "must be positive (found " + formatNumber(v) + ")");
        return v;
    }

    std::int64_t integer(const toml::node& n, const std::string& field) const {
        if (const auto* v = n.as_integer()) return v->get();
        fail(n, field, std::string("expected an integer, found ") + tomlTypeName(n));
    }

    std::string string(const toml::node& n, const std::string& field) const {
        if (const auto* v = n.as_string()) return v->get();
        fail(n, field, std::string("expected a string, found ") + tomlTypeName(n));
    }

    bool boolean(const toml::node& n, const std::string& field) const {
        if (const auto* v = n.as_boolean()) return v->get();
        fail(n, field, std::string("expected true or false, found ") + tomlTypeName(n));
    }

    const toml::node& require(const toml::table& t, const std::string& key, const std::string& where) const {
        if (const auto* n = t.get(key)) return *n;
        fail(t.source(), where, "missing required key '" + key + "'");
    }

    static std::string join(const std::string& where, const std::string& key) {
        return where.empty() ? key : where + "." + key;
    }
    static std::string formatNumber(double v) {
        std::ostringstream s;
        s << v;
        return s.str();
    }

private:
    std::string path_;
    std::string text_;
    toml::table root_;
};


}  // namespace egress
