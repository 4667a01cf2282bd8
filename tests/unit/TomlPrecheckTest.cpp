// What toml++ 3.3.0 cannot parse safely is refused before it parses (engine/io/TomlPrecheck.hpp;
// issue 15, bug 9). This executable compiles toml++ header-only with -fsanitize=unreachable and
// traps on it, so a text that reaches its TOML_UNREACHABLE kills the test instead of passing
// silently (the release build links Debian's uninstrumented libtomlplusplus, where the same input
// is undefined behaviour that happens to end in a parse error).
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "io/TomlPrecheck.hpp"

using egress::InputError;
using egress::precheckTomlText;

namespace {

struct Outcome {
    bool refused = false;
    int line = 0, column = 0;
    std::string message;
};

/// The precheck, then (when it lets the text through) the instrumented parser.
Outcome check(const std::string& text) {
    Outcome o;
    try {
        precheckTomlText("t.toml", text);
    } catch (const InputError& e) {
        o.refused = true;
        o.line = e.line();
        o.column = e.column();
        o.message = e.message();
        return o;
    }
    try {
        (void)toml::parse(std::string_view(text), std::string("t.toml"));
    } catch (const toml::parse_error&) {
        // a clean parse error: fine, the loader reports it with its place
    }
    return o;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

// Characters: ones toml++ 3.3.0 traps on at the wrong place (U+00A1..U+0499, U+2C4E..U+3047
// without U+3000, U+FB86..U+FEFE), ones it does not, and the borders of those ranges.
const std::map<std::string, std::string> kCharacters = {
    {"U+00A7", "\xC2\xA7"},        {"U+00FC", "\xC3\xBC"},         {"U+00A0", "\xC2\xA0"},
    {"U+0499", "\xD2\x99"},        {"U+049A", "\xD2\x9A"},         {"U+2013", "\xE2\x80\x93"},
    {"U+2028", "\xE2\x80\xA8"},    {"U+2C4E", "\xE2\xB1\x8E"},     {"U+3000", "\xE3\x80\x80"},
    {"U+3001", "\xE3\x80\x81"},    {"U+FB86", "\xEF\xAE\x86"},     {"U+FEFE", "\xEF\xBB\xBE"},
    {"U+FEFF", "\xEF\xBB\xBF"},    {"U+1F600", "\xF0\x9F\x98\x80"},
};
// Byte sequences that are not UTF-8.
const std::map<std::string, std::string> kNotUtf8 = {
    {"overlong C0", "\xC0\xAF"},          {"overlong C1", "\xC1\xBF"},       {"overlong E0", "\xE0\x80\xAF"},
    {"overlong F0", "\xF0\x80\x80\xAF"},  {"surrogate D800", "\xED\xA0\x80"}, {"surrogate DFFF", "\xED\xBF\xBF"},
    {"above 10FFFF", "\xF4\x90\x80\x80"}, {"F5", "\xF5\x80\x80\x80"},        {"FF", "\xFF"},
    {"FE", "\xFE"},                       {"lone 80", "\x80"},               {"lone BF", "\xBF"},
    {"cut 2", "\xC3"},                    {"cut 3", "\xE2\x82"},             {"cut 4", "\xF0\x9F\x98"},
    {"latin-1 F7", "\xF7"},
};
// Places: X marks where the character goes. "quoted" places are strings and comments, where TOML
// allows any character; the rest are bare places, where it allows none outside ASCII.
struct Place {
    const char* name;
    const char* text;
    bool quoted;
};
const std::vector<Place> kPlaces = {
    {"after a value", "a = 1 X\n", false},          {"a line", "X\n", false},
    {"bare key", "aX = 1\n", false},                {"before =", "a X= 1\n", false},
    {"value start", "a = X\n", false},              {"inside a number", "a = 1X2\n", false},
    {"after true", "a = trueX\n", false},           {"after true and a space", "a = true X\n", false},
    {"after nan", "a = nanX\n", false},             {"after a date", "a = 1979-05-27X\n", false},
    {"after a string", "a = \"x\"X\n", false},      {"after a float", "a = 1.5X\n", false},
    {"bare table header", "[aX]\n", false},         {"after \"\"\"\"", "a = \"\"\"x\"\"\"\"X\"\n", false},
    {"quoted key", "\"aX\" = 1\n", true},           {"literal key", "'aX' = 1\n", true},
    {"escaped in key", "\"a\\X\" = 1\n", true},     {"dotted quoted key", "a.\"X\" = 1\n", true},
    {"quoted table header", "[\"X\"]\n", true},     {"array of tables", "[[\"X\"]]\n", true},
    {"basic string", "a = \"xX\"\n", true},         {"literal string", "a = 'xX'\n", true},
    {"multi-line string", "a = \"\"\"\nxX\n\"\"\"\n", true},
    {"multi-line literal", "a = '''\nX\n'''\n", true},
    {"escaped in a string", "a = \"x\\X\"\n", true},
    {"comment", "a = 1 # X\n", true},               {"comment line", "# X\n", true},
    {"array", "a = [\"x\", \"X\"]\n", true},         {"inline table", "a = { b = \"X\" }\n", true},
    {"unterminated string", "a = \"xX\n", true},
    // Multi-line basic strings, where toml++ 3.3.0 looks at escapes and line-ending backslashes.
    {"after a backslash", "a = \"\"\"x\\X\"\"\"\n", false},
    {"after a line-ending backslash", "a = \"\"\"x \\\n   X y\"\"\"\n", false},
    {"after a backslash and spaces", "a = \"\"\"x \\  X\"\"\"\n", false},
    {"after a line-ending backslash and blank lines", "a = \"\"\"x \\\n\n\t X\"\"\"\n", false},
    {"after a line-ending backslash, not first", "a = \"\"\"x \\\n  yX\"\"\"\n", true},
};

}  // namespace

// Every character at every place: the text is refused exactly where TOML (or toml++ 3.3.0) cannot
// take the character, and whatever is let through parses without reaching an unreachable point.
TEST(TomlPrecheck, NonAsciiCharactersAreRefusedWhereTomlPlusPlusCannotTakeThem) {
    for (const auto& place : kPlaces) {
        for (const auto& [name, bytes] : kCharacters) {
            const std::string text = replaceAll(place.text, "X", bytes);
            const Outcome o = check(text);
            const bool bom = name == "U+FEFF" && std::string(place.text).rfind("X", 0) == 0;  // a leading BOM is allowed
            EXPECT_EQ(o.refused, !place.quoted && !bom) << name << " " << place.name << ": " << o.message;
            if (o.refused) {
                EXPECT_EQ(o.line, 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find(bytes)), '\n')))
                    << name << " " << place.name;
                EXPECT_NE(o.message.find(name), std::string::npos) << o.message;
            }
        }
    }
}

TEST(TomlPrecheck, BytesThatAreNotUtf8AreRefusedAtTheirPlace) {
    for (const auto& place : kPlaces) {
        for (const auto& [name, bytes] : kNotUtf8) {
            const std::string text = replaceAll(place.text, "X", bytes);
            const Outcome o = check(text);
            ASSERT_TRUE(o.refused) << name << " " << place.name;
            EXPECT_EQ(o.message.rfind("invalid UTF-8: ", 0), 0u) << o.message;
            const std::size_t at = text.find(bytes);
            const std::string before = text.substr(0, at);
            const auto lineStart = before.rfind('\n');
            const std::string lineText = lineStart == std::string::npos ? before : before.substr(lineStart + 1);
            EXPECT_EQ(o.column, 1 + static_cast<int>(lineText.size())) << name << " " << place.name;  // ASCII before it
        }
    }
}

TEST(TomlPrecheck, MessagesSayWhatIsWrong) {
    auto message = [](const std::string& text) { return check(text).message; };
    EXPECT_EQ(message("a = 1 \xC2\xA7\n"),
              "non-ASCII character U+00A7 outside a quoted string or comment: TOML allows it only inside quotes and comments");
    EXPECT_EQ(message("a = \"\xC0\xAF\"\n"), "invalid UTF-8: byte 0xC0 starts only overlong encodings; the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\xE0\x80\xAF\"\n"), "invalid UTF-8: overlong encoding of U+002F; the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\xED\xA0\x80\"\n"), "invalid UTF-8: encoded surrogate U+D800 (not a character); the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\xF4\x90\x80\x80\"\n"), "invalid UTF-8: code point above U+10FFFF; the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\x80\"\n"), "invalid UTF-8: byte 0x80 continues a character that never started; the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\xE2\x82\"\n"),
              "invalid UTF-8: the character that starts with byte 0xE2 is cut off (3 bytes expected); the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\xFF\"\n"), "invalid UTF-8: byte 0xFF never occurs in UTF-8; the file must be UTF-8 text");
    EXPECT_EQ(message("a = \"\"\"x \\\n  \xC2\xA7 y\"\"\"\n"),
              "non-ASCII character U+00A7 first after a line-ending backslash in a multi-line string: toml++ 3.3.0 cannot "
              "read it; write it as an escape (\\u00A7) or start the line with an ASCII character");
    const Outcome o = check("# \xC2\xA7\n[model]\nname = 'x' \xC3\xBC\n");
    EXPECT_EQ(o.line, 3);
    EXPECT_EQ(o.column, 12);
}

// The inputs that showed the toml++ bug (fuzz/known-third-party/tomlplusplus/) are refused, and
// the project's own parameter and model files all pass and parse.
TEST(TomlPrecheck, KnownInputsAndTheProjectsFiles) {
    namespace fs = std::filesystem;
    const fs::path root(EGRESS_SOURCE_DIR);
    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    };
    int known = 0;
    for (const auto& entry : fs::directory_iterator(root / "fuzz/known-third-party/tomlplusplus")) {
        if (entry.path().extension() == ".md") continue;
        EXPECT_TRUE(check(read(entry.path())).refused) << entry.path();
        ++known;
    }
    EXPECT_GE(known, 3);
    int own = 0;
    for (const char* dir : {"params", "models", "examples", "tests/data"}) {
        for (const auto& entry : fs::directory_iterator(root / dir)) {
            if (entry.path().extension() != ".toml") continue;
            const Outcome o = check(read(entry.path()));
            EXPECT_FALSE(o.refused) << entry.path() << ": " << o.message;
            ++own;
        }
    }
    EXPECT_GE(own, 4);
}
