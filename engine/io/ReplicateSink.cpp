#include "io/ReplicateSink.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/Error.hpp"
#include "io/ResultWriter.hpp"

namespace egress {

ReplicateSink::ReplicateSink(ResultWriter& writer, std::size_t replicate)
    : writer_(writer),
      replicate_(replicate),
      species_(writer.layout_.species()),
      routes_(writer.layout_.routes()),
      compartments_(writer.layout_.compartments()),
      samples_(writer.layout_.samples()),
      chunkRows_(writer.layout_.chunkRows()),
      replicatesPerChunk_(writer.layout_.replicatesPerChunk()),
      writeEvents_(writer.writesEventLog()),
      cargoSpecies_(writer.cargoSpecies()),
      events_(writeEvents_ ? writer.eventQueue_->takeSpare() : EventRows()),
      lowestArea_(compartments_, std::numeric_limits<double>::infinity()) {
    // One chunk's rows at most are buffered: allocate them once, rather than grow six vectors
    // sample by sample (short runs of many replicates paid more for the growth than for simulating).
    sizeBlock();
}

ReplicateSink::~ReplicateSink() {
    if (!finished_ && writeEvents_) writer_.eventQueue_->abandonTurn();
}

void ReplicateSink::parametersDrawn(std::size_t, const std::vector<double>& values) {
    parameters_ = values;
    drawn_ = true;
}

void ReplicateSink::resizeBlock(std::size_t rows) {
    block_.amounts.resize(rows * species_);
    block_.cargo.resize(rows * species_);
    block_.budded.resize(rows * routes_);
    block_.fused.resize(rows * routes_);
    block_.inTransit.resize(rows * routes_);
    block_.area.resize(rows * compartments_);
}

void ReplicateSink::sizeBlock() {
    const std::size_t rows = std::min(chunkRows_, samples_);
    resizeBlock(rows);
    blockRows_ = rows;
}

void ReplicateSink::trimBlock() {
    resizeBlock(block_.rows);
    blockRows_ = 0;
}

void ReplicateSink::sample(const Sample& s) {
    if (block_.rows == 0) block_.start = s.index;
    if (s.index != block_.start + block_.rows)
        throw IoError(writer_.path() + ": samples of replicate " + std::to_string(replicate_) + " arrived out of order");
    if (block_.rows == blockRows_) {  // the first row of a block: flush() cuts at a chunk
        if (block_.rows != 0)
            throw IoError(writer_.path() + ": replicate " + std::to_string(replicate_) + " reported more samples than the output grid has");
        sizeBlock();
    }
    const auto S = species_, V = routes_, C = compartments_;
    const std::size_t row = block_.rows;
    // Written into vectors already sized for the chunk: push_back tested the capacity and moved
    // the end pointer for every number, 124 instructions a sample on a 2-species model, more
    // than simulating a short trajectory's event.
    const auto put = [row](std::vector<double>& to, const double* from, std::size_t n) {
        double* const at = to.data() + row * n;
        for (std::size_t i = 0; i < n; ++i) at[i] = from[i];
    };
    put(block_.amounts, s.amounts, S);
    put(block_.cargo, s.cargo_in_transit, S);
    put(block_.budded, s.budded, V);
    put(block_.fused, s.fused, V);
    put(block_.inTransit, s.in_transit, V);
    put(block_.area, s.membrane_area, C);
    for (std::size_t c = 0; c < C; ++c) lowestArea_[c] = std::min(lowestArea_[c], s.membrane_area[c]);
    if (++block_.rows == chunkRows_) flush();
}

__attribute__((flatten)) void ReplicateSink::vesicleEvent(const VesicleEvent& e) {
    if (!writeEvents_) return;
    events_.replicate.push_back(static_cast<std::int64_t>(e.replicate));
    events_.time.push_back(e.time);
    events_.route.push_back(static_cast<std::int64_t>(e.route));
    events_.kind.push_back(static_cast<std::int8_t>(e.kind));
    events_.vesicle.push_back(static_cast<std::int64_t>(e.vesicle));
    for (auto s : cargoSpecies_) events_.load.push_back(e.load[s]);
}

void ReplicateSink::replicateFinished(std::size_t) {
    flush();
    finished_ = true;
    writer_.finishReplicate(replicate_, std::move(events_), parameters_, drawn_, lowestArea_);
}

void ReplicateSink::flush() {
    if (block_.rows == 0) return;
    trimBlock();
    if (replicatesPerChunk_ > 1 && block_.start == 0 && block_.rows == samples_) {
        writer_.stageReplicate(replicate_, std::move(block_));
        block_ = SampleBlock();
        return;
    }
    writer_.writeSamples(replicate_, block_);
    block_.start += block_.rows;
    block_.clear();
}

}  // namespace egress
