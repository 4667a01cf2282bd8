#pragma once
// The `ssa` method: exact stochastic simulation (Gillespie's direct method with a dependency
// graph). Channels are the reactions, one budding channel per vesicle route and one fusion
// channel per route (propensity fusion_rate x competent vesicles). Breakpoints, the end of a
// vesicle's delay, and sample times are stops: the next event is drawn afresh after each, which
// is exact because waiting times are memoryless.
//
// The next channel is chosen by a linear search over the propensities (small models) or by a
// binary tree of partial sums (SumTree.hpp; from kTreeMinChannels channels on), whose cost grows
// with log2 of the number of channels. Both choose channel c with probability a_c / a_0; for a
// given seed, the trajectory depends on which one runs, and which one runs depends only on the
// model (its number of channels), so a model and a seed always give the same trajectory.
#include "core/Timeline.hpp"
#include "solvers/Simulator.hpp"
#include "solvers/VesiclePool.hpp"

namespace egress {

/// How the ssa picks the channel that fires.
enum class SsaSelection : std::uint8_t {
    Automatic,  ///< Direct below kTreeMinChannels channels, Tree from there on
    Direct,     ///< linear search over the propensities
    Tree,       ///< binary tree of partial sums
};

class SsaSolver : public Simulator {
public:
    /// Channels from which Automatic selection uses the tree. Measured on the random networks of
    /// bench/random_network.hpp (bench/README.md, "SSA on large networks"): the tree ran at 0.48x
    /// the linear search at 100 reactions, 0.95x at 300, 1.13x at 500, 1.7x at 1,000 and 9x at
    /// 10,000. An event there changes 15-30 propensities, each a path of the tree to recompute,
    /// while the search costs one comparison per channel: the search wins until a few hundred.
    static constexpr std::size_t kTreeMinChannels = 400;

    SsaSolver(const Model& model, const SimulationSettings& settings, SsaSelection selection = SsaSelection::Automatic);
    // updates_ points into the solver's own tables.
    SsaSolver(const SsaSolver&) = delete;
    SsaSolver& operator=(const SsaSolver&) = delete;
    std::uint64_t run(std::size_t replicate, const std::vector<double>& baseParameters,
             TrajectoryObserver& observer) const override;
    std::string algorithm() const override {
        return useTree_ ? "direct method with dependency graph, sum-tree selection" : "direct method with dependency graph";
    }
    bool usesTree() const { return useTree_; }

private:
    /// run() with the selection fixed at compile time: the event loop carries no test of it.
    /// kEvents: the model has state events (a separate loop, so that a model without costs nothing).
    template <bool kTree, bool kEvents>
    std::uint64_t runWith(std::size_t replicate, const std::vector<double>& baseParameters, TrajectoryObserver& observer) const;
    /// Kept out of line: the check sits in the inner loop, the message almost never runs.
    [[noreturn]] __attribute__((noinline, cold)) void badPropensity(std::size_t channel, double value, double t,
                                                                   std::size_t replicate) const;

    const Model& model_;
    CargoTable cargo_;  ///< the routes' cargo pairs, for every replicate
    Timeline timeline_;  ///< the breakpoints: fixed by the model and t_end, so built once
    SimulationSettings settings_;
    std::size_t reactions_ = 0, routes_ = 0;
    bool useTree_ = false;
    /// Channels whose propensity must be recomputed after channel c fires, flattened:
    /// dependents_[dependentBegin_[c] .. dependentBegin_[c + 1]).
    std::vector<std::size_t> dependents_;
    std::vector<std::size_t> dependentBegin_;
    /// Net change of each species a reaction changes, flattened: reaction j owns
    /// netChange_[netBegin_[j] .. netBegin_[j + 1]).
    struct NetChange {
        std::size_t species;
        double delta;
    };
    std::vector<NetChange> netChange_;
    std::vector<std::size_t> netBegin_;

    /// How a channel's propensity is computed. Product: k x[a] x[b], which covers mass action of
    /// order 0, 1 and 1 + 1 (a missing factor is the slot past the species, which holds 1);
    /// Dimer: k x (x - 1) / 2; Fusion: the route's rate x its competent vesicles; Area: the budding
    /// of a route per um^2 of its donor, k x donor area / vesicle area (core/Membrane.hpp); General: any law.
    enum class Form : std::uint8_t { Product, Dimer, Fusion, Area, General };
    struct ChannelLaw {
        Form form = Form::General;
        std::uint32_t a = 0, b = 0;  ///< species (or the route, for fusion and area)
        const RateLaw* law = nullptr;
    };
    std::vector<ChannelLaw> law_;  ///< per channel: fixed by the model, so classified once here
    /// A product or dimer propensity to recompute: channel and its species (k is per segment).
    struct Kernel {
        std::uint32_t channel, a, b;
    };
    /// What firing channel c recomputes, by form, so that the update loops carry no test of the
    /// form (it was a load and a branch per dependent): kernels_[productBegin .. dimerBegin) are
    /// products, [dimerBegin .. dimerEnd) dimers, others_[otherBegin .. otherEnd) fusions and
    /// general laws. One record per channel, next to its net change range: one cache line.
    /// Pointers into netChange_, kernels_ and others_ (set once the tables are complete; the
    /// solver is neither copied nor moved, see below), so that a loop starts from two loads
    /// instead of index arithmetic (a dozen instructions per loop and event).
    struct Updates {
        const NetChange *netBegin, *netEnd;
        const Kernel *productBegin, *dimerBegin, *dimerEnd;
        const std::uint32_t *otherBegin, *otherEnd;
    };
    std::vector<Updates> updates_;
    std::vector<Kernel> kernels_;
    std::vector<std::uint32_t> others_;
};

}  // namespace egress
