// HDF5 write throughput of the result writer against plain fwrite of the same bytes.
// An ensemble of R replicates x T samples x S species (default 1000 x 1000 x 20, as in issue 4)
// goes through ResultWriter's per-replicate sinks exactly as a run would, with integer-valued
// random-walk amounts (like SSA counts) made beforehand, then the same bytes go out with fwrite.
//   egress_bench_hdf5 [R] [T] [S] [DIR]
// Prints MB/s of both, their ratio, and the file size with compression 0 and 4.
// Then the vesicle event log alike: R replicates x E events (default 1000 x 14000, about what the
// default model logs) of a two-route model go through the sinks' vesicleEvent and the writer's
// event thread, against fwrite of the same rows (replicate, time, route, kind, vesicle, loads).
//   egress_bench_hdf5 [R] [T] [S] [DIR] [E]
#include <chrono>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/RandomStream.hpp"
#include "io/ConfigLoader.hpp"
#include "io/ResultWriter.hpp"

using namespace egress;
using Clock = std::chrono::steady_clock;

namespace {

std::string params(std::size_t R, std::size_t T, std::size_t S, int compression) {
    std::ostringstream t;
    t << "[simulation]\nmethod = \"ssa\"\nt_end = " << (T - 1) << ".0\noutput_interval = 1.0\nreplicates = " << R
      << "\n[output]\nevents = false\ncompression = " << compression << "\n[model]\nname = \"bench\"\n"
      << "[model.compartments]\ncell = {}\n[model.species]\n";
    for (std::size_t s = 0; s < S; ++s) t << "X" << s << " = { compartment = \"cell\", initial = 100 }\n";
    t << "[[model.reactions]]\nname = \"r\"\nequation = \"X0 -> X1\"\nk = 1.0\n";
    for (std::size_t s = 2; s < S; ++s)
        t << "[[model.reactions]]\nname = \"r" << s << "\"\nequation = \"X" << s << " ->\"\nk = 1.0\n";
    return t.str();
}

const char* kEventModel = R"(
[model]
name = "bench-events"
[model.compartments]
ER = {}
Golgi = {}
PM = {}
[model.species]
cargo_ER = { compartment = "ER", initial = 100 }
cargo_Golgi = { compartment = "Golgi" }
cargo_secreted = { compartment = "PM" }
[[model.vesicles]]
name = "COPII"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { cargo_ER = "cargo_Golgi" }
capture = 0.1
fusion_rate = 0.5
[[model.vesicles]]
name = "PGC"
from = "Golgi"
to = "PM"
budding = { law = "mass_action", k = 1.0 }
cargo = { cargo_Golgi = "cargo_secreted" }
capture = 0.1
fusion_rate = 0.5
)";

/// The event log through the writer against fwrite of the same rows; prints one line each.
void benchEventLog(std::size_t R, std::size_t E, const std::filesystem::path& dir) {
    std::ostringstream text;
    text << "[simulation]\nmethod = \"ssa\"\nt_end = 1.0\noutput_interval = 1.0\nreplicates = " << R
         << "\n[output]\nevents = true\n" << kEventModel;
    const RunConfig config = loadRunConfigFromText(text.str(), (dir / "bench-events.toml").string());
    const std::size_t S = config.model.species.size();
    // Events of one replicate, made before timing: buds and fusions on alternate routes, small loads.
    RandomStream rng(2, 0, StreamPurpose::Trajectory);
    std::vector<VesicleEvent> events(E);
    std::vector<double> loads(E * S, 0.0);
    for (std::size_t i = 0; i < E; ++i) {
        events[i].time = static_cast<double>(i) * 0.5 + rng.uniform();
        events[i].route = (i / 2) % 2;
        events[i].kind = i % 2 == 0 ? VesicleEventKind::Bud : VesicleEventKind::Fuse;
        events[i].vesicle = i / 2;
        loads[i * S + 1 + events[i].route] = static_cast<double>(rng.binomial(100, 0.05));
        events[i].load = &loads[i * S];
    }
    const auto path = (dir / "bench-events.h5").string();
    const std::vector<double> amounts(S, 100.0), zeros(S, 0.0), area(3, 0.0);
    auto start = Clock::now();
    std::size_t logBytes = 0;
    {
        ResultWriter writer(path, config, RunProvenance{"bench", "0", "none"});
        for (std::size_t r = 0; r < R; ++r) {
            auto sink = writer.openReplicate(r);
            for (std::size_t t = 0; t < config.simulation.sampleCount(); ++t) {
                Sample smp;
                smp.replicate = r;
                smp.index = t;
                smp.time = static_cast<double>(t);
                smp.amounts = amounts.data();
                smp.budded = smp.fused = smp.in_transit = zeros.data();  // two routes, fewer than S
                smp.cargo_in_transit = zeros.data();
                smp.membrane_area = area.data();
                sink->sample(smp);
            }
            for (auto e : events) {
                e.replicate = r;
                sink->vesicleEvent(e);
            }
            sink->replicateFinished(r);
        }
        writer.commit();
        logBytes = writer.eventLogBytes();
    }
    const double hdf5Seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const auto fileSize = std::filesystem::file_size(path);
    std::filesystem::remove(path);

    // fwrite: the same row bytes (the file stores them column by column; the volume is the same).
    const std::size_t C = 2, rowBytes = 4 * 8 + 1 + C * 8;
    std::vector<unsigned char> block(E * rowBytes);
    const auto raw = (dir / "bench-events.bin").string();
    start = Clock::now();
    {
        std::FILE* f = std::fopen(raw.c_str(), "wb");
        for (std::size_t r = 0; r < R; ++r) {
            unsigned char* out = block.data();
            for (std::size_t i = 0; i < E; ++i) {
                const VesicleEvent& e = events[i];
                const std::int64_t ints[3] = {static_cast<std::int64_t>(r), static_cast<std::int64_t>(e.route),
                                              static_cast<std::int64_t>(e.vesicle)};
                const auto kind = static_cast<std::int8_t>(e.kind);
                std::memcpy(out, ints, sizeof ints);
                std::memcpy(out + 24, &e.time, 8);
                std::memcpy(out + 32, &kind, 1);
                std::memcpy(out + 33, e.load + 1, C * 8);
                out += rowBytes;
            }
            std::fwrite(block.data(), 1, block.size(), f);
        }
        std::fclose(f);
    }
    const double fwriteSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::filesystem::remove(raw);
    const double megabytes = static_cast<double>(R * E * rowBytes) / 1e6;
    std::printf("\nevent log %zu replicates x %zu events: %.1f MB (%zu bytes a row; the writer counted %.1f MB)\n", R, E,
                megabytes, rowBytes, static_cast<double>(logBytes) / 1e6);
    std::printf("fwrite                 %8.2f s  %8.1f MB/s\n", fwriteSeconds, megabytes / fwriteSeconds);
    std::printf("egress HDF5 event log  %8.2f s  %8.1f MB/s  ratio to fwrite %.2f  file %.1f MB\n", hdf5Seconds,
                megabytes / hdf5Seconds, fwriteSeconds / hdf5Seconds, static_cast<double>(fileSize) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t R = argc > 1 ? std::stoul(argv[1]) : 1000;
    const std::size_t T = argc > 2 ? std::stoul(argv[2]) : 1000;
    const std::size_t S = argc > 3 ? std::stoul(argv[3]) : 20;
    const std::filesystem::path dir = argc > 4 ? argv[4] : std::filesystem::temp_directory_path();

    // The trajectories, made once before any timing: a random walk per species and replicate.
    RandomStream rng(1, 0, StreamPurpose::Trajectory);
    std::vector<double> all(R * T * S), zeros(S, 0.0), area(1, 0.0);
    for (std::size_t r = 0; r < R; ++r) {
        double* a = &all[r * T * S];
        for (std::size_t s = 0; s < S; ++s) a[s] = 100;
        for (std::size_t t = 1; t < T; ++t)
            for (std::size_t s = 0; s < S; ++s) a[t * S + s] = std::max(0.0, a[(t - 1) * S + s] + (rng.uniform() < 0.5 ? -1 : 1));
    }
    double hdf5Seconds[2] = {0, 0};
    std::uintmax_t sizes[2] = {0, 0};
    std::size_t bytesPerSample = 0;
    for (int pass = 0; pass < 2; ++pass) {
        const int compression = pass == 0 ? 0 : 4;
        RunConfig config = loadRunConfigFromText(params(R, T, S, compression), (dir / "bench.toml").string());
        const auto path = (dir / ("bench-hdf5-" + std::to_string(compression) + ".h5")).string();
        const auto start = Clock::now();
        {
            ResultWriter writer(path, config, RunProvenance{"bench", "0", "none"});
            for (std::size_t r = 0; r < R; ++r) {
                const double* amounts = &all[r * T * S];
                auto sink = writer.openReplicate(r);
                for (std::size_t t = 0; t < T; ++t) {
                    Sample smp;
                    smp.replicate = r;
                    smp.index = t;
                    smp.time = static_cast<double>(t);
                    smp.amounts = &amounts[t * S];
                    smp.cargo_in_transit = zeros.data();
                    smp.membrane_area = area.data();
                    sink->sample(smp);
                }
                sink->replicateFinished(r);
            }
            writer.commit();
        }
        hdf5Seconds[pass] = std::chrono::duration<double>(Clock::now() - start).count();
        sizes[pass] = std::filesystem::file_size(path);
        std::filesystem::remove(path);
        bytesPerSample = (2 * S + 1) * sizeof(double);  // amounts, cargo in transit, membrane area
    }

    // The same bytes with fwrite, one sample row at a time as the sinks receive them.
    const auto raw = (dir / "bench-fwrite.bin").string();
    const auto start = Clock::now();
    {
        std::FILE* f = std::fopen(raw.c_str(), "wb");
        std::vector<double> row(2 * S + 1, 0.0);
        for (std::size_t r = 0; r < R; ++r) {
            const double* amounts = &all[r * T * S];
            for (std::size_t t = 0; t < T; ++t) {
                std::copy(&amounts[t * S], &amounts[t * S] + S, row.begin());
                std::fwrite(row.data(), sizeof(double), row.size(), f);
            }
        }
        std::fclose(f);
    }
    const double fwriteSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::filesystem::remove(raw);

    const double megabytes = static_cast<double>(R * T * bytesPerSample) / 1e6;
    std::printf("ensemble %zu replicates x %zu samples x %zu species: %.1f MB of trajectories\n", R, T, S, megabytes);
    std::printf("fwrite                 %8.2f s  %8.1f MB/s\n", fwriteSeconds, megabytes / fwriteSeconds);
    std::printf("egress HDF5 (gzip 0)   %8.2f s  %8.1f MB/s  ratio to fwrite %.2f  file %.1f MB\n", hdf5Seconds[0],
                megabytes / hdf5Seconds[0], fwriteSeconds / hdf5Seconds[0], static_cast<double>(sizes[0]) / 1e6);
    std::printf("egress HDF5 (gzip 4)   %8.2f s  %8.1f MB/s  ratio to fwrite %.2f  file %.1f MB\n", hdf5Seconds[1],
                megabytes / hdf5Seconds[1], fwriteSeconds / hdf5Seconds[1], static_cast<double>(sizes[1]) / 1e6);
    benchEventLog(R, argc > 5 ? std::stoul(argv[5]) : 14000, dir);
    return 0;
}
