#include "io/TomlPrecheck.hpp"

#include <cstdio>
#include <vector>

#include "core/Error.hpp"

namespace egress {

namespace {

struct Char {
    char32_t cp = 0;
    int line = 1;
    int column = 1;
};

std::string hexByte(unsigned char b) {
    char s[8];
    std::snprintf(s, sizeof s, "0x%02X", b);
    return s;
}

std::string codePoint(char32_t c) {
    char s[16];
    std::snprintf(s, sizeof s, "U+%04X", static_cast<unsigned>(c));
    return s;
}

/// The text as characters with their places; throws at the first byte that is not UTF-8.
std::vector<Char> decodeUtf8(const std::string& path, const std::string& text) {
    std::vector<Char> chars;
    chars.reserve(text.size());
    int line = 1, column = 1;
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const auto b = static_cast<unsigned char>(text[i]);
        auto fail = [&](const std::string& why) {
            throw InputError(path, line, column, "invalid UTF-8: " + why + "; the file must be UTF-8 text");
        };
        std::size_t length = 1;
        char32_t cp = b;
        if (b >= 0x80) {
            if (b <= 0xBF) fail("byte " + hexByte(b) + " continues a character that never started");
            if (b <= 0xC1) fail("byte " + hexByte(b) + " starts only overlong encodings");
            if (b >= 0xF5) fail("byte " + hexByte(b) + " never occurs in UTF-8");
            length = b <= 0xDF ? 2 : b <= 0xEF ? 3 : 4;
            cp = b & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
            for (std::size_t k = 1; k < length; ++k) {
                if (i + k >= n || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
                    fail("the character that starts with byte " + hexByte(b) + " is cut off (" + std::to_string(length) +
                         " bytes expected)");
                cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
            }
            if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000))
                fail("overlong encoding of " + codePoint(cp));
            if (cp >= 0xD800 && cp <= 0xDFFF) fail("encoded surrogate " + codePoint(cp) + " (not a character)");
            if (cp > 0x10FFFF) fail("code point above U+10FFFF");
        }
        chars.push_back({cp, line, column});
        i += length;
        if (cp == U'\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return chars;
}

bool isAsciiWhitespace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n'; }

class Scanner {
public:
    Scanner(const std::string& path, std::vector<Char> chars) : path_(path), chars_(std::move(chars)) {}

    void run() {
        std::size_t i = 0;
        if (!chars_.empty() && chars_[0].cp == 0xFEFF) i = 1;  // a byte-order mark
        while (i < chars_.size()) {
            const char32_t c = chars_[i].cp;
            if (c == U'#') {
                while (i < chars_.size() && chars_[i].cp != U'\n') ++i;  // a comment may hold anything
            } else if (c == U'"' || c == U'\'') {
                i = string(i);
            } else if (c >= 0x80) {
                fail(i, "non-ASCII character " + codePoint(c) +
                            " outside a quoted string or comment: TOML allows it only inside quotes and comments");
            } else {
                ++i;
            }
        }
    }

private:
    [[noreturn]] void fail(std::size_t i, const std::string& message) const {
        throw InputError(path_, chars_[i].line, chars_[i].column, message);
    }
    char32_t at(std::size_t i) const { return i < chars_.size() ? chars_[i].cp : 0; }

    /// A quoted string from its opening quote; returns the index after it.
    std::size_t string(std::size_t i) {
        const char32_t quote = chars_[i].cp;
        const bool basic = quote == U'"';
        const bool multiLine = at(i + 1) == quote && at(i + 2) == quote;
        std::size_t j = i + (multiLine ? 3 : 1);
        bool escaped = false;
        while (j < chars_.size()) {
            const char32_t c = chars_[j].cp;
            if (!multiLine && c == U'\n') return j;  // unterminated: toml++ reports it
            if (escaped) {  // the character after a backslash (toml++ checks which escapes exist)
                escaped = false;
                if (multiLine && c >= 0x80)
                    fail(j, "non-ASCII character " + codePoint(c) +
                                " after a backslash in a multi-line string: toml++ 3.3.0 cannot read it");
                ++j;
                continue;
            }
            if (c == quote) {
                if (!multiLine) return j + 1;
                if (at(j + 1) == quote && at(j + 2) == quote) {
                    j += 3;
                    for (int extra = 0; extra < 2 && at(j) == quote; ++extra) ++j;  // """a"""" is a"
                    return j;
                }
            }
            if (basic && c == U'\\') {
                if (multiLine && isAsciiWhitespace(at(j + 1))) {
                    // A line-ending backslash: toml++ skips the whitespace and line breaks that
                    // follow and asks of the first other character whether it is whitespace.
                    std::size_t k = j + 1;
                    while (k < chars_.size() && isAsciiWhitespace(chars_[k].cp)) ++k;
                    if (at(k) >= 0x80)
                        fail(k, "non-ASCII character " + codePoint(at(k)) +
                                    " first after a line-ending backslash in a multi-line string: toml++ 3.3.0 "
                                    "cannot read it; write it as an escape (\\u" +
                                    codePoint(at(k)).substr(2) + ") or start the line with an ASCII character");
                    j = k;
                    continue;
                }
                escaped = true;
            }
            ++j;
        }
        return j;
    }

    const std::string& path_;
    std::vector<Char> chars_;
};

}  // namespace

void precheckTomlText(const std::string& path, const std::string& text) {
    Scanner(path, decodeUtf8(path, text)).run();
}

}  // namespace egress
