#include "io/ResultWriter.hpp"

#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <tuple>

#include "core/Error.hpp"
#include "io/ConfigLoader.hpp"
#include "io/ResultSchema.hpp"
#include "core/RandomStream.hpp"
#include "core/Variability.hpp"

namespace egress {

namespace fs = std::filesystem;

namespace {

/// Target size of one chunk of a trajectory dataset, bytes.
constexpr std::size_t kChunkBytes = 256 * 1024;
/// Rows per chunk of the event log columns (256 KiB of an int64 column): smaller chunks made the
/// writer measurably slower against fwrite (bench/README.md, History).
constexpr std::size_t kEventBlock = 32768;
/// Chunks of one event-log column the chunk cache holds (compressed logs), and its hash slots
/// (HDF5's default count, a prime).
constexpr std::size_t kCachedEventChunks = 4;
constexpr std::size_t kChunkCacheSlots = 521;
/// Most replicates that share one trajectory chunk (short runs).
constexpr std::size_t kMaxReplicatesPerChunk = 1024;
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

/// The NAME of a dimension scale that has no values: netCDF-4's marker and the length, "%10d".
std::string dimensionWithoutValuesName(std::size_t length) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%10zu", length);
    return std::string("This is a netCDF dimension but not a netCDF variable.") + digits;
}

}  // namespace

ResultWriter::ResultWriter(std::string path, const RunConfig& config, const RunProvenance& provenance)
    : path_(std::move(path)) {
    h5::silenceLibraryErrors();
    const Model& model = config.model;
    const SimulationSettings& sim = config.simulation;
    samples_ = sim.sampleCount();
    species_ = model.species.size();
    routes_ = model.routes.size();
    compartments_ = model.compartments.size();
    compression_ = config.output.compression;
    chunkRows_ = std::clamp<std::size_t>(kChunkBytes / (8 * std::max<std::size_t>(1, species_)), 1, samples_);
    if (chunkRows_ == samples_) {
        // Short runs: a chunk holds several whole replicates, written together.
        const std::size_t width = std::max({species_, routes_, compartments_, std::size_t{1}});
        replicatesPerChunk_ = std::clamp<std::size_t>(kChunkBytes / (8 * samples_ * width), 1, kMaxReplicatesPerChunk);
        replicatesPerChunk_ = std::min(replicatesPerChunk_, std::max<std::size_t>(1, sim.replicates));
    }

    const fs::path target(path_);
    if (target.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw IoError(path_ + ": cannot create directory '" + target.parent_path().string() + "': " + ec.message());
    }
    temporaryPath_ = path_ + ".partial-" + std::to_string(::getpid());
    file_ = h5::Handle(H5Fcreate(temporaryPath_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (file_.get() < 0) throw IoError(path_ + ": cannot create the result file (is the directory writable?)");
    const std::string& f = path_;

    h5::writeStringAttribute(file_, "format", schema::kFormat, f);
    h5::writeInt64Attribute(file_, "format_version", schema::kFormatVersion, f);
    h5::writeStringAttribute(file_, "egress_version", provenance.egressVersion, f);
    h5::writeStringAttribute(file_, "method", methodName(sim.method), f);
    h5::writeInt64Attribute(file_, "seed", static_cast<std::int64_t>(sim.seed), f);
    h5::writeStringAttribute(file_, "created", utcNow(), f);
    h5::writeStringAttribute(file_, "command", provenance.command, f);
    h5::writeStringAttribute(file_, "model", model.name, f);
    h5::writeDoubleAttribute(file_, "t_end", sim.t_end, f);
    h5::writeDoubleAttribute(file_, "output_interval", sim.output_interval, f);
    h5::writeStringAttribute(file_, "algorithm", provenance.algorithm, f);
    if (sim.method != Method::Ssa) {
        h5::writeDoubleAttribute(file_, "rtol", sim.rtol, f);
        h5::writeDoubleAttribute(file_, "atol", sim.atol, f);
    }
    if (sim.method == Method::Ode) h5::writeInt64Attribute(file_, "delay_stages", sim.delay_stages, f);
    if (sim.method != Method::Ode) {
        h5::writeStringAttribute(file_, "rng", RandomStream::generatorName(), f);
        h5::writeStringAttribute(file_, "rng_key_scheme", RandomStream::keySchemeDescription(), f);
    }
    h5::writeInt64Attribute(file_, schema::kCompleteAttribute, 0, f);

    // Coordinates.
    std::vector<double> times(samples_);
    for (std::size_t i = 0; i < samples_; ++i) times[i] = sim.sampleTime(i);
    const hsize_t T = samples_, R = sim.replicates;
    firstReplicate_ = sim.first_replicate;
    replicates_ = sim.replicates;
    nextEventReplicate_ = firstReplicate_;
    replicateFinished_.assign(replicates_, 0);
    negativeAreaReplicates_.assign(compartments_, 0);
    lowestArea_.assign(compartments_, std::numeric_limits<double>::infinity());
    parameters_ = model.parameters.size();
    h5::Handle timeSpace(H5Screate_simple(1, &T, nullptr), H5Sclose);
    h5::Handle time(h5::check(H5Dcreate2(file_, schema::kTime, H5T_IEEE_F64LE, timeSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /time"), H5Dclose);
    h5::check(H5Dwrite(time, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, times.data()), f, "write /time");
    h5::writeStringAttribute(time, "units", "s", f);
    std::vector<std::int64_t> replicateIds(R);
    for (hsize_t r = 0; r < R; ++r) replicateIds[r] = static_cast<std::int64_t>(firstReplicate_ + r);
    h5::Handle repSpace(H5Screate_simple(1, &R, nullptr), H5Sclose);
    h5::Handle replicate(h5::check(H5Dcreate2(file_, schema::kReplicate, H5T_STD_I64LE, repSpace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /replicate"), H5Dclose);
    h5::check(H5Dwrite(replicate, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, replicateIds.data()), f, "write /replicate");
    std::vector<std::string> speciesNames, compartmentOfSpecies;
    for (const auto& s : model.species) {
        speciesNames.push_back(s.name);
        compartmentOfSpecies.push_back(model.compartments[s.compartment].name);
    }
    h5::Handle species = h5::writeStringVector(file_, schema::kSpecies, speciesNames, f);
    h5::writeStringAttribute(species, "compartment", "see /species_compartment", f);
    h5::Handle speciesCompartment = h5::writeStringVector(file_, "species_compartment", compartmentOfSpecies, f);
    h5::check(H5DSset_scale(time, schema::kTime), f, "make /time a dimension scale");
    h5::check(H5DSset_scale(replicate, schema::kReplicate), f, "make /replicate a dimension scale");
    h5::check(H5DSset_scale(species, schema::kSpecies), f, "make /species a dimension scale");
    h5::check(H5DSattach_scale(speciesCompartment, species, 0), f, "attach /species to /species_compartment");

    amounts_ = createTrajectory(file_, schema::kAmounts, H5T_IEEE_F64LE, species_, {replicate, time, species});
    h5::writeStringAttribute(amounts_, "units", "molecules", f);
    std::vector<std::string> compartmentNames;
    for (const auto& c : model.compartments) compartmentNames.push_back(c.name);
    h5::Handle compartment = h5::writeStringVector(file_, schema::kCompartment, compartmentNames, f);
    h5::check(H5DSset_scale(compartment, schema::kCompartment), f, "make /compartment a dimension scale");
    membraneArea_ = createTrajectory(file_, schema::kMembraneArea, H5T_IEEE_F64LE, compartments_, {replicate, time, compartment});
    h5::writeStringAttribute(membraneArea_, "units", "um^2", f);
    h5::writeStringAttribute(membraneArea_, "description",
                             "initial area (0 when the model gives none) - vesicle_area x buds + vesicle_area x fusions", f);

    h5::Handle vesicles(h5::check(H5Gcreate2(file_, "vesicles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /vesicles"), H5Gclose);
    std::vector<std::string> routeNames;
    for (const auto& r : model.routes) routeNames.push_back(r.name);
    h5::Handle route = h5::writeStringVector(vesicles, "route", routeNames, f);
    h5::check(H5DSset_scale(route, "route"), f, "make /vesicles/route a dimension scale");
    // Stochastic methods count whole vesicles; ode gives expected (fractional) counts.
    const hid_t countType = sim.method == Method::Ode ? H5T_IEEE_F64LE : H5T_STD_I64LE;
    budded_ = createTrajectory(file_, schema::kBudded, countType, routes_, {replicate, time, route});
    fused_ = createTrajectory(file_, schema::kFused, countType, routes_, {replicate, time, route});
    inTransit_ = createTrajectory(file_, schema::kInTransit, countType, routes_, {replicate, time, route});
    cargoInTransit_ = createTrajectory(file_, schema::kCargoInTransit, H5T_IEEE_F64LE, species_, {replicate, time, species});
    h5::writeStringAttribute(budded_, "units", "vesicles (cumulative)", f);
    h5::writeStringAttribute(fused_, "units", "vesicles (cumulative)", f);
    h5::writeStringAttribute(inTransit_, "units", "vesicles", f);
    h5::writeStringAttribute(cargoInTransit_, "units", "molecules, by acceptor species", f);

    // Parameters as run (after overrides), with units and sources.
    h5::Handle parameters(h5::check(H5Gcreate2(file_, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /parameters"), H5Gclose);
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
    writeCellParameters_ = hasVariability(model);
    if (writeCellParameters_) {
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

    writeEvents_ = sim.method != Method::Ode && config.output.events;
    // A vesicle only ever carries its route's acceptor species: loads are logged for those alone.
    std::vector<bool> isCargo(species_, false);
    for (const auto& route : model.routes)
        for (const auto& pair : route.cargo) isCargo[pair.acceptor] = true;
    std::vector<std::string> cargoNames;
    for (std::size_t s = 0; s < species_; ++s)
        if (isCargo[s]) {
            cargoSpecies_.push_back(s);
            cargoNames.push_back(model.species[s].name);
        }
    if (writeEvents_) {
        eventGroup_ = h5::Handle(h5::check(H5Gcreate2(file_, schema::kEventGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /events"), H5Gclose);
        const std::size_t C = cargoSpecies_.size();
        const hsize_t zero[2] = {0, C}, unlimited[2] = {H5S_UNLIMITED, C};
        auto column = [&](const char* name, hid_t type, int rank) {
            h5::Handle space(H5Screate_simple(rank, zero, unlimited), H5Sclose);
            h5::Handle create(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
            const hsize_t chunk[2] = {kEventBlock, std::max<std::size_t>(1, C)};
            h5::check(H5Pset_chunk(create, rank, chunk), f, std::string("set chunking of /events/") + name);
            if (compression_ > 0) {
                H5Pset_shuffle(create);
                H5Pset_deflate(create, static_cast<unsigned>(compression_));
            }
            // Every row is written exactly once, in order: filling new chunks first would be waste.
            H5Pset_fill_time(create, H5D_FILL_TIME_NEVER);
            // Compressed logs go through HDF5's chunk cache: room for a few chunks of the widest
            // column, so partly filled chunks stay in memory. Uncompressed ones are written a
            // whole chunk at a time (writePendingEventChunk) and need no cache.
            h5::Handle access(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
            if (compression_ > 0 || !kLittleEndianHost)
                H5Pset_chunk_cache(access, kChunkCacheSlots, kCachedEventChunks * kEventBlock * 8 * std::max<std::size_t>(1, C),
                                   H5D_CHUNK_CACHE_W0_DEFAULT);
            return h5::Handle(h5::check(H5Dcreate2(eventGroup_, name, type, space, H5P_DEFAULT, create, access), f,
                                        std::string("create /events/") + name), H5Dclose);
        };
        // The row number is the event's index: `event` is a dimension without values (the netCDF
        // convention, so h5netcdf and xarray see a plain dimension), which saves 8 bytes a row.
        eventColumns_.index = column("event", H5T_STD_I64LE, 1);
        const hid_t index = eventColumns_.index;
        h5::check(H5DSset_scale(index, dimensionWithoutValuesName(0).c_str()), f, "make /events/event a dimension scale");
        for (auto& [name, type, handle] : std::vector<std::tuple<const char*, hid_t, h5::Handle*>>{
                 {"replicate", H5T_STD_I64LE, &eventColumns_.replicate}, {"time", H5T_IEEE_F64LE, &eventColumns_.time},
                 {"route", H5T_STD_I64LE, &eventColumns_.route}, {"kind", H5T_STD_I8LE, &eventColumns_.kind},
                 {"vesicle", H5T_STD_I64LE, &eventColumns_.vesicle}}) {
            *handle = column(name, type, 1);
            const hid_t set = *handle;
            h5::check(H5DSattach_scale(set, index, 0), f, "attach /events/event");
            if (std::string(name) == "time") h5::writeStringAttribute(set, "units", "s", f);
            if (std::string(name) == "route") h5::writeStringAttribute(set, "description", "index into /vesicles/route", f);
            if (std::string(name) == "kind") {
                h5::writeStringAttribute(set, "flag_meanings", "bud fuse", f);
                h5::writeStringAttribute(set, "description", "0 = bud, 1 = fuse", f);
            }
        }
        if (C > 0) {
            h5::Handle cargo = h5::writeStringVector(eventGroup_, "cargo", cargoNames, f);
            h5::check(H5DSset_scale(cargo, "cargo"), f, "make /events/cargo a dimension scale");
            h5::writeStringAttribute(cargo, "description", "species that vesicles deliver (acceptors of the routes' cargo)", f);
            eventColumns_.load = column("load", H5T_IEEE_F64LE, 2);
            const hid_t load = eventColumns_.load;
            h5::check(H5DSattach_scale(load, index, 0), f, "attach /events/event");
            h5::check(H5DSattach_scale(load, cargo, 1), f, "attach /events/cargo");
            h5::writeStringAttribute(load, "units", "molecules, by delivered species (/events/cargo)", f);
        }
    }

    h5::Handle input(h5::check(H5Gcreate2(file_, "input", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f, "create /input"), H5Gclose);
    h5::writeStringScalar(input, "params", config.paramsText, f);
    h5::writeStringScalar(input, "resolved", resolvedParamsToml(config), f);
    if (!config.modelText.empty()) h5::writeStringScalar(input, "model", config.modelText, f);
    std::string overrides;
    for (const auto& o : config.overrides) overrides += o + "\n";
    h5::writeStringScalar(input, "overrides", overrides, f);
    if (writeEvents_) eventThread_ = std::thread([this] { eventWriterLoop(); });
}

h5::Handle ResultWriter::createTrajectory(hid_t parent, const std::string& name, hid_t fileType, std::size_t width,
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

void ResultWriter::SampleBlock::clear() {
    rows = 0;
    for (auto* v : {&amounts, &budded, &fused, &inTransit, &cargo, &area}) v->clear();
}

std::size_t ResultWriter::EventRows::bytesHeld() const {
    return (replicate.capacity() + route.capacity() + vesicle.capacity()) * sizeof(std::int64_t) +
           (time.capacity() + load.capacity()) * sizeof(double) + kind.capacity() * sizeof(std::int8_t);
}

void ResultWriter::EventRows::clear() {
    replicate.clear();
    route.clear();
    vesicle.clear();
    time.clear();
    load.clear();
    kind.clear();
}

/// One replicate's observer: buffers one chunk of samples and the replicate's events.
class ResultWriter::Sink : public TrajectoryObserver {
public:
    Sink(ResultWriter& writer, std::size_t replicate)
        : writer_(writer), replicate_(replicate), events_(writer.writeEvents_ ? writer.takeSpareEventRows() : EventRows()) {}

    void parametersDrawn(std::size_t, const std::vector<double>& values) override {
        parameters_ = values;
        drawn_ = true;
    }

    void sample(const Sample& s) override {
        if (block_.rows == 0) block_.start = s.index;
        if (s.index != block_.start + block_.rows)
            throw IoError(writer_.path_ + ": samples of replicate " + std::to_string(replicate_) + " arrived out of order");
        const auto S = writer_.species_, V = writer_.routes_, C = writer_.compartments_;
        block_.amounts.insert(block_.amounts.end(), s.amounts, s.amounts + S);
        block_.cargo.insert(block_.cargo.end(), s.cargo_in_transit, s.cargo_in_transit + S);
        block_.budded.insert(block_.budded.end(), s.budded, s.budded + V);
        block_.fused.insert(block_.fused.end(), s.fused, s.fused + V);
        block_.inTransit.insert(block_.inTransit.end(), s.in_transit, s.in_transit + V);
        block_.area.insert(block_.area.end(), s.membrane_area, s.membrane_area + C);
        if (lowestArea_.empty()) lowestArea_.assign(C, std::numeric_limits<double>::infinity());
        for (std::size_t c = 0; c < C; ++c) lowestArea_[c] = std::min(lowestArea_[c], s.membrane_area[c]);
        if (++block_.rows == writer_.chunkRows_) flush();
    }

    bool wantsVesicleEvents() const override { return writer_.writeEvents_; }

    __attribute__((flatten)) void vesicleEvent(const VesicleEvent& e) override {
        if (!writer_.writeEvents_) return;
        events_.replicate.push_back(static_cast<std::int64_t>(e.replicate));
        events_.time.push_back(e.time);
        events_.route.push_back(static_cast<std::int64_t>(e.route));
        events_.kind.push_back(static_cast<std::int8_t>(e.kind));
        events_.vesicle.push_back(static_cast<std::int64_t>(e.vesicle));
        for (auto s : writer_.cargoSpecies_) events_.load.push_back(e.load[s]);
    }

    void replicateFinished(std::size_t) override {
        flush();
        finished_ = true;
        writer_.finishReplicate(replicate_, std::move(events_), parameters_, drawn_, lowestArea_);
    }

    /// A sink dropped before its replicate finished (an error, a stop request): the event log's
    /// turn never reaches this replicate, so threads waiting for their turn must stop waiting.
    ~Sink() override {
        if (!finished_ && writer_.writeEvents_) writer_.abandonEventTurn();
    }

private:
    void flush() {
        if (block_.rows == 0) return;
        if (writer_.replicatesPerChunk_ > 1 && block_.start == 0 && block_.rows == writer_.samples_) {
            writer_.stageReplicate(replicate_, std::move(block_));
            block_ = SampleBlock();
            return;
        }
        writer_.writeSamples(replicate_, block_);
        block_.start += block_.rows;
        block_.clear();
    }

    ResultWriter& writer_;
    std::size_t replicate_;
    SampleBlock block_;
    EventRows events_;
    std::vector<double> parameters_;
    std::vector<double> lowestArea_;  ///< per compartment, over this replicate's samples
    bool drawn_ = false;
    bool finished_ = false;
};

std::unique_ptr<TrajectoryObserver> ResultWriter::openReplicate(std::size_t replicate) {
    if (replicate < firstReplicate_ || replicate >= firstReplicate_ + replicates_)
        throw IoError(path_ + ": replicate " + std::to_string(replicate) + " is outside this file");
    return std::make_unique<Sink>(*this, replicate);
}

std::unique_lock<std::mutex> ResultWriter::lockFileForWorker() {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) return lock;
    const auto start = std::chrono::steady_clock::now();
    lock.lock();
    countWorkerWait(start);
    return lock;
}

void ResultWriter::countWorkerWait(std::chrono::steady_clock::time_point since) {
    const auto waited = std::chrono::steady_clock::now() - since;
    workerWaitNanoseconds_ += std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count();
}

double ResultWriter::workersWaitedSeconds() const { return 1e-9 * static_cast<double>(workerWaitNanoseconds_.load()); }

void ResultWriter::writeSamples(std::size_t replicate, const SampleBlock& b) {
    const auto lock = lockFileForWorker();
    h5::silenceLibraryErrors();
    const hsize_t row = replicate - firstReplicate_;
    auto write = [&](hid_t set, const std::vector<double>& data, std::size_t width, const char* name) {
        if (width == 0) return;
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const hsize_t start[3] = {row, b.start, 0};
        const hsize_t count[3] = {1, b.rows, width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(3, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(set, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, data.data()), path_,
                  std::string("write ") + name + " (disk full?)");
    };
    write(amounts_, b.amounts, species_, schema::kAmounts);
    write(cargoInTransit_, b.cargo, species_, schema::kCargoInTransit);
    write(budded_, b.budded, routes_, schema::kBudded);
    write(fused_, b.fused, routes_, schema::kFused);
    write(inTransit_, b.inTransit, routes_, schema::kInTransit);
    write(membraneArea_, b.area, compartments_, schema::kMembraneArea);
}

void ResultWriter::stageReplicate(std::size_t replicate, SampleBlock&& block) {
    const std::size_t offset = replicate - firstReplicate_;
    const std::size_t K = replicatesPerChunk_;
    const std::size_t batchStart = offset / K * K, batchEnd = std::min(batchStart + K, replicates_);
    std::vector<SampleBlock> batch;
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        staged_.emplace(offset, std::move(block));
        for (std::size_t i = batchStart; i < batchEnd; ++i)
            if (!staged_.count(i)) return;  // the batch is not complete yet
        for (std::size_t i = batchStart; i < batchEnd; ++i) {
            batch.push_back(std::move(staged_[i]));
            staged_.erase(i);
        }
    }
    writeBatch(batchStart, batch);
}

void ResultWriter::writeBatch(std::size_t firstOffset, const std::vector<SampleBlock>& blocks) {
    const auto lock = lockFileForWorker();
    h5::silenceLibraryErrors();
    const hsize_t n = blocks.size(), T = samples_;
    std::vector<double> data;
    auto write = [&](hid_t set, std::vector<double> SampleBlock::*member, std::size_t width, const char* name) {
        if (width == 0) return;
        data.clear();
        for (const auto& b : blocks) data.insert(data.end(), (b.*member).begin(), (b.*member).end());
        h5::Handle fileSpace(H5Dget_space(set), H5Sclose);
        const hsize_t start[3] = {firstOffset, 0, 0};
        const hsize_t count[3] = {n, T, width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(3, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(set, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, data.data()), path_,
                  std::string("write ") + name + " (disk full?)");
    };
    write(amounts_, &SampleBlock::amounts, species_, schema::kAmounts);
    write(cargoInTransit_, &SampleBlock::cargo, species_, schema::kCargoInTransit);
    write(budded_, &SampleBlock::budded, routes_, schema::kBudded);
    write(fused_, &SampleBlock::fused, routes_, schema::kFused);
    write(inTransit_, &SampleBlock::inTransit, routes_, schema::kInTransit);
    write(membraneArea_, &SampleBlock::area, compartments_, schema::kMembraneArea);
}

void ResultWriter::finishReplicate(std::size_t replicate, EventRows&& events, const std::vector<double>& parameters,
                                   bool parametersDrawn, const std::vector<double>& lowestArea) {
    auto lock = lockFileForWorker();
    for (std::size_t c = 0; c < lowestArea.size() && c < compartments_; ++c) {
        if (lowestArea[c] < 0.0) ++negativeAreaReplicates_[c];
        lowestArea_[c] = std::min(lowestArea_[c], lowestArea[c]);
    }
    h5::silenceLibraryErrors();
    if (writeCellParameters_) {
        if (!parametersDrawn || parameters.size() != parameters_)
            throw IoError(path_ + ": replicate " + std::to_string(replicate) + " reported no cell parameters");
        h5::Handle fileSpace(H5Dget_space(cellParameters_), H5Sclose);
        const hsize_t start[2] = {replicate - firstReplicate_, 0}, count[2] = {1, parameters_};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(2, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(cellParameters_, H5T_NATIVE_DOUBLE, memSpace, fileSpace, H5P_DEFAULT, parameters.data()), path_,
                  "write /parameters/cell_value (disk full?)");
    }
    ++finished_;
    replicateFinished_[replicate - firstReplicate_] = 1;
    lock.unlock();
    if (!writeEvents_) return;
    // Events go to the file in replicate order, whatever order the replicates finish in: queue
    // them for the event thread. The replicate the thread waits for is always let in, so a full
    // queue cannot wait on itself.
    const std::size_t bytes = events.bytesHeld();
    std::unique_lock<std::mutex> queue(eventMutex_);
    const auto mayQueue = [&] {
        return eventFailure_ || turnAbandoned_ || queuedEventBytes_ + bytes <= kMaxQueuedEventBytes ||
               replicate == nextEventReplicate_;
    };
    if (!mayQueue()) {
        const auto start = std::chrono::steady_clock::now();
        eventSpace_.wait(queue, mayQueue);
        countWorkerWait(start);
    }
    if (eventFailure_) std::rethrow_exception(eventFailure_);
    queuedEventBytes_ += bytes;
    waitingEvents_.emplace(replicate, std::move(events));
    eventReady_.notify_one();
}

void ResultWriter::eventWriterLoop() {
    for (;;) {
        std::unique_lock<std::mutex> queue(eventMutex_);
        eventReady_.wait(queue, [&] { return stopEvents_ || waitingEvents_.count(nextEventReplicate_) > 0; });
        auto next = waitingEvents_.find(nextEventReplicate_);
        if (next == waitingEvents_.end()) return;  // stopped, and nothing more in order
        EventRows rows = std::move(next->second);
        waitingEvents_.erase(next);
        queue.unlock();
        try {
            std::lock_guard<std::mutex> io(mutex_);
            h5::silenceLibraryErrors();
            appendEvents(rows);
        } catch (...) {
            queue.lock();
            eventFailure_ = std::current_exception();
            eventSpace_.notify_all();
            return;
        }
        queue.lock();
        ++nextEventReplicate_;
        queuedEventBytes_ -= rows.bytesHeld();
        // Buffers that already grew and whose pages are mapped, for the next replicates' sinks.
        if (spareEventRows_.size() < kSpareEventRows && rows.bytesHeld() <= kMaxSpareEventBytes) {
            rows.clear();
            spareEventRows_.push_back(std::move(rows));
        }
        eventSpace_.notify_all();
    }
}

void ResultWriter::abandonEventTurn() {
    {
        std::lock_guard<std::mutex> queue(eventMutex_);
        turnAbandoned_ = true;
    }
    eventSpace_.notify_all();
}

ResultWriter::EventRows ResultWriter::takeSpareEventRows() {
    std::lock_guard<std::mutex> queue(eventMutex_);
    if (spareEventRows_.empty()) return EventRows();
    EventRows rows = std::move(spareEventRows_.back());
    spareEventRows_.pop_back();
    return rows;
}

void ResultWriter::stopEventWriter() {
    if (!eventThread_.joinable()) return;
    {
        std::lock_guard<std::mutex> queue(eventMutex_);
        stopEvents_ = true;
    }
    eventReady_.notify_all();
    eventThread_.join();
}

std::vector<ResultWriter::EventColumnData> ResultWriter::eventColumnData(const EventRows& e) const {
    std::vector<EventColumnData> columns = {
        {&eventColumns_.replicate, "replicate", H5T_NATIVE_INT64, e.replicate.data(), 8, 0},
        {&eventColumns_.time, "time", H5T_NATIVE_DOUBLE, e.time.data(), 8, 0},
        {&eventColumns_.route, "route", H5T_NATIVE_INT64, e.route.data(), 8, 0},
        {&eventColumns_.kind, "kind", H5T_NATIVE_INT8, e.kind.data(), 1, 0},
        {&eventColumns_.vesicle, "vesicle", H5T_NATIVE_INT64, e.vesicle.data(), 8, 0}};
    const std::size_t C = cargoSpecies_.size();
    if (C > 0) columns.push_back({&eventColumns_.load, "load", H5T_NATIVE_DOUBLE, e.load.data(), 8 * C, C});
    return columns;
}

void ResultWriter::appendEvents(const EventRows& e) {
    const hsize_t rows = e.size();
    if (rows == 0) return;
    if (compression_ == 0 && kLittleEndianHost) {
        // Whole chunks, assembled here and written as they are: past HDF5's chunk cache and
        // selections, which cost more than the copy into the page cache (bench/hdf5_write.cpp).
        // The bytes go to the file unconverted: the file types are little-endian.
        const std::size_t C = cargoSpecies_.size();
        for (std::size_t from = 0; from < rows;) {
            const std::size_t take = std::min<std::size_t>(kEventBlock - pendingChunk_.size(), rows - from);
            auto add = [&](auto& to, const auto& column, std::size_t width) {
                const auto first = column.begin() + static_cast<std::ptrdiff_t>(from * width);
                to.insert(to.end(), first, first + static_cast<std::ptrdiff_t>(take * width));
            };
            add(pendingChunk_.replicate, e.replicate, 1);
            add(pendingChunk_.route, e.route, 1);
            add(pendingChunk_.vesicle, e.vesicle, 1);
            add(pendingChunk_.time, e.time, 1);
            add(pendingChunk_.kind, e.kind, 1);
            add(pendingChunk_.load, e.load, C);
            from += take;
            if (pendingChunk_.size() == kEventBlock) writePendingEventChunk();
        }
        eventsWritten_ += rows;
        return;
    }
    const hsize_t indexSize[1] = {eventsWritten_ + rows};
    h5::check(H5Dset_extent(eventColumns_.index, indexSize), path_, "extend /events/event");
    for (const auto& column : eventColumnData(e)) {
        const int rank = column.width == 0 ? 1 : 2;
        const hsize_t newSize[2] = {eventsWritten_ + rows, column.width};
        h5::check(H5Dset_extent(*column.set, newSize), path_, std::string("extend /events/") + column.name);
        h5::Handle fileSpace(H5Dget_space(*column.set), H5Sclose);
        const hsize_t start[2] = {eventsWritten_, 0}, count[2] = {rows, column.width};
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nullptr, count, nullptr);
        h5::Handle memSpace(H5Screate_simple(rank, count, nullptr), H5Sclose);
        h5::check(H5Dwrite(*column.set, column.memType, memSpace, fileSpace, H5P_DEFAULT, column.data), path_,
                  std::string("write /events/") + column.name + " (disk full?)");
    }
    eventsWritten_ += rows;
}

void ResultWriter::writePendingEventChunk() {
    const std::size_t rows = pendingChunk_.size();
    if (rows == 0) return;
    const std::size_t C = cargoSpecies_.size();
    const hsize_t first = pendingChunkFirstRow_, end = first + rows;
    // A chunk is always whole in the file; rows past the extent are never read.
    pendingChunk_.replicate.resize(kEventBlock, 0);
    pendingChunk_.route.resize(kEventBlock, 0);
    pendingChunk_.vesicle.resize(kEventBlock, 0);
    pendingChunk_.time.resize(kEventBlock, 0.0);
    pendingChunk_.kind.resize(kEventBlock, 0);
    pendingChunk_.load.resize(kEventBlock * C, 0.0);
    try {
        const hsize_t indexSize[1] = {end};
        h5::check(H5Dset_extent(eventColumns_.index, indexSize), path_, "extend /events/event");
        for (const auto& column : eventColumnData(pendingChunk_)) {
            const hsize_t extent[2] = {end, column.width}, offset[2] = {first, 0};
            h5::check(H5Dset_extent(*column.set, extent), path_, std::string("extend /events/") + column.name);
            h5::check(H5Dwrite_chunk(*column.set, H5P_DEFAULT, 0, offset, kEventBlock * column.bytesPerRow, column.data),
                      path_, std::string("write /events/") + column.name + " (disk full?)");
        }
    } catch (...) {
        pendingChunk_.clear();  // never to be taken for rows: the padding is not events
        throw;
    }
    pendingChunk_.clear();
    if (rows == kEventBlock) pendingChunkFirstRow_ += kEventBlock;
}

void ResultWriter::finishEventLog() {
    writePendingEventChunk();  // the last, partial chunk
    h5::writeInt64Attribute(eventGroup_, schema::kEventCountAttribute, static_cast<std::int64_t>(eventsWritten_), path_);
    const std::string name = dimensionWithoutValuesName(eventsWritten_);
    h5::Handle attribute(h5::check(H5Aopen(eventColumns_.index, "NAME", H5P_DEFAULT), path_, "open /events/event NAME"),
                         H5Aclose);
    h5::Handle type(H5Aget_type(attribute), H5Tclose);
    if (H5Tget_size(type) != name.size() + 1)  // "%10zu" keeps the length unless the count passes 10^10
        return;
    h5::check(H5Awrite(attribute, type, name.c_str()), path_, "write /events/event NAME");
}

void ResultWriter::writeAreaSummary() {
    // Areas are bookkeeping of the vesicle counters (core/Membrane.hpp), not a constraint of the
    // model: a route may take more membrane from a compartment than it has. Say so in the file.
    std::vector<double> lowest(lowestArea_);
    for (double& a : lowest)
        if (!std::isfinite(a)) a = 0.0;  // no finished replicate: nothing was seen
    const hsize_t C = compartments_;
    h5::Handle space(H5Screate_simple(1, &C, nullptr), H5Sclose);
    auto attribute = [&](const char* name, hid_t fileType, hid_t memType, const void* data) {
        h5::Handle a(h5::check(H5Acreate2(membraneArea_, name, fileType, space, H5P_DEFAULT, H5P_DEFAULT), path_,
                               std::string("create /membrane_area attribute ") + name), H5Aclose);
        if (C > 0) h5::check(H5Awrite(a, memType, data), path_, std::string("write /membrane_area attribute ") + name);
    };
    attribute(schema::kNegativeAreaReplicatesAttribute, H5T_STD_I64LE, H5T_NATIVE_INT64, negativeAreaReplicates_.data());
    attribute(schema::kLowestAreaAttribute, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, lowest.data());
}

void ResultWriter::commit() {
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        if (!staged_.empty()) throw IoError(path_ + ": replicates staged but never written; the file is not complete");
    }
    stopEventWriter();  // after it has appended every replicate's events in order
    if (eventFailure_) std::rethrow_exception(eventFailure_);
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_ != replicates_ || !waitingEvents_.empty())
        throw IoError(path_ + ": only " + std::to_string(finished_) + " of " + std::to_string(replicates_) +
                      " replicates finished; the file is not complete");
    if (writeEvents_) finishEventLog();
    writeAreaSummary();
    eventColumns_ = EventColumns();
    eventGroup_.reset();
    for (auto* h : {&amounts_, &budded_, &fused_, &inTransit_, &cargoInTransit_, &membraneArea_, &cellParameters_}) h->reset();
    h5::writeInt64Attribute(file_, schema::kCompleteAttribute, 1, path_);
    h5::check(H5Fflush(file_, H5F_SCOPE_GLOBAL), path_, "flush the file (disk full?)");
    if (H5Fclose(file_.get()) < 0) throw IoError(path_ + ": HDF5 failed to close the file (disk full?)");
    file_ = h5::Handle();
    std::error_code ec;
    fs::rename(temporaryPath_, path_, ec);
    if (ec) throw IoError(path_ + ": cannot move the finished file into place: " + ec.message());
    committed_ = true;
}

std::string ResultWriter::keepInterrupted(const std::string& reason) {
    // Replicates that finished while a neighbour in their batch did not: write them one by one.
    std::map<std::size_t, SampleBlock> staged;
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        staged.swap(staged_);
    }
    for (auto& [offset, block] : staged) writeBatch(offset, {block});
    stopEventWriter();
    std::lock_guard<std::mutex> lock(mutex_);
    // Events of replicates that finished after an unfinished one: append them in order too.
    for (auto& [replicate, rows] : waitingEvents_) appendEvents(rows);
    waitingEvents_.clear();
    if (writeEvents_) finishEventLog();
    writeAreaSummary();
    eventColumns_ = EventColumns();
    eventGroup_.reset();
    const hsize_t R = replicates_;
    h5::Handle space(H5Screate_simple(1, &R, nullptr), H5Sclose);
    h5::Handle mask(h5::check(H5Dcreate2(file_, "replicate_finished", H5T_STD_I8LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              path_, "create /replicate_finished"), H5Dclose);
    if (R > 0)
        h5::check(H5Dwrite(mask, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, replicateFinished_.data()), path_,
                  "write /replicate_finished");
    h5::Handle replicate(h5::check(H5Dopen2(file_, schema::kReplicate, H5P_DEFAULT), path_, "open /replicate"), H5Dclose);
    h5::check(H5DSattach_scale(mask, replicate, 0), path_, "attach /replicate");
    h5::writeStringAttribute(mask, "description", "1 where the replicate finished before the run was interrupted", path_);
    mask.reset();
    replicate.reset();
    for (auto* h : {&amounts_, &budded_, &fused_, &inTransit_, &cargoInTransit_, &membraneArea_, &cellParameters_}) h->reset();
    h5::writeStringAttribute(file_, "interrupted", reason, path_);
    h5::writeInt64Attribute(file_, "replicates_finished", static_cast<std::int64_t>(finished_), path_);
    if (H5Fclose(file_.get()) < 0) throw IoError(path_ + ": HDF5 failed to close the file (disk full?)");
    file_ = h5::Handle();
    const std::string kept = path_ + ".interrupted";
    std::error_code ec;
    fs::rename(temporaryPath_, kept, ec);
    if (ec) throw IoError(kept + ": cannot move the interrupted file into place: " + ec.message());
    committed_ = true;  // nothing left to remove
    return kept;
}

ResultWriter::~ResultWriter() {
    stopEventWriter();
    if (committed_) return;
    eventColumns_ = EventColumns();
    eventGroup_.reset();
    for (auto* h : {&amounts_, &budded_, &fused_, &inTransit_, &cargoInTransit_, &membraneArea_, &cellParameters_}) h->reset();
    file_.reset();
    std::error_code ec;
    fs::remove(temporaryPath_, ec);
}

}  // namespace egress
