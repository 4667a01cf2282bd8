#include "io/Units.hpp"

#include <cctype>

#include "io/LoadState.hpp"

namespace egress {

namespace {

std::string normalizedUnits(const std::string& units) {
    std::string out;
    for (unsigned char c : units)
        if (!std::isspace(c)) out += static_cast<char>(std::tolower(c));
    return out;
}

}  // namespace

std::string unitsProblem(const std::string& units, Dimension d) {
    const std::string u = normalizedUnits(units);
    if (u.empty()) return "";
    for (const char* other : {"min", "hour", "hr", "/h", "h^-1", "h-1", "day", "ms", "%"})
        if (u.find(other) != std::string::npos)
            return "units '" + units + "' are not in seconds: egress takes times in s and rates per s (convert the value)";
    const bool perSecond = u == "1/s" || u == "/s" || u == "s^-1" || u == "s-1" || u == "1/sec" || u == "1/second" ||
                           u == "persecond" || u == "hz";
    switch (d) {
        case Dimension::FirstOrderRate:
            if (!perSecond) return "units '" + units + "' do not fit a first-order rate constant: expected 1/s";
            break;
        case Dimension::Dimensionless:
            if (perSecond || u.find("/s") != std::string::npos || u.find("molecule") != std::string::npos)
                return "units '" + units + "' do not fit a dimensionless number (a probability or Hill coefficient)";
            break;
        case Dimension::Amount:
            if (u.find("/s") != std::string::npos) return "units '" + units + "' are a rate, but this value is an amount (molecules)";
            break;
        case Dimension::Rate: break;
    }
    return "";
}

void checkUnits(const Model& m, const LoadState& state) {
    auto check = [&](const ValueRef& ref, Dimension d, const std::string& use) {
        if (!ref.parameter) return;
        const auto& site = state.parameterSites[*ref.parameter];
        const std::string problem = unitsProblem(m.parameters[*ref.parameter].units, d);
        if (problem.empty() || !site.unitsDocument) return;
        site.unitsDocument->fail(site.units, "parameters." + m.parameters[*ref.parameter].name + ".units",
                                 problem + "; it is used as " + use);
    };
    auto checkLaw = [&](const RateLaw& law, const std::string& owner) {
        // An expression combines its parameters freely; their units are the author's to keep.
        if (law.kind == RateLawKind::Expression) return;
        if (law.kind == RateLawKind::MassAction) {
            int order = 0;
            for (const auto& t : law.order) order += t.count;
            check(law.k, order == 1 ? Dimension::FirstOrderRate : Dimension::Rate, "the rate constant of " + owner);
        } else {
            check(law.vmax, Dimension::Rate, "vmax of " + owner);
            check(law.km, Dimension::Amount, "km of " + owner);
            if (law.kind == RateLawKind::Hill) check(law.n, Dimension::Dimensionless, "the Hill coefficient of " + owner);
        }
    };
    for (const auto& r : m.reactions) checkLaw(r.law, "reaction '" + r.name + "'");
    for (const auto& v : m.routes) {
        // Per um^2 of the donor's membrane, k is the fraction of that membrane budded per second.
        if (v.buddingPerDonorArea) check(v.budding.k, Dimension::FirstOrderRate, "the rate constant per donor area of route '" + v.name + "'");
        else checkLaw(v.budding, "the budding of route '" + v.name + "'");
        check(v.capture, Dimension::Dimensionless, "the capture probability of route '" + v.name + "'");
        for (const auto& c : v.cargo)
            if (c.capture)
                check(*c.capture, Dimension::Dimensionless,
                      "the capture probability of cargo '" + m.species[c.donor].name + "' on route '" + v.name + "'");
        check(v.fusion_rate, Dimension::FirstOrderRate, "the fusion rate of route '" + v.name + "'");
    }
}

}  // namespace egress
