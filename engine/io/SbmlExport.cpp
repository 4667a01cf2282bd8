// egress model -> SBML L3V2. Species are amounts (hasOnlySubstanceUnits) in compartments of size
// 1, so each kinetic law is egress's deterministic rate as written in docs/contract.md; a vesicle
// route becomes the reactions of its mean flux (engine/solvers/MeanFluxSystem.hpp) over transit
// species, each marked by an egress annotation.
#include <sbml/SBMLTypes.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

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
    ::Reaction* addReaction(const std::string& id, const std::string& formula) {
        ::Reaction* r = sbml()->createReaction();
        r->setId(id);
        r->setReversible(false);
        ::KineticLaw* kl = r->createKineticLaw();
        std::unique_ptr<ASTNode> math(SBML_parseL3Formula(formula.c_str()));
        if (!math) throw Error("SBML export: cannot write the rate law of '" + id + "': " + formula);
        kl->setMath(math.get());
        return r;
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
    std::set<std::string> ids_;
};

std::string Exporter::run() {
    const egress::Model& m = config_.model;
    ::Model* out = doc_.createModel();
    out->setId(m.name.empty() ? "egress_model" : m.name);
    out->setTimeUnits("second");
    out->setSubstanceUnits("item");
    out->setExtentUnits("item");
    for (const auto& c : m.compartments) ids_.insert(c.name);
    for (const auto& s : m.species) ids_.insert(s.name);
    for (const auto& p : m.parameters) ids_.insert(p.name);
    for (const auto& c : m.compartments) addCompartment(c.name);
    for (const auto& s : m.species) addSpecies(s.name, m.compartments[s.compartment].name, s.initial);
    for (const auto& p : m.parameters) {
        ::Parameter* sp = out->createParameter();
        sp->setId(p.name);
        sp->setValue(p.value);
        sp->setConstant(true);
    }
    for (const auto& r : m.reactions) {
        ::Reaction* sr = addReaction(fresh(r.name), lawFormula(m, r.law));
        for (const auto& t : r.reactants) stoich(sr, m.species[t.species].name, t.count, true);
        for (const auto& t : r.products) stoich(sr, m.species[t.species].name, t.count, false);
        // Species the law reads that the reaction does not change (a substrate named apart).
        if (r.law.substrate) {
            bool listed = false;
            for (const auto& t : r.reactants) listed = listed || t.species == *r.law.substrate;
            if (!listed) sr->createModifier()->setSpecies(m.species[*r.law.substrate].name);
        }
    }
    const int delayStages = config_.simulation.delay_stages;
    for (const auto& route : m.routes) {
        const std::string bud = lawFormula(m, route.budding);
        const std::string capture = value(m, route.capture);
        const std::string fusion = value(m, route.fusion_rate);
        const std::size_t stages = route.delay > 0.0 ? static_cast<std::size_t>(delayStages) + 1 : 1;
        const std::string stageRate = route.delayParameter
                                          ? std::to_string(delayStages) + " / " + m.parameters[*route.delayParameter].name
                                          : number(delayStages / route.delay);
        const std::string carriers = fresh(route.name + "_carriers");
        addCompartment(carriers);
        for (const auto& pair : route.cargo) {
            const std::string& donor = m.species[pair.donor].name;
            std::vector<std::string> transit;
            for (std::size_t s = 0; s < stages; ++s) {
                transit.push_back(fresh(route.name + "_" + donor + "_transit" + (stages > 1 ? std::to_string(s) : "")));
                addSpecies(transit.back(), carriers, 0.0);
            }
            ::Reaction* b = addReaction(fresh(route.name + "_bud_" + donor), "(" + bud + ") * " + capture + " * " + donor);
            stoich(b, donor, 1, true);
            stoich(b, transit.front(), 1, false);
            if (route.budding.substrate && *route.budding.substrate != pair.donor)
                b->createModifier()->setSpecies(m.species[*route.budding.substrate].name);
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
