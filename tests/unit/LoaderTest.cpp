// The loader builds the typed model the contract describes; overrides and the resolved file
// give back the same model.
#include <gtest/gtest.h>

#include "TestSupport.hpp"
#include "core/Error.hpp"
#include "core/Timeline.hpp"

using namespace egress;
using namespace egress::testing;

namespace {
std::string sourceFile(const std::string& relative) { return std::string(EGRESS_SOURCE_DIR) + "/" + relative; }
}  // namespace

TEST(Loader, ReadsTheDefaultModel) {
    const RunConfig c = loadRunConfig(sourceFile("params/default.toml"));
    const Model& m = c.model;
    EXPECT_EQ(m.name, "secretory_core");
    EXPECT_EQ(m.compartments.size(), 8u);  // ER, ERGIC, Golgi, PM, endosome, lysosome, extracellular, cytosol
    ASSERT_TRUE(m.findSpecies("cargo_ER"));
    // ERAD's product is a sink species, so degraded cargo stays on the books (issue 15, bug 5).
    const auto degraded = m.findSpecies("cargo_degraded");
    ASSERT_TRUE(degraded);
    EXPECT_EQ(m.compartments[m.species[*degraded].compartment].name, "cytosol");
    ASSERT_EQ(m.routes.size(), 9u);  // COPII, ERGIC_to_Golgi, COPI, post_Golgi, post_Golgi_vesicles, endocytosis, endosome_to_Golgi, endosome_to_lysosome, golgi_collapse
    EXPECT_TRUE(m.routes[8].buddingPerDonorArea);  // Brefeldin A moves the Golgi membrane per um^2 of it
    EXPECT_FALSE(m.routes[0].buddingPerDonorArea);
    // Membrane turnover: the ER makes membrane, the lysosome degrades what reaches it.
    const auto& er = m.compartments[*m.findCompartment("ER")];
    ASSERT_TRUE(er.synthesisParameter);
    EXPECT_EQ(m.parameters[*er.synthesisParameter].name, "k_membrane_syn");
    EXPECT_GT(er.membrane_synthesis_um2_per_s, 0.0);
    EXPECT_TRUE(m.compartments[*m.findCompartment("lysosome")].degrades_membrane);
    const auto& copii = m.routes[0];
    EXPECT_EQ(copii.name, "COPII");
    EXPECT_EQ(m.compartments[copii.from].name, "ER");
    ASSERT_TRUE(copii.capture.parameter);
    EXPECT_EQ(m.parameters[*copii.capture.parameter].name, "capture_copii");
    EXPECT_EQ(c.simulation.t_end, 7200.0);
    EXPECT_EQ(c.simulation.sampleCount(), 121u);
    ASSERT_EQ(m.events.size(), 1u);
    EXPECT_EQ(m.events[0].changes[0].amount, 10000.0);
    const auto k = m.findParameter("k_copii");
    ASSERT_TRUE(k);
    EXPECT_EQ(m.parameters[*k].units, "1/s");
    EXPECT_NE(m.parameters[*k].source.find("Hirschberg"), std::string::npos);
}

TEST(Loader, SetOverridesComeLastAndAreChecked) {
    const RunConfig c = loadRunConfig(sourceFile("params/default.toml"), {"k_copii=0.25", "k_syn=3"});
    EXPECT_EQ(c.model.parameters[*c.model.findParameter("k_copii")].value, 0.25);
    EXPECT_EQ(c.model.parameters[*c.model.findParameter("k_syn")].value, 3.0);
    try {
        loadRunConfig(sourceFile("params/default.toml"), {"k_coppii=1"});
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("did you mean 'k_copii'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(loadRunConfig(sourceFile("params/default.toml"), {"capture_copii=1.5"}), InputError);
}

TEST(Loader, ResolvedFileLoadsToTheSameModel) {
    const RunConfig original = loadRunConfig(sourceFile("params/default.toml"), {"k_pgc=0.7"});
    const RunConfig again = loadText(resolvedParamsToml(original), "resolved.toml");
    const Model &a = original.model, &b = again.model;
    ASSERT_EQ(a.species.size(), b.species.size());
    for (std::size_t i = 0; i < a.species.size(); ++i) EXPECT_EQ(a.species[i].name, b.species[i].name);
    ASSERT_EQ(a.parameters.size(), b.parameters.size());
    for (std::size_t i = 0; i < a.parameters.size(); ++i) {
        EXPECT_EQ(a.parameters[i].name, b.parameters[i].name);
        EXPECT_EQ(a.parameters[i].value, b.parameters[i].value);
        EXPECT_EQ(a.parameters[i].source, b.parameters[i].source);
    }
    ASSERT_EQ(a.routes.size(), b.routes.size());
    EXPECT_EQ(a.routes[1].vesicle_area_um2, b.routes[1].vesicle_area_um2);
    EXPECT_EQ(a.reactions.size(), b.reactions.size());
    EXPECT_EQ(a.events.size(), b.events.size());
    EXPECT_EQ(original.simulation.seed, again.simulation.seed);
    EXPECT_EQ(original.simulation.first_replicate, again.simulation.first_replicate);
    const Trajectory x = runOde(original), y = runOde(again);
    EXPECT_EQ(x.amounts, y.amounts);
}

// Issue 15, bug 1: the resolved file dropped first_replicate, and the loader refused the key, so
// a shard's resolved input re-ran replicates 0.. instead of its own.
TEST(Loader, ResolvedFileKeepsTheFirstReplicate) {
    RunConfig original = loadRunConfig(sourceFile("params/default.toml"));
    original.simulation.first_replicate = 4;  // as --first-replicate 4 sets it
    original.simulation.replicates = 2;
    const RunConfig again = loadText(resolvedParamsToml(original), "resolved.toml");
    EXPECT_EQ(again.simulation.first_replicate, 4u);
    EXPECT_EQ(again.simulation.replicates, 2u);
}

TEST(Timeline, PerturbationsApplyInWindowsAndInFileOrder) {
    const RunConfig c = loadText(R"(
[model]
name = "t"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 1 } }
parameters = { k = 2.0 }
reactions = [ { name = "decay", equation = "A ->", k = "k" } ]
[simulation]
t_end = 100.0
output_interval = 10.0
[[perturbations]]
target = "k"
scale = 0.5
start = 10.0
end = 50.0
[[perturbations]]
target = "k"
value = 7.0
start = 30.0
[[events]]
at = 30.0
add = { A = 1 }
)");
    const Timeline tl(c.model, c.simulation.t_end);
    EXPECT_EQ(tl.breakpoints(), (std::vector<double>{10.0, 30.0, 50.0}));
    const auto base = c.model.baseParameterValues();
    EXPECT_EQ(tl.parametersAt(0.0, base)[0], 2.0);
    EXPECT_EQ(tl.parametersAt(10.0, base)[0], 1.0);   // the window starts at its start
    EXPECT_EQ(tl.parametersAt(30.0, base)[0], 7.0);   // set after scale, file order
    EXPECT_EQ(tl.parametersAt(50.0, base)[0], 7.0);   // the scale ended, the set goes on
    EXPECT_EQ(tl.eventsAt(30.0).size(), 1u);
    EXPECT_TRUE(tl.eventsAt(29.999).empty());
}
