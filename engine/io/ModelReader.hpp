#pragma once
// Reads a model (a model file, or the [model] table of a parameter file) into a Model:
// compartments, species, parameters with their cell-to-cell variability, reactions with their
// rate laws, and vesicle routes. In two passes, so that every parameter value is known (model,
// parameter file, --set) before a law or a run constant refers to one. io/ only; includes toml++.
#include <cstddef>
#include <string>
#include <vector>

#include "core/Model.hpp"
#include "io/ExpressionParser.hpp"
#include "io/LoadState.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

class ModelReader {
public:
    ModelReader(Model& model, LoadState& state) : model_(model), state_(state), expressions_(model) {}

    /// Pass one: the model's name, compartments, species and own [parameters]. `where` is the
    /// field path of the model table ("model" when inline, "" for a model file). Initial amounts
    /// given as parameter names wait for resolveInitials.
    void readStructure(const Document& doc, const toml::table& t, const std::string& where);

    /// A [parameters] table at `where`: the model's own (a second definition is an error) or the
    /// parameter file's (`fromParamsFile`: it overrides the model's value, and its units, cv,
    /// distribution and source where given).
    void readParameters(const Document& doc, const toml::node& n, const std::string& where, bool fromParamsFile);

    /// Orders parameters by name, like species and compartments, so that a model and its
    /// resolved file (one sorted table) index them alike: cell draws follow this order.
    void sortParametersByName();

    /// The initial amounts and membrane synthesis rates given as parameter names, once every
    /// parameter value is final.
    void resolveInitials();

    /// Pass two: [functions], [[reactions]], [[vesicles]] and [[events]] of the model table read by readStructure.
    void readProcesses(const Document& doc, const toml::table& t, const std::string& where);

private:
    void readVariability(const Document& doc, const toml::table& t, const std::string& field, Parameter& p);
    void readLaw(const Document& doc, const toml::table& t, const std::string& field, RateLaw& law,
                 std::vector<std::string> ownKeys, const std::string& useKey);
    void readFunctions(const Document& doc, const toml::node& n, const std::string& where);
    void readRules(const Document& doc, const toml::table& t, const std::string& where);
    /// A reaction or route that changes, or a law that reads directly, a species under a rule.
    void checkRuleSpecies(const Document& doc, const toml::node& at, const std::string& field, std::size_t species,
                          bool changes) const;
    void readReaction(const Document& doc, const toml::node& n, const std::string& field);
    void readRoute(const Document& doc, const toml::node& n, const std::string& field);
    void checkPerDonorArea(const Document& doc, const toml::table& t, const std::string& field, const VesicleRoute& r);
    void readStateEvent(const Document& doc, const toml::node& n, const std::string& field);
    Expression eventExpression(const Document& doc, const toml::node& n, const std::string& field) const;
    void refValue(const Document& doc, const toml::node& n, const std::string& field, ValueRef& target,
                  const std::string& useKey = "");

    struct PendingInitial {
        std::size_t species;  ///< or the compartment, in pendingSyntheses_
        const Document* document;
        const toml::node* node;
        std::string field;
    };

    Model& model_;
    LoadState& state_;
    std::vector<PendingInitial> pendingInitials_;  ///< initial amounts given as parameter names
    std::vector<PendingInitial> negativeInitials_;  ///< literal initial amounts below 0 (values only may have them)
    std::vector<PendingInitial> pendingSyntheses_; ///< compartments' membrane synthesis given as parameter names
    ExpressionCompiler expressions_;               ///< the model's functions; compiles expression laws
    enum class SpeciesRule : char { None, Assignment, Rate };
    std::vector<SpeciesRule> speciesRule_;         ///< by species, once readRules has run
};

}  // namespace egress
