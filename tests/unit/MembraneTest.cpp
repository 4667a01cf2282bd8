// Membrane synthesis and degradation (core/Membrane.hpp): a compartment's `membrane_synthesis`
// adds rate x t to its area, fusion with a `degrades_membrane` compartment removes the carrier's
// membrane, and the books close exactly in every method: compartments + vesicles in transit +
// degraded = initial total + synthesised.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "TestSupport.hpp"
#include "core/Membrane.hpp"

using namespace egress;
using egress::testing::loadError;
using egress::testing::loadText;
using egress::testing::runReplicate;
using egress::testing::Trajectory;

namespace {

/// A (100 um^2, makes s = 0.5 um^2/s) --a_to_b: 2.5 /s x 0.2 um^2--> B (50 um^2)
/// --b_to_l: 0.5 /s x 1.0 um^2--> L (degrades membrane). Every flux is 0.5 um^2/s, so A and B
/// reach a steady state once the carriers in transit have (fusion 1 /s and 0.5 /s).
std::string model(const std::string& method, const std::string& extraCompartmentKeys = "", const std::string& tail = "") {
    return R"(
[model]
name = "membrane-turnover"
[model.compartments]
A = { area = 100.0, membrane_synthesis = "s" }
B = { area = 50.0 }
L = { area = 10.0, degrades_membrane = true )" + extraCompartmentKeys + R"( }
[model.species]
X = { compartment = "A", initial = 0 }
[model.parameters]
s = 0.5
[[model.reactions]]
name = "idle"
equation = "X ->"
k = 0.0
[[model.vesicles]]
name = "a_to_b"
from = "A"
to = "B"
budding = { law = "mass_action", k = 2.5 }
cargo = {}
fusion_rate = 1.0
vesicle_area = 0.2
[[model.vesicles]]
name = "b_to_l"
from = "B"
to = "L"
budding = { law = "mass_action", k = 0.5 }
cargo = {}
fusion_rate = 0.5
vesicle_area = 1.0
[simulation]
method = ")" + method + R"("
t_end = 200.0
output_interval = 10.0
seed = 3
)" + tail;
}

/// compartments + in transit + degraded - synthesised at sample i, um^2.
double books(const RunConfig& c, const Trajectory& t, std::size_t i) {
    double total = membraneDegraded(c.model, t.fused[i].data()) - membraneSynthesised(c.model, t.times[i]);
    for (double a : t.area[i]) total += a;
    for (std::size_t r = 0; r < c.model.routes.size(); ++r) total += t.inTransit[i][r] * c.model.routes[r].vesicle_area_um2;
    return total;
}

}  // namespace

TEST(Membrane, SynthesisAndDegradationCloseTheBooksInEveryMethod) {
    for (const std::string method : {"ode", "ssa", "hybrid"}) {
        const RunConfig c = loadText(model(method));
        const Trajectory t = runReplicate(c, 0);
        ASSERT_EQ(t.area.size(), t.times.size()) << method;
        const double degradedAtEnd = membraneDegraded(c.model, t.fused.back().data());
        EXPECT_GT(degradedAtEnd, 50.0) << method;  // ~0.5 um^2/s for most of 200 s: the check has something to check
        for (std::size_t i = 0; i < t.times.size(); ++i) {
            EXPECT_NEAR(books(c, t, i), 160.0, 1e-9 * 160.0) << method << " at t = " << t.times[i];
            // A's area is exactly initial + s t - 0.2 x buds; L keeps its own area (fusions degrade).
            EXPECT_NEAR(t.area[i][0], 100.0 + 0.5 * t.times[i] - 0.2 * t.budded[i][0], 1e-9) << method;
            EXPECT_EQ(t.area[i][2], 10.0) << method;
        }
    }
}

TEST(Membrane, OdeReachesTheSteadyStateOfBalancedFluxes) {
    const RunConfig c = loadText(model("ode"));
    const Trajectory t = runReplicate(c, 0);
    // Mean fluxes: A makes 0.5 um^2/s and buds 2.5 /s x 0.2 um^2 = 0.5 um^2/s, so A stays at
    // 100 um^2 exactly. B gains a_to_b fusions, 0.5 (1 - e^-t) um^2/s (fusion 1 /s), and loses
    // b_to_l buds, 0.5 um^2/s: it settles 0.5 um^2 (what is in a_to_b carriers) below 50.
    for (std::size_t i = 0; i < t.times.size(); ++i) EXPECT_NEAR(t.area[i][0], 100.0, 1e-6) << t.times[i];
    EXPECT_NEAR(t.area.back()[1], 49.5, 1e-5);
    const std::size_t late = t.times.size() - 1, earlier = late - 3;  // 200 s and 170 s
    EXPECT_NEAR(t.area[late][1], t.area[earlier][1], 1e-6);
    // Degradation runs at the synthesis rate once b_to_l carriers are at their mean number (1).
    const double degradedRate = (membraneDegraded(c.model, t.fused[late].data()) - membraneDegraded(c.model, t.fused[earlier].data()))
                                / (t.times[late] - t.times[earlier]);
    EXPECT_NEAR(degradedRate, 0.5, 1e-6);
}

TEST(Membrane, WithoutSynthesisTheDegradationDrainsTheDonors) {
    const RunConfig c = loadText(model("ode"), "params.toml", {"s=0"});
    const Trajectory t = runReplicate(c, 0);
    // A loses 0.5 um^2/s for 200 s.
    EXPECT_NEAR(t.area.back()[0], 100.0 - 0.5 * 200.0, 1e-6);
}

TEST(Membrane, ResolvedFileKeepsSynthesisAndDegradation) {
    const RunConfig original = loadText(model("ode"), "params.toml", {"s=0.25"});
    const RunConfig again = loadText(resolvedParamsToml(original), "resolved.toml");
    const auto a = *again.model.findCompartment("A"), l = *again.model.findCompartment("L");
    EXPECT_EQ(again.model.compartments[a].membrane_synthesis_um2_per_s, 0.25);
    ASSERT_TRUE(again.model.compartments[a].synthesisParameter);
    EXPECT_EQ(again.model.parameters[*again.model.compartments[a].synthesisParameter].name, "s");
    EXPECT_TRUE(again.model.compartments[l].degrades_membrane);
    EXPECT_FALSE(again.model.compartments[a].degrades_membrane);
}

TEST(Membrane, BadInputIsAnErrorAtItsPlace) {
    const auto expectAt = [](const InputError& e, const std::string& what) {
        const std::string text = e.what();
        EXPECT_NE(text.find("params.toml:"), std::string::npos) << text;
        EXPECT_GT(e.line(), 0) << text;
        EXPECT_NE(text.find(what), std::string::npos) << text;
    };
    std::string text = model("ode");
    const std::string good = "A = { area = 100.0, membrane_synthesis = \"s\" }";
    const auto with = [&](const std::string& replacement) {
        std::string t = text;
        t.replace(t.find(good), good.size(), replacement);
        return t;
    };
    expectAt(loadError(with("A = { area = 100.0, membrane_synthesis = -1.0 }")), "compartments.A.membrane_synthesis");
    expectAt(loadError(with("A = { area = 100.0, membrane_synthesis = \"nope\" }")), "nope");
    expectAt(loadError(with("A = { area = 100.0, membrane_synthesis = \"s\", degrades_membrane = \"yes\" }")),
             "compartments.A.degrades_membrane");
    expectAt(loadError(model("ode", ", membrane_synthesis = 1.0")), "cannot also synthesise");
    // The rate is a constant of the run (area made = rate x t): a perturbation cannot reach it.
    expectAt(loadError(model("ode", "", "[[perturbations]]\ntarget = \"s\"\nscale = 2.0\nstart = 10.0\n")),
             "membrane synthesis of compartment 'A'");
}

namespace {

/// G (200 um^2) --collapse: per_donor_area, k = 0.05 /s, 0.5 um^2 tubules, fusion 2 /s--> E
/// (1000 um^2). The route takes k x area(G) um^2/s: G(t) = 200 e^{-kt} in the mean, exactly in ode.
std::string perAreaModel(const std::string& method, const std::string& stepper = "auto") {
    return R"(
[model]
name = "per-area"
[model.compartments]
G = { area = 200.0 }
E = { area = 1000.0 }
[model.species]
X = { compartment = "G", initial = 100 }
Y = { compartment = "E", initial = 0 }
[model.parameters]
kc = { value = 0.05, units = "1/s" }
[[model.reactions]]
name = "idle"
equation = "X ->"
k = 0.0
[[model.vesicles]]
name = "collapse"
from = "G"
to = "E"
budding = { law = "mass_action", k = "kc", per_donor_area = true }
cargo = { X = "Y" }
capture = 0.001
fusion_rate = 2.0
vesicle_area = 0.5
[simulation]
method = ")" + method + R"("
stepper = ")" + stepper + R"("
t_end = 60.0
output_interval = 5.0
seed = 7
replicates = 1
)";
}

}  // namespace

TEST(Membrane, PerDonorAreaBuddingIsFirstOrderInTheAreaInOde) {
    // Both steppers: the stiff one uses the Jacobian's area terms (d bud / d counters). Measured
    // error at most 1.6e-7 um^2 (of 200); checked to 2e-5.
    for (const std::string stepper : {"dopri5", "rosenbrock4"}) {
        const RunConfig c = loadText(perAreaModel("ode", stepper));
        ASSERT_TRUE(c.model.routes[0].buddingPerDonorArea);
        const Trajectory t = runReplicate(c, 0);
        const auto g = *c.model.findCompartment("G"), e = *c.model.findCompartment("E");  // tables are sorted: E first
        for (std::size_t i = 0; i < t.times.size(); ++i) {
            const double moved = 200.0 * (1.0 - std::exp(-0.05 * t.times[i]));
            EXPECT_NEAR(t.area[i][g], 200.0 - moved, 1e-7 * 200.0) << stepper << " at t = " << t.times[i];
            // E gets what left G once the tubules have fused; the books are exact at every sample.
            EXPECT_NEAR(t.area[i][e] + 0.5 * t.inTransit[i][0], 1000.0 + moved, 1e-7 * 200.0) << stepper;
            EXPECT_NEAR(t.area[i][g] + t.area[i][e] + 0.5 * t.inTransit[i][0], 1200.0, 1e-9 * 1200.0) << stepper;
        }
    }
}

TEST(Membrane, PerDonorAreaBuddingIsFirstOrderInTheAreaInSsaAndHybrid) {
    // One cell is a linear death process of 200 / 0.5 = 400 tubules, each still in G at 60 s with
    // p = e^{-3}: G(60) = 0.5 x Binomial(400, p), mean 9.957 um^2, sd 2.17. Statistic: the mean over
    // N = 200 cells (seed 7, each method); tolerance 5 sd of that mean, 0.77 um^2 (false failure
    // < 1e-6, normal approximation). Without the area factor (a constant 0.05 x 200 / 0.5 = 20 buds/s)
    // G would be empty by 20 s.
    const double p = std::exp(-3.0), mean = 200.0 * p, sd = std::sqrt(0.25 * 400.0 * p * (1.0 - p));
    for (const std::string method : {"ssa", "hybrid"}) {
        const RunConfig c = loadText(perAreaModel(method));
        const auto g = *c.model.findCompartment("G"), e = *c.model.findCompartment("E");
        constexpr std::size_t N = 200;
        double sum = 0.0;
        for (std::size_t rep = 0; rep < N; ++rep) {
            const Trajectory t = runReplicate(c, rep);
            for (std::size_t i = 0; i < t.times.size(); ++i) {
                EXPECT_EQ(t.area[i][g], 200.0 - 0.5 * t.budded[i][0]) << method;  // whole tubules
                EXPECT_NEAR(t.area[i][g] + t.area[i][e] + 0.5 * t.inTransit[i][0], 1200.0, 1e-9 * 1200.0) << method;
            }
            sum += t.area.back()[g];
        }
        EXPECT_NEAR(sum / N, mean, 5.0 * sd / std::sqrt(static_cast<double>(N))) << method;
    }
}

TEST(Membrane, PerDonorAreaIsWrittenBack) {
    const RunConfig original = loadText(perAreaModel("ode"));
    const RunConfig again = loadText(resolvedParamsToml(original), "resolved.toml");
    EXPECT_TRUE(again.model.routes[0].buddingPerDonorArea);
}

TEST(Membrane, PerDonorAreaBadInputIsAnErrorAtItsPlace) {
    const auto expectAt = [](const InputError& e, const std::string& what) {
        const std::string text = e.what();
        EXPECT_NE(text.find("params.toml:"), std::string::npos) << text;
        EXPECT_GT(e.line(), 0) << text;
        EXPECT_NE(text.find(what), std::string::npos) << text;
    };
    const std::string text = perAreaModel("ode");
    const auto with = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        t.replace(t.find(from), from.size(), to);
        return t;
    };
    const std::string law = "budding = { law = \"mass_action\", k = \"kc\", per_donor_area = true }";
    expectAt(loadError(with(law, "budding = { law = \"mass_action\", k = \"kc\", per_donor_area = \"yes\" }")),
             "vesicles[0].budding.per_donor_area");
    expectAt(loadError(with(law, "budding = { law = \"michaelis_menten\", vmax = 1.0, km = 1.0, substrate = \"X\", per_donor_area = true }")),
             "needs law = \"mass_action\"");
    expectAt(loadError(with(law, "budding = { law = \"mass_action\", k = \"kc\", substrate = \"X\", per_donor_area = true }")),
             "no substrate");
    expectAt(loadError(with("G = { area = 200.0 }", "G = {}")), "has no 'area'");
    expectAt(loadError(with("G = { area = 200.0 }", "G = { area = 200.0, membrane_synthesis = 0.1 }")), "makes membrane");
    expectAt(loadError(with("vesicle_area = 0.5", "vesicle_area = 0.0")), "vesicle_area > 0");
}
