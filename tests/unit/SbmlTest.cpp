// SBML import and export (io/Sbml.hpp): what the import writes, what it refuses and where, and
// that an exported model read back gives the same ode solution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/Error.hpp"
#include "io/Sbml.hpp"
#include "TestSupport.hpp"

namespace egress {
namespace {

using testing::loadText;
using testing::runOde;
using testing::runReplicate;
using testing::speciesIndex;

std::filesystem::path testDir() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("egress-sbml-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    return dir;
}

/// An SBML L3V2 document around `body` (the model's lists).
std::string sbml(const std::string& body) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="m">
)" + body + R"(
  </model>
</sbml>
)";
}

const std::string kMath = R"(xmlns="http://www.w3.org/1998/Math/MathML")";

// cell (size 2) holds A in concentration (1.5 -> 3 molecules) and B in amounts; the boundary
// species E is read by the law but never changed; kf is a local parameter.
const std::string kConversion = sbml(R"(
    <listOfCompartments>
      <compartment id="cell" size="2" spatialDimensions="3" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="cell" initialConcentration="1.5" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
      <species id="B" compartment="cell" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
      <species id="E" compartment="cell" initialAmount="5" hasOnlySubstanceUnits="true" boundaryCondition="true" constant="false"/>
    </listOfSpecies>
    <listOfReactions>
      <reaction id="conv" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/>
                         <speciesReference species="E" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw>
          <math )" + kMath + R"(><apply><times/><ci>cell</ci><ci>kf</ci><ci>A</ci><ci>E</ci></apply></math>
          <listOfLocalParameters><localParameter id="kf" value="0.25"/></listOfLocalParameters>
        </kineticLaw>
      </reaction>
    </listOfReactions>)");

TEST(SbmlImport, ConcentrationsBecomeAmountsAndMassActionStaysExact) {
    const std::string toml = importSbmlText(kConversion, "conv.xml");
    EXPECT_NE(toml.find("A = { compartment = \"cell\", initial = 3.0"), std::string::npos) << toml;
    EXPECT_NE(toml.find("conv_kf = { value = 0.25"), std::string::npos) << toml;
    // cell * kf * [A] * E = kf * A_amount * E: mass action on amounts with k = kf, E on both sides.
    EXPECT_NE(toml.find("equation = \"A + E -> B + E\"\nlaw = \"mass_action\"\nk = \"conv_kf\""), std::string::npos) << toml;

    const auto dir = testDir();
    std::ofstream(dir / "conv.xml") << kConversion;
    std::ofstream(dir / "run.toml") << "model = \"conv.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t a = speciesIndex(c, "A"), b = speciesIndex(c, "B"), e = speciesIndex(c, "E");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        // A' = -kf * E * A with E = 5 fixed.
        const double A = 3.0 * std::exp(-0.25 * 5.0 * tr.times[i]);
        EXPECT_NEAR(tr.amounts[i][a], A, 1e-8);
        EXPECT_NEAR(tr.amounts[i][b], 3.0 - A, 1e-8);
        EXPECT_EQ(tr.amounts[i][e], 5.0);
    }
}

TEST(SbmlImport, OtherLawsAreWrittenAsExpressionsInAmounts) {
    std::string doc = kConversion;
    const std::string massAction = R"(<apply><times/><ci>cell</ci><ci>kf</ci><ci>A</ci><ci>E</ci></apply>)";
    doc.replace(doc.find(massAction), massAction.size(),
                R"(<apply><divide/><apply><times/><ci>kf</ci><ci>A</ci></apply><apply><plus/><cn>1</cn><ci>A</ci></apply></apply>)");
    const std::string toml = importSbmlText(doc, "mm.xml");
    // [A] = A / 2; the boundary reactant leaves the equation (the law reads it, nothing changes it).
    EXPECT_NE(toml.find("equation = \"A -> B\"\nlaw = \"expression\"\nrate = \"((conv_kf * (A / 2.0)) / (1.0 + (A / 2.0)))\""),
              std::string::npos)
        << toml;
}

/// The InputError that importing `doc` throws.
InputError refusal(const std::string& doc) {
    try {
        importSbmlText(doc, "bad.xml");
    } catch (const InputError& e) {
        return e;
    }
    ADD_FAILURE() << "no refusal";
    return InputError("", 0, 0, "");
}

TEST(SbmlImport, EventsBecomeModelEventsWithTheirFlagsAndAmounts) {
    // A concentration species is assigned its amount (concentration times the size, 2); the
    // trigger reads the concentration as amount / size.
    std::string doc = kConversion;
    doc.insert(doc.find("    </listOfReactions>") + 24, R"(
    <listOfEvents>
      <event id="reset" useValuesFromTriggerTime="false">
        <trigger initialValue="false" persistent="false"><math )" + kMath + R"(><apply><lt/><ci>A</ci><cn>0.5</cn></apply></math></trigger>
        <delay><math )" + kMath + R"(><cn>2</cn></math></delay>
        <priority><math )" + kMath + R"(><cn>7</cn></math></priority>
        <listOfEventAssignments>
          <eventAssignment variable="A"><math )" + kMath + R"(><cn>1.5</cn></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>)");
    const std::string toml = importSbmlText(doc, "events.xml");
    EXPECT_NE(toml.find("[[events]]\nname = \"reset\"\ntrigger = \"((A / 2.0) < 0.5)\"\npersistent = false\ninitial_value = false\n"
                        "use_values_from_trigger_time = false\ndelay = \"2.0\"\npriority = \"7.0\"\nassign = { A = \"(1.5) * 2.0\" }"),
              std::string::npos)
        << toml;
}

TEST(SbmlImport, RefusesWhatItCannotRepresentAndSaysWhere) {
    // An event that changes a compartment's size: named with its id and line.
    std::string withEvent = kConversion;
    withEvent.insert(withEvent.find("    </listOfReactions>") + 24, R"(
    <listOfEvents>
      <event id="pulse" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true"><math )" + kMath + R"(><apply><gt/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>1</cn></apply></math></trigger>
        <listOfEventAssignments>
          <eventAssignment variable="cell"><math )" + kMath + R"(><cn>3</cn></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>)");
    InputError e = refusal(withEvent);
    EXPECT_EQ(e.file(), "bad.xml");
    const auto assignmentAt = withEvent.find("<eventAssignment ");
    EXPECT_EQ(e.line(), 1 + std::count(withEvent.begin(), withEvent.begin() + static_cast<long>(assignmentAt), '\n'));
    EXPECT_NE(e.message().find("SBML eventAssignment"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("changes the size of compartment 'cell'"), std::string::npos) << e.what();

    // A parameter that is not a finite number. (A negative one is taken: an SBML law is an
    // expression law, and a parameter that only formulas read may be negative.)
    std::string infinite = kConversion;
    infinite.replace(infinite.find("value=\"0.25\""), 12, "value=\"INF\"");
    e = refusal(infinite);
    EXPECT_NE(e.message().find("localParameter 'kf'"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("must be a finite number"), std::string::npos) << e.what();
    EXPECT_GT(e.line(), 0);
    // A function definition without math is ignored (01271); a call to it is refused at the call.
    std::string bodiless = kConversion;
    bodiless.insert(bodiless.find("    <listOfCompartments>"),
                    "    <listOfFunctionDefinitions><functionDefinition id=\"foo\"/></listOfFunctionDefinitions>\n");
    EXPECT_EQ(importSbmlText(bodiless, "bodiless.xml").find("foo"), std::string::npos);
    bodiless.replace(bodiless.find("<ci>kf</ci><ci>A</ci>"), 21, "<apply><ci>foo</ci><ci>A</ci></apply>");
    e = refusal(bodiless);
    EXPECT_NE(e.message().find("calls 'foo', a function definition without math"), std::string::npos) << e.what();
    EXPECT_GT(e.line(), 0);
    std::string negative = kConversion;
    negative.replace(negative.find("value=\"0.25\""), 12, "value=\"-1\"");
    EXPECT_NE(importSbmlText(negative, "negative.xml").find("conv_kf = { value = -1"), std::string::npos);

    // A delay in the math.
    std::string delayed = kConversion;
    const std::string ci = "<ci>kf</ci><ci>A</ci>";
    delayed.replace(delayed.find(ci), ci.size(),
                    R"(<ci>kf</ci><apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>A</ci><cn>1</cn></apply>)");
    e = refusal(delayed);
    EXPECT_NE(e.message().find("kineticLaw"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("delay() in the math is not supported"), std::string::npos) << e.what();

    // Non-integer stoichiometry.
    std::string half = kConversion;
    const std::string one = "species=\"B\" stoichiometry=\"1\"";
    half.replace(half.find(one), one.size(), "species=\"B\" stoichiometry=\"0.5\"");
    e = refusal(half);
    EXPECT_NE(e.message().find("stoichiometry of 'B' is 0.5"), std::string::npos) << e.what();

    // Malformed XML: libSBML's own message, with its line.
    e = refusal("<sbml><model>");
    EXPECT_NE(e.message().find("SBML: "), std::string::npos) << e.what();
}

// A small mass-action model with first-order reactants only: those are the laws the import reads
// back as mass action (a squared reactant's deterministic law, k B^2 / 2, is not its ssa
// propensity, so it comes back as an expression law, as do michaelis_menten and hill).
const char* kSmall = R"(
[model]
name = "small"
compartments = { cell = {}, out = {} }
species = { A = { compartment = "cell", initial = 1000 }, B = { compartment = "cell", initial = 10 }, C = { compartment = "out" } }
parameters = { k1 = 0.01, k2 = 0.002, k0 = 5.0 }
reactions = [
  { name = "make A", equation = "-> A", k = "k0" },
  { name = "A to B", equation = "A -> B", k = "k1" },
  { name = "B + A to C", equation = "A + B -> C", k = "k2" },
]
[simulation]
t_end = 100.0
output_interval = 5.0
rtol = 1e-10
atol = 1e-10
)";

TEST(SbmlExport, RoundTripKeepsTheOdeSolution) {
    const RunConfig original = loadText(kSmall);
    const std::string xml = exportSbml(original);
    EXPECT_NE(xml.find("level=\"3\" version=\"2\""), std::string::npos);
    const auto dir = testDir();
    std::ofstream(dir / "small.xml") << xml;
    std::ofstream(dir / "run.toml") << "model = \"small.xml\"\n[simulation]\nt_end = 100.0\noutput_interval = 5.0\nrtol = 1e-10\natol = 1e-10\n";
    const RunConfig back = loadRunConfig((dir / "run.toml").string());
    const auto a = runOde(original);
    const auto b = runOde(back);
    ASSERT_EQ(a.times.size(), b.times.size());
    for (const auto& s : original.model.species) {
        const std::size_t i = speciesIndex(original, s.name), j = speciesIndex(back, s.name);
        for (std::size_t t = 0; t < a.times.size(); ++t)
            EXPECT_NEAR(b.amounts[t][j], a.amounts[t][i], 1e-7 * (1.0 + std::fabs(a.amounts[t][i]))) << s.name << " t=" << a.times[t];
    }
}

/// Runs `paramsText` with its model line pointing at the exported SBML of `original`'s model.
RunConfig throughSbml(const RunConfig& original, std::string paramsText) {
    const auto dir = testDir();
    std::ofstream(dir / "model.xml") << exportSbml(original);
    const auto at = paramsText.find("model = ");
    paramsText.replace(at, paramsText.find('\n', at) - at, "model = \"model.xml\"");
    std::ofstream(dir / "run.toml") << paramsText;
    return loadRunConfig((dir / "run.toml").string());
}

void expectSameOde(const RunConfig& a, const RunConfig& b, double rel) {
    const auto ta = runOde(a);
    const auto tb = runOde(b);
    ASSERT_EQ(ta.times.size(), tb.times.size());
    for (const auto& s : a.model.species) {
        const std::size_t i = speciesIndex(a, s.name), j = speciesIndex(b, s.name);
        for (std::size_t t = 0; t < ta.times.size(); ++t)
            EXPECT_NEAR(tb.amounts[t][j], ta.amounts[t][i], rel * (1.0 + std::fabs(ta.amounts[t][i]))) << s.name << " t=" << ta.times[t];
    }
}

TEST(SbmlExport, SecretoryCoreRoundTripKeepsTheOdeSolution) {
    // The default run (models/secretory_core.toml): its routes come back as reactions over the
    // transit species, with expression laws (bud rate * capture * donor), and the parameter
    // file's event and values apply to the imported model as to the original.
    std::string text;
    {
        std::ifstream in(std::string(EGRESS_SOURCE_DIR) + "/params/default.toml");
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto at = text.find("seed = ");
    text.insert(text.find('\n', at) + 1, "rtol = 1e-10\natol = 1e-8\n");
    const auto dir = testDir();
    std::ofstream(dir / "original.toml") << std::string(text).replace(text.find("../models/"), 10, std::string(EGRESS_SOURCE_DIR) + "/models/");
    const RunConfig original = loadRunConfig((dir / "original.toml").string());
    const RunConfig back = throughSbml(original, text);
    // a transit pool per cargo pair of a route: COPII 3 (cargo, membrane cargo, escaped resident),
    // ERGIC_to_Golgi 3, COPI 1 (retrieved resident), post_Golgi and post_Golgi_vesicles 5 each
    // (one per cisterna and the membrane cargo), endocytosis and endosome_to_lysosome 1 each
    EXPECT_EQ(back.model.species.size(), original.model.species.size() + 19);
    expectSameOde(original, back, 1e-6);
}

TEST(SbmlExport, ExpressionLawsAndFunctionsRoundTrip) {
    const char* text = R"(
model = "inline"
[simulation]
t_end = 50.0
output_interval = 5.0
rtol = 1e-10
atol = 1e-10
)";
    const RunConfig original = loadText(std::string(R"toml(
[model]
name = "mm"
compartments = { cell = {} }
species = { S = { compartment = "cell", initial = 500 }, P = { compartment = "cell" }, I = { compartment = "cell", initial = 20 } }
parameters = { vmax = 10.0, km = 100.0, ki = 5.0 }
functions = { inhibition = { args = ["x"], body = "1 / (1 + x / ki)" } }
reactions = [
  { name = "mm", equation = "S -> P", law = "expression", rate = "vmax * S / (km + S) * inhibition(I) + 0.01 * log(1 + t) * exp(-S / 1000)" },
  { name = "hill", equation = "P -> S", law = "hill", vmax = 2.0, km = 50.0, n = 2.0 },
]
)toml") + std::string(text).substr(std::string(text).find("[simulation]")));
    const RunConfig back = throughSbml(original, text);
    expectSameOde(original, back, 1e-7);
}

// The MathML functions egress has by name (sin ... atanh, factorial, rem, quotient) and those it
// writes through them (sec = 1 / cos, arccot(x) = atan(1 / x), ...), n-ary relations (a < b < c)
// and xor/implies, imported; then a model with the named ones exported and read back.
TEST(SbmlImport, TrigonometricAndOtherMathMLFunctions) {
    std::string doc = kConversion;
    auto apply = [](const std::string& f, const std::string& args) { return "<apply><" + f + "/>" + args + "</apply>"; };
    const std::string a = "<ci>A</ci>", e = "<ci>E</ci>";
    const std::string law = apply("plus", apply("sin", a) + apply("arccos", "<cn>0.5</cn>") + apply("cosh", e) + apply("sec", a) +
                                              apply("arccot", e) + apply("factorial", "<cn>4</cn>") + apply("rem", e + "<cn>3</cn>") +
                                              apply("quotient", e + "<cn>2</cn>") + apply("lt", "<cn>1</cn>" + a + e) +
                                              apply("xor", apply("gt", a + "<cn>0</cn>") + apply("gt", e + "<cn>0</cn>")) +
                                              apply("implies", apply("gt", a + "<cn>0</cn>") + apply("gt", e + "<cn>9</cn>")));
    const std::string old = R"(<apply><times/><ci>cell</ci><ci>kf</ci><ci>A</ci><ci>E</ci></apply>)";
    doc.replace(doc.find(old), old.size(), law);
    const std::string toml = importSbmlText(doc, "trig.xml");
    // libSBML reads the n-ary plus as nested binary ones.
    EXPECT_NE(toml.find("rate = \"((((((((((sin((A / 2.0)) + acos(0.5)) + cosh(E)) + (1.0 / cos((A / 2.0)))) + atan(1.0 / E)) + "
                        "factorial(4.0)) + rem(E, 3.0)) + quotient(E, 2.0)) + ((1.0 < (A / 2.0)) && ((A / 2.0) < E))) + "
                        "((((A / 2.0) > 0.0) != 0.0) != ((E > 0.0) != 0.0))) + ((!((A / 2.0) > 0.0)) || (E > 9.0)))\""),
              std::string::npos)
        << toml;
}

TEST(SbmlExport, TrigonometricAndOtherFunctionsRoundTrip) {
    const char* text = R"(
model = "inline"
[simulation]
t_end = 20.0
output_interval = 2.0
rtol = 1e-10
atol = 1e-10
)";
    const RunConfig original = loadText(std::string(R"toml(
[model]
name = "trig"
compartments = { cell = {} }
species = { S = { compartment = "cell", initial = 50 }, P = { compartment = "cell" } }
parameters = { k = 0.1 }
reactions = [
  { name = "r", equation = "S -> P", law = "expression", rate = "k * S * (1.5 + sin(t) * cos(S / 50) + tan(0.3) + asin(0.2) + acos(0.4) + atan(S) + sinh(0.1) + cosh(0.2) + tanh(P) + asinh(1) + acosh(2) + atanh(0.3)) / factorial(3) + rem(S, 7) * quotient(9, 4) * 1e-3" },
]
)toml") + std::string(text).substr(std::string(text).find("[simulation]")));
    const RunConfig back = throughSbml(original, text);
    EXPECT_NE(back.model.reactions.at(0).law.expression.text.find("factorial"), std::string::npos)
        << back.model.reactions.at(0).law.expression.text;
    expectSameOde(original, back, 1e-7);
}

TEST(SbmlExport, StateEventsRoundTrip) {
    // Every event attribute goes out and comes back; the solution is the same.
    const char* text = R"(
model = "inline"
[simulation]
t_end = 30.0
output_interval = 1.0
rtol = 1e-10
atol = 1e-10
)";
    const RunConfig original = loadText(std::string(R"toml(
[model]
name = "decay"
compartments = { cell = {} }
species = { A = { compartment = "cell", initial = 100 }, B = { compartment = "cell" } }
parameters = { k = 0.1 }
reactions = [ { name = "decay", equation = "A ->", k = "k" } ]
[[model.events]]
name = "reset"
trigger = "A < 50 && t > 1"
delay = "0.5 * k"
priority = 2
persistent = false
initial_value = false
use_values_from_trigger_time = false
assign = { A = 100, B = "B + t", k = "k * 1.5" }
)toml") + std::string(text).substr(std::string(text).find("[simulation]")));
    const RunConfig back = throughSbml(original, text);
    ASSERT_EQ(back.model.stateEvents.size(), 1u);
    const StateEvent& e = back.model.stateEvents[0];
    EXPECT_EQ(e.name, "reset");
    EXPECT_FALSE(e.persistent);
    EXPECT_FALSE(e.initialValue);
    EXPECT_FALSE(e.useValuesFromTriggerTime);
    EXPECT_TRUE(e.delay && e.priority);
    EXPECT_EQ(e.assignments.size(), 3u);
    expectSameOde(original, back, 1e-7);
}


// kConversion plus rules: [A] doubled into the concentration species D (assignment rule, D in
// amounts is 2 [A] * 2), a parameter k that a rate rule sets (dk/dt = -k, imported as a species),
// and an initial assignment that sets B's initial amount to 4 E.
std::string withRules() {
    std::string doc = kConversion;
    doc.insert(doc.find("    </listOfSpecies>"),
               R"(      <species id="D" compartment="cell" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
)");
    doc.insert(doc.find("    <listOfReactions>"), R"(    <listOfParameters><parameter id="k" value="3" constant="false"/></listOfParameters>
    <listOfInitialAssignments>
      <initialAssignment symbol="B"><math )" + kMath + R"(><apply><times/><cn>4</cn><ci>E</ci></apply></math></initialAssignment>
    </listOfInitialAssignments>
    <listOfRules>
      <assignmentRule variable="D"><math )" + kMath + R"(><apply><times/><cn>2</cn><ci>A</ci></apply></math></assignmentRule>
      <rateRule variable="k"><math )" + kMath + R"(><apply><minus/><ci>k</ci></apply></math></rateRule>
    </listOfRules>
)");
    return doc;
}

TEST(SbmlImport, RulesAndInitialAssignmentsKeepTheirMeaning) {
    const std::string doc = withRules();
    const std::string toml = importSbmlText(doc, "rules.xml");
    EXPECT_NE(toml.find("[assignment_rules]\nD = \"((2.0 * (A / 2.0))) * 2.0\""), std::string::npos) << toml;
    EXPECT_NE(toml.find("[rate_rules]\nk = \"(-k)\""), std::string::npos) << toml;
    EXPECT_NE(toml.find("[initial_assignments]\nB = \"(4.0 * E)\""), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "rules.xml") << doc;
    std::ofstream(dir / "run.toml") << "model = \"rules.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t a = speciesIndex(c, "A"), b = speciesIndex(c, "B"), d = speciesIndex(c, "D"), k = speciesIndex(c, "k");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double A = 3.0 * std::exp(-0.25 * 5.0 * tr.times[i]);
        EXPECT_NEAR(tr.amounts[i][a], A, 1e-8);
        EXPECT_NEAR(tr.amounts[i][b], 20.0 + 3.0 - A, 1e-8);
        EXPECT_NEAR(tr.amounts[i][d], 2.0 * A, 1e-8);  // 2 [A] in concentration, times the size 2
        EXPECT_NEAR(tr.amounts[i][k], 3.0 * std::exp(-tr.times[i]), 1e-8);
    }
}

// An event may assign a parameter that a rate rule sets (it is a species of the model file):
// k falls as exp(-t) from 3, is reset to 3 at t = 1 (SBML test suite 00396, 01701). An event
// assignment to a variable with an assignment rule is invalid SBML, refused at its element.
std::string withRulesAndEvent(const std::string& variable) {
    std::string doc = withRules();
    doc.insert(doc.find("    </listOfReactions>") + 24, R"(
    <listOfEvents>
      <event id="reset" useValuesFromTriggerTime="true">
        <trigger initialValue="true" persistent="true"><math )" + kMath + R"(><apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>1</cn></apply></math></trigger>
        <listOfEventAssignments>
          <eventAssignment variable=")" + variable + R"("><math )" + kMath + R"(><cn>3</cn></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>)");
    return doc;
}

TEST(SbmlImport, EventsMayAssignRateRuledParametersButNotAssignmentRuledOnes) {
    const std::string doc = withRulesAndEvent("k");
    const auto dir = testDir();
    std::ofstream(dir / "rules.xml") << doc;
    std::ofstream(dir / "run.toml") << "model = \"rules.xml\"\n[simulation]\nt_end = 3.0\noutput_interval = 0.5\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t k = speciesIndex(c, "k");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double t = tr.times[i];
        EXPECT_NEAR(tr.amounts[i][k], t < 1.0 ? 3.0 * std::exp(-t) : 3.0 * std::exp(-(t - 1.0)), 1e-8) << "t = " << t;
    }
    const std::string bad = withRulesAndEvent("D");
    const InputError e = refusal(bad);
    EXPECT_EQ(e.line(), 1 + std::count(bad.begin(), bad.begin() + static_cast<long>(bad.find("<eventAssignment ")), '\n'));
    EXPECT_NE(e.message().find("SBML eventAssignment 'D': the event assigns 'D', which an assignment rule sets"), std::string::npos)
        << e.what();
}

// A model of parameters only (SBML test suite 00963, 01211, ...): p = 0.5 steps down by 2 at
// t >= 1 and t >= 2 (to -3.5); q is constant. p, which an event changes, becomes a species of
// sbml_parameters, so that its course is in the output; its values are fractional and go below 0,
// which neither ode nor ssa refuse for a species that no reaction or route counts.
const std::string kParametersOnly = sbml(R"(
    <listOfParameters>
      <parameter id="p" value="0.5" constant="false"/>
      <parameter id="q" value="2" constant="true"/>
    </listOfParameters>
    <listOfEvents>
      <event id="down" useValuesFromTriggerTime="true">
        <trigger initialValue="true" persistent="true"><math )" + kMath + R"(><apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>1</cn></apply></math></trigger>
        <listOfEventAssignments>
          <eventAssignment variable="p"><math )" + kMath + R"(><apply><minus/><ci>p</ci><ci>q</ci></apply></math></eventAssignment>
        </listOfEventAssignments>
      </event>
      <event id="again" useValuesFromTriggerTime="true">
        <trigger initialValue="true" persistent="true"><math )" + kMath + R"(><apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>2</cn></apply></math></trigger>
        <listOfEventAssignments>
          <eventAssignment variable="p"><math )" + kMath + R"(><apply><minus/><ci>p</ci><ci>q</ci></apply></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>)");

TEST(SbmlImport, ParametersThatEventsChangeBecomeSpeciesWithTimeCourses) {
    const std::string toml = importSbmlText(kParametersOnly, "params.xml");
    EXPECT_NE(toml.find("sbml_parameters = {"), std::string::npos) << toml;
    EXPECT_NE(toml.find("p = { compartment = \"sbml_parameters\", initial = 0.5, description = \"SBML parameter set by events\" }"),
              std::string::npos) << toml;
    EXPECT_NE(toml.find("q = { value = 2.0"), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "params.xml") << kParametersOnly;
    for (const char* method : {"ode", "ssa", "hybrid"}) {
        std::ofstream(dir / "run.toml") << "model = \"params.xml\"\n[simulation]\nmethod = \"" << method
                                        << "\"\nt_end = 3.0\noutput_interval = 0.5\nreplicates = 1\nseed = 1\n";
        const RunConfig c = loadRunConfig((dir / "run.toml").string());
        const auto tr = runReplicate(c, 0);
        const std::size_t p = speciesIndex(c, "p");
        ASSERT_EQ(tr.times.size(), 7u) << method;
        for (std::size_t i = 0; i < tr.times.size(); ++i) {
            const double t = tr.times[i];
            // An event at a sample time executes before the sample (docs/file-format.md).
            EXPECT_EQ(tr.amounts[i][p], t < 1.0 ? 0.5 : t < 2.0 ? -1.5 : -3.5) << method << " t = " << t;
        }
    }
}

// A reaction's id in math is its rate, the kinetic law in amount per time: flux = conv's law,
// cell * kf * [A] * E = 0.25 * 5 * A (amount), and the rule reads it.
TEST(SbmlImport, ReactionIdsInMathAreTheirRates) {
    std::string doc = kConversion;
    doc.insert(doc.find("    <listOfReactions>"), R"(    <listOfParameters><parameter id="flux" constant="false"/></listOfParameters>
    <listOfRules>
      <assignmentRule variable="flux"><math )" + kMath + R"(><ci>conv</ci></math></assignmentRule>
    </listOfRules>
)");
    const std::string toml = importSbmlText(doc, "flux.xml");
    EXPECT_NE(toml.find("flux = \"((((2.0 * conv_kf) * (A / 2.0)) * E))\""), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "flux.xml") << doc;
    std::ofstream(dir / "run.toml") << "model = \"flux.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t a = speciesIndex(c, "A"), f = speciesIndex(c, "flux");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        EXPECT_NEAR(tr.amounts[i][a], 3.0 * std::exp(-0.25 * 5.0 * tr.times[i]), 1e-8);
        EXPECT_NEAR(tr.amounts[i][f], 0.25 * 5.0 * tr.amounts[i][a], 1e-12);
    }

    // A law that reads its own reaction's rate has no value: refused at the kinetic law.
    std::string cyclic = kConversion;
    cyclic.replace(cyclic.find("<ci>E</ci></apply></math>"), 10, "<ci>conv</ci>");
    const InputError e = refusal(cyclic);
    EXPECT_EQ(e.line(), 1 + std::count(cyclic.begin(), cyclic.begin() + static_cast<long>(cyclic.find("<kineticLaw")), '\n'));
    EXPECT_NE(e.message().find("SBML kineticLaw: the math uses the rate of reaction 'conv', whose own kinetic law depends on it"),
              std::string::npos) << e.what();
}

// A compartment whose size an initial assignment sets (cell = k2 / 2 = 2; constant = "false"
// with nothing that changes it, as SBML test suite 00480 has): the size is the parameter `cell`,
// A's initialConcentration 1.5 becomes the initial assignment A = 1.5 * cell (3 molecules), and
// cell * k * [A] is mass action k on the amount. The model exports with the compartment renamed
// (one SBML namespace) and reads back with the same solution.
const std::string kAssignedSize = sbml(R"(
    <listOfCompartments>
      <compartment id="cell" spatialDimensions="3" constant="false"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="cell" initialConcentration="1.5" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k" value="0.25" constant="true"/>
      <parameter id="k2" value="4" constant="true"/>
    </listOfParameters>
    <listOfInitialAssignments>
      <initialAssignment symbol="cell"><math )" + kMath + R"(><apply><divide/><ci>k2</ci><cn>2</cn></apply></math></initialAssignment>
    </listOfInitialAssignments>
    <listOfReactions>
      <reaction id="decay" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
        <kineticLaw><math )" + kMath + R"(><apply><times/><ci>cell</ci><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>)");

TEST(SbmlImport, CompartmentSizesSetByInitialAssignmentsAreParameters) {
    const std::string toml = importSbmlText(kAssignedSize, "size.xml");
    EXPECT_NE(toml.find("cell = { value = 0.0, description = \"SBML compartment size (set by an initial assignment)\" }"),
              std::string::npos) << toml;
    EXPECT_NE(toml.find("[initial_assignments]\ncell = \"(k2 / 2.0)\"\nA = \"1.5 * cell\""), std::string::npos) << toml;
    EXPECT_NE(toml.find("equation = \"A -> \"\nlaw = \"mass_action\"\nk = \"k\""), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "size.xml") << kAssignedSize;
    std::ofstream(dir / "run.toml") << "model = \"size.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    EXPECT_EQ(c.model.parameters[*c.model.findParameter("cell")].value, 2.0);
    const auto tr = runOde(c);
    const std::size_t a = speciesIndex(c, "A");
    for (std::size_t i = 0; i < tr.times.size(); ++i) EXPECT_NEAR(tr.amounts[i][a], 3.0 * std::exp(-0.25 * tr.times[i]), 1e-8);

    const std::string xml = exportSbml(c);
    EXPECT_NE(xml.find("<compartment id=\"cell_compartment\""), std::string::npos) << xml;
    std::ofstream(dir / "model.xml") << xml;
    std::ofstream(dir / "back.toml") << "model = \"model.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    expectSameOde(c, loadRunConfig((dir / "back.toml").string()), 1e-8);
}

// SBML L3V2 lets rules, initial assignments, delays and priorities go without math: each is
// then ignored (SBML test suite 01234-01236, 01241, 01242, 01555-01557), not refused.
TEST(SbmlImport, RulesInitialAssignmentsDelaysAndPrioritiesWithoutMathAreIgnored) {
    std::string doc = kConversion;
    doc.insert(doc.find("    <listOfReactions>"), R"(    <listOfInitialAssignments><initialAssignment symbol="B"/></listOfInitialAssignments>
    <listOfRules><assignmentRule variable="E"/></listOfRules>
)");
    doc.insert(doc.find("    </listOfReactions>") + 24, R"(
    <listOfEvents>
      <event id="pulse" useValuesFromTriggerTime="true">
        <trigger initialValue="false" persistent="true"><math )" + kMath + R"(><apply><gt/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>1</cn></apply></math></trigger>
        <delay/>
        <priority/>
        <listOfEventAssignments>
          <eventAssignment variable="B"><math )" + kMath + R"(><cn>7</cn></math></eventAssignment>
        </listOfEventAssignments>
      </event>
    </listOfEvents>)");
    const std::string toml = importSbmlText(doc, "nomath.xml");
    EXPECT_EQ(toml.find("[initial_assignments]"), std::string::npos) << toml;
    EXPECT_EQ(toml.find("[assignment_rules]"), std::string::npos) << toml;
    EXPECT_EQ(toml.find("delay ="), std::string::npos) << toml;
    EXPECT_EQ(toml.find("priority ="), std::string::npos) << toml;
    EXPECT_NE(toml.find("assign = { B = \"7.0\" }"), std::string::npos) << toml;
    // E keeps its initial amount and stays the mass-action reactant it was.
    EXPECT_NE(toml.find("E = { compartment = \"cell\", initial = 5.0"), std::string::npos) << toml;
    EXPECT_NE(toml.find("law = \"mass_action\""), std::string::npos) << toml;
}

// A negative stoichiometry changes the amount the other way (SBML test suite 01422-01433): the
// reactant A of stoichiometry -1 is made by the reaction, A' = +kf E A (the law is written as an
// expression: it reads A, which is no longer a reactant).
TEST(SbmlImport, ANegativeStoichiometryMovesTheSpeciesToTheOtherSide) {
    std::string doc = kConversion;
    const std::string a = "species=\"A\" stoichiometry=\"1\"";
    doc.replace(doc.find(a), a.size(), "species=\"A\" stoichiometry=\"-1\"");
    const std::string toml = importSbmlText(doc, "negative.xml");
    EXPECT_NE(toml.find("equation = \" -> A + B\"\nlaw = \"expression\""), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "negative.xml") << doc;
    std::ofstream(dir / "run.toml") << "model = \"negative.xml\"\n[simulation]\nt_end = 2.0\noutput_interval = 0.5\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t ia = speciesIndex(c, "A"), ib = speciesIndex(c, "B");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double A = 3.0 * std::exp(0.25 * 5.0 * tr.times[i]);
        EXPECT_NEAR(tr.amounts[i][ia], A, 1e-8 * A);
        EXPECT_NEAR(tr.amounts[i][ib], A - 3.0, 1e-8 * A);
    }
}

TEST(SbmlImport, RefusesAlgebraicRulesAndRulesOnCompartments) {
    std::string algebraic = kConversion;
    algebraic.insert(algebraic.find("    <listOfReactions>"), R"(    <listOfRules>
      <algebraicRule><math )" + kMath + R"(><apply><minus/><ci>A</ci><ci>B</ci></apply></math></algebraicRule>
    </listOfRules>
)");
    InputError e = refusal(algebraic);
    EXPECT_EQ(e.line(), 1 + std::count(algebraic.begin(), algebraic.begin() + static_cast<long>(algebraic.find("<algebraicRule")), '\n'));
    EXPECT_NE(e.message().find("SBML algebraicRule: algebraic rules are not supported"), std::string::npos) << e.what();
    std::string sized = kConversion;
    sized.replace(sized.find("constant=\"true\"/>"), 17, "constant=\"false\"/>");
    sized.insert(sized.find("    <listOfReactions>"), R"(    <listOfRules>
      <rateRule variable="cell"><math )" + kMath + R"(><cn>1</cn></math></rateRule>
    </listOfRules>
)");
    e = refusal(sized);
    EXPECT_NE(e.message().find("SBML rateRule 'cell': a rate rule on the size of compartment 'cell' is not supported"), std::string::npos)
        << e.what();
}

// A compartment size that an assignment rule sets (cell = 2 + t, SBML test suite 00139-00144) is
// a species `cell` of sbml_parameters with that rule; the egress compartment holding A and B is
// renamed cell_compartment. The law cell * kf * [A] * E reads the size as it changes, and the
// amounts stay the state: A' = -kf * E * A whatever the size; the rule [D] = 2 [A] gives
// D = 2 A (amounts, as the size cancels).
TEST(SbmlImport, CompartmentSizesSetByAssignmentRulesAreSpecies) {
    auto replaceOnce = [](std::string& text, const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        text.replace(at, from.size(), to);
    };
    std::string doc = kConversion;
    replaceOnce(doc, "size=\"2\" spatialDimensions=\"3\" constant=\"true\"", "size=\"2\" spatialDimensions=\"3\" constant=\"false\"");
    // A starts as an amount (an initialConcentration would need the rule's value at the start).
    replaceOnce(doc, "initialConcentration=\"1.5\"", "initialAmount=\"3\"");
    doc.insert(doc.find("    </listOfSpecies>"),
               R"(      <species id="D" compartment="cell" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
)");
    doc.insert(doc.find("    <listOfReactions>"), R"(    <listOfRules>
      <assignmentRule variable="cell"><math )" + kMath + R"(><apply><plus/><cn>2</cn><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol></apply></math></assignmentRule>
      <assignmentRule variable="D"><math )" + kMath + R"(><apply><times/><cn>2</cn><ci>A</ci></apply></math></assignmentRule>
    </listOfRules>
)");
    const std::string toml = importSbmlText(doc, "sized.xml");
    EXPECT_NE(toml.find("cell_compartment = {"), std::string::npos) << toml;
    EXPECT_NE(toml.find("A = { compartment = \"cell_compartment\""), std::string::npos) << toml;
    EXPECT_NE(toml.find("cell = { compartment = \"sbml_parameters\", initial = 2.0"), std::string::npos) << toml;
    EXPECT_NE(toml.find("cell = \"(2.0 + t)\""), std::string::npos) << toml;
    EXPECT_NE(toml.find("law = \"expression\""), std::string::npos) << toml;
    const auto dir = testDir();
    std::ofstream(dir / "sized.xml") << doc;
    std::ofstream(dir / "run.toml") << "model = \"sized.xml\"\n[simulation]\nt_end = 4.0\noutput_interval = 1.0\nrtol = 1e-10\natol = 1e-12\n";
    const RunConfig c = loadRunConfig((dir / "run.toml").string());
    const auto tr = runOde(c);
    const std::size_t a = speciesIndex(c, "A"), d = speciesIndex(c, "D"), size = speciesIndex(c, "cell");
    for (std::size_t i = 0; i < tr.times.size(); ++i) {
        const double A = 3.0 * std::exp(-0.25 * 5.0 * tr.times[i]);
        EXPECT_NEAR(tr.amounts[i][a], A, 1e-8);
        EXPECT_NEAR(tr.amounts[i][d], 2.0 * A, 1e-8);
        EXPECT_NEAR(tr.amounts[i][size], 2.0 + tr.times[i], 1e-12);
    }

    // A rate rule on a concentration there would need the size's derivative: refused at the rule.
    std::string rated = doc;
    replaceOnce(rated, "<assignmentRule variable=\"D\">", "<rateRule variable=\"D\">");
    replaceOnce(rated, "</assignmentRule>\n    </listOfRules>", "</rateRule>\n    </listOfRules>");
    replaceOnce(rated, "<species id=\"D\" compartment=\"cell\"", "<species id=\"D\" compartment=\"cell\" initialAmount=\"0\"");
    const InputError e = refusal(rated);
    EXPECT_EQ(e.line(), 1 + std::count(rated.begin(), rated.begin() + static_cast<long>(rated.find("<rateRule")), '\n'));
    EXPECT_NE(e.message().find("SBML rateRule 'D': a rate rule of the concentration of 'D' in compartment 'cell', whose size an assignment rule sets, is not supported"),
              std::string::npos) << e.what();
}

TEST(SbmlExport, RulesRoundTrip) {
    const char* text = R"(
model = "inline"
[simulation]
t_end = 20.0
output_interval = 2.0
rtol = 1e-10
atol = 1e-10
)";
    const RunConfig original = loadText(std::string(R"toml(
[model]
name = "rules"
compartments = { cell = {} }
species = { S = { compartment = "cell", initial = 500 }, P = { compartment = "cell" }, T = { compartment = "cell" }, R = { compartment = "cell", initial = 8 } }
parameters = { k = 0.1, k0 = 2.0 }
reactions = [ { name = "conv", equation = "S -> P", law = "expression", rate = "k * T" } ]
[model.assignment_rules]
T = "S / 2 + t"
[model.rate_rules]
R = "-k * R"
[model.initial_assignments]
S = "250 * k0"
)toml") + std::string(text).substr(std::string(text).find("[simulation]")));
    const RunConfig back = throughSbml(original, text);
    EXPECT_EQ(back.model.assignmentRules.size(), 1u);
    EXPECT_EQ(back.model.rateRules.size(), 1u);
    EXPECT_EQ(back.model.initialAssignments.size(), 1u);
    expectSameOde(original, back, 1e-7);
}

TEST(SbmlExport, VesicleRoutesBecomeAnnotatedMeanFluxReactions) {
    const RunConfig c = loadRunConfig(std::string(EGRESS_SOURCE_DIR) + "/params/default.toml");
    const std::string xml = exportSbml(c);  // throws if libSBML's consistency check fails
    EXPECT_NE(xml.find("COPII_bud_cargo_ER"), std::string::npos);
    EXPECT_NE(xml.find("COPII_fuse_cargo_ER"), std::string::npos);
    EXPECT_NE(xml.find("<egress:meanFlux"), std::string::npos);
    EXPECT_NE(xml.find("the mean flux of an egress vesicle route"), std::string::npos);
}

}  // namespace
}  // namespace egress
