// SBML -> egress model TOML. egress species are amounts (molecules) and its compartments have
// no volume, so every concentration in the SBML math becomes amount / size with the (constant)
// size written as a number; what cannot be written exactly is refused (docs/sbml.md).
#include <sbml/SBMLTypes.h>
#include <sbml/extension/SBasePlugin.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "io/Sbml.hpp"
#include "io/TomlDocument.hpp"

// Outside namespace egress: libSBML's Model, Species, Compartment... are meant here.
namespace {

using egress::InputError;

std::string number(double v) {
    char buf[40];
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    // Shortest text that reads back to the same double, for readable files.
    for (int p = 1; p < 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, v);
        if (std::strtod(buf, nullptr) == v) {
            s = buf;
            break;
        }
    }
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string tomlString(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

class Importer {
public:
    Importer(std::string path) : path_(std::move(path)) {}

    std::string run(SBMLDocument& doc);

private:
    [[noreturn]] void refuse(const SBase* at, const std::string& message) const {
        std::string what;
        if (at) {
            what = std::string("SBML ") + at->getElementName();
            if (at->isSetId()) what += " '" + at->getId() + "'";
            what += ": ";
        }
        throw InputError(path_, at ? static_cast<int>(at->getLine()) : 0, at ? static_cast<int>(at->getColumn()) : 0,
                         what + message);
    }

    void checkModelWide(const Model& m);
    void readCompartments(const Model& m);
    void readSpecies(const Model& m);
    void readParameters(const Model& m);
    void readFunctions(const Model& m);
    void readLocals(const Reaction& r);
    void readReaction(const Reaction& r);
    void readEvent(const Event& e, unsigned index);
    void readRules(const Model& m);
    /// A rule's or initial assignment's formula as the amount (a concentration species' value
    /// times its compartment's size).
    std::string targetFormula(const std::string& variable, const ASTNode* math, const SBase* owner) const;
    bool ruleTarget(const std::string& id) const { return assignmentRules_.count(id) || rateRules_.count(id); }

    /// Infix text of `n` in amounts; `locals` maps a reaction's local parameters to their names.
    std::string infix(const ASTNode* n, const SBase* owner, const std::map<std::string, std::string>& locals,
                      const std::set<std::string>& args) const;
    std::string symbol(const std::string& id, const SBase* owner, const std::map<std::string, std::string>& locals,
                       const std::set<std::string>& args) const;

    /// The law as mass action k * product of reactant amounts, when it is exactly that.
    struct Monomial {
        double coefficient = 1.0;
        std::map<std::string, int> parameters;  ///< egress names -> exponent
        std::map<std::string, int> species;     ///< amount exponents
    };
    bool monomial(const ASTNode* n, int sign, const std::map<std::string, std::string>& locals, Monomial& out) const;

    std::string path_;
    const Model* model_ = nullptr;
    std::map<std::string, double> compartmentSize_;  ///< only compartments with a size as a number
    /// Compartments whose size an initial assignment sets (nothing may change it later): the size is a parameter of the
    /// compartment's name (the initial assignment's target), read by name in the math.
    std::set<std::string> assignedSizes_;
    /// Compartments whose size an assignment rule sets: the size is a species of that name (in
    /// sbml_parameters, as a parameter that a rule sets), and the egress compartment that holds
    /// their species is renamed (a compartment and a species cannot share a name): SBML id -> name.
    std::set<std::string> ruleSizes_;
    std::map<std::string, std::string> renamedCompartments_;
    std::string compartmentName(const std::string& id) const {
        const auto r = renamedCompartments_.find(id);
        return r == renamedCompartments_.end() ? id : r->second;
    }
    /// Initial assignments the import adds: a concentration species' initialConcentration in a
    /// compartment of assigned size is `concentration * size`, known when the size is.
    std::map<std::string, std::string> addedInitial_;
    /// The size of a compartment as text of the math (a number, or the parameter that holds it); empty: none.
    std::string sizeOf(const std::string& compartment) const {
        if (assignedSizes_.count(compartment) || ruleSizes_.count(compartment)) return compartment;
        if (const auto c = compartmentSize_.find(compartment); c != compartmentSize_.end()) return number(c->second);
        return "";
    }
    std::map<std::string, const Species*> species_;
    std::set<std::string> parameters_;
    std::set<std::string> functions_;
    std::set<std::string> bodiless_;  ///< function definitions without math: ignored, a call to one refused
    /// Each reaction's local parameters: SBML id -> egress parameter name (readLocals).
    std::map<const Reaction*, std::map<std::string, std::string>> locals_;
    /// Reactions whose law is being written in place of their id (a cycle is refused).
    mutable std::set<const Reaction*> expanding_;
    std::set<std::string> usedNames_;
    std::map<std::string, const Rule*> assignmentRules_, rateRules_;
    std::map<std::string, const InitialAssignment*> initialAssignments_;
    std::set<std::string> variableParameters_;  ///< parameters set by rules or events: written as species
    std::set<std::string> eventParameters_;     ///< those of them that events assign
    std::string variableCompartment_;           ///< the compartment of those species
    std::ostringstream rules_out_, variableSpecies_out_;
    std::ostringstream head_, compartments_, species_out_, parameters_out_, functions_out_, reactions_out_, events_out_;
};

void Importer::checkModelWide(const Model& m) {
    // Each of these changes the state or the time course in a way the model file cannot say yet.
    // Rules and initial assignments set species and parameters; a parameter that a rule sets
    // becomes a species of the model file (readRules), the quantity egress follows in time.
    for (unsigned i = 0; i < m.getNumRules(); ++i) {
        const Rule* r = m.getRule(i);
        if (r->isAlgebraic()) refuse(r, "algebraic rules are not supported by the import");
        // SBML Level 3 Version 2 lets a rule, an initial assignment, a delay or a priority go
        // without math: it is then ignored (the suite's NoMathML cases, as a trigger or an
        // assignment without math, readEvent).
        if (!r->getMath()) continue;
        const std::string v = r->getVariable();
        if (m.getCompartment(v)) {
            // An assignment rule gives the size at every instant; the amounts stay the state, as
            // in SBML (a reaction changes amounts whatever the size). A rate rule is not supported.
            if (r->isRate()) refuse(r, "a rate rule on the size of compartment '" + v + "' is not supported (sizes that vary must follow an assignment rule)");
            assignmentRules_[v] = r;
            ruleSizes_.insert(v);
            continue;
        }
        if (!m.getSpecies(v) && !m.getParameter(v))
            refuse(r, "the rule sets '" + v + "', which is not a species or a parameter (species references are not supported)");
        (r->isRate() ? rateRules_ : assignmentRules_)[v] = r;
        if (m.getParameter(v)) variableParameters_.insert(v);
    }
    for (unsigned i = 0; i < m.getNumInitialAssignments(); ++i) {
        const InitialAssignment* a = m.getInitialAssignment(i);
        if (!a->getMath()) continue;
        const std::string v = a->getSymbol();
        if (m.getCompartment(v)) {
            assignedSizes_.insert(v);
            initialAssignments_[v] = a;
            continue;
        }
        if (!m.getSpecies(v) && !m.getParameter(v))
            refuse(a, "the initial assignment sets '" + v + "', which is not a species or a parameter (species references are not supported)");
        initialAssignments_[v] = a;
    }
    // A parameter that an event assigns changes in time too: a species as well, so that its time
    // course is in the output like every other changing quantity's.
    for (unsigned i = 0; i < m.getNumEvents(); ++i)
        for (unsigned k = 0; k < m.getEvent(i)->getNumEventAssignments(); ++k) {
            const EventAssignment* a = m.getEvent(i)->getEventAssignment(k);
            if (a->getMath() && m.getParameter(a->getVariable())) {
                variableParameters_.insert(a->getVariable());
                eventParameters_.insert(a->getVariable());
            }
        }
    if (m.getNumConstraints() > 0) refuse(m.getConstraint(0), "constraints are not supported by the import");
    if (m.isSetConversionFactor()) refuse(&m, "a model conversionFactor is not supported by the import");
}

void Importer::readCompartments(const Model& m) {
    for (unsigned i = 0; i < m.getNumCompartments(); ++i) {
        const Compartment* c = m.getCompartment(i);
        // constant = "false" only allows a change: what would change the size (a rule, an event)
        // is refused where it is, so a size that nothing changes is constant.
        std::string note = "SBML compartment";
        if (ruleSizes_.count(c->getId())) {
            std::string name = c->getId() + "_compartment";
            for (int k = 2; usedNames_.count(name) || m.getSpecies(name) || m.getParameter(name) || m.getCompartment(name) || m.getReaction(name) || m.getFunctionDefinition(name); ++k) name = c->getId() + "_compartment_" + std::to_string(k);
            renamedCompartments_[c->getId()] = name;
            usedNames_.insert(name);
            note = "SBML compartment '" + c->getId() + "', whose size an assignment rule sets: species '" + c->getId() + "'";
            std::string snote = "SBML compartment size (set by an assignment rule)";
            if (c->isSetUnits()) snote += ", units " + c->getUnits();
            const double given = c->isSetSize() && std::isfinite(c->getSize()) && c->getSize() >= 0.0 ? c->getSize() : 0.0;
            variableSpecies_out_ << c->getId() << " = { compartment = \"@\", initial = " << number(given)
                                 << ", description = " << tomlString(snote) << " }\n";
        } else if (assignedSizes_.count(c->getId())) {
            // The size is a constant of the run that an initial assignment computes: a parameter
            // of the same name (egress compartments have no size; names of parameters come first).
            note += ", size set by an initial assignment: parameter '" + c->getId() + "'";
            std::string pnote = "SBML compartment size (set by an initial assignment)";
            if (c->isSetUnits()) pnote += ", units " + c->getUnits();
            const double given = c->isSetSize() && std::isfinite(c->getSize()) && c->getSize() >= 0.0 ? c->getSize() : 0.0;
            parameters_out_ << c->getId() << " = { value = " << number(given) << ", description = " << tomlString(pnote) << " }\n";
            parameters_.insert(c->getId());
        } else if (c->isSetSize()) {
            if (!std::isfinite(c->getSize()) || c->getSize() <= 0.0) refuse(c, "the size must be a positive number");
            compartmentSize_[c->getId()] = c->getSize();
            note += ", size " + number(c->getSize());
            if (c->isSetUnits()) note += " " + c->getUnits();
        }
        if (c->isSetName()) note += ", name '" + c->getName() + "'";
        usedNames_.insert(c->getId());
        compartments_ << compartmentName(c->getId()) << " = { description = " << tomlString(note) << " }\n";
    }
}

void Importer::readSpecies(const Model& m) {
    for (unsigned i = 0; i < m.getNumSpecies(); ++i) {
        const Species* s = m.getSpecies(i);
        if (s->isSetConversionFactor()) refuse(s, "a species conversionFactor is not supported by the import");
        const std::string size = sizeOf(s->getCompartment());
        const bool amountsOnly = s->getHasOnlySubstanceUnits();
        if (!amountsOnly && size.empty())
            refuse(s, "a concentration species (hasOnlySubstanceUnits = false) needs its compartment '" +
                          s->getCompartment() + "' to have a size");
        double initial = 0.0;
        if (s->isSetInitialAmount()) {
            initial = s->getInitialAmount();
        } else if (s->isSetInitialConcentration()) {
            if (size.empty())
                refuse(s, "an initialConcentration needs the compartment '" + s->getCompartment() + "' to have a size");
            if (ruleSizes_.count(s->getCompartment()) && !assignmentRules_.count(s->getId()) && !initialAssignments_.count(s->getId()))
                refuse(s, "an initialConcentration in compartment '" + s->getCompartment() + "', whose size an assignment rule sets, is not supported");
            if (ruleSizes_.count(s->getCompartment())) {
            } else if (assignedSizes_.count(s->getCompartment())) {
                if (!assignmentRules_.count(s->getId()) && !initialAssignments_.count(s->getId()))
                    addedInitial_[s->getId()] = number(s->getInitialConcentration()) + " * " + size;
            } else {
                initial = s->getInitialConcentration() * compartmentSize_.at(s->getCompartment());
            }
        } else if (!assignmentRules_.count(s->getId()) && !initialAssignments_.count(s->getId())) {
            refuse(s, "the species has no initial amount or concentration");
        }
        if (!std::isfinite(initial) || initial < 0.0) refuse(s, "the initial amount must be a non-negative number");
        std::string note = amountsOnly ? "SBML species in amounts" : "SBML species in concentration (amount here; rate laws divide by the size)";
        if (s->getBoundaryCondition()) note += ", boundary condition";
        if (s->getConstant()) note += ", constant";
        if (s->isSetSubstanceUnits()) note += ", substanceUnits " + s->getSubstanceUnits();
        if (s->isSetName()) note += ", name '" + s->getName() + "'";
        species_[s->getId()] = s;
        usedNames_.insert(s->getId());
        if (assignmentRules_.count(s->getId())) note += ", set by an assignment rule";
        if (rateRules_.count(s->getId())) note += ", set by a rate rule";
        species_out_ << s->getId() << " = { compartment = " << tomlString(compartmentName(s->getCompartment())) << ", initial = " << number(initial)
                     << ", description = " << tomlString(note) << " }\n";
    }
}

void Importer::readParameters(const Model& m) {
    for (unsigned i = 0; i < m.getNumParameters(); ++i) {
        const Parameter* p = m.getParameter(i);
        const bool assigned = assignmentRules_.count(p->getId()) || initialAssignments_.count(p->getId());
        if (!p->isSetValue() && !assigned) refuse(p, "the parameter has no value");
        const double value = p->isSetValue() ? p->getValue() : 0.0;
        if (!std::isfinite(value)) refuse(p, "the value must be a finite number; it is " + number(value));
        usedNames_.insert(p->getId());
        if (variableParameters_.count(p->getId())) {
            // A quantity that changes in time is a species in egress: in the output, and state.
            std::string note = "SBML parameter set by " + std::string(rateRules_.count(p->getId()) ? "a rate rule" : assignmentRules_.count(p->getId()) ? "an assignment rule" : "events");
            if (rateRules_.count(p->getId()) && eventParameters_.count(p->getId())) note += " and events";
            if (p->isSetUnits()) note += ", units " + p->getUnits();
            variableSpecies_out_ << p->getId() << " = { compartment = \"@\", initial = " << number(value)
                                 << ", description = " << tomlString(note) << " }\n";
            continue;
        }
        parameters_.insert(p->getId());
        parameters_out_ << p->getId() << " = { value = " << number(value);
        std::string note = "SBML parameter";
        if (p->isSetUnits()) note += ", units " + p->getUnits();
        if (p->isSetName()) note += ", name '" + p->getName() + "'";
        parameters_out_ << ", description = " << tomlString(note) << " }\n";
    }
}

void Importer::readFunctions(const Model& m) {
    for (unsigned i = 0; i < m.getNumFunctionDefinitions(); ++i) {
        const FunctionDefinition* f = m.getFunctionDefinition(i);
        // Without math it cannot be called (a call is refused there, as one to an unknown
        // function); SBML allows it, as it allows rules without math, which are ignored too.
        if (!f->getBody()) {
            bodiless_.insert(f->getId());
            continue;
        }
        std::set<std::string> args;
        std::string list;
        for (unsigned a = 0; a < f->getNumArguments(); ++a) {
            const std::string name = f->getArgument(a)->getName();
            args.insert(name);
            list += (a ? ", " : "") + tomlString(name);
        }
        const std::string body = infix(f->getBody(), f, {}, args);
        functions_.insert(f->getId());
        usedNames_.insert(f->getId());
        functions_out_ << f->getId() << " = { args = [" << list << "], body = " << tomlString(body) << " }\n";
    }
}

std::string Importer::symbol(const std::string& id, const SBase* owner, const std::map<std::string, std::string>& locals,
                             const std::set<std::string>& args) const {
    if (args.count(id)) return id;
    if (const auto l = locals.find(id); l != locals.end()) return l->second;
    if (const auto s = species_.find(id); s != species_.end()) {
        if (s->second->getHasOnlySubstanceUnits()) return id;
        return "(" + id + " / " + sizeOf(s->second->getCompartment()) + ")";
    }
    if (parameters_.count(id) || variableParameters_.count(id)) return id;
    if (const auto c = compartmentSize_.find(id); c != compartmentSize_.end()) return number(c->second);
    if (ruleSizes_.count(id)) return id;
    if (model_->getCompartment(id)) refuse(owner, "the math uses the size of compartment '" + id + "', which has none");
    // A reaction's id stands for its rate, the kinetic law (extent = substance per time, the
    // amounts egress laws are in): written in its place, with the reaction's local parameters.
    if (const Reaction* r = model_->getReaction(id)) {
        const KineticLaw* kl = r->getKineticLaw();
        if (!kl || !kl->getMath()) refuse(owner, "the math uses the rate of reaction '" + id + "', which has no kinetic law");
        if (expanding_.count(r)) refuse(owner, "the math uses the rate of reaction '" + id + "', whose own kinetic law depends on it");
        expanding_.insert(r);
        const std::string law = infix(kl->getMath(), kl, locals_.at(r), {});
        expanding_.erase(r);
        return "(" + law + ")";
    }
    refuse(owner, "the math uses '" + id + "', which is not a species, parameter or compartment (species-reference ids are not supported)");
}

std::string Importer::infix(const ASTNode* n, const SBase* owner, const std::map<std::string, std::string>& locals,
                            const std::set<std::string>& args) const {
    auto child = [&](unsigned i) { return infix(n->getChild(i), owner, locals, args); };
    auto joined = [&](const char* op, const char* empty) {
        if (n->getNumChildren() == 0) return std::string(empty);
        std::string s = "(" + child(0);
        for (unsigned i = 1; i < n->getNumChildren(); ++i) s += std::string(" ") + op + " " + child(i);
        return s + ")";
    };
    // MathML relations are n-ary: a < b < c holds when each neighbouring pair does; one argument
    // is true. `!=` takes exactly two.
    auto binary = [&](const char* op) {
        const unsigned k = n->getNumChildren();
        if (k == 2) return "(" + child(0) + " " + op + " " + child(1) + ")";
        if (k < 1 || std::string(op) == "!=")
            refuse(owner, std::string("a comparison '") + op + "' with " + std::to_string(k) + " arguments is not SBML");
        if (k == 1) return std::string("1.0");
        std::string s = "(";
        for (unsigned i = 0; i + 1 < k; ++i) s += std::string(i ? " && " : "") + "(" + child(i) + " " + op + " " + child(i + 1) + ")";
        return s + ")";
    };
    // Reciprocal functions (sec = 1 / cos, arcsec(x) = acos(1 / x), ...): egress has the six
    // circular and six hyperbolic functions and their inverses only.
    auto reciprocal = [&](const char* f) {
        if (n->getNumChildren() != 1) refuse(owner, "the math has a function of one argument with " + std::to_string(n->getNumChildren()));
        return std::string("(1.0 / ") + f + "(" + child(0) + "))";
    };
    auto ofReciprocal = [&](const char* f) {
        if (n->getNumChildren() != 1) refuse(owner, "the math has a function of one argument with " + std::to_string(n->getNumChildren()));
        return std::string(f) + "(1.0 / " + child(0) + ")";
    };
    // Truth values: x != 0. xor is true when an odd number of its arguments are.
    auto truth = [&](unsigned i) { return "(" + child(i) + " != 0.0)"; };
    auto call = [&](const std::string& f) {
        std::string s = f + "(";
        for (unsigned i = 0; i < n->getNumChildren(); ++i) s += (i ? ", " : "") + child(i);
        return s + ")";
    };
    switch (n->getType()) {
        case AST_INTEGER: return number(static_cast<double>(n->getInteger()));
        case AST_REAL:
        case AST_REAL_E:
        case AST_RATIONAL: {
            const double v = n->getReal();
            if (!std::isfinite(v)) refuse(owner, "the math has a number that is not finite");
            return v < 0 ? "(" + number(v) + ")" : number(v);
        }
        case AST_NAME: return symbol(n->getName(), owner, locals, args);
        case AST_NAME_TIME: return "t";
        // SBML Level 3 fixes avogadro at 6.02214179e23 (CODATA 2006), not today's SI value.
        case AST_NAME_AVOGADRO: return number(6.02214179e23);
        case AST_CONSTANT_PI: return number(M_PI);
        case AST_CONSTANT_E: return number(M_E);
        case AST_PLUS: return joined("+", "0.0");
        case AST_TIMES: return joined("*", "1.0");
        case AST_MINUS:
            if (n->getNumChildren() == 1) return "(-" + child(0) + ")";
            return joined("-", "0.0");
        case AST_DIVIDE: return joined("/", "1.0");
        case AST_POWER:
        case AST_FUNCTION_POWER: return "(" + child(0) + " ^ " + child(1) + ")";
        case AST_FUNCTION_EXP: return call("exp");
        case AST_FUNCTION_LN: return call("log");
        case AST_FUNCTION_LOG:
            if (n->getNumChildren() == 2) return "(log(" + child(1) + ") / log(" + child(0) + "))";
            return "log10(" + child(0) + ")";
        case AST_FUNCTION_ROOT:
            if (n->getNumChildren() == 2) return "(" + child(1) + " ^ (1.0 / " + child(0) + "))";
            return "sqrt(" + child(0) + ")";
        case AST_FUNCTION_ABS: return call("abs");
        case AST_FUNCTION_SIN: return call("sin");
        case AST_FUNCTION_COS: return call("cos");
        case AST_FUNCTION_TAN: return call("tan");
        case AST_FUNCTION_ARCSIN: return call("asin");
        case AST_FUNCTION_ARCCOS: return call("acos");
        case AST_FUNCTION_ARCTAN: return call("atan");
        case AST_FUNCTION_SINH: return call("sinh");
        case AST_FUNCTION_COSH: return call("cosh");
        case AST_FUNCTION_TANH: return call("tanh");
        case AST_FUNCTION_ARCSINH: return call("asinh");
        case AST_FUNCTION_ARCCOSH: return call("acosh");
        case AST_FUNCTION_ARCTANH: return call("atanh");
        case AST_FUNCTION_SEC: return reciprocal("cos");
        case AST_FUNCTION_CSC: return reciprocal("sin");
        case AST_FUNCTION_COT: return reciprocal("tan");
        case AST_FUNCTION_SECH: return reciprocal("cosh");
        case AST_FUNCTION_CSCH: return reciprocal("sinh");
        case AST_FUNCTION_COTH: return reciprocal("tanh");
        case AST_FUNCTION_ARCSEC: return ofReciprocal("acos");
        case AST_FUNCTION_ARCCSC: return ofReciprocal("asin");
        case AST_FUNCTION_ARCCOT: return ofReciprocal("atan");
        case AST_FUNCTION_ARCSECH: return ofReciprocal("acosh");
        case AST_FUNCTION_ARCCSCH: return ofReciprocal("asinh");
        case AST_FUNCTION_ARCCOTH: return ofReciprocal("atanh");
        case AST_FUNCTION_FACTORIAL: return call("factorial");
        case AST_FUNCTION_REM: return call("rem");
        case AST_FUNCTION_QUOTIENT: return call("quotient");
        case AST_LOGICAL_XOR: {
            if (n->getNumChildren() == 0) return std::string("0.0");
            std::string s = truth(0);
            for (unsigned i = 1; i < n->getNumChildren(); ++i) s = "(" + s + " != " + truth(i) + ")";
            return s;
        }
        case AST_LOGICAL_IMPLIES:
            if (n->getNumChildren() != 2) break;
            return "((!" + child(0) + ") || " + child(1) + ")";
        case AST_FUNCTION_FLOOR: return call("floor");
        case AST_FUNCTION_CEILING: return call("ceil");
        case AST_FUNCTION_MAX:
            if (n->getNumChildren() == 1) return child(0);
            if (n->getNumChildren() < 1) break;
            return call("max");
        case AST_FUNCTION_MIN:
            if (n->getNumChildren() == 1) return child(0);
            if (n->getNumChildren() < 1) break;
            return call("min");
        // Truth values are numbers in both languages: comparisons give 1 or 0, non-zero is true.
        case AST_CONSTANT_TRUE: return "1.0";
        case AST_CONSTANT_FALSE: return "0.0";
        case AST_RELATIONAL_EQ: return binary("==");
        case AST_RELATIONAL_NEQ: return binary("!=");
        case AST_RELATIONAL_LT: return binary("<");
        case AST_RELATIONAL_LEQ: return binary("<=");
        case AST_RELATIONAL_GT: return binary(">");
        case AST_RELATIONAL_GEQ: return binary(">=");
        case AST_LOGICAL_AND: return joined("&&", "1.0");
        case AST_LOGICAL_OR: return joined("||", "0.0");
        case AST_LOGICAL_NOT:
            if (n->getNumChildren() != 1) break;
            return "(!" + child(0) + ")";
        case AST_FUNCTION_PIECEWISE: return call("piecewise");
        case AST_FUNCTION:
            if (bodiless_.count(n->getName()))
                refuse(owner, "the math calls '" + std::string(n->getName()) + "', a function definition without math");
            if (!functions_.count(n->getName()))
                refuse(owner, "the math calls '" + std::string(n->getName()) + "', which is not a function definition of the model");
            return call(n->getName());
        case AST_FUNCTION_DELAY: refuse(owner, "delay() in the math is not supported");
        default: break;
    }
    const char* name = n->getName();
    refuse(owner, std::string("the math uses '") + (name ? name : "an operator") + "', which egress expressions do not have");
}

bool Importer::monomial(const ASTNode* n, int sign, const std::map<std::string, std::string>& locals, Monomial& out) const {
    switch (n->getType()) {
        case AST_INTEGER:
        case AST_REAL:
        case AST_REAL_E:
        case AST_RATIONAL: {
            const double v = n->getType() == AST_INTEGER ? static_cast<double>(n->getInteger()) : n->getReal();
            if (!(v > 0.0) || !std::isfinite(v)) return false;
            out.coefficient *= sign > 0 ? v : 1.0 / v;
            return true;
        }
        case AST_TIMES:
            for (unsigned i = 0; i < n->getNumChildren(); ++i)
                if (!monomial(n->getChild(i), sign, locals, out)) return false;
            return true;
        case AST_DIVIDE:
            return n->getNumChildren() == 2 && monomial(n->getChild(0), sign, locals, out) &&
                   monomial(n->getChild(1), -sign, locals, out);
        case AST_NAME: {
            const std::string id = n->getName();
            // A value that a rule sets is read by an expression law (inlined or state).
            if (!locals.count(id) && ruleTarget(id)) return false;
            if (const auto l = locals.find(id); l != locals.end()) {
                out.parameters[l->second] += sign;
                return true;
            }
            if (const auto s = species_.find(id); s != species_.end()) {
                out.species[id] += sign;
                if (!s->second->getHasOnlySubstanceUnits()) {
                    const std::string& c = s->second->getCompartment();
                    if (ruleSizes_.count(c)) return false;  // a size that changes: read by an expression
                    if (assignedSizes_.count(c)) {
                        out.parameters[c] -= sign;
                    } else {
                        const double size = compartmentSize_.at(c);
                        out.coefficient *= sign > 0 ? 1.0 / size : size;
                    }
                }
                return true;
            }
            if (parameters_.count(id)) {
                out.parameters[id] += sign;
                return true;
            }
            if (const auto c = compartmentSize_.find(id); c != compartmentSize_.end()) {
                out.coefficient *= sign > 0 ? c->second : 1.0 / c->second;
                return true;
            }
            return false;
        }
        default: return false;
    }
}

std::string Importer::targetFormula(const std::string& variable, const ASTNode* math, const SBase* owner) const {
    const std::string f = infix(math, owner, {}, {});
    if (const auto s = species_.find(variable); s != species_.end() && !s->second->getHasOnlySubstanceUnits())
        return "(" + f + ") * " + sizeOf(s->second->getCompartment());
    return f;
}

void Importer::readRules(const Model& m) {
    // d(amount)/dt of a concentration species under a rate rule, or its amount at the start from
    // an initial assignment, would need the size's own course (d(c V)/dt = V dc/dt + c dV/dt).
    auto sizeVaries = [&](const std::string& variable, const SBase* item, const char* what) {
        if (const auto s = species_.find(variable); s != species_.end() && !s->second->getHasOnlySubstanceUnits() &&
                                                     ruleSizes_.count(s->second->getCompartment()))
            refuse(item, std::string(what) + " of the concentration of '" + variable + "' in compartment '" +
                             s->second->getCompartment() + "', whose size an assignment rule sets, is not supported");
    };
    for (const auto& [variable, item] : rateRules_) sizeVaries(variable, item, "a rate rule");
    for (const auto& [variable, item] : initialAssignments_) sizeVaries(variable, item, "an initial assignment");
    auto section = [&](const char* title, const auto& items) {
        if (items.empty()) return;
        rules_out_ << "\n[" << title << "]\n";
        for (const auto& [variable, item] : items)
            rules_out_ << variable << " = " << tomlString(targetFormula(variable, item->getMath(), item)) << "\n";
    };
    section("assignment_rules", assignmentRules_);
    section("rate_rules", rateRules_);
    if (initialAssignments_.empty() && addedInitial_.empty()) return;
    rules_out_ << "\n[initial_assignments]\n";
    for (const auto& [variable, item] : initialAssignments_)
        rules_out_ << variable << " = " << tomlString(targetFormula(variable, item->getMath(), item)) << "\n";
    for (const auto& [variable, formula] : addedInitial_)
        rules_out_ << variable << " = " << tomlString(formula) << "\n";
    (void)m;
}

void Importer::readLocals(const Reaction& r) {
    // Local parameters become model parameters named REACTION_NAME (a number appended on a clash).
    std::map<std::string, std::string>& locals = locals_[&r];
    const KineticLaw* kl = r.getKineticLaw();
    if (!kl) return;
    const unsigned nLocal = r.getLevel() >= 3 ? kl->getNumLocalParameters() : kl->getNumParameters();
    for (unsigned i = 0; i < nLocal; ++i) {
        const Parameter* p = r.getLevel() >= 3 ? static_cast<const Parameter*>(kl->getLocalParameter(i)) : kl->getParameter(i);
        if (!p->isSetValue()) refuse(p, "the local parameter has no value");
        if (!std::isfinite(p->getValue())) refuse(p, "the value must be a finite number; it is " + number(p->getValue()));
        std::string name = r.getId() + "_" + p->getId();
        for (int k = 2; usedNames_.count(name); ++k) name = r.getId() + "_" + p->getId() + "_" + std::to_string(k);
        usedNames_.insert(name);
        locals[p->getId()] = name;
        std::string note = "SBML local parameter '" + p->getId() + "' of reaction '" + r.getId() + "'";
        if (p->isSetUnits()) note += ", units " + p->getUnits();
        parameters_out_ << name << " = { value = " << number(p->getValue()) << ", description = " << tomlString(note) << " }\n";
    }
}

void Importer::readReaction(const Reaction& r) {
    if (r.isSetFast() && r.getFast()) refuse(&r, "fast reactions are not supported");
    const KineticLaw* kl = r.getKineticLaw();
    if (!kl || !kl->getMath()) refuse(&r, "the reaction has no kinetic law");
    const std::map<std::string, std::string>& locals = locals_.at(&r);

    // Boundary and constant species are not changed by reactions: they leave the equation, and a
    // boundary reactant stays on both sides so that mass action still reads it.
    std::map<std::string, int> reactants, products, boundaryReactants;
    // A negative stoichiometry changes the amount the other way: a reactant of -n is a product of
    // n (SBML's rate of change, product minus reactant stoichiometry times the rate, is the same).
    auto side = [&](const ListOf* list, bool isReactant) {
        for (unsigned i = 0; i < list->size(); ++i) {
            const auto* sr = static_cast<const SpeciesReference*>(list->get(i));
            if (r.getLevel() < 3 && sr->isSetStoichiometryMath()) refuse(sr, "stoichiometryMath is not supported");
            const double st = sr->getStoichiometry();
            if (!std::isfinite(st) || st != std::floor(st) || std::fabs(st) > 1e6)
                refuse(sr, "the stoichiometry of '" + sr->getSpecies() + "' is " + number(st) + ": egress takes whole numbers");
            if (st == 0.0) continue;
            const bool consumed = isReactant == (st > 0.0);
            const int n = static_cast<int>(std::fabs(st));
            const Species* s = species_.at(sr->getSpecies());
            if (s->getBoundaryCondition() || s->getConstant()) {
                if (consumed) boundaryReactants[sr->getSpecies()] += n;
                continue;
            }
            (consumed ? reactants : products)[sr->getSpecies()] += n;
        }
    };
    side(r.getListOfReactants(), true);
    side(r.getListOfProducts(), false);

    const std::string rate = infix(kl->getMath(), kl, locals, {});
    // Mass action exactly: k times each reactant amount once, k a parameter or a number. Then
    // the ode rate and the ssa propensity egress computes are the SBML law itself.
    Monomial mono;
    std::optional<std::string> massActionK;
    if (monomial(kl->getMath(), 1, locals, mono)) {
        std::map<std::string, int> order = reactants;
        for (const auto& [s, c] : boundaryReactants) order[s] += c;
        std::map<std::string, int> exps;
        for (const auto& [s, e] : mono.species)
            if (e != 0) exps[s] = e;
        bool ok = exps.size() == order.size();
        for (const auto& [s, c] : order) ok = ok && c == 1 && exps.count(s) && exps[s] == 1;
        std::vector<std::string> params;
        for (const auto& [p, e] : mono.parameters) {
            if (e == 1) params.push_back(p);
            else if (e != 0) ok = false;
        }
        if (ok && params.empty()) massActionK = number(mono.coefficient);
        else if (ok && params.size() == 1 && std::fabs(mono.coefficient - 1.0) <= 1e-14) massActionK = tomlString(params[0]);
    }

    auto sideText = [](const std::map<std::string, int>& a, const std::map<std::string, int>& b) {
        std::string s;
        std::map<std::string, int> all = a;
        for (const auto& [k, v] : b) all[k] += v;
        for (const auto& [k, v] : all) s += (s.empty() ? "" : " + ") + (v == 1 ? "" : std::to_string(v) + " ") + k;
        return s;
    };
    reactions_out_ << "\n[[reactions]]\nname = " << tomlString(r.getId()) << "\n";
    if (r.isSetName()) reactions_out_ << "description = " << tomlString("SBML name '" + r.getName() + "'") << "\n";
    if (massActionK) {
        reactions_out_ << "equation = " << tomlString(sideText(reactants, boundaryReactants) + " -> " + sideText(products, boundaryReactants)) << "\n";
        reactions_out_ << "law = \"mass_action\"\nk = " << *massActionK << "\n";
    } else {
        reactions_out_ << "equation = " << tomlString(sideText(reactants, {}) + " -> " + sideText(products, {})) << "\n";
        reactions_out_ << "law = \"expression\"\nrate = " << tomlString(rate) << "\n";
    }
}

/// An SBML event as an egress model [[events]] table, with the same semantics (core/StateEvents.hpp).
/// An assignment to a concentration species sets its amount to the concentration times the size.
void Importer::readEvent(const Event& e, unsigned index) {
    // SBML Level 3 Version 2 lets a trigger or an assignment go without math: such an event never
    // triggers, such an assignment changes nothing. Neither is written.
    const Trigger* trigger = e.getTrigger();
    unsigned withMath = 0;
    for (unsigned i = 0; i < e.getNumEventAssignments(); ++i) withMath += e.getEventAssignment(i)->getMath() != nullptr;
    if (!trigger || !trigger->getMath() || withMath == 0) return;
    const std::string name = e.isSetId() ? e.getId() : "event_" + std::to_string(index + 1);
    events_out_ << "\n[[events]]\nname = " << tomlString(name) << "\n";
    if (e.isSetName()) events_out_ << "description = " << tomlString("SBML name '" + e.getName() + "'") << "\n";
    events_out_ << "trigger = " << tomlString(infix(trigger->getMath(), trigger, {}, {})) << "\n";
    // Level 2 has neither flag: its triggers behave as persistent ones with initialValue true.
    const bool l3 = e.getLevel() >= 3;
    events_out_ << "persistent = " << (l3 && trigger->isSetPersistent() && !trigger->getPersistent() ? "false" : "true") << "\n";
    events_out_ << "initial_value = " << (l3 && trigger->isSetInitialValue() && !trigger->getInitialValue() ? "false" : "true") << "\n";
    events_out_ << "use_values_from_trigger_time = " << (e.getUseValuesFromTriggerTime() ? "true" : "false") << "\n";
    if (e.isSetDelay() && e.getDelay()->getMath()) {
        events_out_ << "delay = " << tomlString(infix(e.getDelay()->getMath(), e.getDelay(), {}, {})) << "\n";
    }
    if (l3 && e.isSetPriority() && e.getPriority()->getMath()) {
        events_out_ << "priority = " << tomlString(infix(e.getPriority()->getMath(), e.getPriority(), {}, {})) << "\n";
    }
    events_out_ << "assign = { ";
    bool first = true;
    for (unsigned i = 0; i < e.getNumEventAssignments(); ++i) {
        const EventAssignment* a = e.getEventAssignment(i);
        if (!a->getMath()) continue;
        const std::string& id = a->getVariable();
        // SBML forbids it (an assignment rule alone sets its variable); egress would ignore it.
        if (assignmentRules_.count(id))
            refuse(a, "the event assigns '" + id + "', which an assignment rule sets: SBML does not allow that (the rule alone sets it)");
        std::string value = infix(a->getMath(), a, {}, {});
        if (variableParameters_.count(id)) {
            // A parameter that a rate rule or events set is a species of its own in the model file (amount = value).
        } else if (const auto s = species_.find(id); s != species_.end()) {
            if (!s->second->getHasOnlySubstanceUnits())
                value = "(" + value + ") * " + sizeOf(s->second->getCompartment());
        } else if (model_->getCompartment(id)) {
            refuse(a, "an event that changes the size of compartment '" + id + "' is not supported");
        } else {
            refuse(a, "an event that assigns '" + id + "' (not a species or parameter) is not supported");
        }
        events_out_ << (first ? "" : ", ") << id << " = " << tomlString(value);
        first = false;
    }
    events_out_ << " }\n";
}

std::string Importer::run(SBMLDocument& doc) {
    for (unsigned i = 0; i < doc.getNumErrors(); ++i) {
        const SBMLError* e = doc.getError(i);
        if (e->getSeverity() >= LIBSBML_SEV_ERROR)
            throw InputError(path_, static_cast<int>(e->getLine()), static_cast<int>(e->getColumn()),
                             "SBML: " + e->getShortMessage() + ": " + e->getMessage());
    }
    const Model* m = doc.getModel();
    if (!m) throw InputError(path_, 0, 0, "SBML: the document has no model");
    model_ = m;
    if (doc.getLevel() < 2) refuse(&doc, "SBML Level 1 is not supported: convert to Level 2 or 3");
    // libSBML attaches its own l3v2extendedmath plugin to every L3V2 document: that is core math.
    // Level 2 has no packages: libSBML attaches a layout plugin to every L2 document anyway (to read
    // layout annotations), which says nothing about the model.
    for (unsigned i = 0; doc.getLevel() >= 3 && i < doc.getNumPlugins(); ++i) {
        const std::string package = doc.getPlugin(i)->getPackageName();
        if (package != "core" && package != "l3v2extendedmath")
            refuse(&doc, "SBML package '" + package + "' is not supported (core only)");
    }
    checkModelWide(*m);
    readCompartments(*m);
    readSpecies(*m);
    readParameters(*m);
    // Local parameters first: a rule, an event or another law may read a reaction's rate (its id).
    for (unsigned i = 0; i < m->getNumReactions(); ++i) readLocals(*m->getReaction(i));
    readFunctions(*m);
    readRules(*m);
    for (unsigned i = 0; i < m->getNumReactions(); ++i) readReaction(*m->getReaction(i));
    for (unsigned i = 0; i < m->getNumEvents(); ++i) readEvent(*m->getEvent(i), i);

    std::ostringstream out;
    out << "# Imported from " << path_ << " (SBML Level " << doc.getLevel() << " Version " << doc.getVersion()
        << ") by egress import: species are amounts, compartment sizes are written into the rate laws.\n";
    if (m->isSetTimeUnits()) out << "# SBML time units: " << m->getTimeUnits() << " (egress reads times as seconds)\n";
    if (m->isSetSubstanceUnits()) out << "# SBML substance units: " << m->getSubstanceUnits() << "\n";
    const std::string name = m->isSetId() ? m->getId() : "sbml_model";
    out << "name = " << tomlString(name) << "\n";
    if (m->isSetName()) out << "description = " << tomlString(m->getName()) << "\n";
    std::string variables = variableSpecies_out_.str();
    if (!variables.empty()) {
        variableCompartment_ = "sbml_parameters";
        for (int k = 2; usedNames_.count(variableCompartment_); ++k) variableCompartment_ = "sbml_parameters_" + std::to_string(k);
        compartments_ << variableCompartment_
                      << " = { values = true, description = \"holds the SBML parameters that rules or events change, imported as species: values, not molecules\" }\n";
        for (std::size_t at; (at = variables.find("\"@\"")) != std::string::npos;)
            variables.replace(at, 3, tomlString(variableCompartment_));
    }
    out << "\n[compartments]\n" << compartments_.str();
    out << "\n[species]\n" << species_out_.str() << variables;
    if (!parameters_out_.str().empty()) out << "\n[parameters]\n" << parameters_out_.str();
    if (!functions_out_.str().empty()) out << "\n[functions]\n" << functions_out_.str();
    out << rules_out_.str();
    out << reactions_out_.str();
    out << events_out_.str();
    return out.str();
}

}  // namespace

namespace egress {

std::string importSbmlText(const std::string& text, const std::string& path) {
    std::unique_ptr<SBMLDocument> doc(readSBMLFromString(text.c_str()));
    Importer importer(path);
    return importer.run(*doc);
}

std::string importSbmlFile(const std::string& path) {
    return importSbmlText(readTextFile(path, "SBML file"), path);
}

}  // namespace egress
