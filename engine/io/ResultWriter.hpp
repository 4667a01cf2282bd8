#pragma once
// Writes a run to HDF5 as it goes (contract section 4). The file is created under a temporary
// name beside the target and renamed only by commit(); a writer destroyed without commit()
// removes its temporary file, so no half-written file ever carries the final name.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/Observer.hpp"
#include "io/Hdf5.hpp"
#include "io/RunConfig.hpp"

namespace egress {

struct RunProvenance {
    std::string command;         ///< the command line, as typed
    std::string egressVersion;
    std::string algorithm;       ///< what the method ran: stepper, SSA variant, ...
};

class ResultWriter : public TrajectoryObserver {
public:
    ResultWriter(std::string path, const RunConfig& config, const RunProvenance& provenance);
    ~ResultWriter() override;

    void sample(const Sample& s) override;
    void vesicleEvent(const VesicleEvent& e) override;
    void replicateFinished(std::size_t replicate) override;

    /// Flush, mark complete, close, and move to the final name.
    void commit();

    const std::string& path() const { return path_; }
    const std::string& temporaryPath() const { return temporaryPath_; }

private:
    struct Block;  // buffered samples of one replicate
    void flush(std::size_t replicate, Block& block);
    void flushEvents();
    h5::Handle createTrajectory(hid_t parent, const std::string& name, hid_t fileType, std::size_t width,
                                const std::vector<hid_t>& scales);

    std::string path_;
    std::string temporaryPath_;
    std::size_t samples_ = 0;
    std::size_t species_ = 0;
    std::size_t routes_ = 0;
    std::size_t compartments_ = 0;
    std::size_t chunkRows_ = 1;
    int compression_ = 0;
    bool committed_ = false;
    h5::Handle file_;
    h5::Handle amounts_, budded_, fused_, inTransit_, cargoInTransit_, membraneArea_;
    // The vesicle event log (stochastic methods), appended in blocks.
    bool writeEvents_ = false;
    h5::Handle eventGroup_;
    std::size_t eventsWritten_ = 0;
    std::vector<std::int64_t> eventIndex_, eventReplicate_, eventRoute_, eventVesicle_;
    std::vector<double> eventTime_, eventLoad_;
    std::vector<std::int8_t> eventKind_;
    std::map<std::size_t, std::unique_ptr<Block>> pending_;
};

}  // namespace egress
