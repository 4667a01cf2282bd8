#pragma once
// A rate law written as a formula (`law = "expression"`, `rate = "vmax * S / (km + S)"`),
// compiled once by io/ExpressionParser into a flat postfix tape that the methods evaluate
// without allocating: a value stack of fixed size on the C++ stack, one switch per instruction.
// Conditionals (`c ? a : b`, `piecewise`) are jumps, so only the chosen branch is evaluated.
// User functions are inlined by the compiler; the tape reads only amounts, parameter values
// and time. Derivatives (the Jacobian of the stiff stepper) come from forward-mode automatic
// differentiation over the same tape: one pass per direction, exact up to rounding.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace egress {

enum class ExprOp : std::uint8_t {
    Number,     ///< push `value`
    Species,    ///< push the amount of species `index`
    Parameter,  ///< push the value of parameter `index`
    Time,       ///< push t
    Add, Sub, Mul, Div, Pow,        ///< pop b, pop a, push a op b
    Neg, Not,                       ///< unary
    Lt, Le, Gt, Ge, Eq, Ne,         ///< comparisons push 1 or 0
    And, Or,                        ///< of two truth values (non-zero is true); both sides evaluated
    Exp, Log, Log10, Sqrt, Abs, Floor, Ceil,  ///< one argument
    Sin, Cos, Tan, Asin, Acos, Atan,          ///< one argument, radians
    Sinh, Cosh, Tanh, Asinh, Acosh, Atanh,    ///< one argument
    Factorial,                      ///< n! of a whole n >= 0 (NaN otherwise, +inf beyond 170)
    Min, Max,                       ///< two arguments
    Rem, Quotient,                  ///< a - b trunc(a / b) (C's fmod), trunc(a / b)
    JumpIfFalse,  ///< pop c; if c == 0 continue at `index`
    Jump,         ///< continue at `index`
};

struct ExprInstruction {
    ExprOp op = ExprOp::Number;
    std::uint32_t index = 0;  ///< species or parameter index, or a jump target
    double value = 0.0;       ///< the number of ExprOp::Number
};

/// A compiled expression. Built only by a compiler that keeps the stack within kMaxStack
/// (io/ExpressionParser refuses deeper nesting), so evaluation needs no bounds checks.
struct Expression {
    /// Values pending at once, at most: nesting deeper than this is refused at load time.
    static constexpr std::size_t kMaxStack = 64;
    /// The direction of a derivative that is time rather than a species.
    static constexpr std::size_t kTime = std::numeric_limits<std::size_t>::max();

    std::string text;                   ///< as written in the model file
    std::vector<ExprInstruction> code;  ///< postfix; leaves one value
    std::vector<std::size_t> species;   ///< species read, sorted, unique (the dependency graph)
    std::vector<std::size_t> parameters;  ///< parameters read, sorted, unique
    bool readsTime = false;

    /// The value at amounts `x`, parameter values `p` and time `t`.
    double evaluate(const double* x, const double* p, double t) const;

    /// The value, and its derivative with respect to the amount of species `wrt` (or to time when
    /// `wrt` is kTime) in `derivative`. Where the value's derivative does not exist (abs at 0,
    /// min/max at a tie, floor/ceil/quotient/rem at a step) one side's is taken; comparisons,
    /// conditions, factorial (defined on whole numbers only) and quotient have derivative 0.
    double evaluate(const double* x, const double* p, double t, std::size_t wrt, double& derivative) const;
};

/// n! for a whole n >= 0 (exact up to 22!), +inf beyond 170, NaN for anything else.
double factorial(double n);

/// The number of values an instruction takes from the stack and the number it leaves.
int stackPops(ExprOp op);
int stackPushes(ExprOp op);

}  // namespace egress
