#include "io/PathwayGraph.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace egress {

namespace {

/// A DOT string. Backslashes are kept: labels use Graphviz's own "\n" line breaks, and names
/// are identifiers.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string valueText(const Model& m, const ValueRef& v) {
    if (v.parameter) return m.parameters[*v.parameter].name;
    std::ostringstream s;
    s << v.literal;
    return s.str();
}

std::string lawText(const Model& m, const RateLaw& law) {
    switch (law.kind) {
        case RateLawKind::MassAction: return "k = " + valueText(m, law.k);
        case RateLawKind::MichaelisMenten: return "MM vmax = " + valueText(m, law.vmax) + ", km = " + valueText(m, law.km);
        case RateLawKind::Hill:
            return "Hill vmax = " + valueText(m, law.vmax) + ", km = " + valueText(m, law.km) + ", n = " + valueText(m, law.n);
        case RateLawKind::Expression: return "rate = " + law.expression.text;
    }
    return "";
}

/// " [perturbed: name]" when a perturbation targets a parameter that `refs` or the expression of
/// `law` use.
std::string perturbedNote(const Model& m, const RateLaw& law, std::initializer_list<const ValueRef*> refs) {
    std::set<std::string> names;
    const auto& read = law.expression.parameters;
    for (const auto& p : m.perturbations) {
        bool used = law.kind == RateLawKind::Expression && std::find(read.begin(), read.end(), p.parameter) != read.end();
        for (const ValueRef* r : refs) used = used || (r->parameter && *r->parameter == p.parameter);
        if (used) names.insert(p.name.empty() ? m.parameters[p.parameter].name : p.name);
    }
    if (names.empty()) return "";
    std::string out = "\\nperturbed:";
    for (const auto& n : names) out += " " + n;
    return out;
}

}  // namespace

std::string pathwayDot(const Model& m) {
    std::ostringstream dot;
    dot << "digraph " << quoted(m.name.empty() ? "pathway" : m.name) << " {\n"
        << "  rankdir=LR;\n  compound=true;\n  node [shape=box, style=rounded];\n";
    // A node that stands for its compartment's cluster, for edges between compartments.
    auto anchor = [&m](std::size_t c) {
        for (const auto& s : m.species)
            if (s.compartment == c) return s.name;
        return m.compartments[c].name + "_membrane";
    };
    for (std::size_t c = 0; c < m.compartments.size(); ++c) {
        dot << "  subgraph " << quoted("cluster_" + m.compartments[c].name) << " {\n    label=" << quoted(m.compartments[c].name)
            << ";\n";
        bool empty = true;
        for (const auto& s : m.species)
            if (s.compartment == c) {
                dot << "    " << quoted(s.name) << ";\n";
                empty = false;
            }
        // Graphviz drops empty clusters; a membrane-only compartment still belongs in the picture.
        if (empty) dot << "    " << quoted(m.compartments[c].name + "_membrane") << " [shape=plaintext, label=\"(membrane)\"];\n";
        dot << "  }\n";
    }
    for (const auto& r : m.reactions) {
        const std::string label = r.name + "\\n" + lawText(m, r.law) + perturbedNote(m, r.law, {&r.law.k, &r.law.vmax, &r.law.km, &r.law.n});
        if (r.reactants.empty() || r.products.empty()) {
            // Synthesis or degradation: an invisible point stands for the outside.
            const std::string point = quoted("outside_" + r.name);
            dot << "  " << point << " [shape=point, width=0.05];\n";
            for (const auto& t : r.products) dot << "  " << point << " -> " << quoted(m.species[t.species].name) << " [label=" << quoted(label) << "];\n";
            for (const auto& t : r.reactants) dot << "  " << quoted(m.species[t.species].name) << " -> " << point << " [label=" << quoted(label) << "];\n";
            continue;
        }
        for (const auto& a : r.reactants)
            for (const auto& b : r.products)
                dot << "  " << quoted(m.species[a.species].name) << " -> " << quoted(m.species[b.species].name)
                    << " [label=" << quoted(label) << "];\n";
    }
    for (const auto& v : m.routes) {
        const std::string budText = lawText(m, v.budding) + (v.buddingPerDonorArea ? " x donor area / vesicle area" : "");
        for (std::size_t k = 0; k < v.cargo.size(); ++k) {
            const auto& c = v.cargo[k];
            const std::string label = v.name + " (vesicles)\\nbud " + budText + ", capture " +
                                      valueText(m, v.captureOf(k)) + "\\nfusion " + valueText(m, v.fusion_rate) + "/s" +
                                      perturbedNote(m, v.budding, {&v.budding.k, &v.budding.vmax, &v.captureOf(k), &v.fusion_rate});
            dot << "  " << quoted(m.species[c.donor].name) << " -> " << quoted(m.species[c.acceptor].name)
                << " [style=dashed, color=\"#2060c0\", label=" << quoted(label) << "];\n";
        }
        if (v.cargo.empty()) {
            // Membrane only: an edge between the compartments' clusters.
            const std::string membraneLabel = v.name + " (membrane)\\nbud " + budText + "\\nfusion " +
                                              valueText(m, v.fusion_rate) + "/s" +
                                              perturbedNote(m, v.budding, {&v.budding.k, &v.budding.vmax, &v.fusion_rate});
            dot << "  " << quoted(anchor(v.from)) << " -> " << quoted(anchor(v.to)) << " [style=dotted, color=\"#808080\", ltail="
                << quoted("cluster_" + m.compartments[v.from].name) << ", lhead=" << quoted("cluster_" + m.compartments[v.to].name)
                << ", label=" << quoted(membraneLabel) << "];\n";
        }
    }
    dot << "}\n";
    return dot.str();
}

}  // namespace egress
