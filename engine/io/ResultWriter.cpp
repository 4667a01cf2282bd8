#include "io/ResultWriter.hpp"

#include <algorithm>
#include <limits>

#include "core/Error.hpp"
#include "io/ReplicateSink.hpp"

namespace egress {

ResultWriter::ResultWriter(std::string path, const RunConfig& config, const RunProvenance& provenance)
    : file_(std::move(path), "result file"), layout_(file_.id(), file_.path(), config, provenance) {
    replicateFinished_.assign(layout_.replicates(), 0);
    negativeAreaReplicates_.assign(layout_.compartments(), 0);
    lowestArea_.assign(layout_.compartments(), std::numeric_limits<double>::infinity());
    const SimulationSettings& sim = config.simulation;
    if (sim.method == Method::Ode || !config.output.events) return;
    eventLog_ = std::make_unique<EventLogWriter>(file_.id(), file_.path(), config.model, config.output.compression);
    eventQueue_ = std::make_unique<EventQueue>(layout_.firstReplicate(), [this](const EventRows& rows) {
        std::lock_guard<std::mutex> lock(mutex_);
        h5::silenceLibraryErrors();
        eventLog_->append(rows);
    });
}

const std::vector<std::size_t>& ResultWriter::cargoSpecies() const {
    static const std::vector<std::size_t> none;
    return eventLog_ ? eventLog_->cargoSpecies() : none;
}

std::unique_ptr<TrajectoryObserver> ResultWriter::openReplicate(std::size_t replicate) {
    const std::size_t first = layout_.firstReplicate();
    if (replicate < first || replicate >= first + layout_.replicates())
        throw IoError(path() + ": replicate " + std::to_string(replicate) + " is outside this file");
    return std::make_unique<ReplicateSink>(*this, replicate);
}

std::unique_lock<std::mutex> ResultWriter::lockFileForWorker() {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) return lock;
    const auto start = std::chrono::steady_clock::now();
    lock.lock();
    countWorkerWait(std::chrono::steady_clock::now() - start);
    return lock;
}

void ResultWriter::countWorkerWait(std::chrono::nanoseconds waited) { workerWaitNanoseconds_ += waited.count(); }

double ResultWriter::workersWaitedSeconds() const { return 1e-9 * static_cast<double>(workerWaitNanoseconds_.load()); }

void ResultWriter::writeSamples(std::size_t replicate, const SampleBlock& block) {
    const auto lock = lockFileForWorker();
    h5::silenceLibraryErrors();
    layout_.writeSamples(replicate - layout_.firstReplicate(), block);
}

void ResultWriter::stageReplicate(std::size_t replicate, SampleBlock&& block) {
    const std::size_t offset = replicate - layout_.firstReplicate();
    const std::size_t K = layout_.replicatesPerChunk();
    const std::size_t batchStart = offset / K * K, batchEnd = std::min(batchStart + K, layout_.replicates());
    std::vector<SampleBlock> batch;
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        staged_.emplace(offset, std::move(block));
        const auto count = stagedPerBatch_.find(batchStart);
        const std::size_t have = count == stagedPerBatch_.end() ? 1 : count->second + 1;
        if (have < batchEnd - batchStart) {  // the batch is not complete yet (each replicate stages once)
            stagedPerBatch_[batchStart] = have;
            return;
        }
        if (count != stagedPerBatch_.end()) stagedPerBatch_.erase(count);
        batch.reserve(batchEnd - batchStart);
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
    layout_.writeSamples(firstOffset, blocks);
}

void ResultWriter::finishReplicate(std::size_t replicate, EventRows&& events, const std::vector<double>& parameters,
                                   bool parametersDrawn, const std::vector<double>& lowestArea) {
    const std::size_t offset = replicate - layout_.firstReplicate();
    auto lock = lockFileForWorker();
    for (std::size_t c = 0; c < lowestArea.size() && c < lowestArea_.size(); ++c) {
        if (lowestArea[c] < 0.0) ++negativeAreaReplicates_[c];
        lowestArea_[c] = std::min(lowestArea_[c], lowestArea[c]);
    }
    h5::silenceLibraryErrors();
    if (layout_.hasCellParameters()) {
        if (!parametersDrawn || parameters.size() != layout_.parameters())
            throw IoError(path() + ": replicate " + std::to_string(replicate) + " reported no cell parameters");
        layout_.writeCellParameters(offset, parameters);
    }
    ++finished_;
    replicateFinished_[offset] = 1;
    lock.unlock();
    // Events go to the file in replicate order, whatever order the replicates finish in.
    if (eventQueue_) countWorkerWait(eventQueue_->push(replicate, std::move(events)));
}

void ResultWriter::commit() {
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        if (!staged_.empty()) throw IoError(path() + ": replicates staged but never written; the file is not complete");
    }
    if (eventQueue_) {
        eventQueue_->stop();  // after it has appended every replicate's events in order
        if (eventQueue_->failure()) std::rethrow_exception(eventQueue_->failure());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_ != layout_.replicates() || (eventQueue_ && eventQueue_->hasWaiting()))
        throw IoError(path() + ": only " + std::to_string(finished_) + " of " + std::to_string(layout_.replicates()) +
                      " replicates finished; the file is not complete");
    if (eventLog_) {
        eventLog_->finish();
        eventLog_->close();
    }
    layout_.writeAreaSummary(negativeAreaReplicates_, lowestArea_);
    layout_.close();
    file_.commit();
}

std::string ResultWriter::keepInterrupted(const std::string& reason) {
    // Replicates that finished while a neighbour in their batch did not: write them one by one.
    std::map<std::size_t, SampleBlock> staged;
    {
        std::lock_guard<std::mutex> lock(stagingMutex_);
        staged.swap(staged_);
        stagedPerBatch_.clear();
    }
    for (auto& [offset, block] : staged) writeBatch(offset, {block});
    if (eventQueue_) eventQueue_->stop();
    std::lock_guard<std::mutex> lock(mutex_);
    h5::silenceLibraryErrors();
    if (eventLog_) {
        // Events of replicates that finished after an unfinished one: append them in order too.
        for (auto& [replicate, rows] : eventQueue_->takeWaiting()) eventLog_->append(rows);
        eventLog_->finish();
        eventLog_->close();
    }
    layout_.writeAreaSummary(negativeAreaReplicates_, lowestArea_);
    layout_.markInterrupted(replicateFinished_, finished_, reason);
    layout_.close();
    return file_.keepInterrupted();
}

ResultWriter::~ResultWriter() {
    eventQueue_.reset();  // stops its thread, which writes to the file
    if (eventLog_) eventLog_->close();
    layout_.close();
    // file_ removes the temporary file unless it was committed or kept.
}

}  // namespace egress
