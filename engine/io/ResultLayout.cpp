#include "io/ResultLayout.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>

#include "core/RandomStream.hpp"
#include "core/Variability.hpp"
#include "io/ConfigLoader.hpp"
#include "io/ResultSchema.hpp"
#include "io/UtcTimestamp.hpp"

namespace egress {

namespace {

/// Target size of one chunk of a trajectory dataset, bytes.
constexpr std::size_t kChunkBytes = 256 * 1024;

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
        replicatesPerChunk_ = std::clamp<std::size_t>(kChunkBytes / (8 * samples_ * width), 1, 1024);
        replicatesPerChunk_ = std::min(replicatesPerChunk_, std::max<std::size_t>(1, sim.replicates));
    }
    const std::string& f = path_;

    h5::writeStringAttribute(file, "format", schema::kFormat, f);
    h5::writeInt64Attribute(file, "format_version", schema::kFormatVersion, f);
    h5::writeStringAttribute(file, "egress_version", provenance.egressVersion, f);
    h5::writeStringAttribute(file, "method", methodName(sim.method), f);
    h5::writeInt64Attribute(file, "seed", static_cast<std::int64_t>(sim.seed), f);
    h5::writeStringAttribute(file, "created", utcTimestamp(), f);
    h5::writeStringAttribute(file, "command", provenance.command, f);
    h5::writeStringAttribute(file, "model", model.name, f);
    h5::writeDoubleAttribute(file, "t_end", sim.t_end, f);
    h5::writeDoubleAttribute(file, "output_interval", sim.output_interval, f);
    h5::writeStringAttribute(file, "algorithm", provenance.algorithm, f);
    if (sim.method != Method::Ssa) {
        h5::writeDoubleAttribute(file, "rtol", sim.rtol, f);
        h5::writeDoubleAttribute(file, "atol", sim.atol, f);
    }
    if (sim.method == Method::Ode) h5::writeInt64Attribute(file, "delay_stages", sim.delay_stages, f);
    if (sim.method != Method::Ode) {
        h5::writeStringAttribute(file, "rng", RandomStream::generatorName(), f);
        h5::writeStringAttribute(file, "rng_key_scheme", RandomStream::keySchemeDescription(), f);
    }

    // Coordinates.
    std::vector<double> times(samples_);
    for (std::size_t i = 0; i < samples_; ++i) times[i] = sim.sampleTime(i);
    const hsize_t T = samples_, R = replicates_;
    h5::Handle timeSpace(H5Screate_simple(1, &T, nullptr), H5Sclose);
    h5::Handle time(h5::check(H5Dcreate2(file, schema::kTime, H5T_IEEE_F64LE, timeSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /time"), H5Dclose);
    h5::check(H5Dwrite(time, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, times.data()), f, "write /time");
    h5::writeStringAttribute(time, "units", "s", f);
    std::vector<std::int64_t> replicateIds(R);
    for (hsize_t r = 0; r < R; ++r) replicateIds[r] = static_cast<std::int64_t>(firstReplicate_ + r);
    h5::Handle repSpace(H5Screate_simple(1, &R, nullptr), H5Sclose);
    h5::Handle replicate(h5::check(H5Dcreate2(file, schema::kReplicate, H5T_STD_I64LE, repSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /replicate"), H5Dclose);
    h5::check(H5Dwrite(replicate, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, replicateIds.data()), f, "write /replicate");
    std::vector<std::string> speciesNames, compartmentOfSpecies;
    for (const auto& s : model.species) {
        speciesNames.push_back(s.name);
        compartmentOfSpecies.push_back(model.compartments[s.compartment].name);
    }
    h5::Handle species = h5::writeStringVector(file, schema::kSpecies, speciesNames, f);
    h5::writeStringAttribute(species, "compartment", "see /species_compartment", f);
    h5::Handle speciesCompartment = h5::writeStringVector(file, "species_compartment", compartmentOfSpecies, f);
    h5::check(H5DSset_scale(time, schema::kTime), f, "make /time a dimension scale");
    h5::check(H5DSset_scale(replicate, schema::kReplicate), f, "make /replicate a dimension scale");
    h5::check(H5DSset_scale(species, schema::kSpecies), f, "make /species a dimension scale");
    h5::check(H5DSattach_scale(speciesCompartment, species, 0), f, "attach /species to /species_compartment");

    amounts_ = createTrajectory(file, schema::kAmounts, H5T_IEEE_F64LE, species_, {replicate, time, species});
    h5::writeStringAttribute(amounts_, "units", "molecules", f);
    std::vector<std::string> compartmentNames;
    for (const auto& c : model.compartments) compartmentNames.push_back(c.name);
    h5::Handle compartment = h5::writeStringVector(file, schema::kCompartment, compartmentNames, f);
    h5::check(H5DSset_scale(compartment, schema::kCompartment), f, "make /compartment a dimension scale");
    membraneArea_ = createTrajectory(file, schema::kMembraneArea, H5T_IEEE_F64LE, compartments_, {replicate, time, compartment});
    h5::writeStringAttribute(membraneArea_, "units", "um^2", f);
    h5::writeStringAttribute(membraneArea_, "description",
                             "initial area (0 when the model gives none) - vesicle_area x buds + vesicle_area x fusions", f);

    h5::Handle vesicles(h5::check(H5Gcreate2(file, "vesicles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /vesicles"), H5Gclose);
    std::vector<std::string> routeNames;
    for (const auto& r : model.routes) routeNames.push_back(r.name);
    h5::Handle route = h5::writeStringVector(vesicles, "route", routeNames, f);
    h5::check(H5DSset_scale(route, "route"), f, "make /vesicles/route a dimension scale");
    // Stochastic methods count whole vesicles; ode gives expected (fractional) counts.
    const hid_t countType = sim.method == Method::Ode ? H5T_IEEE_F64LE : H5T_STD_I64LE;
    budded_ = createTrajectory(file, schema::kBudded, countType, routes_, {replicate, time, route});
    fused_ = createTrajectory(file, schema::kFused, countType, routes_, {replicate, time, route});
    inTransit_ = createTrajectory(file, schema::kInTransit, countType, routes_, {replicate, time, route});
    cargoInTransit_ = createTrajectory(file, schema::kCargoInTransit, H5T_IEEE_F64LE, species_, {replicate, time, species});
    h5::writeStringAttribute(budded_, "units", "vesicles (cumulative)", f);
    h5::writeStringAttribute(fused_, "units", "vesicles (cumulative)", f);
    h5::writeStringAttribute(inTransit_, "units", "vesicles", f);
    h5::writeStringAttribute(cargoInTransit_, "units", "molecules, by acceptor species", f);

    // Parameters as run (after overrides), with units and sources.
    h5::Handle parameters(h5::check(H5Gcreate2(file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /parameters"), H5Gclose);
    std::vector<std::string> names, units, sources;
    std::vector<double> values;
    for (const auto& p : model.parameters) {
        names.push_back(p.name);
        units.push_back(p.units);
        sources.push_back(p.source);
        values.push_back(p.value);
    }
    h5::Handle parameterNames = h5::writeStringVector(parameters, "parameter", names, f);
    h5::check(H5DSset_scale(parameterNames, "parameter"), f, "make /parameters/parameter a dimension scale");
    const hsize_t P = values.size();
    h5::Handle pSpace(H5Screate_simple(1, &P, nullptr), H5Sclose);
    h5::Handle value(h5::check(H5Dcreate2(parameters, "value", H5T_IEEE_F64LE, pSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /parameters/value"), H5Dclose);
    if (P > 0) h5::check(H5Dwrite(value, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), f, "write /parameters/value");
    if (hasVariability(model)) {
        const hsize_t dims[2] = {R, P};
        h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        cellParameters_ = h5::Handle(h5::check(H5Dcreate2(parameters, "cell_value", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                                          H5P_DEFAULT, H5P_DEFAULT), f, "create /parameters/cell_value"), H5Dclose);
        h5::check(H5DSattach_scale(cellParameters_, replicate, 0), f, "attach /replicate");
        h5::check(H5DSattach_scale(cellParameters_, parameterNames, 1), f, "attach /parameters/parameter");
        h5::writeStringAttribute(cellParameters_, "description", "the values each replicate (cell) drew; see distribution and cv", f);
        std::vector<std::string> distributions;
        std::vector<double> cvs;
        for (const auto& p : model.parameters) {
            distributions.push_back(distributionName(p.distribution));
            cvs.push_back(p.cv);
        }
        h5::Handle d = h5::writeStringVector(parameters, "distribution", distributions, f);
        h5::check(H5DSattach_scale(d, parameterNames, 0), f, "attach /parameters/parameter");
        h5::Handle cvSet(h5::check(H5Dcreate2(parameters, "cv", H5T_IEEE_F64LE, pSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f,
                                   "create /parameters/cv"), H5Dclose);
        h5::check(H5Dwrite(cvSet, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cvs.data()), f, "write /parameters/cv");
        h5::check(H5DSattach_scale(cvSet, parameterNames, 0), f, "attach /parameters/parameter");
    }
    h5::Handle unitSet = h5::writeStringVector(parameters, "units", units, f);
    h5::Handle sourceSet = h5::writeStringVector(parameters, "source", sources, f);
    for (hid_t d : {value.get(), unitSet.get(), sourceSet.get()})
        h5::check(H5DSattach_scale(d, parameterNames, 0), f, "attach /parameters/parameter");

    h5::Handle input(h5::check(H5Gcreate2(file, "input", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /input"), H5Gclose);
    h5::writeStringScalar(input, "params", config.paramsText, f);
    h5::writeStringScalar(input, "resolved", resolvedParamsToml(config), f);
    if (!config.modelText.empty()) h5::writeStringScalar(input, "model", config.modelText, f);
    std::string overrides;
    for (const auto& o : config.overrides) overrides += o + "\n";
    h5::writeStringScalar(input, "overrides", overrides, f);
}

h5::Handle ResultLayout::createTrajectory(hid_t parent, const std::string& name, hid_t fileType, std::size_t width,
                                          const std::vector<hid_t>& scales) {
    const std::string& f = path_;
    hsize_t R = 0;
    H5Sget_simple_extent_dims(h5::Handle(H5Dget_space(scales[0]), H5Sclose), &R, nullptr);
    const hsize_t dims[3] = {R, samples_, width};
    h5::Handle space(H5Screate_simple(3, dims, nullptr), H5Sclose);
    h5::Handle create(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (width > 0 && R > 0) {
        const hsize_t chunk[3] = {std::min<hsize_t>(replicatesPerChunk_, R), chunkRows_, width};
        h5::check(H5Pset_chunk(create, 3, chunk), f, "set chunking of " + name);
        if (compression_ > 0) {
            H5Pset_shuffle(create);
            H5Pset_deflate(create, static_cast<unsigned>(compression_));
        }
    }
    h5::Handle set(h5::check(H5Dcreate2(parent, name.c_str(), fileType, space, H5P_DEFAULT, create, H5P_DEFAULT), f, "create /" + name), H5Dclose);
    for (unsigned d = 0; d < 3; ++d)
        h5::check(H5DSattach_scale(set, scales[d], d), f, "attach a dimension scale to /" + name);
    return set;
}

template <typename BlockData>
void ResultLayout::writeTrajectories(hsize_t first, hsize_t replicates, hsize_t start, hsize_t rows, BlockData data) {
    auto write = [&](hid_t set, std::vector<double> SampleBlock::*member, std::size_t width, const char* name) {
        if (width == 0) return;
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const hsize_t offset[3] = {first, start, 0};
        const hsize_t count[3] = {replicates, rows, width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, offset, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(3, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(set, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, data(member)), path_,
                  std::string("write ") + name + " (disk full?)");
    };
    write(amounts_, &SampleBlock::amounts, species_, schema::kAmounts);
    write(cargoInTransit_, &SampleBlock::cargo, species_, schema::kCargoInTransit);
    write(budded_, &SampleBlock::budded, routes_, schema::kBudded);
    write(fused_, &SampleBlock::fused, routes_, schema::kFused);
    write(inTransit_, &SampleBlock::inTransit, routes_, schema::kInTransit);
    write(membraneArea_, &SampleBlock::area, compartments_, schema::kMembraneArea);
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
              "write /parameters/cell_value (disk full?)");
}

void ResultLayout::markInterrupted(const std::vector<std::int8_t>& finished, std::size_t finishedCount, const std::string& reason) {
    const hsize_t R = replicates_;
    h5::Handle space(H5Screate_simple(1, &R, nullptr), H5Sclose);
    h5::Handle mask(h5::check(H5Dcreate2(file_, "replicate_finished", H5T_STD_I8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              path_, "create /replicate_finished"), H5Dclose);
    if (R > 0)
        h5::check(H5Dwrite(mask, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, finished.data()), path_,
                  "write /replicate_finished");
    h5::Handle replicate(h5::check(H5Dopen2(file_, schema::kReplicate, H5P_DEFAULT), path_, "open /replicate"), H5Dclose);
    h5::check(H5DSattach_scale(mask, replicate, 0), path_, "attach /replicate");
    h5::writeStringAttribute(mask, "description", "1 where the replicate finished before the run was interrupted", path_);
    h5::writeStringAttribute(file_, "interrupted", reason, path_);
    h5::writeInt64Attribute(file_, "replicates_finished", static_cast<std::int64_t>(finishedCount), path_);
}

void ResultLayout::close() {
    for (auto* h : {&amounts_, &budded_, &fused_, &inTransit_, &cargoInTransit_, &membraneArea_, &cellParameters_}) h->reset();
}

}  // namespace egress
