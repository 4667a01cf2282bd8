// VesicleRoutes (engine/solvers/VesicleRoutes.hpp), what a bud and a fusion do in ssa and hybrid:
// loads come out of the donors and go into the acceptors, nothing is lost on the way (exactly, for
// whole molecules), a continuous load never exceeds its donor, the fusion route follows
// fusion_rate x competent carriers, and every event is reported with its load by acceptor species.
#include <cmath>
#include <numeric>
#include <vector>

#include "TestSupport.hpp"
#include "core/RandomStream.hpp"
#include "solvers/VesicleRoutes.hpp"

using namespace egress;
using egress::testing::loadText;
using egress::testing::speciesIndex;

namespace {

// Route "two" carries A -> C and B -> D; route "one" carries A -> C only; no delays.
const char* kParams = R"(
[model]
name = "routes"
compartments = { ER = {}, Golgi = {} }
parameters = { f_one = 0.0, f_two = 0.5 }
[model.species]
A = { compartment = "ER", initial = 500 }
B = { compartment = "ER", initial = 300 }
C = { compartment = "Golgi" }
D = { compartment = "Golgi" }
[[model.vesicles]]
name = "two"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "C", B = "D" }
capture = 0.05
fusion_rate = "f_two"
[[model.vesicles]]
name = "one"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = "C" }
capture = 0.1
fusion_rate = "f_one"
[simulation]
method = "ssa"
t_end = 1.0
output_interval = 1.0
)";

egress::testing::Trajectory observerFor(const RunConfig& c) {
    egress::testing::Trajectory t;
    t.species = c.model.species.size();
    t.routes = c.model.routes.size();
    t.keepEvents = true;
    return t;
}

double total(const std::vector<double>& amounts, const VesicleRoutes& routes) {
    const auto& transit = routes.pool().cargoInTransit();
    return std::accumulate(amounts.begin(), amounts.end(), 0.0) + std::accumulate(transit.begin(), transit.end(), 0.0);
}

}  // namespace

TEST(VesicleRoutes, WholeMoleculesAreConservedAndEveryEventIsReported) {
    const RunConfig c = loadText(kParams);
    auto observer = observerFor(c);
    const CargoTable cargo(c.model);
    VesicleRoutes routes(c.model, cargo, 0, observer);
    routes.setParameters(c.model, c.model.baseParameterValues());
    ASSERT_EQ(routes.count(), 2u);
    std::vector<double> x(c.model.species.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = c.model.species[i].initial;
    const double before = total(x, routes);
    RandomStream rng(7, 0, StreamPurpose::Trajectory);
    const std::size_t A = speciesIndex(c, "A"), C = speciesIndex(c, "C");
    for (int i = 0; i < 40; ++i) {
        const double a = x[A];
        routes.bud<Amounts::Whole>(static_cast<std::size_t>(i % 2), 1.0 * i, x.data(), rng);
        const double load = a - x[A];
        EXPECT_EQ(load, std::floor(load));
        ASSERT_EQ(observer.eventLoads.size(), static_cast<std::size_t>(i + 1));
        EXPECT_EQ(observer.eventLoads.back()[C], load) << "the report shows the load by acceptor species";
        EXPECT_EQ(total(x, routes), before);
    }
    // f_one = 0: every fusion is on route "two" while it has competent carriers.
    EXPECT_EQ(routes.fusionPropensity(1), 0.0);
    EXPECT_EQ(routes.fusionPropensity(0), 0.5 * 20);
    for (int i = 0; i < 20; ++i) {
        const std::size_t r = routes.chooseFusionRoute(rng);
        ASSERT_EQ(r, 0u);
        routes.fuse(r, 50.0 + i, x.data(), rng);
        EXPECT_EQ(total(x, routes), before);
    }
    EXPECT_EQ(routes.chooseFusionRoute(rng), routes.count()) << "no route can fuse";
    EXPECT_EQ(routes.pool().competent(0), 0u);
    EXPECT_EQ(routes.pool().competent(1), 20u);
    EXPECT_EQ(observer.events.size(), 60u);
    EXPECT_EQ(observer.events.back().kind, VesicleEventKind::Fuse);
}

TEST(VesicleRoutes, ContinuousLoadsNeverExceedTheDonorAndAreConserved) {
    const RunConfig c = loadText(kParams);
    auto observer = observerFor(c);
    const CargoTable cargo(c.model);
    VesicleRoutes routes(c.model, cargo, 0, observer);
    routes.setParameters(c.model, c.model.baseParameterValues());
    const std::size_t A = speciesIndex(c, "A"), B = speciesIndex(c, "B");
    std::vector<double> x(c.model.species.size(), 0.0);
    x[A] = 3.75;
    x[B] = 0.4;
    const double before = total(x, routes);
    RandomStream rng(11, 0, StreamPurpose::Trajectory);
    for (int i = 0; i < 200; ++i) {
        routes.bud<Amounts::Continuous>(0, 1.0 * i, x.data(), rng);
        EXPECT_GE(x[A], 0.0);
        EXPECT_GE(x[B], 0.0);
        EXPECT_NEAR(total(x, routes), before, 1e-12);
    }
    EXPECT_LT(x[A] + x[B], before) << "200 buds at capture 0.05 take some of 4.15 molecules";
}

// A cargo pair with a capture of its own (`cargo = { A = { to = "C", capture = ... } }`): the
// route's `capture` is the default of the others. With budding at a constant k = 1/s and no
// return, each donor decays as exp(-k p t) with its own p in the ode (mean flux), so A and B,
// riding the same carriers, leave the ER at 0.3 and 0.05 per second. Tolerance 1e-6 relative
// (rtol 1e-9). The resolved file writes the pair's capture back, and reading it gives the same
// model; a capture above 1 is refused like the route's.
TEST(VesicleRoutes, EachCargoPairMayHaveItsOwnCapture) {
    const char* text = R"(
[model]
name = "own-capture"
compartments = { ER = {}, Golgi = {} }
parameters = { p_receptor = 0.3 }
species = { A = { compartment = "ER", initial = 1000 }, B = { compartment = "ER", initial = 1000 }, C = { compartment = "Golgi" }, D = { compartment = "Golgi" } }
[[model.vesicles]]
name = "copii"
from = "ER"
to = "Golgi"
budding = { law = "mass_action", k = 1.0 }
cargo = { A = { to = "C", capture = "p_receptor" }, B = "D" }
capture = 0.05
fusion_rate = 10.0
[simulation]
method = "ode"
t_end = 5.0
output_interval = 1.0
rtol = 1e-9
atol = 1e-12
)";
    const RunConfig c = loadText(text);
    ASSERT_EQ(c.model.routes[0].cargo.size(), 2u);
    const auto& route = c.model.routes[0];
    const std::size_t kA = c.model.species[route.cargo[0].donor].name == "A" ? 0 : 1;
    EXPECT_TRUE(route.cargo[kA].capture.has_value());
    EXPECT_FALSE(route.cargo[1 - kA].capture.has_value());
    const auto t = egress::testing::runOde(c);
    const std::size_t iA = speciesIndex(c, "A"), iB = speciesIndex(c, "B");
    for (std::size_t i = 0; i < t.times.size(); ++i) {
        EXPECT_NEAR(t.amounts[i][iA], 1000.0 * std::exp(-0.3 * t.times[i]), 1e-6 * 1000.0) << "t " << t.times[i];
        EXPECT_NEAR(t.amounts[i][iB], 1000.0 * std::exp(-0.05 * t.times[i]), 1e-6 * 1000.0) << "t " << t.times[i];
    }
    // ssa draws each pair with its own probability: VesicleRoutes resolves one per pair.
    egress::testing::Trajectory observer;
    const CargoTable cargo(c.model);
    VesicleRoutes routes(c.model, cargo, 0, observer);
    routes.setParameters(c.model, c.model.baseParameterValues());
    EXPECT_EQ(routes.capture(0, kA), 0.3);
    EXPECT_EQ(routes.capture(0, 1 - kA), 0.05);
    const RunConfig again = loadText(resolvedParamsToml(c), "resolved.toml");
    EXPECT_EQ(egress::testing::runOde(again).amounts, t.amounts);

    const std::string tooLarge = std::string(text).replace(std::string(text).find("p_receptor = 0.3"), 16, "p_receptor = 1.5");
    EXPECT_THROW(loadText(tooLarge), std::exception);
    const std::string noDefault = std::string(text).replace(std::string(text).find("capture = 0.05\n"), 15, "");
    EXPECT_THROW(loadText(noDefault), std::exception);  // B has no capture of its own and the route none
    const std::string allOwn = [&] {
        std::string s = noDefault;
        return s.replace(s.find("B = \"D\""), 7, "B = { to = \"D\", capture = 0.05 }");
    }();
    EXPECT_NO_THROW(loadText(allOwn));
}
