#pragma once
// The numerical guard every method applies to its state: amounts must be finite and not
// negative beyond integration error. A violation stops the run with the time, replicate and
// species, so that nothing invalid is written as if it were a result.
#include <cmath>
#include <sstream>
#include <string>

#include "core/Error.hpp"
#include "core/Model.hpp"

namespace egress {

inline bool rateRuled(const Model& model, std::size_t species) {
    for (const auto& r : model.rateRules)
        if (r.species == species) return true;
    return false;
}

/// Throws SolverError when an amount is not finite or below -tolerance (a species under a rate
/// rule, or one that holds a value, Model::valueSpecies, only when not finite).
inline void checkAmounts(const Model& model, const double* amounts, double time, std::size_t replicate,
                         const char* method, double tolerance) {
    for (std::size_t i = 0; i < model.species.size(); ++i) {
        const double x = amounts[i];
        if (std::isfinite(x) && x >= -tolerance) continue;
        // A rate rule is the model's own statement of the amount's course, which may cross 0
        // (an SBML parameter under a rate rule, imported as a species, often does).
        // A species that holds a value that only events or rules set (an SBML parameter that
        // events change, imported as a species) is not an amount.
        if (std::isfinite(x) && (rateRuled(model, i) || model.valueSpecies()[i])) continue;
        std::ostringstream msg;
        msg << method << ": the amount of species '" << model.species[i].name << "' became " << x << " at t = " << time
            << " s (replicate " << replicate << ")";
        if (std::isfinite(x))
            msg << "; a reaction consumes it at a rate that does not fall to 0 with it (check its law and substrate)";
        throw SolverError(msg.str());
    }
}

/// How far below 0 an integrated amount may drift from integration error alone: many steps'
/// absolute error, plus a relative part of the largest amount seen (`scale`, molecules).
inline double negativeTolerance(const SimulationSettings& s, double scale) {
    constexpr double kAbsoluteErrorSteps = 1e3;  ///< atol accumulated over this many steps
    constexpr double kRelativeDrift = 1e-6;      ///< of the largest amount
    return kAbsoluteErrorSteps * s.atol + kRelativeDrift * scale;
}

}  // namespace egress
