#pragma once
// The checks a TOML text must pass before toml++ 3.3.0 (Debian 12) may parse it. That version
// reaches __builtin_unreachable() -- undefined behaviour, a crash under sanitizers -- when it
// asks whether some non-ASCII characters are whitespace (toml::impl::is_non_ascii_horizontal_
// whitespace: U+00A1..U+0499, U+2C4E..U+3047 and U+FB86..U+FEFE; upstream issues #190 and #295,
// fixed by pull request #305 in a later release). It asks that of every character outside quoted
// strings and comments (where it skips whitespace and where it looks for the end of a value), of
// the character after a backslash in a multi-line basic string, and of the first character after
// a line-ending backslash there. So, before parsing:
//   - the text must be UTF-8 (no overlong encodings, surrogates, code points above U+10FFFF,
//     stray continuation bytes, bytes C0, C1 or F5..FF, cut-off sequences);
//   - non-ASCII characters may appear only inside quoted strings (keys or values) and comments,
//     which is all TOML allows anyway;
//   - in a multi-line basic string, neither the character after a backslash nor the first
//     character after a line-ending backslash may be non-ASCII (the second is valid TOML that
//     toml++ 3.3.0 cannot read; an escape such as \u00A7 says the same).
// A leading byte-order mark is allowed. Positions are 1-based lines and columns counted in
// characters, as toml++ counts them. tests/unit/TomlPrecheckTest.cpp parses what passes with a
// copy of toml++ whose unreachable points trap.
#include <string>

namespace egress {

/// Throws InputError(path, line, column, message) at the first character that breaks a rule above.
void precheckTomlText(const std::string& path, const std::string& text);

}  // namespace egress
