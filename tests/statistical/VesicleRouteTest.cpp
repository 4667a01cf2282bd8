// Vesicle routes in the `ssa` method (contract section 3): binomial capture at budding, fusion at
// fusion_rate after `delay`, the vesicle event log, membrane area and cargo bookkeeping.
#include <unsupported/Eigen/MatrixFunctions>

#include <map>
#include <tuple>
#include <unordered_map>

#include "StatSupport.hpp"

using namespace egress;
using namespace egress::stat;
using egress::testing::loadText;
using egress::testing::runReplicate;
using egress::testing::speciesIndex;

namespace {

/// Counts violations of an exact (non-statistical) property over many replicates and keeps the
/// first message, so that a failure reports once instead of once per sample.
struct Violations {
    std::size_t count = 0;
    std::string first;
    void operator()(bool ok, const std::function<std::string()>& message) {
        if (ok) return;
        if (count++ == 0) first = message();
    }
};

// ---------------------------------------------------------------------------------------------
// Route without delay. ER cargo A (A0 = 1000, no synthesis) leaves only in vesicles: zero-order
// budding k = 0.2/s, capture p = 0.05, fusion f = 0.1/s per vesicle, acceptor G in the Golgi.
//
// Exact means. Buds are a Poisson process of rate k (the propensity does not depend on the state).
// At each bud every molecule still in A is packaged independently with probability p, so for one
// tagged molecule the buds that take it form a thinned Poisson process of rate a = k p: it is
// still in A at t with probability e^{-a t} (equivalently E[(1-p)^N(t)] = e^{-k p t} for
// N(t) ~ Poisson(k t)). Once packaged, its vesicle fuses after an Exp(f) time independent of
// everything else (the fusion channel fires at f x vesicles and picks one uniformly, i.e.
// independent Exp(f) clocks). One molecule's location is therefore the Markov chain
// A --a--> I --f--> G, and by linearity of expectation
//   E A = A0 e^{-a t},  E I = A0 a/(f - a) (e^{-a t} - e^{-f t}),  E G = A0 - E A - E I,
// exactly: the ODE (mean-flux) solution is exact in mean for this process.
// Vesicles: buds Poisson(k t); in transit an M/M/inf queue from empty, Poisson(k/f (1 - e^{-f t}));
// fused = budded thinned by "fused by t", Poisson(k t - k/f (1 - e^{-f t})).
// Variances of A, I, G. Molecules share buds and vesicles, so they are dependent; with
// X = sum of N indicators, Var X = N p_X (1 - p_X) + N (N - 1) (P_XX - p_X^2), where P_XX is the
// probability that two tagged molecules are both in X. P_XX comes from the exact 10-state chain of
// a pair (PairChain below).
constexpr double kA0 = 1000, kBud = 0.2, kCapture = 0.05, kFusion = 0.1, kVesicleArea = 0.0113;

/// The joint location of two tagged molecules i, j: A (donor), V (in a vesicle), G (acceptor);
/// both in vesicles: the same one (VVs) or different ones (VVd).
class PairChain {
public:
    enum State { AA, AV, VA, VVs, VVd, AG, GA, VG, GV, GG, kStates };
    PairChain(double k, double p, double f) : Q_(Eigen::MatrixXd::Zero(kStates, kStates)) {
        const double q = 1 - p;
        auto rate = [&](State from, State to, double r) {
            Q_(to, from) += r;
            Q_(from, from) -= r;
        };
        rate(AA, VVs, k * p * p);  // one bud takes both
        rate(AA, VA, k * p * q);   // a bud takes i only
        rate(AA, AV, k * q * p);
        rate(VA, GA, f);           // i's vesicle fuses
        rate(VA, VVd, k * p);      // a later bud takes j: a different vesicle
        rate(AV, AG, f);
        rate(AV, VVd, k * p);
        rate(VVs, GG, f);
        rate(VVd, GV, f);
        rate(VVd, VG, f);
        rate(GA, GV, k * p);
        rate(AG, VG, k * p);
        rate(GV, GG, f);
        rate(VG, GG, f);
    }
    Eigen::VectorXd at(double t) const {
        Eigen::VectorXd start = Eigen::VectorXd::Zero(kStates);
        start(AA) = 1.0;
        return (Q_ * t).exp() * start;
    }

private:
    Eigen::MatrixXd Q_;
};

struct RouteExpectation {
    // columns: A, G, I (cargo in transit), V (vesicles in transit), budded, fused
    std::array<Moments, 6> at(double t) const {
        const auto P = pairs_.at(t);
        using S = PairChain::State;
        const double pA = P(S::AA) + P(S::AV) + P(S::AG);
        const double pI = P(S::VA) + P(S::VVs) + P(S::VVd) + P(S::VG);
        const double pG = P(S::GA) + P(S::GV) + P(S::GG);
        const double PAA = P(S::AA), PII = P(S::VVs) + P(S::VVd), PGG = P(S::GG);
        auto var = [](double p, double pp) { return kA0 * p * (1 - p) + kA0 * (kA0 - 1) * (pp - p * p); };
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double V = kBud / kFusion * (1 - std::exp(-kFusion * t));
        return {Moments{kA0 * pA, var(pA, PAA), nan}, Moments{kA0 * pG, var(pG, PGG), nan},
                Moments{kA0 * pI, var(pI, PII), nan}, poissonMoments(V), poissonMoments(kBud * t),
                poissonMoments(kBud * t - V)};
    }
    PairChain pairs_{kBud, kCapture, kFusion};
};

const char* kRouteParams = R"(
[model]
name = "one-route"
compartments = { ER = { area = 100.0 }, Golgi = { area = 50.0 } }
species = { A = { compartment = "ER", initial = 1000 }, G = { compartment = "Golgi" } }
parameters = { k_bud = 0.2, f = 0.1 }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = "k_bud" }
cargo = { A = "G" }
capture = 0.05
fusion_rate = "f"
vesicle_area = 0.0113
[simulation]
method = "ssa"
t_end = 300.0
output_interval = 10.0
replicates = 10000
seed = 7001
)";

}  // namespace

// The exact expectations above agree with their closed forms where those exist.
TEST(VesicleRouteReference, PairChainMarginalsMatchTheClosedForms) {
    const RouteExpectation exp;
    const double a = kBud * kCapture;
    for (double t : {0.0, 10.0, 55.0, 300.0}) {
        const auto m = exp.at(t);
        const double I = kA0 * a / (kFusion - a) * (std::exp(-a * t) - std::exp(-kFusion * t));
        EXPECT_NEAR(m[0].mean, kA0 * std::exp(-a * t), 1e-9 * kA0) << t;
        EXPECT_NEAR(m[2].mean, I, 1e-9 * kA0) << t;
        EXPECT_NEAR(m[1].mean, kA0 - kA0 * std::exp(-a * t) - I, 1e-9 * kA0) << t;
        // A | N(t) ~ Binomial(A0, q^N), N(t) ~ Poisson(k t):
        // Var A = A0 (e^{-k p t} - e^{-k (1-q^2) t}) + A0^2 (e^{-k (1-q^2) t} - e^{-2 k p t}).
        const double q = 1 - kCapture, e1 = std::exp(-kBud * kCapture * t), e2 = std::exp(-kBud * (1 - q * q) * t);
        EXPECT_NEAR(m[0].var, kA0 * (e1 - e2) + kA0 * kA0 * (e2 - e1 * e1), 1e-7 * kA0) << t;
    }
}

// Seed 7001, n = 1e4 replicates, samples t = 0, 10, ..., 300 (30 tested times x 6 quantities:
// A, G, cargo in transit I, vesicles in transit V, budded, fused = 180 points).
//  - mean family: Z = sqrt(n)(mean - exact)/exact sd, m = 180, z* = 5.006, rate 1e-4;
//  - variance family: Y' (exact mu4 for the Poisson V, budded, fused; sample fourth moment for A,
//    G, I), m = 180, z* = 5.006, rate 1e-4.
// Exact (every replicate, every sample): A + G + I = 1000; budded - fused = in transit; total
// membrane area (compartments + vesicle_area x vesicles in transit) = 150 um^2 to 1e-9 relative;
// budded / fused = the number of bud / fuse events logged so far; the loads of the bud events
// sum to the cargo removed from A, those of the fuse events to G; each fusion delivers the load
// its vesicle budded with; event times are ordered and precede the samples that follow them.
TEST(VesicleRouteSsa, BinomialCaptureMeansVariancesAndBookkeeping) {
    const RunConfig config = loadText(kRouteParams);
    const std::size_t n = 10000;
    const std::size_t iA = speciesIndex(config, "A"), iG = speciesIndex(config, "G");
    ASSERT_EQ(config.model.compartments.size(), 2u);

    Violations cargo, area, counters, log;
    // Per-replicate state rebuilt from the event log.
    std::size_t buds = 0, fuses = 0;
    double budLoad = 0, fuseLoad = 0, lastEventTime = 0;
    std::size_t currentReplicate = 0;
    std::unordered_map<std::uint64_t, double> open;  // vesicle id -> load, budded and not fused
    std::size_t totalEvents = 0;

    const Ensemble e = simulate(
        config, n, 6,
        [&](const Sample& s, double* row) {
            row[0] = s.amounts[iA];
            row[1] = s.amounts[iG];
            row[2] = s.cargo_in_transit[iG];
            row[3] = s.in_transit[0];
            row[4] = s.budded[0];
            row[5] = s.fused[0];
        },
        [&](Recorder& r) {
            r.onSample = [&](const Sample& s) {
                const auto where = [&] { return "replicate " + std::to_string(s.replicate) + " t=" + std::to_string(s.time); };
                const double A = s.amounts[iA], G = s.amounts[iG], I = s.cargo_in_transit[iG];
                cargo(A + G + I == kA0, [&] {
                    return where() + ": A + G + in transit = " + std::to_string(A + G + I) + " != 1000";
                });
                cargo(s.cargo_in_transit[iA] == 0.0,
                      [&] { return where() + ": cargo in transit is reported under the donor species"; });
                double total = kVesicleArea * s.in_transit[0];
                for (std::size_t c = 0; c < 2; ++c) total += s.membrane_area[c];
                area(std::abs(total - 150.0) <= 1e-9 * 150.0,
                     [&] { return where() + ": total membrane area " + std::to_string(total) + " != 150"; });
                counters(s.budded[0] - s.fused[0] == s.in_transit[0],
                         [&] { return where() + ": budded - fused != in transit"; });
                counters(s.replicate == currentReplicate && s.budded[0] == static_cast<double>(buds) &&
                             s.fused[0] == static_cast<double>(fuses),
                         [&] {
                             return where() + ": counters budded/fused = " + std::to_string(s.budded[0]) + "/" +
                                    std::to_string(s.fused[0]) + ", event log " + std::to_string(buds) + "/" +
                                    std::to_string(fuses);
                         });
                counters(budLoad == kA0 - A && fuseLoad == G && budLoad - fuseLoad == I, [&] {
                    return where() + ": loads logged (bud " + std::to_string(budLoad) + ", fuse " + std::to_string(fuseLoad) +
                           ") do not account for A = " + std::to_string(A) + ", G = " + std::to_string(G);
                });
                log(lastEventTime <= s.time, [&] { return where() + ": an event after this time was reported before it"; });
            };
            r.onEvent = [&](const VesicleEvent& ev) {
                ++totalEvents;
                const double load = ev.load[iG];
                const auto where = [&] { return "replicate " + std::to_string(ev.replicate) + " t=" + std::to_string(ev.time); };
                log(ev.replicate == currentReplicate && ev.route == 0 && ev.time >= lastEventTime && ev.load[iA] == 0.0,
                    [&] { return where() + ": event out of order, of another replicate, or with a load on the donor"; });
                lastEventTime = ev.time;
                if (ev.kind == VesicleEventKind::Bud) {
                    ++buds;
                    budLoad += load;
                    log(open.emplace(ev.vesicle, load).second, [&] { return where() + ": vesicle id reused"; });
                } else {
                    ++fuses;
                    fuseLoad += load;
                    const auto it = open.find(ev.vesicle);
                    log(it != open.end() && it->second == load,
                        [&] { return where() + ": fusion of a vesicle not in transit, or with another load than it budded with"; });
                    if (it != open.end()) open.erase(it);
                }
            };
            r.onFinished = [&](std::size_t rep) {
                counters(rep == currentReplicate && open.size() == buds - fuses,
                         [&] { return "replicate " + std::to_string(rep) + ": vesicles open at the end != buds - fuses"; });
                ++currentReplicate;
                buds = fuses = 0;
                budLoad = fuseLoad = lastEventTime = 0;
                open.clear();
            };
        });
    EXPECT_EQ(cargo.count, 0u) << cargo.first;
    EXPECT_EQ(area.count, 0u) << area.first;
    EXPECT_EQ(counters.count, 0u) << counters.first;
    EXPECT_EQ(log.count, 0u) << log.first;
    EXPECT_EQ(currentReplicate, n);

    const RouteExpectation exp;
    const std::vector<std::string> names{"A", "G", "I", "V", "budded", "fused"};
    const auto expected = [&exp](double t, std::size_t c) { return exp.at(t)[c]; };
    const std::size_t m = testedPoints(e, expected);
    ASSERT_EQ(m, 180u);
    Family means("route mean Z", m), variances("route variance Y'", m);
    checkMoments(e, names, expected, means, variances);
    means.report();
    variances.report();
    std::printf("  [stat] route: n=%zu seed=7001, %zu vesicle events, simulated in %.2f s\n", n, totalEvents, e.seconds);
}

namespace {

// Route with a delay: buds at k = 0.5/s until T_stop = 40 s (a perturbation scales k_bud by 0
// from then on), each vesicle waits d = 4 s and then fuses at f = 0.25/s. Transit times are iid
// d + Exp(f). Budding stops early and t_end = 250 s, so every vesicle has fused by t_end except
// with probability below (number of vesicles) x e^{-f (250 - 44)} ~ 4e4 x e^{-51.5} ~ 2e-18:
// the transit times are not censored. Vesicles in transit form an M/G/inf queue from empty:
// V(t) ~ Poisson(k int_{max(0, t - T_stop)}^{t} S(u) du) with S(u) = 1 for u < d and e^{-f (u - d)} after.
constexpr double kDelayBud = 0.5, kDelay = 4.0, kDelayFusion = 0.25, kStop = 40.0;

double survivalIntegral(double u0, double u1) {  // int_{u0}^{u1} S(u) du
    auto F = [](double u) {
        return u < kDelay ? u : kDelay + (1 - std::exp(-kDelayFusion * (u - kDelay))) / kDelayFusion;
    };
    return F(u1) - F(u0);
}

}  // namespace

// Seed 7002, n = 2000 replicates (about 20 vesicles each, N ~ 4e4 transit times).
// Exact: every fuse event's time >= its vesicle's bud time + d (matched by vesicle id from the event
// log); every vesicle fuses once, with the load it budded with; nothing is in transit at t_end.
// Statistical (family-wise rate 1e-4 each):
//  - mean transit time: Z = (mean(fuse - bud) - (d + 1/f)) sqrt(N) / (1/f), one point, z* = 3.891;
//  - distribution: Kolmogorov-Smirnov of fuse - bud - d against Exp(f), sqrt(N) D < 2.2250
//    (asymptotic Kolmogorov critical value for alpha = 1e-4; N ~ 4e4);
//  - vesicles in transit at t = 10, 20, ..., 100: Z (Poisson sd) and Y' (Poisson mu4), m = 10
//    per family, z* = 4.417.
TEST(VesicleRouteSsa, DelayedFusionTransitTimesAreDelayPlusExponential) {
    const RunConfig config = loadText(R"(
[model]
name = "delayed-route"
compartments = { ER = { area = 100.0 }, Golgi = { area = 50.0 } }
species = { A = { compartment = "ER", initial = 1000 }, G = { compartment = "Golgi" } }
parameters = { k_bud = 0.5 }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = "k_bud" }
cargo = { A = "G" }
capture = 0.05
fusion_rate = 0.25
delay = 4.0
vesicle_area = 0.0113
[simulation]
method = "ssa"
t_end = 250.0
output_interval = 10.0
replicates = 2000
seed = 7002
[[perturbations]]
name = "stop budding"
target = "k_bud"
scale = 0.0
start = 40.0
)");
    const std::size_t n = 2000;
    const std::size_t iA = speciesIndex(config, "A"), iG = speciesIndex(config, "G");
    Violations early, bookkeeping;
    std::unordered_map<std::uint64_t, std::pair<double, double>> open;  // id -> (bud time, load)
    std::vector<double> transit;
    double minSlack = std::numeric_limits<double>::infinity();
    std::size_t budsAfterStop = 0;

    const Ensemble e = simulate(
        config, n, 2,
        [&](const Sample& s, double* row) {
            row[0] = s.in_transit[0];
            row[1] = s.amounts[iA] + s.amounts[iG] + s.cargo_in_transit[iG];
        },
        [&](Recorder& r) {
            r.onEvent = [&](const VesicleEvent& ev) {
                const auto where = [&] { return "replicate " + std::to_string(ev.replicate) + " t=" + std::to_string(ev.time); };
                if (ev.kind == VesicleEventKind::Bud) {
                    if (ev.time >= kStop) ++budsAfterStop;
                    bookkeeping(open.emplace(ev.vesicle, std::make_pair(ev.time, ev.load[iG])).second,
                                [&] { return where() + ": vesicle id reused"; });
                    return;
                }
                const auto it = open.find(ev.vesicle);
                bookkeeping(it != open.end(), [&] { return where() + ": fusion of a vesicle that is not in transit"; });
                if (it == open.end()) return;
                const auto [budTime, load] = it->second;
                // The engine makes a vesicle competent at (bud time + d) computed in double; the
                // difference is checked as well (equal to within rounding only if a fusion fell
                // within ~1e-14 s of the end of its delay, probability ~1e-10 here).
                early(ev.time >= budTime + kDelay && ev.time - budTime >= kDelay, [&] {
                    return where() + ": vesicle " + std::to_string(ev.vesicle) + " budded at " + std::to_string(budTime) +
                           " fused before its delay of 4 s had passed";
                });
                bookkeeping(ev.load[iG] == load, [&] { return where() + ": fused with another load than it budded with"; });
                minSlack = std::min(minSlack, ev.time - budTime - kDelay);
                transit.push_back(ev.time - budTime);
                open.erase(it);
            };
            r.onFinished = [&](std::size_t rep) {
                bookkeeping(open.empty(), [&] { return "replicate " + std::to_string(rep) + ": vesicles left in transit at t_end"; });
                open.clear();
            };
        });
    EXPECT_EQ(early.count, 0u) << early.first;
    EXPECT_EQ(bookkeeping.count, 0u) << bookkeeping.first;
    EXPECT_EQ(budsAfterStop, 0u) << "budding continued after k_bud was scaled to 0";
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t s = 0; s < e.samples; ++s) ASSERT_EQ(e.at(r, s, 1), 1000.0) << "cargo conservation";

    const double N = static_cast<double>(transit.size());
    ASSERT_GT(transit.size(), 30000u);
    double sum = 0;
    for (double x : transit) sum += x;
    const double meanTransit = sum / N;
    {
        Family meanFamily("delay mean transit Z", 1);
        meanFamily.add((meanTransit - (kDelay + 1 / kDelayFusion)) * std::sqrt(N) * kDelayFusion, "all vesicles");
    }
    // Kolmogorov-Smirnov against d + Exp(f).
    std::vector<double> u(transit);
    std::sort(u.begin(), u.end());
    double D = 0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const double F = 1 - std::exp(-kDelayFusion * (u[i] - kDelay));
        D = std::max({D, static_cast<double>(i + 1) / N - F, F - static_cast<double>(i) / N});
    }
    const double ks = std::sqrt(N) * D;
    EXPECT_LT(ks, 2.2250) << "transit - d is not Exp(" << kDelayFusion << ")";
    RecordProperty("delay_ks_sqrt_n_d", std::to_string(ks));

    Family means("delay in-transit mean Z (t<=100)", 10), variances("delay in-transit variance Y' (t<=100)", 10);
    for (std::size_t s = 1; s < e.samples; ++s) {
        const double t = e.times[s];
        if (t > 100.0) break;
        const Moments m = poissonMoments(kDelayBud * survivalIntegral(std::max(0.0, t - kStop), t));
        const auto x = e.values(s, 0);
        means.add(meanZ(x, m.mean, std::sqrt(m.var)), "t=" + format(t));
        variances.add(varianceY(x, m), "t=" + format(t));
    }
    means.report();
    variances.report();
    std::printf("  [stat] delay: n=%zu seed=7002, N=%zu transits, mean %.4f (exact %.4f), min(fuse - bud - d) = %.3g, "
                "KS sqrt(N) D = %.3f (critical 2.225), simulated in %.2f s\n",
                n, transit.size(), meanTransit, kDelay + 1 / kDelayFusion, minSlack, ks, e.seconds);
}

namespace {

struct CaptureCase {
    long donors;
    double capture;
    std::uint64_t seed;
    double statedDf;
};

}  // namespace

// The load of a bud is Binomial(donor count, capture) (contract section 3). Only the route acts on
// A, so the first bud of each replicate sees A0 donors and its load is exactly Binomial(A0, p).
// Budding at k = 1/s up to t_end = 5 s: replicates without a bud (probability e^-5) are left out.
// Four cases exercise the engine's binomial paths: A0 = 100, p = 0.05 (mean 5: inversion from 0);
// A0 = 1000, p = 0.3 (mean 300: inversion from the mode); A0 = 1000, p = 0.7 (p > 1/2: complement);
// A0 = 10^6, p = 0.02 (mean 2e4). n = 1e4 replicates each, seeds 7101..7104.
//  - Pearson chi-square of the first loads against Binomial(A0, p), bins with expected count >= 5
//    and pooled tails, df = 13, 87, 87 and 615 (critical values 44.54, 151.07, 151.07 and 767.65),
//    each at alpha = 1e-4 / 4: family rate 1e-4;
//  - mean Z and Y' (exact binomial mu4 = npq (1 + 3 (n - 2) p q)) of the first load, m = 4 per
//    family, z* = 4.215, rate 1e-4 each.
// Exact: p = 0 packages nothing and p = 1 packages every donor molecule.
TEST(VesicleRouteSsa, BudLoadIsBinomial) {
    const std::vector<CaptureCase> cases{{100, 0.05, 7101, 13}, {1000, 0.3, 7102, 87}, {1000, 0.7, 7103, 87},
                                         {1000000, 0.02, 7104, 615}};
    Family means("first bud load mean Z", cases.size()), variances("first bud load variance Y'", cases.size());
    double worstRatio = 0.0;
    for (const auto& cc : cases) {
        const RunConfig config = loadText(R"(
[model]
name = "capture"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = )" + std::to_string(cc.donors) + R"( }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "G" }
capture = )" + format(cc.capture) + R"(
fusion_rate = 0.1
[simulation]
method = "ssa"
t_end = 5.0
output_interval = 5.0
seed = )" + std::to_string(cc.seed) + "\n");
        const std::size_t n = 10000;
        const std::size_t iG = speciesIndex(config, "G");
        std::vector<double> first(n, -1.0);
        simulate(config, n, 1, [](const Sample& s, double* row) { row[0] = s.time; },
                 [&](Recorder& r) {
                     r.onEvent = [&](const VesicleEvent& ev) {
                         if (ev.kind == VesicleEventKind::Bud && first[ev.replicate] < 0) first[ev.replicate] = ev.load[iG];
                     };
                 });
        std::vector<double> loads;
        for (double v : first)
            if (v >= 0) loads.push_back(v);
        ASSERT_GT(loads.size(), 9800u);
        const double np = cc.donors * cc.capture, npq = np * (1 - cc.capture);
        const Moments m{np, npq, npq * (1 + 3 * (cc.donors - 2) * cc.capture * (1 - cc.capture))};
        const std::string where = "A0=" + std::to_string(cc.donors) + " p=" + format(cc.capture);
        means.add(meanZ(loads, m.mean, std::sqrt(m.var)), where);
        variances.add(varianceY(loads, m), where);
        const ChiSquare chi = pearsonChiSquare(loads, [&](long k) { return binomialPmf(cc.donors, cc.capture, k); }, cc.donors);
        const double critical = chiSquareCritical(chi.df(), 1e-4 / 4);
        EXPECT_EQ(chi.df(), cc.statedDf) << where << ": the comment states the degrees of freedom";
        EXPECT_LT(chi.statistic, critical) << where << ": first bud loads are not Binomial";
        worstRatio = std::max(worstRatio, chi.statistic / critical);
        std::printf("  [stat] bud load %s: %zu buds, X2 = %.2f, df = %.0f, critical (alpha 1e-4/4) = %.2f\n", where.c_str(),
                    loads.size(), chi.statistic, chi.df(), critical);
    }
    means.report();
    variances.report();
    RecordProperty("bud_load_chi_square_max_ratio_to_critical", std::to_string(worstRatio));

    // p = 0 and p = 1 are exact.
    for (double p : {0.0, 1.0}) {
        const RunConfig config = loadText(R"(
[model]
name = "capture-edge"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 50 }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "G" }
capture = )" + format(p) + R"(
fusion_rate = 0.1
[simulation]
method = "ssa"
t_end = 20.0
output_interval = 1.0
seed = 7105
)");
        const auto tr = runReplicate(config, 0, true);
        ASSERT_FALSE(tr.events.empty());
        EXPECT_EQ(tr.eventLoads.front()[speciesIndex(config, "G")], p * 50) << "capture " << p;
        for (std::size_t i = 1; i < tr.events.size(); ++i)
            if (tr.events[i].kind == VesicleEventKind::Bud) {
                EXPECT_EQ(tr.eventLoads[i][speciesIndex(config, "G")], 0.0);
            }
    }
}

// Two cargo pairs of one route with the same acceptor (A -> G and B -> G): the event log gives
// loads by acceptor species, so a bud's load of G must be the sum of both pairs' loads. Exact,
// every replicate (seed 7201, 200 replicates) and sample: the bud loads logged so far sum to the
// cargo removed from A and B, the fuse loads to G, their difference to the cargo in transit.
TEST(VesicleRouteSsa, EventLoadsAddPairsThatShareAnAcceptor) {
    const RunConfig config = loadText(R"(
[model]
name = "two-donors"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 1000 }, B = { compartment = "ER", initial = 1000 }, G = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "G", B = "G" }
capture = 0.1
fusion_rate = 0.5
[simulation]
method = "ssa"
t_end = 10.0
output_interval = 1.0
seed = 7201
)");
    const std::size_t iA = speciesIndex(config, "A"), iB = speciesIndex(config, "B"), iG = speciesIndex(config, "G");
    Violations v;
    double budLoad = 0, fuseLoad = 0;
    simulate(config, 200, 1, [](const Sample& s, double* row) { row[0] = s.time; },
             [&](Recorder& r) {
                 r.onEvent = [&](const VesicleEvent& ev) { (ev.kind == VesicleEventKind::Bud ? budLoad : fuseLoad) += ev.load[iG]; };
                 r.onSample = [&](const Sample& s) {
                     const double removed = 2000 - s.amounts[iA] - s.amounts[iB];
                     v(budLoad == removed && fuseLoad == s.amounts[iG] && budLoad - fuseLoad == s.cargo_in_transit[iG], [&] {
                         return "replicate " + std::to_string(s.replicate) + " t=" + format(s.time) + ": bud loads logged " +
                                format(budLoad) + " vs removed from A and B " + format(removed) + "; fuse loads " +
                                format(fuseLoad) + " vs G " + format(s.amounts[iG]);
                     });
                 };
                 r.onFinished = [&](std::size_t) { budLoad = fuseLoad = 0; };
             });
    EXPECT_EQ(v.count, 0u) << v.first;
}

// A cargo pair with its own capture (`cargo = { A = { to = "GA", capture = 0.3 } }`) beside one
// that takes the route's (B, 0.05): each pair's load of a bud is Binomial(donors, its own p), both
// drawn at the same bud. The first bud of each replicate (k = 1/s, t_end = 5 s: replicates
// without a bud, probability e^-5, are left out) sees A0 = B0 = 1000. n = 1e4 replicates, seed
// 7106: Pearson chi-square of each pair's first loads against its binomial (df 87 and 44, bins
// with expected count >= 5, tails pooled) at alpha 1e-4 / 2 each (family rate 1e-4).
TEST(VesicleRouteSsa, EachPairDrawsWithItsOwnCapture) {
    const RunConfig config = loadText(R"(
[model]
name = "own-capture"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 1000 }, B = { compartment = "ER", initial = 1000 }, GA = { compartment = "Golgi" }, GB = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = { to = "GA", capture = 0.3 }, B = "GB" }
capture = 0.05
fusion_rate = 0.1
[simulation]
method = "ssa"
t_end = 5.0
output_interval = 5.0
seed = 7106
)");
    const std::size_t n = 10000;
    const std::size_t iA = speciesIndex(config, "GA"), iB = speciesIndex(config, "GB");
    std::vector<double> firstA(n, -1.0), firstB(n, -1.0);
    simulate(config, n, 1, [](const Sample& s, double* row) { row[0] = s.time; },
             [&](Recorder& r) {
                 r.onEvent = [&](const VesicleEvent& ev) {
                     if (ev.kind == VesicleEventKind::Bud && firstA[ev.replicate] < 0) {
                         firstA[ev.replicate] = ev.load[iA];
                         firstB[ev.replicate] = ev.load[iB];
                     }
                 };
             });
    for (const auto& [first, p, df, name] : {std::tuple{&firstA, 0.3, 87.0, "A (own 0.3)"}, std::tuple{&firstB, 0.05, 44.0, "B (route 0.05)"}}) {
        std::vector<double> loads;
        for (double v : *first)
            if (v >= 0) loads.push_back(v);
        ASSERT_GT(loads.size(), 9800u);
        const ChiSquare chi = pearsonChiSquare(loads, [&](long k) { return binomialPmf(1000, p, k); }, 1000);
        const double critical = chiSquareCritical(chi.df(), 1e-4 / 2);
        EXPECT_EQ(chi.df(), df) << name << ": the comment states the degrees of freedom";
        EXPECT_LT(chi.statistic, critical) << name << ": first bud loads are not Binomial(1000, " << p << ")";
        std::printf("  [stat] own capture, pair %s: X2 = %.2f, df = %.0f, critical (alpha 1e-4/2) = %.2f\n", name,
                    chi.statistic, chi.df(), critical);
    }
}
