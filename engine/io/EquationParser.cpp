#include "io/EquationParser.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "io/InputNames.hpp"

namespace egress {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<SpeciesCount> parseSide(const Document& doc, const Model& m, const toml::node& at, const std::string& field,
                                    const std::string& side) {
    std::vector<SpeciesCount> out;
    if (trim(side).empty()) return out;
    std::stringstream terms(side);
    std::string term;
    while (std::getline(terms, term, '+')) {
        term = trim(term);
        if (term.empty()) doc.fail(at, field, "malformed equation: empty term between '+' signs");
        int count = 1;
        std::string name = term;
        std::size_t digits = 0;
        while (digits < term.size() && std::isdigit(static_cast<unsigned char>(term[digits]))) ++digits;
        if (digits > 0) {
            if (digits < term.size() && term[digits] == '.')
                doc.fail(at, field, "malformed equation: stoichiometry must be a positive integer in '" + term + "'");
            const long long value = digits > 6 ? kMaxStoichiometry + 1 : std::stoll(term.substr(0, digits));
            if (value <= 0 || value > kMaxStoichiometry)
                doc.fail(at, field, "malformed equation: stoichiometry must be a positive integer (at most " +
                                        std::to_string(kMaxStoichiometry) + ") in '" + term + "'");
            count = static_cast<int>(value);
            name = trim(term.substr(digits));
        }
        const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '_' || c == '.';
        });
        if (!valid) doc.fail(at, field, "malformed equation: '" + term + "' is not [COUNT] SPECIES");
        const std::size_t si = speciesNamed(doc, m, at.source(), field, name);
        auto same = std::find_if(out.begin(), out.end(), [&](const SpeciesCount& c) { return c.species == si; });
        const int merged = same != out.end() ? same->count + count : count;
        if (same != out.end()) same->count = merged;
        else out.push_back(SpeciesCount{si, count});
        if (merged > kMaxStoichiometry)
            doc.fail(at, field, "malformed equation: '" + name + "' appears more than " + std::to_string(kMaxStoichiometry) +
                                    " times on one side");
    }
    return out;
}

}  // namespace

Equation parseEquation(const Document& doc, const Model& m, const toml::node& at, const std::string& field,
                       const std::string& text) {
    const auto arrow = text.find("->");
    if (arrow == std::string::npos || text.find("->", arrow + 2) != std::string::npos)
        doc.fail(at, field, "malformed equation '" + text + "': expected 'REACTANTS -> PRODUCTS' with one '->'");
    Equation e;
    e.reactants = parseSide(doc, m, at, field, text.substr(0, arrow));
    e.products = parseSide(doc, m, at, field, text.substr(arrow + 2));
    return e;
}

}  // namespace egress
