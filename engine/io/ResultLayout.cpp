#include "io/ResultLayout.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/RandomStream.hpp"
#include "core/Variability.hpp"
#include "io/ConfigLoader.hpp"
#include "io/ResultSchema.hpp"
#include "io/SchemaHdf5.hpp"
#include "io/UtcTimestamp.hpp"

namespace egress {

namespace {

/// Target size of one chunk of a trajectory dataset, bytes.
constexpr std::size_t kChunkBytes = 256 * 1024;
/// Most replicates that share one trajectory chunk (short runs).
constexpr std::size_t kMaxReplicatesPerChunk = 1024;

/// Whether memory holds numbers in the file's (little-endian) byte order.
bool littleEndianHost() {
    const std::uint16_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    return first == 1;
}

}  // namespace

ResultLayout::ResultLayout(hid_t file, const std::string& path, const RunConfig& config, const RunProvenance& provenance)
    : file_(file), path_(path) {
    const Model& model = config.model;
    const SimulationSettings& sim = config.simulation;
    samples_ = sim.sampleCount();
    species_ = model.species.size();
    routes_ = model.routes.size();
    compartments_ = model.compartments.size();
    parameters_ = model.parameters.size();
    firstReplicate_ = sim.first_replicate;
    replicates_ = sim.replicates;
    compression_ = config.output.compression;
    chunkRows_ = std::clamp<std::size_t>(kChunkBytes / (8 * std::max<std::size_t>(1, species_)), 1, samples_);
    if (chunkRows_ == samples_) {
        // Short runs: a chunk holds several whole replicates, written together.
        const std::size_t width = std::max({species_, routes_, compartments_, std::size_t{1}});
        replicatesPerChunk_ = std::clamp<std::size_t>(kChunkBytes / (8 * samples_ * width), 1, kMaxReplicatesPerChunk);
        replicatesPerChunk_ = std::min(replicatesPerChunk_, std::max<std::size_t>(1, sim.replicates));
    }
    const std::string& f = path_;
    using namespace schema;

    h5::writeStringAttribute(file, kFormatAttribute, kFormat, f);
    h5::writeInt64Attribute(file, kFormatVersionAttribute, kFormatVersion, f);
    h5::writeStringAttribute(file, kEgressVersionAttribute, provenance.egressVersion, f);
    h5::writeStringAttribute(file, kMethodAttribute, methodName(sim.method), f);
    h5::writeInt64Attribute(file, kSeedAttribute, static_cast<std::int64_t>(sim.seed), f);
    h5::writeStringAttribute(file, kCreatedAttribute, utcTimestamp(), f);
    h5::writeStringAttribute(file, kCommandAttribute, provenance.command, f);
    h5::writeStringAttribute(file, kModelAttribute, model.name, f);
    h5::writeDoubleAttribute(file, kTEndAttribute, sim.t_end, f);
    h5::writeDoubleAttribute(file, kOutputIntervalAttribute, sim.output_interval, f);
    h5::writeStringAttribute(file, kAlgorithmAttribute, provenance.algorithm, f);
    if (sim.method != Method::Ssa) {
        h5::writeDoubleAttribute(file, kRtolAttribute, sim.rtol, f);
        h5::writeDoubleAttribute(file, kAtolAttribute, sim.atol, f);
    }
    if (sim.method == Method::Ode) h5::writeInt64Attribute(file, kDelayStagesAttribute, sim.delay_stages, f);
    if (sim.method != Method::Ode) {
        h5::writeStringAttribute(file, kRngAttribute, RandomStream::generatorName(), f);
        h5::writeStringAttribute(file, kRngKeySchemeAttribute, RandomStream::keySchemeDescription(), f);
    }
    for (const char* group : {kVesiclesGroup, kParametersGroup, kInputGroup})
        h5::Handle(h5::check(H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, std::string("create /") + group), H5Gclose);

    // Coordinates, each the dimension scale of its dimension.
    h5::Scales scales;
    std::vector<double> times(samples_);
    for (std::size_t i = 0; i < samples_; ++i) times[i] = sim.sampleTime(i);
    std::vector<std::int64_t> replicateIds(replicates_);
    for (std::size_t r = 0; r < replicates_; ++r) replicateIds[r] = static_cast<std::int64_t>(firstReplicate_ + r);
    std::vector<std::string> speciesNames, compartmentOfSpecies, compartmentNames, routeNames, parameterNames;
    for (const auto& s : model.species) {
        speciesNames.push_back(s.name);
        compartmentOfSpecies.push_back(model.compartments[s.compartment].name);
    }
    for (const auto& c : model.compartments) compartmentNames.push_back(c.name);
    for (const auto& r : model.routes) routeNames.push_back(r.name);
    for (const auto& p : model.parameters) parameterNames.push_back(p.name);
    const h5::Handle time = h5::writeVector(file, kTime, times, f);
    const h5::Handle replicate = h5::writeVector(file, kReplicate, replicateIds, f);
    const h5::Handle species = h5::writeVector(file, kSpecies, speciesNames, f);
    const h5::Handle compartment = h5::writeVector(file, kCompartment, compartmentNames, f);
    const h5::Handle route = h5::writeVector(file, kRoute, routeNames, f);
    const h5::Handle parameter = h5::writeVector(file, kParameterNames, parameterNames, f);
    using Scale = std::pair<const DatasetSpec*, hid_t>;
    for (const auto& [spec, set] : {Scale{&kTime, time}, Scale{&kReplicate, replicate}, Scale{&kSpecies, species},
                                    Scale{&kCompartment, compartment}, Scale{&kRoute, route}, Scale{&kParameterNames, parameter}}) {
        h5::setScale(set, *spec, f);
        scales[spec->dims[0]] = set;
    }
    h5::attachScales(h5::writeVector(file, kSpeciesCompartment, compartmentOfSpecies, f), kSpeciesCompartment, scales, f);

    // Trajectories. Stochastic methods count whole vesicles; ode gives expected (fractional) counts.
    const bool expectedCounts = sim.method == Method::Ode;
    amounts_ = createTrajectory(kAmounts, scales, expectedCounts);
    membraneArea_ = createTrajectory(kMembraneArea, scales, expectedCounts);
    budded_ = createTrajectory(kBudded, scales, expectedCounts);
    fused_ = createTrajectory(kFused, scales, expectedCounts);
    inTransit_ = createTrajectory(kInTransit, scales, expectedCounts);
    cargoInTransit_ = createTrajectory(kCargoInTransit, scales, expectedCounts);

    // Parameters as run (after overrides), with units and sources.
    std::vector<std::string> units, sources;
    std::vector<double> values;
    for (const auto& p : model.parameters) {
        units.push_back(p.units);
        sources.push_back(p.source);
        values.push_back(p.value);
    }
    h5::attachScales(h5::writeVector(file, kParameterValues, values, f), kParameterValues, scales, f);
    if (hasVariability(model)) {
        const hsize_t dims[2] = {replicates_, parameters_};
        h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        cellParameters_ = h5::createDataset(file, kParameterCellValues, space, f);
        h5::attachScales(cellParameters_, kParameterCellValues, scales, f);
        std::vector<std::string> distributions;
        std::vector<double> cvs;
        for (const auto& p : model.parameters) {
            distributions.push_back(distributionName(p.distribution));
            cvs.push_back(p.cv);
        }
        h5::attachScales(h5::writeVector(file, kParameterDistributions, distributions, f), kParameterDistributions, scales, f);
        h5::attachScales(h5::writeVector(file, kParameterCvs, cvs, f), kParameterCvs, scales, f);
    }
    h5::attachScales(h5::writeVector(file, kParameterUnits, units, f), kParameterUnits, scales, f);
    h5::attachScales(h5::writeVector(file, kParameterSources, sources, f), kParameterSources, scales, f);

    h5::writeScalar(file, kInputParams, config.paramsText, f);
    h5::writeScalar(file, kInputResolved, resolvedParamsToml(config), f);
    if (!config.modelText.empty()) h5::writeScalar(file, kInputModel, config.modelText, f);
    std::string overrides;
    for (const auto& o : config.overrides) overrides += o + "\n";
    h5::writeScalar(file, kInputOverrides, overrides, f);
    std::string scenarios;
    for (const auto& s : config.scenarios)
        scenarios += "# scenario: " + s.path + "\n" + s.text + (s.text.empty() || s.text.back() == '\n' ? "" : "\n");
    h5::writeScalar(file, kInputScenarios, scenarios, f);
}

h5::Handle ResultLayout::createTrajectory(const schema::DatasetSpec& spec, const h5::Scales& scales, bool expectedCounts) {
    const std::size_t width = spec.dims[2] == std::string(schema::kSpeciesDim)       ? species_
                              : spec.dims[2] == std::string(schema::kRouteDim)       ? routes_
                              : spec.dims[2] == std::string(schema::kCompartmentDim) ? compartments_
                                                                                     : 0;
    const hsize_t R = replicates_, dims[3] = {R, samples_, width};
    h5::Handle space(H5Screate_simple(3, dims, nullptr), H5Sclose);
    h5::Handle create(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (width > 0 && R > 0) {
        const hsize_t chunk[3] = {std::min<hsize_t>(replicatesPerChunk_, R), chunkRows_, width};
        h5::check(H5Pset_chunk(create, 3, chunk), path_, std::string("set chunking of ") + spec.path);
        if (compression_ > 0) {
            H5Pset_shuffle(create);
            H5Pset_deflate(create, static_cast<unsigned>(compression_));
        }
    }
    h5::Handle set = h5::createDataset(file_, spec, space, path_, expectedCounts, create);
    h5::attachScales(set, spec, scales, path_);
    return set;
}

template <typename BlockData>
void ResultLayout::writeTrajectories(hsize_t first, hsize_t replicates, hsize_t start, hsize_t rows, BlockData data) {
    // A write that covers one whole chunk of an unfiltered dataset goes to the file as the chunk's
    // bytes (H5Dwrite_chunk): through H5Dwrite, HDF5 first zeroes a new chunk in its cache and then
    // copies the rows in piece by piece, which was a fifth of writing many short replicates
    // (bench/README.md). The bytes are what H5Dwrite would store: the file types are little-endian
    // float64 and int64 (counts are whole numbers, converted exactly).
    const bool wholeChunk = compression_ == 0 && start == 0 && rows == samples_ && chunkRows_ == samples_ &&
                            replicates == replicatesPerChunk_ && first % replicatesPerChunk_ == 0 && littleEndianHost();
    std::vector<std::int64_t> counts;
    auto writeChunk = [&](hid_t set, const double* values, std::size_t width, const char* name) {
        const std::size_t n = replicates * rows * width;
        h5::Handle type(H5Dget_type(set), H5Tclose);
        const void* bytes = values;
        if (H5Tequal(type, H5T_STD_I64LE) > 0) {
            counts.resize(n);
            for (std::size_t i = 0; i < n; ++i) counts[i] = static_cast<std::int64_t>(values[i]);
            bytes = counts.data();
        } else if (H5Tequal(type, H5T_IEEE_F64LE) <= 0) {
            return false;
        }
        const hsize_t offset[3] = {first, 0, 0};
        h5::check(H5Dwrite_chunk(set, H5P_DEFAULT, 0, offset, n * sizeof(double), bytes), path_,
                  std::string("write ") + name + " (disk full?)");
        return true;
    };
    auto write = [&](hid_t set, std::vector<double> SampleBlock::*member, std::size_t width, const char* name) {
        if (width == 0) return;
        if (wholeChunk && writeChunk(set, data(member), width, name)) return;
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const hsize_t offset[3] = {first, start, 0};
        const hsize_t count[3] = {replicates, rows, width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, offset, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(3, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(set, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, data(member)), path_,
                  std::string("write ") + name + " (disk full?)");
    };
    write(amounts_, &SampleBlock::amounts, species_, schema::kAmounts.path);
    write(cargoInTransit_, &SampleBlock::cargo, species_, schema::kCargoInTransit.path);
    write(budded_, &SampleBlock::budded, routes_, schema::kBudded.path);
    write(fused_, &SampleBlock::fused, routes_, schema::kFused.path);
    write(inTransit_, &SampleBlock::inTransit, routes_, schema::kInTransit.path);
    write(membraneArea_, &SampleBlock::area, compartments_, schema::kMembraneArea.path);
}

void ResultLayout::writeSamples(std::size_t offset, const SampleBlock& block) {
    writeTrajectories(offset, 1, block.start, block.rows,
                      [&](std::vector<double> SampleBlock::*member) { return (block.*member).data(); });
}

void ResultLayout::writeSamples(std::size_t first, const std::vector<SampleBlock>& blocks) {
    std::vector<double> data;
    writeTrajectories(first, blocks.size(), 0, samples_, [&](std::vector<double> SampleBlock::*member) {
        data.clear();
        for (const auto& b : blocks) data.insert(data.end(), (b.*member).begin(), (b.*member).end());
        return data.data();
    });
}

void ResultLayout::writeCellParameters(std::size_t offset, const std::vector<double>& values) {
    h5::Handle fileSpace(H5Dget_space(cellParameters_), H5Sclose);
    const hsize_t start[2] = {offset, 0}, count[2] = {1, parameters_};
    H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
    h5::Handle memSpace(H5Screate_simple(2, count, nullptr), H5Sclose);
    h5::check(H5Dwrite(cellParameters_, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, values.data()), path_,
              std::string("write /") + schema::kParameterCellValues.path + " (disk full?)");
}

void ResultLayout::markInterrupted(const std::vector<std::int8_t>& finished, std::size_t finishedCount, const std::string& reason) {
    using namespace schema;
    const hsize_t R = replicates_;
    h5::Handle space(H5Screate_simple(1, &R, nullptr), H5Sclose);
    h5::Handle mask = h5::createDataset(file_, kReplicateFinished, space, path_);
    if (R > 0)
        h5::check(H5Dwrite(mask, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, finished.data()), path_,
                  std::string("write /") + kReplicateFinished.path);
    h5::Handle replicate(h5::check(H5Dopen2(file_, kReplicate.path, H5P_DEFAULT), path_, "open /replicate"), H5Dclose);
    h5::attachScales(mask, kReplicateFinished, {{kReplicateDim, replicate.get()}}, path_);
    h5::writeStringAttribute(file_, kInterruptedAttribute, reason, path_);
    h5::writeInt64Attribute(file_, kReplicatesFinishedAttribute, static_cast<std::int64_t>(finishedCount), path_);
}

void ResultLayout::writeAreaSummary(const std::vector<std::int64_t>& negativeReplicates, const std::vector<double>& lowestArea) {
    // Areas are bookkeeping of the vesicle counters (core/Membrane.hpp), not a constraint of the
    // model: a route may take more membrane from a compartment than it has. Say so in the file.
    std::vector<double> lowest(lowestArea);
    for (double& a : lowest)
        if (!std::isfinite(a)) a = 0.0;  // no finished replicate: nothing was seen
    h5::writeInt64Attribute(membraneArea_, schema::kNegativeAreaReplicatesAttribute, negativeReplicates, path_);
    h5::writeDoubleAttribute(membraneArea_, schema::kLowestAreaAttribute, lowest, path_);
}

void ResultLayout::close() {
    for (auto* h : {&amounts_, &budded_, &fused_, &inTransit_, &cargoInTransit_, &membraneArea_, &cellParameters_}) h->reset();
}

}  // namespace egress
