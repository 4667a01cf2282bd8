// Every enum name table (core/NameTable.hpp) reads both ways: each name parses back to the value
// it names, each value has a name, and an unknown name parses to nothing.
#include <gtest/gtest.h>

#include "core/Metrics.hpp"
#include "core/Model.hpp"
#include "core/NameTable.hpp"
#include "core/Sweep.hpp"
#include "core/Variability.hpp"

using namespace egress;

namespace {
/// `names` lists every value once; `fromName` and `name` are inverse on them.
template <class FromName, class Name>
void expectRoundTrip(const std::vector<std::string>& names, std::size_t enumerators, FromName fromName, Name name) {
    EXPECT_EQ(names.size(), enumerators);
    for (const auto& n : names) {
        const auto value = fromName(n);
        ASSERT_TRUE(value) << n;
        EXPECT_EQ(n, name(*value));
    }
    EXPECT_FALSE(fromName("no_such_name"));
    EXPECT_FALSE(fromName(""));
}
}  // namespace

TEST(NameTable, EveryTableRoundTrips) {
    expectRoundTrip(methodNames(), 3, methodFromName, methodName);
    expectRoundTrip(stepperNames(), 3, stepperFromName, stepperName);
    expectRoundTrip(rateLawNames(), 4, rateLawFromName, rateLawName);
    expectRoundTrip(distributionNames(), 4, distributionFromName, distributionName);
    expectRoundTrip(sweepDesignNames(), 4, sweepDesignFromName, sweepDesignName);
    expectRoundTrip(sweepStreamsNames(), 2, sweepStreamsFromName, sweepStreamsName);
    expectRoundTrip(metricKindNames(), 8, metricKindFromName, metricKindName);
}

TEST(NameTable, NamesAreThoseOfTheFileFormat) {
    EXPECT_EQ(methodNames(), (std::vector<std::string>{"ode", "ssa", "hybrid"}));
    EXPECT_EQ(stepperNames(), (std::vector<std::string>{"auto", "dopri5", "rosenbrock4"}));
    EXPECT_STREQ(perturbationModeKey(PerturbationMode::Scale), "scale");
    EXPECT_STREQ(perturbationModeKey(PerturbationMode::Set), "value");
}

TEST(NameTable, Alternatives) {
    EXPECT_EQ(alternatives({}), "");
    EXPECT_EQ(alternatives({"a"}), "a");
    EXPECT_EQ(alternatives({"a", "b"}), "a or b");
    EXPECT_EQ(alternatives(methodNames()), "ode, ssa or hybrid");
}
