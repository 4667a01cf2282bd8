#pragma once
// The names of an enum's values in files, messages and results, written once as a table that
// both directions read: xName(value) for output, xFromName(text) for input, xNames() for "did
// you mean" and "expected a, b or c". Each enum's table lives next to its xName function.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace egress {

template <class Enum>
struct NamedValue {
    Enum value;
    const char* name;
};

/// The name of `value`; "?" when the table lacks it.
template <class Enum, std::size_t N>
const char* nameOf(const NamedValue<Enum> (&table)[N], Enum value) {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return "?";
}

/// The value named `name` exactly; empty when none is.
template <class Enum, std::size_t N>
std::optional<Enum> valueNamed(const NamedValue<Enum> (&table)[N], std::string_view name) {
    for (const auto& entry : table)
        if (name == entry.name) return entry.value;
    return std::nullopt;
}

/// Every name, in table order.
template <class Enum, std::size_t N>
std::vector<std::string> namesOf(const NamedValue<Enum> (&table)[N]) {
    std::vector<std::string> out;
    out.reserve(N);
    for (const auto& entry : table) out.emplace_back(entry.name);
    return out;
}

/// "a", "a or b", "a, b or c": the names for "expected ..." in messages.
inline std::string alternatives(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += names[i];
    }
    return out;
}

}  // namespace egress
