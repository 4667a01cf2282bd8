#pragma once
// Random reaction networks for timing the ssa's selection on large models (issue 14):
// R reactions over S = max(4, R / 5) species, each species starting at 100 molecules. Half the
// reactions (at random) are conversions s_a -> s_b at k ~ U(0.005, 0.015) /s, the others
// s_a + s_b -> s_c + s_d at k ~ U(5e-5, 1.5e-4) /(molecule s), all four distinct. Every reaction
// conserves molecules, so amounts stay near 100 and each reaction fires about once per second:
// events per second of simulated time grow with R, and t_end = 50,000 / R s keeps a run at about
// 50,000 events whatever R. A species is read by about 1.5 R / S = 7.5 reactions, whatever R, so
// the dependency graph's work per event does not grow with R and what does is the selection.
// The network is a function of (R, seed) only (splitmix64 and our own transforms).
#include <cstdint>
#include <sstream>
#include <string>

namespace bench {

inline std::string randomNetworkToml(std::size_t reactions, std::uint64_t seed = 1) {
    std::uint64_t state = seed;
    auto next = [&state] {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    auto uniform = [&] { return static_cast<double>(next() >> 11) * 0x1.0p-53; };
    const std::size_t S = reactions / 5 < 4 ? 4 : reactions / 5;
    auto pick = [&] { return static_cast<std::size_t>(next() % S); };
    const double tEnd = 50000.0 / static_cast<double>(reactions);

    std::ostringstream toml;
    toml.precision(17);
    toml << "# random network: " << reactions << " reactions, " << S << " species, seed " << seed
         << " (bench/random_network.hpp)\n[model]\nname = \"random_network_" << reactions << "\"\n"
         << "compartments = { cell = {} }\nspecies = {";
    for (std::size_t s = 0; s < S; ++s) toml << (s ? ", " : " ") << "s" << s << " = { compartment = \"cell\", initial = 100 }";
    toml << " }\nparameters = {";
    std::ostringstream rows;
    for (std::size_t j = 0; j < reactions; ++j) {
        std::size_t a = pick(), b = pick(), c = pick(), d = pick();
        const bool pair = (next() & 1) != 0;
        double k;
        if (!pair) {
            while (b == a) b = pick();
            k = 0.005 + 0.01 * uniform();
            rows << "  { name = \"r" << j << "\", equation = \"s" << a << " -> s" << b << "\", k = \"k" << j << "\" },\n";
        } else {
            while (b == a) b = pick();
            while (c == a || c == b) c = pick();
            while (d == a || d == b || d == c) d = pick();
            k = 5e-5 + 1e-4 * uniform();
            rows << "  { name = \"r" << j << "\", equation = \"s" << a << " + s" << b << " -> s" << c << " + s" << d
                 << "\", k = \"k" << j << "\" },\n";
        }
        toml << (j ? ", " : " ") << "k" << j << " = " << k;
    }
    toml << " }\nreactions = [\n" << rows.str() << "]\n\n[simulation]\nmethod = \"ssa\"\nt_end = " << tEnd
         << "\noutput_interval = " << tEnd / 10.0 << "\nreplicates = 1\nseed = 1\n\n[output]\nfile = \"random_network.h5\"\n";
    return toml.str();
}

}  // namespace bench
