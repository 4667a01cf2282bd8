#pragma once
// The observer of one replicate (ResultWriter::openReplicate). Buffers one chunk of samples at a
// time and hands it to the writer, which writes it at its fixed place (in short runs, where a chunk
// holds several replicates, the whole replicate, written with its batch); keeps the replicate's
// vesicle events until the replicate finishes, then hands them to the writer's event queue; notes
// the lowest membrane area of each compartment. Used by one thread at a time.
#include <cstddef>
#include <vector>

#include "core/Observer.hpp"
#include "io/EventRows.hpp"
#include "io/SampleBlock.hpp"

namespace egress {

class ResultWriter;

class ReplicateSink : public TrajectoryObserver {
public:
    ReplicateSink(ResultWriter& writer, std::size_t replicate);
    /// A sink dropped before its replicate finished (an error, a stop request): the event log's
    /// turn never reaches this replicate, so threads waiting for their turn must stop waiting.
    ~ReplicateSink() override;

    void parametersDrawn(std::size_t, const std::vector<double>& values) override;
    void sample(const Sample& s) override;
    bool wantsVesicleEvents() const override { return writeEvents_; }
    void vesicleEvent(const VesicleEvent& e) override;
    void replicateFinished(std::size_t) override;

private:
    void flush();
    void resizeBlock(std::size_t rows);  ///< every buffer of the block to `rows` samples
    /// Sizes block_'s vectors to a whole chunk of rows, so that sample() writes into place.
    void sizeBlock();
    /// Cuts them to the rows written, for the writer (which reads size() as well as rows).
    void trimBlock();

    ResultWriter& writer_;
    std::size_t replicate_;
    // The writer's shape, copied: read for every sample and event.
    std::size_t species_, routes_, compartments_, samples_, chunkRows_, replicatesPerChunk_;
    bool writeEvents_;
    const std::vector<std::size_t>& cargoSpecies_;
    SampleBlock block_;
    std::size_t blockRows_ = 0;  ///< rows block_'s vectors are sized for (0: not sized yet)
    EventRows events_;
    std::vector<double> parameters_;
    std::vector<double> lowestArea_;  ///< per compartment, over this replicate's samples
    bool drawn_ = false;
    bool finished_ = false;
};

}  // namespace egress
