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
};

}  // namespace egress
