#include "io/InputNames.hpp"

#include <algorithm>
#include <cctype>

namespace egress {

bool isIdentifier(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

const char* const kIdentifierRule = "names must start with a letter or '_' and contain only letters, digits and '_'";

std::size_t compartmentNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                             const std::string& name) {
    const auto ci = m.findCompartment(name);
    if (!ci) doc.fail(at, field, "unknown compartment '" + name + "'" + didYouMean(name, names(m.compartments)));
    return *ci;
}

std::size_t speciesNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                         const std::string& name) {
    const auto si = m.findSpecies(name);
    if (!si) doc.fail(at, field, "unknown species '" + name + "'" + didYouMean(name, names(m.species)));
    return *si;
}

std::size_t parameterNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                           const std::string& name) {
    const auto pi = m.findParameter(name);
    if (!pi) doc.fail(at, field, "unknown parameter '" + name + "'" + didYouMean(name, names(m.parameters)));
    return *pi;
}

}  // namespace egress
