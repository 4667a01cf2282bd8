#include "io/TomlDocument.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace egress {

namespace {
std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

}  // namespace

/// " (did you mean 'x'?)" for the closest candidate within a few edits, or "".
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t bestDistance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = editDistance(word, c);
        if (d < bestDistance) {
            bestDistance = d;
            best = c;
        }
    }
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string readTextFile(const std::string& path, const std::string& what) {
    std::error_code ec;
    namespace fs = std::filesystem;
    if (!fs::is_regular_file(path, ec)) throw InputError("", 0, 0, "cannot read " + what + " '" + path + "': not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("", 0, 0, "cannot read " + what + " '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

namespace {
bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// Bytes of the UTF-8 encoding of a code point.
std::size_t utf8Length(unsigned long cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }
}  // namespace

toml::source_region Document::positionInString(const toml::node& n, std::size_t offset) const {
    toml::source_region at = n.source();
    const auto line0 = static_cast<std::size_t>(at.begin.line), column0 = static_cast<std::size_t>(at.begin.column);
    // The byte where the node begins: toml++ counts lines and columns in code points from 1.
    std::size_t i = 0;
    for (std::size_t line = 1; line < line0 && i < text_.size(); ++i)
        if (text_[i] == '\n') ++line;
    for (std::size_t column = 1; column < column0 && i < text_.size();) {
        ++i;
        while (i < text_.size() && isContinuationByte(text_[i])) ++i;
        ++column;
    }
    if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) return at;
    const char quote = text_[i];
    const bool multiLine = text_.compare(i, 3, std::string(3, quote)) == 0;
    const bool literal = quote == '\'';
    toml::source_position pos = at.begin;
    auto advance = [&](std::size_t bytes) {  // over raw text on one line
        for (std::size_t k = 0; k < bytes && i < text_.size(); ++k, ++i)
            if (!isContinuationByte(text_[i])) ++pos.column;
    };
    auto newline = [&] {
        i += text_[i] == '\r' ? 2 : 1;
        ++pos.line;
        pos.column = 1;
    };
    advance(multiLine ? 3 : 1);
    if (multiLine && i < text_.size() && (text_[i] == '\n' || text_[i] == '\r')) newline();  // trimmed by TOML
    std::size_t decoded = 0;
    while (i < text_.size()) {
        const char c = text_[i];
        if (c == quote && (!multiLine || text_.compare(i, 3, std::string(3, quote)) == 0)) break;  // the closing quote
        const char e = i + 1 < text_.size() ? text_[i + 1] : '\0';
        if (c == '\\' && !literal && multiLine && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
            // A line-ending backslash and the whitespace after it stand for nothing: skip them
            // before asking whether the offset is reached, so the place is on the next text.
            advance(1);
            while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
                if (text_[i] == '\n' || text_[i] == '\r') newline();
                else advance(1);
            }
            continue;
        }
        if (decoded >= offset) break;
        if (c == '\n' || c == '\r') {
            if (!multiLine) break;
            newline();
            ++decoded;
            continue;
        }
        if (c == '\\' && !literal && i + 1 < text_.size()) {
            if (e == 'u' || e == 'U') {
                const std::size_t digits = e == 'u' ? 4 : 8;
                const unsigned long cp = std::strtoul(text_.substr(i + 2, digits).c_str(), nullptr, 16);
                advance(2 + digits);
                decoded += utf8Length(cp);
                continue;
            }
            advance(2);
            ++decoded;
            continue;
        }
        std::size_t bytes = 1;
        while (i + bytes < text_.size() && isContinuationByte(text_[i + bytes])) ++bytes;
        advance(bytes);
        decoded += bytes;
    }
    at.begin = pos;
    at.end = pos;
    return at;
}

const char* tomlTypeName(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        default: return "a date or time";
    }
}

}  // namespace egress
