#pragma once
// Selection of the next channel for large networks: a complete binary tree of partial sums over
// the propensities (the leaves). Changing one propensity recomputes the log2(n) sums above it;
// choosing channel c with probability a_c / a_0 walks down from the root in log2(n) steps. The
// direct method's linear search costs n per event, so past a few dozen channels the tree wins
// (SsaSolver picks it by size; the threshold is measured in bench/README.md).
//
// Every sum is recomputed from its two children, never adjusted by a difference, so the tree
// holds the same numbers whatever order the leaves changed in: no drift, and the total is a fixed
// function of the propensities. Deterministic, so a seed gives the same trajectory every time.
#include <cstddef>
#include <vector>

namespace egress {

class SumTree {
public:
    explicit SumTree(std::size_t leaves) {
        while (width_ < leaves) width_ *= 2;
        node_.assign(2 * width_, 0.0);  // padding leaves stay 0 and are never chosen
    }
    std::size_t size() const { return width_; }
    /// The leaves (propensities), contiguous: leaf c is leaves()[c]. After writing one, call update(c).
    double* leaves() { return node_.data() + width_; }
    const double* leaves() const { return node_.data() + width_; }
    /// Recomputes the sums above leaf c.
    void update(std::size_t c) {
        for (std::size_t i = (width_ + c) / 2; i >= 1; i /= 2) node_[i] = node_[2 * i] + node_[2 * i + 1];
    }
    /// Recomputes the sums above the leaves `changed[0..count)`, given in increasing order, level
    /// by level: a sum above several of them is recomputed once (an ssa event changes tens of
    /// propensities, whose paths to the root share most of their upper nodes).
    void updateSorted(const std::size_t* changed, std::size_t count) {
        if (count == 0 || width_ == 1) return;  // one leaf: it is the root
        level_.resize(count);
        for (std::size_t k = 0; k < count; ++k) level_[k] = (width_ + changed[k]) / 2;
        std::size_t n = count;
        while (true) {
            std::size_t out = 0, last = 0;  // node 0 is not a node: never equal to a parent
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = level_[k];
                if (i == last) continue;
                node_[i] = node_[2 * i] + node_[2 * i + 1];
                level_[out++] = i / 2;
                last = i;
            }
            if (last == 1) return;  // the root was recomputed
            n = out;
        }
    }
    /// Recomputes every sum (after many leaves changed).
    void rebuild() {
        for (std::size_t i = width_ - 1; i >= 1; --i) node_[i] = node_[2 * i] + node_[2 * i + 1];
    }
    double total() const { return node_[1]; }
    /// The leaf c with leaves[0..c) summing to <= target < leaves[0..c] in the tree's additions, for
    /// 0 <= target < total() and total() > 0. A target at or past the total by rounding still ends
    /// on a leaf with a positive value: the walk never enters a subtree whose sum is 0.
    std::size_t select(double target) const {
        std::size_t i = 1;
        while (i < width_) {
            const double left = node_[2 * i];
            if (target < left || node_[2 * i + 1] <= 0.0) {
                i = 2 * i;
            } else {
                target -= left;
                i = 2 * i + 1;
            }
        }
        return i - width_;
    }

private:
    std::size_t width_ = 1;
    std::vector<double> node_;
    std::vector<std::size_t> level_;  ///< updateSorted's nodes of one level
};

}  // namespace egress
