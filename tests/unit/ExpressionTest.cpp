// Expression rate laws (core/Expression, io/ExpressionParser): the grammar's precedence and
// built-ins, forward-mode derivatives and the ode Jacobian against finite differences, errors
// placed at the offending token (escapes and multi-line strings included), the resolved file,
// and the same law written as an expression and as a built-in law giving the same results in
// ode, ssa and hybrid.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "TestSupport.hpp"
#include "core/Error.hpp"
#include "core/Kinetics.hpp"
#include "io/ConfigLoader.hpp"
#include "solvers/MeanFluxSystem.hpp"

using namespace egress;
using egress::testing::loadText;
using egress::testing::loadError;
using egress::testing::runReplicate;

namespace {

/// A model with species A, B, C and parameters k, km, vmax, and one reaction "A -> B" whose law
/// is the expression `rate`; `functions` is the body of [model.functions].
std::string modelWithRate(const std::string& rate, const std::string& functions = "", const std::string& method = "ode") {
    return R"([model]
name = "expr"
compartments = { Cell = {} }
species = { A = { compartment = "Cell", initial = 100 }, B = { compartment = "Cell", initial = 0 }, C = { compartment = "Cell", initial = 7 } }
parameters = { k = 0.5, km = 20.0, vmax = 3.0 }
[model.functions]
)" + functions + R"(
[[model.reactions]]
name = "r"
equation = "A -> B"
law = "expression"
rate = ")" + rate + R"("
[simulation]
method = ")" + method + R"("
t_end = 10.0
output_interval = 1.0
)";
}

const Expression& compiled(const RunConfig& c) { return c.model.reactions.at(0).law.expression; }

/// The value of `rate` at A = a, B = b, C = c, t = t (k = 0.5, km = 20, vmax = 3).
double valueOf(const std::string& rate, double a = 100, double b = 0, double c = 7, double t = 0, const std::string& functions = "") {
    const RunConfig config = loadText(modelWithRate(rate, functions));
    const auto p = config.model.baseParameterValues();
    const double x[] = {a, b, c};  // species are sorted by name: A, B, C
    return compiled(config).evaluate(x, p.data(), t);
}


}  // namespace

TEST(Expression, PrecedenceAndAssociativityAreThoseOfMathematics) {
    EXPECT_EQ(valueOf("2 + 3 * 4 ^ 2"), 50.0);
    EXPECT_EQ(valueOf("-2 ^ 2"), -4.0);         // -(2^2)
    EXPECT_EQ(valueOf("2 ^ 3 ^ 2"), 512.0);     // 2^(3^2)
    EXPECT_EQ(valueOf("2 ^ -1"), 0.5);
    EXPECT_EQ(valueOf("8 / 4 / 2"), 1.0);       // (8/4)/2
    EXPECT_EQ(valueOf("8 - 4 - 2"), 2.0);
    EXPECT_EQ(valueOf("1 + 2 < 4 && 2 * 3 >= 6"), 1.0);
    EXPECT_EQ(valueOf("0 || 0 + 1"), 1.0);
    EXPECT_EQ(valueOf("!0 + !5"), 1.0);
    EXPECT_EQ(valueOf("1 == 1 ? 10 : 20"), 10.0);
    EXPECT_EQ(valueOf("0 ? 1 : 0 ? 2 : 3"), 3.0);  // right-associative
    EXPECT_EQ(valueOf("1.5e2 + .5 + 2E-1"), 150.7);
}

TEST(Expression, ReadsSpeciesParametersTimeAndBuiltins) {
    EXPECT_DOUBLE_EQ(valueOf("vmax * A / (km + A)", 30), 3.0 * 30 / 50);
    EXPECT_DOUBLE_EQ(valueOf("k * A * C", 10, 0, 3), 15.0);
    EXPECT_DOUBLE_EQ(valueOf("t * 2", 1, 0, 0, 4.5), 9.0);
    EXPECT_DOUBLE_EQ(valueOf("exp(1) + log(1) + log10(1000) + sqrt(16) + pow(2, 10) + abs(-3)"), std::exp(1.0) + 3 + 4 + 1024 + 3);
    EXPECT_EQ(valueOf("floor(2.7) + ceil(2.2)"), 5.0);
    EXPECT_EQ(valueOf("min(5, 3, 9) + max(1, 8, 2)"), 11.0);
    EXPECT_EQ(valueOf("piecewise(1, A < 10, 2, A < 50, 3)", 20), 2.0);
    EXPECT_EQ(valueOf("piecewise(1, A < 10, 2, A < 50, 3)", 60), 3.0);
    EXPECT_EQ(valueOf("piecewise(1, A < 10, 2, A < 50, 3)", 5), 1.0);
    EXPECT_TRUE(std::isnan(valueOf("piecewise(1, A < 10)", 50)));  // no otherwise, no condition true
}

// The circular and hyperbolic functions, their inverses, factorial, rem and quotient (the SBML
// MathML functions), against identities: sin^2 + cos^2 = 1, tan = sin / cos, sin(pi/6) = 1/2,
// atan(1) = pi/4, sinh and cosh from exp, asinh(x) = ln(x + sqrt(x^2 + 1)),
// acosh(x) = ln(x + sqrt(x^2 - 1)), atanh(x) = ln((1 + x) / (1 - x)) / 2, and the definitions.
TEST(Expression, TrigonometricHyperbolicFactorialRemAndQuotient) {
    const double pi = 3.141592653589793;
    EXPECT_NEAR(valueOf("sin(0.7) ^ 2 + cos(0.7) ^ 2"), 1.0, 1e-15);
    EXPECT_NEAR(valueOf("tan(0.7) - sin(0.7) / cos(0.7)"), 0.0, 1e-15);
    EXPECT_NEAR(valueOf("sin(3.141592653589793 / 6)"), 0.5, 1e-15);
    EXPECT_NEAR(valueOf("cos(3.141592653589793 / 3)"), 0.5, 1e-15);
    EXPECT_NEAR(valueOf("asin(0.5)"), pi / 6, 1e-15);
    EXPECT_NEAR(valueOf("acos(0.5)"), pi / 3, 1e-15);
    EXPECT_NEAR(valueOf("atan(1)"), pi / 4, 1e-15);
    EXPECT_NEAR(valueOf("sinh(1.3)"), (std::exp(1.3) - std::exp(-1.3)) / 2, 1e-14);
    EXPECT_NEAR(valueOf("cosh(1.3)"), (std::exp(1.3) + std::exp(-1.3)) / 2, 1e-14);
    EXPECT_NEAR(valueOf("tanh(0.5)"), (std::exp(1.0) - 1) / (std::exp(1.0) + 1), 1e-15);
    EXPECT_NEAR(valueOf("asinh(2)"), std::log(2 + std::sqrt(5.0)), 1e-15);
    EXPECT_NEAR(valueOf("acosh(2)"), std::log(2 + std::sqrt(3.0)), 1e-15);
    EXPECT_NEAR(valueOf("atanh(0.5)"), 0.5 * std::log(3.0), 1e-15);
    EXPECT_NEAR(valueOf("asin(sin(A / 100))", 60), 0.6, 1e-15);  // the inverses invert
    EXPECT_NEAR(valueOf("acosh(cosh(A / 10))", 25), 2.5, 1e-14);
    EXPECT_TRUE(std::isnan(valueOf("asin(2)")));  // outside the domain: NaN, a run error where it is a rate
    EXPECT_EQ(valueOf("factorial(0)"), 1.0);
    EXPECT_EQ(valueOf("factorial(5)"), 120.0);
    EXPECT_EQ(valueOf("factorial(20)"), 2432902008176640000.0);  // 20! is exact in a double
    EXPECT_EQ(valueOf("factorial(ceil(A / 7))", 30), 120.0);  // SBML suite 00028's form
    EXPECT_TRUE(std::isnan(valueOf("factorial(2.5)")));  // natural numbers only
    EXPECT_TRUE(std::isnan(valueOf("factorial(-1)")));
    EXPECT_TRUE(std::isinf(valueOf("factorial(171)")));
    EXPECT_EQ(valueOf("rem(7, 3)"), 1.0);
    EXPECT_EQ(valueOf("rem(-7, 3)"), -1.0);  // the sign of the dividend, as C's fmod
    EXPECT_EQ(valueOf("quotient(7, 2)"), 3.0);
    EXPECT_EQ(valueOf("quotient(-7, 2)"), -3.0);  // towards zero
}

TEST(Expression, OnlyTheChosenBranchIsEvaluated) {
    // 1/A at A = 0 is inf and 0 * inf NaN: the conditional must not compute it.
    EXPECT_EQ(valueOf("A > 0 ? k / A : 0", 0), 0.0);
    EXPECT_EQ(valueOf("piecewise(k / A, A > 0, 0)", 0), 0.0);
}

TEST(Expression, UserFunctionsAreInlinedWithTheirArguments) {
    const std::string fns = R"~(sat = { args = ["s", "K"], body = "s / (K + s)" }
twice = { args = ["x"], body = "2 * x" }
nested = { args = ["x"], body = "twice(twice(x)) + sat(x, km)" }
global = { body = "vmax * C" }
)~";
    EXPECT_DOUBLE_EQ(valueOf("vmax * sat(A, km)", 30, 0, 7, 0, fns), 3.0 * 30 / 50);
    EXPECT_DOUBLE_EQ(valueOf("nested(A)", 30, 0, 7, 0, fns), 4 * 30.0 + 30.0 / 50);
    EXPECT_DOUBLE_EQ(valueOf("twice(twice(twice(A)))", 3, 0, 7, 0, fns), 24.0);  // a call inside an argument is no recursion
    EXPECT_DOUBLE_EQ(valueOf("global()", 3, 0, 7, 0, fns), 21.0);
    // An argument shadows a species of the same name; the caller's C is the species.
    EXPECT_DOUBLE_EQ(valueOf("sat(C, A)", 10, 0, 5, 0, "sat = { args = [\"A\", \"K\"], body = \"A / (K + A)\" }"), 5.0 / 15.0);
}

TEST(Expression, RecordsWhatItReads) {
    const RunConfig c = loadText(modelWithRate("vmax * f(C) + k * t", "f = { args = [\"x\"], body = \"x / (km + x)\" }"));
    const Expression& e = compiled(c);
    EXPECT_EQ(e.species, (std::vector<std::size_t>{2}));  // C only: A is the reactant but is not read
    EXPECT_TRUE(e.readsTime);
    std::vector<std::string> read;
    for (auto p : e.parameters) read.push_back(c.model.parameters[p].name);
    EXPECT_EQ(read, (std::vector<std::string>{"k", "km", "vmax"}));
    EXPECT_EQ(e.text, "vmax * f(C) + k * t");
    EXPECT_EQ(speciesRead(c.model.reactions[0].law), (std::vector<std::size_t>{2}));
    EXPECT_TRUE(lawReadsTime(c.model.reactions[0].law));
    // The consumed species A is not read: the loader warns, as for MM on another substrate.
    bool warned = false;
    for (const auto& w : c.warnings) warned = warned || w.find("consumes 'A' at a rate that does not depend on it") != std::string::npos;
    EXPECT_TRUE(warned);
}

// Forward-mode derivatives of the tape against central differences, for every operation that
// has a derivative, in each species and in t.
TEST(Expression, DerivativesMatchFiniteDifferences) {
    const std::vector<std::string> rates = {
        "k * A * B + C",
        "vmax * A / (km + A) - B / C",
        "A ^ 2.5 + pow(B / 10, C / 20) + 2 ^ (C / 10)",
        "exp(-A / 50) * log(B + 1) + log10(C) + sqrt(A * C)",
        "abs(B - 4) + min(A, 3 * B) + max(C, B / 2)",
        "A > B ? A * B : C ^ 2",
        "piecewise(A * t, t < 1, B * t ^ 2, t < 3, C * exp(t))",
        "floor(A) * B + ceil(C) * t",
        "sat(A, B) * t / (1 + t)",
        "sin(A / 10) * cos(B / 7) + tan(C / 100) * t",
        "asin(A / 100) + acos(B / 100) * atan(C / 10 - t)",
        "sinh(A / 30) - cosh(B / 40) * tanh(C / 20 + t)",
        "asinh(A) + acosh(B + 1) * atanh(C / 100)",
        "rem(A, B / 7 + 1) + quotient(C, 3) * factorial(ceil(t))",
    };
    const std::string fns = "sat = { args = [\"s\", \"K\"], body = \"s ^ 2 / (K ^ 2 + s ^ 2)\" }";
    std::mt19937 gen(7);
    std::uniform_real_distribution<double> amount(1.5, 60.0), time(0.1, 5.0);
    for (const auto& rate : rates) {
        const RunConfig c = loadText(modelWithRate(rate, fns));
        const Expression& e = compiled(c);
        const auto p = c.model.baseParameterValues();
        for (int trial = 0; trial < 20; ++trial) {
            double x[] = {amount(gen), amount(gen), amount(gen)};
            const double t = time(gen);
            for (std::size_t wrt : {std::size_t{0}, std::size_t{1}, std::size_t{2}, Expression::kTime}) {
                double d = 0.0;
                const double v = e.evaluate(x, p.data(), t, wrt, d);
                EXPECT_EQ(v, e.evaluate(x, p.data(), t)) << rate;
                double& var = wrt == Expression::kTime ? const_cast<double&>(t) : x[wrt];
                const double h = 1e-6 * std::max(1.0, std::abs(var)), saved = var;
                var = saved + h;
                const double up = e.evaluate(x, p.data(), t);
                var = saved - h;
                const double down = e.evaluate(x, p.data(), t);
                var = saved;
                const double fd = (up - down) / (2 * h);
                // floor, ceil, comparisons and branches are piecewise: a step inside [x - h, x + h]
                // shows as a huge difference quotient; such points are skipped, not counted as matches.
                if (std::abs(up - down) > 1e3 * h * (1 + std::abs(d))) continue;
                EXPECT_NEAR(d, fd, 1e-5 * std::max(1.0, std::abs(fd)))
                    << rate << " d/d" << (wrt == Expression::kTime ? "t" : std::string(1, char('A' + wrt))) << " at A = " << x[0]
                    << ", B = " << x[1] << ", C = " << x[2] << ", t = " << t;
            }
        }
    }
}

// The ode Jacobian (what rosenbrock4 uses) and d(rhs)/dt of a system of expression laws, against
// central differences of the right-hand side. The laws read species that are not their
// reactants, time, functions and a vesicle route's budding law.
TEST(Expression, OdeJacobianAndTimeDerivativeMatchFiniteDifferences) {
    const RunConfig c = loadText(R"~([model]
name = "jac"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 100 }, B = { compartment = "ER", initial = 10 }, C = { compartment = "Golgi", initial = 7 } }
parameters = { k = 0.5, km = 20.0, vmax = 3.0, w = 0.3 }
[model.functions]
hill = { args = ["s", "K", "n"], body = "s ^ n / (K ^ n + s ^ n)" }
[[model.reactions]]
name = "activated"
equation = "A -> B"
law = "expression"
rate = "vmax * hill(A, km, 2.5) * (1 + C / (C + 5))"
[[model.reactions]]
name = "dimer"
equation = "2 B -> C"
law = "expression"
rate = "k * B * (B - 1) / 2 * exp(-w * t)"
[[model.reactions]]
name = "reversible"
equation = "C -> A"
law = "expression"
rate = "k * C - 0.01 * A * (1 + t ^ 2)"
[[model.vesicles]]
name = "route"
from = "ER"
to = "Golgi"
budding = { law = "expression", rate = "vmax * B / (km + B) * (2 + piecewise(1, t < 2, 0.5))" }
cargo = { A = "C" }
capture = 0.05
fusion_rate = 0.1
delay = 3.0
[simulation]
t_end = 10.0
output_interval = 1.0
delay_stages = 3
)~");
    MeanFluxSystem system(c.model, c.simulation.delay_stages);
    ASSERT_TRUE(system.timeDependent());
    std::vector<double> x(system.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 3.0 + 1.7 * static_cast<double>(i % 7) + 0.3 * static_cast<double>(i);
    for (const double t : {0.5, 2.5, 7.0}) {
        Eigen::MatrixXd J;
        system.jacobian(x.data(), J, t);
        std::vector<double> plus(x.size()), minus(x.size()), dfdt(x.size());
        for (std::size_t j = 0; j < x.size(); ++j) {
            auto xp = x, xm = x;
            const double h = 1e-5 * std::max(1.0, x[j]);
            xp[j] += h;
            xm[j] -= h;
            system.rhs(xp.data(), plus.data(), t);
            system.rhs(xm.data(), minus.data(), t);
            for (std::size_t i = 0; i < x.size(); ++i) {
                const double fd = (plus[i] - minus[i]) / (2 * h);
                EXPECT_NEAR(J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), fd, 1e-6 * std::max(1.0, std::abs(fd)))
                    << "d f[" << i << "] / d x[" << j << "] at t = " << t;
            }
        }
        system.timeDerivative(x.data(), dfdt.data(), t);
        const double h = 1e-6;
        system.rhs(x.data(), plus.data(), t + h);
        system.rhs(x.data(), minus.data(), t - h);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double fd = (plus[i] - minus[i]) / (2 * h);
            EXPECT_NEAR(dfdt[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "d f[" << i << "] / dt at t = " << t;
        }
    }
}

// Columns count code points from 1, as toml++'s do; the place is the offending token inside the
// string, after escapes (\u0041 is one character written as six) and on the right line of a
// multi-line string.
TEST(Expression, ErrorsPointAtTheTokenInsideTheString) {
    {
        const InputError e = loadError(modelWithRate("k * A + Km"));
        EXPECT_EQ(e.line(), 12);
        EXPECT_EQ(e.column(), 17);  // rate = " is 8 columns; Km is at offset 8
        EXPECT_NE(e.message().find("model.reactions[0].rate: unknown name 'Km' (did you mean 'km'?)"), std::string::npos) << e.what();
    }
    {
        const InputError e = loadError(modelWithRate("k * \\u0041 + Km"));  // the file holds k * \u0041 + Km
        EXPECT_EQ(e.column(), 22);
    }
    {
        std::string text = modelWithRate("k");
        text.replace(text.find("rate = \"k\""), 10, "rate = '''\nk * A\n  + (km + B'''");  // literal, multi-line
        const InputError e = loadError(text);
        EXPECT_EQ(e.line(), 14);
        EXPECT_EQ(e.column(), 12);  // the end of the text: the ')' that is missing
        EXPECT_NE(e.message().find("expected ')'"), std::string::npos) << e.what();
    }
    {
        std::string text = modelWithRate("k");
        text.replace(text.find("rate = \"k\""), 10, "rate = \"\"\"\\\n    k * A * \\\n    B2\"\"\"");  // line-ending backslashes
        const InputError e = loadError(text);
        EXPECT_EQ(e.line(), 14);
        EXPECT_EQ(e.column(), 5);
        EXPECT_NE(e.message().find("unknown name 'B2'"), std::string::npos) << e.what();
    }
    {
        const InputError e = loadError(modelWithRate("k * f(A)", "f = { args = [\"x\"], body = \"x / (km + x) * zz\" }"));
        EXPECT_EQ(e.line(), 7);
        EXPECT_EQ(e.column(), 44);
        EXPECT_NE(e.message().find("model.functions.f.body: unknown name 'zz'"), std::string::npos) << e.what();
    }
}

TEST(Expression, RefusesWhatItCannotCompile) {
    auto message = [](const std::string& rate, const std::string& fns = "") {
        return std::string(loadError(modelWithRate(rate, fns)).what());
    };
    EXPECT_NE(message("k * (A").find("expected ')'"), std::string::npos);
    EXPECT_NE(message("k A").find("missing operator"), std::string::npos);
    EXPECT_NE(message("k ** 2").find("'**' is not an operator"), std::string::npos);
    EXPECT_NE(message("k = 2").find("compare with '=='"), std::string::npos);
    EXPECT_NE(message("k & A").find("'&&'"), std::string::npos);
    EXPECT_NE(message("k $ A").find("unexpected character '$'"), std::string::npos);
    EXPECT_NE(message("1e400").find("too large"), std::string::npos);
    EXPECT_NE(message("1e+").find("exponent needs digits"), std::string::npos);
    EXPECT_NE(message("sqrt()").find("'sqrt' takes 1 argument, not 0"), std::string::npos);
    EXPECT_NE(message("min(A)").find("'min' takes at least 2 arguments, not 1"), std::string::npos);
    EXPECT_NE(message("piecewise(A)").find("'piecewise' takes at least 2 arguments"), std::string::npos);
    EXPECT_NE(message("k * exp").find("'exp' is a function"), std::string::npos);
    EXPECT_NE(message("k(A)").find("'k' is not a function"), std::string::npos);
    EXPECT_NE(message("f(A)", "f = { args = [\"x\"], body = \"f(x)\" }").find("recursion is not allowed"), std::string::npos);
    EXPECT_NE(message("k", "exp = { body = \"1\" }").find("'exp' is a built-in function"), std::string::npos);
    EXPECT_NE(message("k", "f = { args = [\"x\", \"x\"], body = \"x\" }").find("duplicate argument name 'x'"), std::string::npos);
    EXPECT_NE(message("k", "f = { args = [\"t\"], body = \"t\" }").find("'t' is the time"), std::string::npos);
    EXPECT_NE(message("k", "f = { args = [\"x\"] }").find("missing required key 'body'"), std::string::npos);
    // Deep nesting is refused with a message, not a stack overflow.
    EXPECT_NE(message(std::string(5000, '(') + "k" + std::string(5000, ')')).find("nests more than"), std::string::npos);
    // 70 pending values: (k + (k + (k + ...))) keeps every left operand on the stack.
    std::string deep = "k";
    for (int i = 0; i < 70; ++i) deep = "k + (" + deep + ")";
    EXPECT_NE(message(deep).find("partial results"), std::string::npos);
    // Exponential growth through inlining is bounded.
    EXPECT_NE(message("f5(A)", R"~(f1 = { args = ["x"], body = "x * x * x * x * x * x * x * x * x * x" }
f2 = { args = ["x"], body = "f1(f1(f1(f1(f1(f1(f1(f1(f1(f1(x))))))))))" }
f3 = { args = ["x"], body = "f2(x) + f2(x) + f2(x) + f2(x) + f2(x) + f2(x) + f2(x) + f2(x)" }
f4 = { args = ["x"], body = "f3(x) + f3(x) + f3(x) + f3(x) + f3(x) + f3(x) + f3(x) + f3(x)" }
f5 = { args = ["x"], body = "f4(x) + f4(x) + f4(x) + f4(x) + f4(x) + f4(x) + f4(x) + f4(x)" }
)~").find("too large once its user functions are inlined"),
              std::string::npos);
}

// The resolved file (the model inline, /input/resolved) writes the formulas and functions back.
TEST(Expression, ResolvedFileKeepsFormulasAndFunctions) {
    const RunConfig a = loadText(modelWithRate("vmax * sat(A) + k * C", "sat = { args = [\"s\"], body = \"s / (km + s)\" }"));
    const RunConfig b = loadText(resolvedParamsToml(a), "resolved.toml");
    ASSERT_EQ(b.model.functions.size(), 1u);
    EXPECT_EQ(b.model.functions[0].name, "sat");
    EXPECT_EQ(b.model.functions[0].arguments, (std::vector<std::string>{"s"}));
    EXPECT_EQ(b.model.functions[0].body, "s / (km + s)");
    EXPECT_EQ(b.model.reactions[0].law.kind, RateLawKind::Expression);
    EXPECT_EQ(b.model.reactions[0].law.expression.text, "vmax * sat(A) + k * C");
    const auto ta = egress::testing::runOde(a), tb = egress::testing::runOde(b);
    EXPECT_EQ(ta.amounts, tb.amounts);
}

namespace {

/// A, B, C, D in one compartment and the given [[model.reactions]] (and more) as TOML text.
std::string network(const std::string& reactions, const std::string& method, const std::string& extra = "") {
    return R"([model]
name = "net"
compartments = { ER = {}, Golgi = {} }
species = { A = { compartment = "ER", initial = 60 }, B = { compartment = "ER", initial = 40 }, C = { compartment = "ER", initial = 0 }, D = { compartment = "Golgi", initial = 0 } }
parameters = { k0 = 2.0, k1 = 0.002, k2 = 0.05, k3 = 0.001, kd = 0.1, vmax = 4.0, km = 30.0 }
)" + reactions + R"(
[simulation]
method = ")" + method + R"("
t_end = 50.0
output_interval = 1.0
replicates = 1
seed = 11
)" + extra;
}

std::string reaction(const std::string& name, const std::string& equation, const std::string& law) {
    return "[[model.reactions]]\nname = \"" + name + "\"\nequation = \"" + equation + "\"\n" + law + "\n";
}

// Synthesis, a bimolecular association, its dissociation, a dimerisation and a degradation,
// once with the built-in laws and once with expressions that spell out the same formulas.
// Every formula below performs the same floating-point operations in the same order as the
// built-in law's code (Kinetics.cpp; SsaSolver's product and dimer forms): k * A * B is
// (k * A) * B in both, a division by 2 and a multiplication by 0.5 round identically, and a
// first-order product's factor 1.0 is exact. So the rates, the propensities, their sum and
// every random draw are the same, and the trajectories are identical, not merely close. (The
// deterministic 2 A term is k * (A^2 / 2!) in Kinetics.cpp, hence the parentheses: k * A * A / 2
// is the same number up to rounding, and rounding differences grow along a trajectory.)
std::string massActionNetwork(bool expressions, const std::string& method) {
    const bool ssa = method == "ssa";
    auto law = [&](const std::string& k, const std::string& formula) {
        return expressions ? "law = \"expression\"\nrate = \"" + formula + "\"" : "k = \"" + k + "\"";
    };
    return network(reaction("synthesis", "-> A", law("k0", "k0")) + reaction("bind", "A + B -> C", law("k1", "k1 * A * B")) +
                       reaction("unbind", "C -> A + B", law("k2", "k2 * C")) +
                       // Mass action's own forms: k A (A - 1) / 2 counts pairs of molecules (ssa),
                       // k A^2 / 2 is its deterministic limit (ode).
                       reaction("dimerise", "2 A -> D", law("k3", ssa ? "k3 * A * (A - 1) * 0.5" : "k3 * (A * A / 2)")) +
                       reaction("degrade", "D ->", law("kd", "kd * D")),
                   method);
}

}  // namespace

// (a) A mass-action network written as expressions: the same ode solution, with dopri5 and with
// rosenbrock4 (whose Jacobian comes from the tape's derivatives; these are the same products, so
// the same numbers).
TEST(ExpressionEquivalence, MassActionAsExpressionGivesTheSameOdeSolution) {
    for (const char* stepper : {"dopri5", "rosenbrock4"}) {
        const std::string extra = std::string("stepper = \"") + stepper + "\"\n";
        auto withStepper = [&](bool e) {
            std::string text = massActionNetwork(e, "ode");
            text.insert(text.find("seed = 11") + 10, extra);
            return loadText(text, e ? "expr.toml" : "ma.toml");
        };
        const auto builtIn = egress::testing::runOde(withStepper(false));
        const auto expression = egress::testing::runOde(withStepper(true));
        ASSERT_EQ(builtIn.amounts.size(), 51u);
        EXPECT_EQ(builtIn.amounts, expression.amounts) << stepper;
        EXPECT_GT(builtIn.amounts.back()[3], 1.0) << "the dimer is formed";
    }
}

// (a) The same network in ssa under the same seed: identical trajectories, replicate by replicate
// (see massActionNetwork for why identical and not only statistically equivalent).
TEST(ExpressionEquivalence, MassActionAsExpressionGivesTheSameSsaTrajectories) {
    const RunConfig builtIn = loadText(massActionNetwork(false, "ssa"), "ma.toml");
    const RunConfig expression = loadText(massActionNetwork(true, "ssa"), "expr.toml");
    double events = 0;
    for (std::size_t r = 0; r < 20; ++r) {
        const auto a = runReplicate(builtIn, r), b = runReplicate(expression, r);
        EXPECT_EQ(a.amounts, b.amounts) << "replicate " << r;
        events += a.amounts.back()[3];
    }
    EXPECT_GT(events, 0.0);
}

// (b) Michaelis-Menten written out equals the built-in law: the same rate in ode (rosenbrock4's
// Jacobian is computed differently, d/dS of vmax S/(km + S) by the tape against vmax km/(km + S)^2,
// so that run agrees to rounding, not bit for bit), and the same propensity in ssa and hybrid.
TEST(ExpressionEquivalence, MichaelisMentenAsExpressionMatchesTheBuiltInLaw) {
    auto model = [](bool e, const std::string& method, const std::string& stepper) {
        const std::string law = e ? "law = \"expression\"\nrate = \"vmax * A / (km + A)\"" : "law = \"michaelis_menten\"\nvmax = \"vmax\"\nkm = \"km\"";
        std::string text = network(reaction("convert", "A -> C", law) + reaction("feed", "-> A", "k = \"k0\""), method);
        text.insert(text.find("seed = 11") + 10, "stepper = \"" + stepper + "\"\n");
        return loadText(text, e ? "expr.toml" : "mm.toml");
    };
    EXPECT_EQ(egress::testing::runOde(model(false, "ode", "dopri5")).amounts, egress::testing::runOde(model(true, "ode", "dopri5")).amounts);
    const auto a = egress::testing::runOde(model(false, "ode", "rosenbrock4")), b = egress::testing::runOde(model(true, "ode", "rosenbrock4"));
    for (std::size_t s = 0; s < a.amounts.size(); ++s)
        for (std::size_t i = 0; i < a.amounts[s].size(); ++i)
            EXPECT_NEAR(a.amounts[s][i], b.amounts[s][i], 1e-9 * std::max(1.0, std::abs(a.amounts[s][i])));
    for (std::size_t r = 0; r < 10; ++r)
        EXPECT_EQ(runReplicate(model(false, "ssa", "auto"), r).amounts, runReplicate(model(true, "ssa", "auto"), r).amounts);
}

// The ssa dependency graph follows the species an expression reads: "A -> B" at k1 A C, where C
// is no reactant and changes through other reactions, against the mass-action "A + C -> B + C".
// A propensity not recomputed after C changes would make the two trajectories part.
TEST(ExpressionEquivalence, SsaDependencyGraphFollowsTheSpeciesAnExpressionReads) {
    const std::string rest = reaction("make_c", "-> C", "k = \"k0\"") + reaction("lose_c", "C ->", "k = \"kd\"");
    const RunConfig builtIn = loadText(network(reaction("catalysed", "A + C -> B + C", "k = \"k1\"") + rest, "ssa"), "ma.toml");
    const RunConfig expression =
        loadText(network(reaction("catalysed", "A -> B", "law = \"expression\"\nrate = \"k1 * A * C\"") + rest, "ssa"), "expr.toml");
    for (std::size_t r = 0; r < 20; ++r) {
        const auto a = runReplicate(builtIn, r), b = runReplicate(expression, r);
        EXPECT_EQ(a.amounts, b.amounts) << "replicate " << r;
        EXPECT_LT(a.amounts.back()[0], 60.0) << "A is converted";
    }
}

// hybrid: reactions follow the ode and a route buds by its law; a budding law written as an
// expression (Michaelis-Menten in the donor) equals the built-in one, and expression reactions
// equal mass action, under the same seed.
TEST(ExpressionEquivalence, HybridGivesTheSameTrajectoriesAndVesicleEvents) {
    auto model = [](bool e) {
        const std::string budding = e ? "budding = { law = \"expression\", rate = \"vmax * B / (km + B)\" }"
                                      : "budding = { law = \"michaelis_menten\", vmax = \"vmax\", km = \"km\", substrate = \"B\" }";
        std::string text = massActionNetwork(e, "hybrid");
        text.replace(text.find("[simulation]"), 0,
                     "[[model.vesicles]]\nname = \"copii\"\nfrom = \"ER\"\nto = \"Golgi\"\n" + budding +
                         "\ncargo = { A = \"D\" }\ncapture = 0.01\nfusion_rate = 0.2\n");
        return loadText(text, e ? "expr.toml" : "ma.toml");
    };
    const RunConfig a = model(false), b = model(true);
    for (std::size_t r = 0; r < 5; ++r) {
        const auto ta = runReplicate(a, r, true), tb = runReplicate(b, r, true);
        EXPECT_EQ(ta.amounts, tb.amounts) << "replicate " << r;
        EXPECT_EQ(ta.budded, tb.budded) << "replicate " << r;
        ASSERT_EQ(ta.events.size(), tb.events.size());
        for (std::size_t i = 0; i < ta.events.size(); ++i) EXPECT_EQ(ta.events[i].time, tb.events[i].time);
        EXPECT_GT(ta.events.size(), 10u);
    }
}

// hybrid and ode take time-dependent laws; both are checked against the closed form.
// A' = -k A exp(-t / 10) gives A(t) = A0 exp(-10 k (1 - e^{-t/10})). rosenbrock4 needs df/dt here
// (and RODAS's d4 with its sign, engine/solvers/OdeintSupport.hpp): it failed this at 1e-6 before.
TEST(ExpressionEquivalence, TimeDependentLawMatchesTheClosedFormInOdeAndHybrid) {
    for (const char* method : {"ode", "hybrid"})
        for (const char* stepper : {"dopri5", "rosenbrock4"}) {
            std::string text = network(reaction("decay", "A ->", "law = \"expression\"\nrate = \"k2 * A * exp(-t / 10)\""), method);
            text.insert(text.find("seed = 11") + 10, std::string("stepper = \"") + stepper + "\"\nrtol = 1e-9\natol = 1e-12\n");
            const auto tr = runReplicate(loadText(text), 0);
            ASSERT_EQ(tr.times.size(), 51u);
            for (std::size_t s = 0; s < tr.times.size(); ++s) {
                const double t = tr.times[s];
                EXPECT_NEAR(tr.amounts[s][0], 60.0 * std::exp(-10 * 0.05 * (1 - std::exp(-t / 10))), 1e-6)
                    << method << " " << stepper << " t = " << t;
            }
        }
}
