#include "core/Sweep.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <stdexcept>

#include "core/NameTable.hpp"
#include "core/RandomStream.hpp"
#include "core/SweepDesign.hpp"

namespace egress {

namespace {

/// u in [0, 1) onto the axis range.
double onAxis(const SweepAxis& a, double u) {
    if (a.log) return std::pow(10.0, std::log10(a.min) + u * (std::log10(a.max) - std::log10(a.min)));
    return a.min + u * (a.max - a.min);
}

}  // namespace

SweepPoints sweepPoints(const SweepSpec& spec) {
    SweepPoints out;
    out.axes = spec.axes.size();
    if (spec.axes.empty()) throw std::invalid_argument("a sweep needs at least one axis");
    switch (spec.design) {
        case SweepDesignKind::Grid: {
            std::size_t count = 1;
            for (const auto& a : spec.axes) {
                if (a.values.empty()) throw std::invalid_argument("grid axis '" + a.name + "' has no values");
                count *= a.values.size();
            }
            out.count = count;
            out.values.resize(count * out.axes);
            for (std::size_t p = 0; p < count; ++p) {
                std::size_t rest = p;
                for (std::size_t a = out.axes; a-- > 0;) {
                    const auto& v = spec.axes[a].values;
                    out.values[p * out.axes + a] = v[rest % v.size()];
                    rest /= v.size();
                }
            }
            break;
        }
        case SweepDesignKind::List: {
            out.count = spec.axes.front().values.size();
            for (const auto& a : spec.axes)
                if (a.values.size() != out.count) throw std::invalid_argument("list axes must have the same number of values");
            out.values.resize(out.count * out.axes);
            for (std::size_t p = 0; p < out.count; ++p)
                for (std::size_t a = 0; a < out.axes; ++a) out.values[p * out.axes + a] = spec.axes[a].values[p];
            break;
        }
        case SweepDesignKind::LatinHypercube:
        case SweepDesignKind::Sobol: {
            UnitDesign unit;
            if (spec.design == SweepDesignKind::LatinHypercube) {
                unit = latinHypercubeDesign(spec.samples, out.axes, spec.seed);
            } else if (spec.saltelli) {
                SaltelliDesign s = saltelliDesign(spec.samples, out.axes);
                unit = std::move(s.design);
                out.saltelliBlock = std::move(s.block);
                out.saltelliRow = std::move(s.row);
            } else {
                unit = sobolDesign(spec.samples, out.axes);
            }
            out.count = unit.points;
            out.values.resize(out.count * out.axes);
            for (std::size_t p = 0; p < out.count; ++p)
                for (std::size_t a = 0; a < out.axes; ++a)
                    out.values[p * out.axes + a] = onAxis(spec.axes[a], unit.u[p * out.axes + a]);
            break;
        }
    }
    return out;
}

void applySweepPoint(Model& model, const SweepSpec& spec, const SweepPoints& points, std::size_t point) {
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
        const SweepAxis& axis = spec.axes[a];
        const double v = points.value(point, a);
        switch (axis.target) {
            case AxisTarget::Parameter: model.parameters[axis.index].value = v; break;
            case AxisTarget::InitialAmount: model.species[axis.index].initial = v; break;
            case AxisTarget::PerturbationStrength: model.perturbations[axis.index].value = v; break;
            case AxisTarget::PerturbationStart: model.perturbations[axis.index].start = v; break;
            case AxisTarget::PerturbationEnd: model.perturbations[axis.index].end = v; break;
        }
    }
    model.resolveRunConstants();
}

std::uint64_t sweepPointSeed(std::uint64_t baseSeed, std::size_t point, SweepStreams streams) {
    if (streams == SweepStreams::Common) return baseSeed;
    // One Philox block keyed by the base seed, counter (point low, point high, 0, SweepPoint):
    // a bijection of the point index for a given seed, so distinct points get distinct blocks.
    const r123::Philox4x32::key_type key{{static_cast<std::uint32_t>(baseSeed), static_cast<std::uint32_t>(baseSeed >> 32)}};
    const std::uint64_t p = point;
    const r123::Philox4x32::ctr_type counter{{static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(p >> 32), 0,
                                              static_cast<std::uint32_t>(StreamPurpose::SweepPoint)}};
    const auto block = r123::Philox4x32()(counter, key);
    return (static_cast<std::uint64_t>(block.v[0]) << 32) | block.v[1];
}

std::vector<std::size_t> shardPoints(std::size_t totalPoints, std::size_t shard, std::size_t of) {
    std::vector<std::size_t> out;
    for (std::size_t p = shard; p < totalPoints; p += of) out.push_back(p);
    return out;
}

namespace {
constexpr NamedValue<SweepDesignKind> kDesignNames[] = {
    {SweepDesignKind::Grid, "grid"}, {SweepDesignKind::List, "list"},
    {SweepDesignKind::LatinHypercube, "latin_hypercube"}, {SweepDesignKind::Sobol, "sobol"}};
constexpr NamedValue<SweepStreams> kStreamsNames[] = {
    {SweepStreams::Independent, "independent"}, {SweepStreams::Common, "common"}};
constexpr NamedValue<AxisTarget> kAxisTargetNames[] = {
    {AxisTarget::Parameter, "parameter"},
    {AxisTarget::InitialAmount, "initial"},
    {AxisTarget::PerturbationStrength, "perturbation strength"},
    {AxisTarget::PerturbationStart, "perturbation start"},
    {AxisTarget::PerturbationEnd, "perturbation end"}};
}  // namespace

const char* sweepDesignName(SweepDesignKind d) { return nameOf(kDesignNames, d); }
std::optional<SweepDesignKind> sweepDesignFromName(std::string_view name) { return valueNamed(kDesignNames, name); }
std::vector<std::string> sweepDesignNames() { return namesOf(kDesignNames); }

const char* sweepStreamsName(SweepStreams s) { return nameOf(kStreamsNames, s); }
std::optional<SweepStreams> sweepStreamsFromName(std::string_view name) { return valueNamed(kStreamsNames, name); }
std::vector<std::string> sweepStreamsNames() { return namesOf(kStreamsNames); }

const char* axisTargetName(AxisTarget t) { return nameOf(kAxisTargetNames, t); }

}  // namespace egress
