#pragma once
// Names in input files, for the parameter-file and sweep loaders (io/ only; includes toml++):
// the identifier rule, the candidates a "did you mean" picks from, an enum's value by name, and
// a compartment, species or parameter of a model by name. Each refusal is an InputError at the
// name, suggesting the nearest known one.
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "core/NameTable.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

/// Names of species, compartments, parameters and metrics appear in equations, --set and result
/// files: they must be identifiers, or "2cargo" would read as two of "cargo".
bool isIdentifier(const std::string& name);

/// The rule isIdentifier checks, for messages ("invalid species name: " + kIdentifierRule).
extern const char* const kIdentifierRule;

/// The `name` of every item: the candidates for didYouMean.
template <class T>
std::vector<std::string> names(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    return out;
}

/// The value of an enum named by the string `n` (core/NameTable.hpp: `fromName`, `known` its
/// xFromName and xNames), or an InputError "unknown WHAT 'x' (did you mean 'y'?); expected a, b or c".
template <class FromName>
auto namedValue(const Document& doc, const toml::node& n, const std::string& field, const std::string& what,
                FromName fromName, const std::vector<std::string>& known) {
    const std::string name = doc.string(n, field);
    const auto value = fromName(name);
    if (!value) doc.fail(n, field, "unknown " + what + " '" + name + "'" + didYouMean(name, known) + "; expected " + alternatives(known));
    return *value;
}

/// The index of the compartment, species or parameter `name` in `m`, or an InputError at `at`
/// ("unknown species 'x' (did you mean 'y'?)").
std::size_t compartmentNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                             const std::string& name);
std::size_t speciesNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                         const std::string& name);
std::size_t parameterNamed(const Document& doc, const Model& m, const toml::source_region& at, const std::string& field,
                           const std::string& name);

}  // namespace egress
