#include "core/Timeline.hpp"

#include <algorithm>

namespace egress {

Timeline::Timeline(const Model& model, double t_end) : model_(model) {
    auto add = [&](double t) {
        if (t > 0.0 && t < t_end) breakpoints_.push_back(t);
    };
    for (const auto& p : model.perturbations) {
        add(p.start);
        if (p.end) add(*p.end);
    }
    for (const auto& e : model.events) add(e.at);
    std::sort(breakpoints_.begin(), breakpoints_.end());
    breakpoints_.erase(std::unique(breakpoints_.begin(), breakpoints_.end()), breakpoints_.end());
}

std::vector<double> Timeline::parametersAt(double t, const std::vector<double>& base) const {
    std::vector<double> values = base;
    for (const auto& p : model_.perturbations) {
        const bool active = p.start <= t && (!p.end || t < *p.end);
        if (!active) continue;
        double& v = values[p.parameter];
        v = p.mode == PerturbationMode::Scale ? v * p.value : p.value;
    }
    return values;
}

std::vector<const TimedEvent*> Timeline::eventsAt(double t) const {
    std::vector<const TimedEvent*> due;
    for (const auto& e : model_.events)
        if (e.at == t) due.push_back(&e);
    return due;
}

void Timeline::apply(const TimedEvent& event, double* amounts) {
    for (const auto& c : event.changes) {
        double& x = amounts[c.species];
        x = c.mode == EventMode::Add ? x + c.amount : c.amount;
    }
}

}  // namespace egress
