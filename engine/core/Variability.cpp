#include "core/Variability.hpp"

#include <cmath>

#include "core/NameTable.hpp"
#include "core/RandomStream.hpp"

namespace egress {

namespace {
constexpr NamedValue<Distribution> kDistributionNames[] = {
    {Distribution::Fixed, "fixed"}, {Distribution::Normal, "normal"},
    {Distribution::LogNormal, "lognormal"}, {Distribution::Uniform, "uniform"}};
}  // namespace

const char* distributionName(Distribution d) { return nameOf(kDistributionNames, d); }
std::optional<Distribution> distributionFromName(std::string_view name) { return valueNamed(kDistributionNames, name); }
std::vector<std::string> distributionNames() { return namesOf(kDistributionNames); }

bool hasVariability(const Model& model) {
    for (const auto& p : model.parameters)
        if (p.distribution != Distribution::Fixed && p.cv > 0.0) return true;
    return false;
}

std::vector<double> drawCellParameters(const Model& model, std::uint64_t seed, std::uint64_t replicate) {
    std::vector<double> values = model.baseParameterValues();
    if (!hasVariability(model)) return values;
    RandomStream rng(seed, replicate, StreamPurpose::CellVariability);
    for (std::size_t i = 0; i < model.parameters.size(); ++i) {
        const Parameter& p = model.parameters[i];
        if (p.distribution == Distribution::Fixed || p.cv <= 0.0 || p.value == 0.0) continue;
        switch (p.distribution) {
            case Distribution::Normal: {
                double v;
                do v = p.value * (1.0 + p.cv * rng.normal());
                while (v < 0.0);
                values[i] = v;
                break;
            }
            case Distribution::LogNormal: {
                const double s2 = std::log1p(p.cv * p.cv);
                values[i] = std::exp(std::log(p.value) - 0.5 * s2 + std::sqrt(s2) * rng.normal());
                break;
            }
            case Distribution::Uniform: {
                const double half = std::sqrt(3.0) * p.cv * p.value;
                values[i] = p.value - half + 2.0 * half * rng.uniform();
                break;
            }
            case Distribution::Fixed: break;
        }
    }
    return values;
}

}  // namespace egress
