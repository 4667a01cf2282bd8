// egress model -> SBML L3V2. Species are amounts (hasOnlySubstanceUnits) in compartments of size
// 1, so each kinetic law is egress's deterministic rate as written in docs/contract.md; a vesicle
// route becomes the reactions of its mean flux (engine/solvers/MeanFluxSystem.hpp) over transit
// species, each marked by an egress annotation.
#include <sbml/SBMLTypes.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "io/Sbml.hpp"

namespace egress {

namespace {

const char* const kAnnotationNs = "https://github.com/egress-sim/egress/sbml-annotation";

std::string number(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string value(const egress::Model& m, const ValueRef& ref) {
    return ref.parameter ? m.parameters[*ref.parameter].name : number(ref.literal);
}

std::string factorial(int n) {
    double f = 1;
    for (int i = 2; i <= n; ++i) f *= i;
    return number(f);
}

/// The deterministic rate of a law (core/Kinetics.hpp) as an infix formula.
std::string lawFormula(const egress::Model& m, const RateLaw& law) {
    switch (law.kind) {
        case RateLawKind::MassAction: {
            std::string s = value(m, law.k);
            for (const auto& t : law.order) {
                const std::string& x = m.species[t.species].name;
                s += t.count == 1 ? " * " + x : " * " + x + "^" + std::to_string(t.count) + " / " + factorial(t.count);
            }
            return s;
        }
        case RateLawKind::MichaelisMenten: {
            const std::string& S = m.species[*law.substrate].name;
            return value(m, law.vmax) + " * " + S + " / (" + value(m, law.km) + " + " + S + ")";
        }
        case RateLawKind::Hill: {
            const std::string& S = m.species[*law.substrate].name;
            const std::string n = value(m, law.n);
            return value(m, law.vmax) + " * " + S + "^" + n + " / (" + value(m, law.km) + "^" + n + " + " + S + "^" + n + ")";
        }
        case RateLawKind::Expression: return law.expression.text;
    }
    return "0";
}

class Exporter {
public:
    explicit Exporter(const RunConfig& config) : config_(config), doc_(3, 2) {}

    std::string run();

private:
    ::Model* sbml() { return doc_.getModel(); }
    /// A new SBML id from `name`: SIds are letters, digits and '_', not starting with a digit.
    std::string fresh(const std::string& name) {
        std::string base;
        for (unsigned char c : name) base += std::isalnum(c) || c == '_' ? static_cast<char>(c) : '_';
        if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0]))) base = "_" + base;
        std::string id = base;
        for (int k = 2; ids_.count(id); ++k) id = base + "_" + std::to_string(k);
        ids_.insert(id);
        return id;
    }
    void addCompartment(const std::string& id) {
        ::Compartment* c = sbml()->createCompartment();
        c->setId(id);
        c->setSize(1.0);
        c->setConstant(true);
        c->setSpatialDimensions(3.0);
    }
    void addSpecies(const std::string& id, const std::string& compartment, double initial) {
        ::Species* s = sbml()->createSpecies();
        s->setId(id);
        s->setCompartment(compartment);
        s->setInitialAmount(initial);
        s->setHasOnlySubstanceUnits(true);
        s->setBoundaryCondition(false);
        s->setConstant(false);
    }
    /// SBML math for an egress formula (docs/file-format.md): the same infix syntax but for the
    /// natural log, which libSBML's parser must be told, `t`, which is SBML's time symbol, and
    /// `c ? a : b`, which it does not have.
    std::unique_ptr<ASTNode> math(const std::string& formula, const std::string& owner,
                                  const std::set<std::string>& arguments = {}, bool functionBody = false) {
        if (formula.find('?') != std::string::npos)
            throw Error("SBML export: the formula of " + owner + " uses 'c ? a : b'; write it as piecewise(a, c, b) to export it");
        L3ParserSettings settings;
        settings.setParseLog(L3P_PARSE_LOG_AS_LN);
        std::unique_ptr<ASTNode> ast(SBML_parseL3FormulaWithSettings(formula.c_str(), &settings));
        if (!ast) throw Error("SBML export: libSBML cannot read the formula of " + owner + ": " + formula);
        std::vector<ASTNode*> stack{ast.get()};
        while (!stack.empty()) {
            ASTNode* n = stack.back();
            stack.pop_back();
            if (n->getType() == AST_NAME && std::string(n->getName()) == "t" && !arguments.count("t")) {
                n->setType(AST_NAME_TIME);
                n->setDefinitionURL("http://www.sbml.org/sbml/symbols/time");
            }
            if (n->getType() == AST_FUNCTION && !functionBody) passExtraArguments(n);
            for (unsigned i = 0; i < n->getNumChildren(); ++i) stack.push_back(n->getChild(i));
        }
        return ast;
    }
    ::Reaction* addReaction(const std::string& id, const std::string& formula) {
        ::Reaction* r = sbml()->createReaction();
        r->setId(id);
        r->setReversible(false);
        ::KineticLaw* kl = r->createKineticLaw();
        kl->setMath(math(formula, "reaction '" + id + "'").get());
        return r;
    }
    /// An SBML function sees only its arguments; an egress function may read the model's
    /// parameters and species. Those become extra trailing arguments, which every call passes.
    const std::vector<std::string>& exportFunction(const egress::FunctionDefinition& f) {
        if (const auto done = extraArguments_.find(f.name); done != extraArguments_.end()) return done->second;
        if (!inProgress_.insert(f.name).second) throw Error("SBML export: function '" + f.name + "' calls itself");
        const std::set<std::string> own(f.arguments.begin(), f.arguments.end());
        std::unique_ptr<ASTNode> body = math(f.body, "function '" + f.name + "'", own, true);
        std::vector<std::string> extra;
        std::vector<ASTNode*> stack{body.get()};
        while (!stack.empty()) {
            ASTNode* n = stack.back();
            stack.pop_back();
            if (n->getType() == AST_FUNCTION) passExtraArguments(n);
            if (n->getType() == AST_NAME && !own.count(n->getName()) &&
                std::find(extra.begin(), extra.end(), n->getName()) == extra.end())
                extra.push_back(n->getName());
            for (unsigned i = 0; i < n->getNumChildren(); ++i) stack.push_back(n->getChild(i));
        }
        auto lambda = std::make_unique<ASTNode>(AST_LAMBDA);
        std::vector<std::string> all = f.arguments;
        all.insert(all.end(), extra.begin(), extra.end());
        for (const auto& a : all) {
            auto* bvar = new ASTNode(AST_NAME);
            bvar->setName(a.c_str());
            lambda->addChild(bvar);
        }
        lambda->addChild(body.release());
        for (unsigned i = 0; i + 1 < lambda->getNumChildren(); ++i) lambda->getChild(i)->setBvar();
        ::FunctionDefinition* fd = sbml()->createFunctionDefinition();
        fd->setId(f.name);
        fd->setMath(lambda.get());
        inProgress_.erase(f.name);
        return extraArguments_[f.name] = extra;
    }
    /// Appends the extra arguments of the user function that `call` calls.
    void passExtraArguments(ASTNode* call) {
        for (const auto& f : config_.model.functions)
            if (f.name == call->getName())
                for (const auto& a : exportFunction(f)) {
                    auto* arg = new ASTNode(AST_NAME);
                    arg->setName(a.c_str());
                    call->addChild(arg);
                }
    }
    /// Species that the law of `r` reads but the reaction does not change.
    void addModifiers(::Reaction* r) {
        std::set<std::string> listed;
        for (unsigned i = 0; i < r->getNumReactants(); ++i) listed.insert(r->getReactant(i)->getSpecies());
        for (unsigned i = 0; i < r->getNumProducts(); ++i) listed.insert(r->getProduct(i)->getSpecies());
        for (unsigned i = 0; i < r->getNumModifiers(); ++i) listed.insert(r->getModifier(i)->getSpecies());
        std::vector<const ASTNode*> stack{r->getKineticLaw()->getMath()};
        while (!stack.empty()) {
            const ASTNode* n = stack.back();
            stack.pop_back();
            if (n->getType() == AST_NAME && sbml()->getSpecies(n->getName()) && listed.insert(n->getName()).second)
                r->createModifier()->setSpecies(n->getName());
            for (unsigned i = 0; i < n->getNumChildren(); ++i) stack.push_back(n->getChild(i));
        }
    }
    static void stoich(::Reaction* r, const std::string& species, int count, bool reactant) {
        ::SpeciesReference* sr = reactant ? r->createReactant() : r->createProduct();
        sr->setSpecies(species);
        sr->setStoichiometry(count);
        sr->setConstant(true);
    }
    void annotate(::Reaction* r, const std::string& route, const std::string& role) {
        const std::string xml = "<egress:meanFlux xmlns:egress=\"" + std::string(kAnnotationNs) + "\" route=\"" + route +
                                "\" role=\"" + role +
                                "\" note=\"the mean flux of an egress vesicle route (the ode form); the ssa and hybrid "
                                "methods simulate the route as discrete vesicles\"/>";
        r->appendAnnotation(xml);
    }

    const RunConfig& config_;
    SBMLDocument doc_;
    std::map<std::string, std::vector<std::string>> extraArguments_;  ///< by function name
    std::set<std::string> inProgress_;
    std::set<std::string> ids_;
};

std::string Exporter::run() {
    const egress::Model& m = config_.model;
    ::Model* out = doc_.createModel();
    out->setTimeUnits("second");
    out->setSubstanceUnits("item");
    out->setExtentUnits("item");
    for (const auto& c : m.compartments) ids_.insert(c.name);
    for (const auto& s : m.species) ids_.insert(s.name);
    for (const auto& p : m.parameters) ids_.insert(p.name);
    for (const auto& f : m.functions) ids_.insert(f.name);
    out->setId(fresh(m.name.empty() ? "egress_model" : m.name));  // shares the id namespace
    // A parameter may share a compartment's name (the import writes an SBML compartment size that
    // an initial assignment sets so): SBML ids are one namespace, and the laws read the parameter.
    std::vector<std::string> compartmentIds;
    for (const auto& c : m.compartments)
        compartmentIds.push_back(m.findParameter(c.name) ? fresh(c.name + "_compartment") : c.name);
    for (const auto& id : compartmentIds) addCompartment(id);
    for (const auto& s : m.species) addSpecies(s.name, compartmentIds[s.compartment], s.initial);
    std::set<std::size_t> assignedParameters;  // by state events: not constant in SBML
    for (const auto& e : m.stateEvents)
        for (const auto& a : e.assignments)
            if (a.target == AssignmentTarget::Parameter) assignedParameters.insert(a.index);
    for (std::size_t i = 0; i < m.parameters.size(); ++i) {
        const auto& p = m.parameters[i];
        ::Parameter* sp = out->createParameter();
        sp->setId(p.name);
        sp->setValue(p.value);
        sp->setConstant(!assignedParameters.count(i));
    }
    for (const auto& f : m.functions) exportFunction(f);
    for (const auto& r : m.reactions) {
        ::Reaction* sr = addReaction(fresh(r.name), lawFormula(m, r.law));
        for (const auto& t : r.reactants) stoich(sr, m.species[t.species].name, t.count, true);
        for (const auto& t : r.products) stoich(sr, m.species[t.species].name, t.count, false);
        addModifiers(sr);
    }
    // Rules as SBML rules of the same meaning: species are amounts (hasOnlySubstanceUnits).
    for (const auto& r : m.assignmentRules) {
        ::AssignmentRule* ar = out->createAssignmentRule();
        ar->setVariable(m.species[r.species].name);
        ar->setMath(math(r.expression.text, "the assignment rule of '" + m.species[r.species].name + "'").get());
    }
    for (const auto& r : m.rateRules) {
        ::RateRule* rr = out->createRateRule();
        rr->setVariable(m.species[r.species].name);
        rr->setMath(math(r.expression.text, "the rate rule of '" + m.species[r.species].name + "'").get());
    }
    for (const auto& a : m.initialAssignments) {
        const std::string& name = a.isSpecies ? m.species[a.index].name : m.parameters[a.index].name;
        ::InitialAssignment* ia = out->createInitialAssignment();
        ia->setSymbol(name);
        ia->setMath(math(a.expression.text, "the initial assignment of '" + name + "'").get());
    }
    const int delayStages = config_.simulation.delay_stages;
    for (const auto& route : m.routes) {
        // Membrane areas are not exported (they are counters of the vesicle events): a bud rate
        // that reads one has no SBML form here. Refused rather than exported at a wrong rate.
        if (route.buddingPerDonorArea && !route.cargo.empty())
            throw Error("SBML export: vesicle route '" + route.name + "' buds per um^2 of its donor's membrane (per_donor_area), and membrane areas are not exported");
        const std::string bud = lawFormula(m, route.budding);
        const std::string fusion = value(m, route.fusion_rate);
        const std::size_t stages = route.delay > 0.0 ? static_cast<std::size_t>(delayStages) + 1 : 1;
        const std::string stageRate = route.delayParameter
                                          ? std::to_string(delayStages) + " / " + m.parameters[*route.delayParameter].name
                                          : number(delayStages / route.delay);
        const std::string carriers = fresh(route.name + "_carriers");
        addCompartment(carriers);
        for (std::size_t k = 0; k < route.cargo.size(); ++k) {
            const auto& pair = route.cargo[k];
            const std::string& donor = m.species[pair.donor].name;
            const std::string capture = value(m, route.captureOf(k));
            std::vector<std::string> transit;
            for (std::size_t s = 0; s < stages; ++s) {
                transit.push_back(fresh(route.name + "_" + donor + "_transit" + (stages > 1 ? std::to_string(s) : "")));
                addSpecies(transit.back(), carriers, 0.0);
            }
            ::Reaction* b = addReaction(fresh(route.name + "_bud_" + donor), "(" + bud + ") * " + capture + " * " + donor);
            stoich(b, donor, 1, true);
            stoich(b, transit.front(), 1, false);
            addModifiers(b);
            annotate(b, route.name, "budding: donor cargo into carriers");
            for (std::size_t s = 0; s + 1 < stages; ++s) {
                ::Reaction* d = addReaction(fresh(route.name + "_" + donor + "_delay" + std::to_string(s)),
                                            stageRate + " * " + transit[s]);
                stoich(d, transit[s], 1, true);
                stoich(d, transit[s + 1], 1, false);
                annotate(d, route.name, "transit: a stage of the Erlang chain that stands for the fixed delay");
            }
            ::Reaction* f = addReaction(fresh(route.name + "_fuse_" + donor), fusion + " * " + transit.back());
            stoich(f, transit.back(), 1, true);
            stoich(f, m.species[pair.acceptor].name, 1, false);
            annotate(f, route.name, "fusion: carrier cargo into the acceptor");
        }
    }

    // State events map one to one (species are amounts here, so assignments are too).
    for (const auto& e : m.stateEvents) {
        const std::string owner = "event '" + e.name + "'";
        ::Event* se = out->createEvent();
        se->setId(fresh(e.name));
        se->setUseValuesFromTriggerTime(e.useValuesFromTriggerTime);
        ::Trigger* tr = se->createTrigger();
        tr->setPersistent(e.persistent);
        tr->setInitialValue(e.initialValue);
        tr->setMath(math(e.trigger.text, owner).get());
        if (e.delay) se->createDelay()->setMath(math(e.delay->text, owner).get());
        if (e.priority) se->createPriority()->setMath(math(e.priority->text, owner).get());
        for (const auto& a : e.assignments) {
            ::EventAssignment* ea = se->createEventAssignment();
            ea->setVariable(a.target == AssignmentTarget::Species ? m.species[a.index].name : m.parameters[a.index].name);
            ea->setMath(math(a.value.text, owner).get());
        }
    }

    doc_.checkConsistency();
    for (unsigned i = 0; i < doc_.getNumErrors(); ++i) {
        const SBMLError* e = doc_.getError(i);
        if (e->getSeverity() >= LIBSBML_SEV_ERROR)
            throw Error("SBML export failed libSBML's consistency check: " + e->getShortMessage() + ": " + e->getMessage());
    }
    std::unique_ptr<char, void (*)(void*)> text(writeSBMLToString(&doc_), std::free);
    if (!text) throw Error("SBML export: libSBML could not write the document");
    return text.get();
}

}  // namespace

std::string exportSbml(const RunConfig& config) {
    Exporter exporter(config);
    return exporter.run();
}

}  // namespace egress
