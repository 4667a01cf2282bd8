#pragma once
// The equation of a reaction, "REACTANTS -> PRODUCTS" with each side "[COUNT] SPECIES + ...",
// read against a model's species. io/ only; includes toml++.
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

/// Largest stoichiometric coefficient: beyond it, x^v/v! and binomials overflow doubles anyway.
constexpr long long kMaxStoichiometry = 1000;

struct Equation {
    std::vector<SpeciesCount> reactants;  ///< a species written twice is one term with the counts summed
    std::vector<SpeciesCount> products;
};

/// Parses `text`, the string at `at`; every problem is an InputError there, naming `field`.
Equation parseEquation(const Document& doc, const Model& m, const toml::node& at, const std::string& field,
                       const std::string& text);

}  // namespace egress
