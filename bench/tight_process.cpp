// The whole-process baseline of bench/ssa_whole_process.sh: N tight trajectories of
// bench/tight_loops.hpp, every sample kept in memory (time and amounts, N x samples rows, as a
// program that returns its result must keep it), then the events and a checksum printed. It is a
// program of its own, linking nothing but the C++ runtime, because a hand-written simulator would
// be one: inside egress_bench_ssa it paid for loading HDF5, libSBML and Google Benchmark, which
// made the baseline slower on short runs and the ratio flattering. That the loops still implement
// the model files is checked by `egress_bench_ssa --check-tight MODEL` (the script runs it first).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tight_loops.hpp"

namespace {

struct Rows {
    double* row;
    int species;
    void record(double time, const double* amounts) {
        *row++ = time;
        for (int s = 0; s < species; ++s) *row++ = amounts[s];
    }
};

template <class M, class Loop>
int run(const char* key, std::size_t runs, Loop loop) {
    const std::size_t width = 1 + M::kSpecies;
    std::vector<double> all(runs * M::kSamples * width);
    Rows sink{all.data(), M::kSpecies};
    unsigned long long events = 0;
    for (std::size_t r = 0; r < runs; ++r) {
        tight::Xoshiro256pp rng(r + 1);
        events += loop(rng, sink);
    }
    double checksum = 0.0;
    for (std::size_t i = 0; i < all.size(); i += width) checksum += all[i + 1];
    std::printf("%s tight_events %llu checksum %.17g\n", key, events, checksum);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: egress_bench_tight N birth_death|linear_chain|dimerisation\n");
        return 2;
    }
    const std::size_t runs = std::strtoull(argv[1], nullptr, 10);
    const char* key = argv[2];
    using Rng = tight::Xoshiro256pp;
    if (!std::strcmp(key, "birth_death")) return run<tight::BirthDeath>(key, runs, [](Rng& g, Rows& o) { return tight::birthDeath(g, o); });
    if (!std::strcmp(key, "linear_chain")) return run<tight::Chain>(key, runs, [](Rng& g, Rows& o) { return tight::chain(g, o); });
    if (!std::strcmp(key, "dimerisation")) return run<tight::Dimerisation>(key, runs, [](Rng& g, Rows& o) { return tight::dimerisation(g, o); });
    std::fprintf(stderr, "egress_bench_tight: unknown model '%s'\n", key);
    return 2;
}
