#include "core/Expression.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace egress {

int stackPops(ExprOp op) {
    switch (op) {
        case ExprOp::Number:
        case ExprOp::Species:
        case ExprOp::Parameter:
        case ExprOp::Time:
        case ExprOp::Jump: return 0;
        case ExprOp::Neg:
        case ExprOp::Not:
        case ExprOp::Exp:
        case ExprOp::Log:
        case ExprOp::Log10:
        case ExprOp::Sqrt:
        case ExprOp::Abs:
        case ExprOp::Floor:
        case ExprOp::Ceil:
        case ExprOp::Sin:
        case ExprOp::Cos:
        case ExprOp::Tan:
        case ExprOp::Asin:
        case ExprOp::Acos:
        case ExprOp::Atan:
        case ExprOp::Sinh:
        case ExprOp::Cosh:
        case ExprOp::Tanh:
        case ExprOp::Asinh:
        case ExprOp::Acosh:
        case ExprOp::Atanh:
        case ExprOp::Factorial:
        case ExprOp::JumpIfFalse: return 1;
        default: return 2;
    }
}

double factorial(double n) {
    // MathML's factorial is of natural numbers: anything else is NaN, which a run reports as an
    // error naming its place, rather than a silent extension (the gamma function).
    if (!(n >= 0.0) || n != std::floor(n)) return std::numeric_limits<double>::quiet_NaN();
    if (n > 170.0) return std::numeric_limits<double>::infinity();  // 171! exceeds the largest double
    double r = 1.0;
    for (double i = 2.0; i <= n; i += 1.0) r *= i;  // exact up to 22!, then rounded at each product
    return r;
}

int stackPushes(ExprOp op) { return op == ExprOp::Jump || op == ExprOp::JumpIfFalse ? 0 : 1; }

double Expression::evaluate(const double* x, const double* p, double t) const {
    double s[kMaxStack];
    std::size_t n = 0;  // values on the stack
    const ExprInstruction* const c = code.data();
    const std::size_t size = code.size();
    std::size_t pc = 0;
    while (pc < size) {
        const ExprInstruction& in = c[pc++];
        switch (in.op) {
            case ExprOp::Number: s[n++] = in.value; break;
            case ExprOp::Species: s[n++] = x[in.index]; break;
            case ExprOp::Parameter: s[n++] = p[in.index]; break;
            case ExprOp::Time: s[n++] = t; break;
            case ExprOp::Add: --n; s[n - 1] += s[n]; break;
            case ExprOp::Sub: --n; s[n - 1] -= s[n]; break;
            case ExprOp::Mul: --n; s[n - 1] *= s[n]; break;
            case ExprOp::Div: --n; s[n - 1] /= s[n]; break;
            case ExprOp::Pow: --n; s[n - 1] = std::pow(s[n - 1], s[n]); break;
            case ExprOp::Neg: s[n - 1] = -s[n - 1]; break;
            case ExprOp::Not: s[n - 1] = s[n - 1] == 0.0 ? 1.0 : 0.0; break;
            case ExprOp::Lt: --n; s[n - 1] = s[n - 1] < s[n] ? 1.0 : 0.0; break;
            case ExprOp::Le: --n; s[n - 1] = s[n - 1] <= s[n] ? 1.0 : 0.0; break;
            case ExprOp::Gt: --n; s[n - 1] = s[n - 1] > s[n] ? 1.0 : 0.0; break;
            case ExprOp::Ge: --n; s[n - 1] = s[n - 1] >= s[n] ? 1.0 : 0.0; break;
            case ExprOp::Eq: --n; s[n - 1] = s[n - 1] == s[n] ? 1.0 : 0.0; break;
            case ExprOp::Ne: --n; s[n - 1] = s[n - 1] != s[n] ? 1.0 : 0.0; break;
            case ExprOp::And: --n; s[n - 1] = s[n - 1] != 0.0 && s[n] != 0.0 ? 1.0 : 0.0; break;
            case ExprOp::Or: --n; s[n - 1] = s[n - 1] != 0.0 || s[n] != 0.0 ? 1.0 : 0.0; break;
            case ExprOp::Exp: s[n - 1] = std::exp(s[n - 1]); break;
            case ExprOp::Log: s[n - 1] = std::log(s[n - 1]); break;
            case ExprOp::Log10: s[n - 1] = std::log10(s[n - 1]); break;
            case ExprOp::Sqrt: s[n - 1] = std::sqrt(s[n - 1]); break;
            case ExprOp::Abs: s[n - 1] = std::abs(s[n - 1]); break;
            case ExprOp::Floor: s[n - 1] = std::floor(s[n - 1]); break;
            case ExprOp::Ceil: s[n - 1] = std::ceil(s[n - 1]); break;
            case ExprOp::Sin: s[n - 1] = std::sin(s[n - 1]); break;
            case ExprOp::Cos: s[n - 1] = std::cos(s[n - 1]); break;
            case ExprOp::Tan: s[n - 1] = std::tan(s[n - 1]); break;
            case ExprOp::Asin: s[n - 1] = std::asin(s[n - 1]); break;
            case ExprOp::Acos: s[n - 1] = std::acos(s[n - 1]); break;
            case ExprOp::Atan: s[n - 1] = std::atan(s[n - 1]); break;
            case ExprOp::Sinh: s[n - 1] = std::sinh(s[n - 1]); break;
            case ExprOp::Cosh: s[n - 1] = std::cosh(s[n - 1]); break;
            case ExprOp::Tanh: s[n - 1] = std::tanh(s[n - 1]); break;
            case ExprOp::Asinh: s[n - 1] = std::asinh(s[n - 1]); break;
            case ExprOp::Acosh: s[n - 1] = std::acosh(s[n - 1]); break;
            case ExprOp::Atanh: s[n - 1] = std::atanh(s[n - 1]); break;
            case ExprOp::Factorial: s[n - 1] = factorial(s[n - 1]); break;
            case ExprOp::Min: --n; s[n - 1] = std::min(s[n - 1], s[n]); break;
            case ExprOp::Max: --n; s[n - 1] = std::max(s[n - 1], s[n]); break;
            case ExprOp::Rem: --n; s[n - 1] = std::fmod(s[n - 1], s[n]); break;
            case ExprOp::Quotient: --n; s[n - 1] = std::trunc(s[n - 1] / s[n]); break;
            case ExprOp::JumpIfFalse:
                if (s[--n] == 0.0) pc = in.index;
                break;
            case ExprOp::Jump: pc = in.index; break;
        }
    }
    return s[0];
}

double Expression::evaluate(const double* x, const double* p, double t, std::size_t wrt, double& derivative) const {
    // Dual numbers: v the value, d its derivative along the chosen direction.
    double v[kMaxStack], d[kMaxStack];
    std::size_t n = 0;
    const std::size_t size = code.size();
    std::size_t pc = 0;
    while (pc < size) {
        const ExprInstruction& in = code[pc++];
        switch (in.op) {
            case ExprOp::Number: v[n] = in.value; d[n++] = 0.0; break;
            case ExprOp::Species: v[n] = x[in.index]; d[n++] = in.index == wrt ? 1.0 : 0.0; break;
            case ExprOp::Parameter: v[n] = p[in.index]; d[n++] = 0.0; break;
            case ExprOp::Time: v[n] = t; d[n++] = wrt == kTime ? 1.0 : 0.0; break;
            case ExprOp::Add: --n; v[n - 1] += v[n]; d[n - 1] += d[n]; break;
            case ExprOp::Sub: --n; v[n - 1] -= v[n]; d[n - 1] -= d[n]; break;
            case ExprOp::Mul:
                --n;
                d[n - 1] = d[n - 1] * v[n] + v[n - 1] * d[n];
                v[n - 1] *= v[n];
                break;
            case ExprOp::Div:
                --n;
                v[n - 1] /= v[n];
                d[n - 1] = (d[n - 1] - v[n - 1] * d[n]) / v[n];
                break;
            case ExprOp::Pow: {
                --n;
                const double a = v[n - 1], b = v[n], da = d[n - 1], db = d[n];
                const double value = std::pow(a, b);
                // Each term only where its factor moves: a constant exponent of a base <= 0 (x^2 at
                // x = 0) has no log(a) term, a constant base no b a^(b-1) term.
                double dv = 0.0;
                if (da != 0.0) dv += b * std::pow(a, b - 1.0) * da;
                if (db != 0.0) dv += value * std::log(a) * db;
                v[n - 1] = value;
                d[n - 1] = dv;
                break;
            }
            case ExprOp::Neg: v[n - 1] = -v[n - 1]; d[n - 1] = -d[n - 1]; break;
            case ExprOp::Not: v[n - 1] = v[n - 1] == 0.0 ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Lt: --n; v[n - 1] = v[n - 1] < v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Le: --n; v[n - 1] = v[n - 1] <= v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Gt: --n; v[n - 1] = v[n - 1] > v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Ge: --n; v[n - 1] = v[n - 1] >= v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Eq: --n; v[n - 1] = v[n - 1] == v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Ne: --n; v[n - 1] = v[n - 1] != v[n] ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::And: --n; v[n - 1] = v[n - 1] != 0.0 && v[n] != 0.0 ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Or: --n; v[n - 1] = v[n - 1] != 0.0 || v[n] != 0.0 ? 1.0 : 0.0; d[n - 1] = 0.0; break;
            case ExprOp::Exp: v[n - 1] = std::exp(v[n - 1]); d[n - 1] *= v[n - 1]; break;
            case ExprOp::Log:  // a derivative of 0 stays 0 where the function's own is undefined (log(0))
                if (d[n - 1] != 0.0) d[n - 1] /= v[n - 1];
                v[n - 1] = std::log(v[n - 1]);
                break;
            case ExprOp::Log10:
                if (d[n - 1] != 0.0) d[n - 1] /= v[n - 1] * std::log(10.0);
                v[n - 1] = std::log10(v[n - 1]);
                break;
            case ExprOp::Sqrt:
                v[n - 1] = std::sqrt(v[n - 1]);
                if (d[n - 1] != 0.0) d[n - 1] /= 2.0 * v[n - 1];
                break;
            case ExprOp::Abs:
                if (v[n - 1] < 0.0) d[n - 1] = -d[n - 1];
                v[n - 1] = std::abs(v[n - 1]);
                break;
            case ExprOp::Floor: v[n - 1] = std::floor(v[n - 1]); d[n - 1] = 0.0; break;
            case ExprOp::Ceil: v[n - 1] = std::ceil(v[n - 1]); d[n - 1] = 0.0; break;
            // Chain rule: d f(u) = f'(u) du; a derivative of 0 stays 0 where f' is undefined or
            // infinite (asin at 1, acosh at 1, atanh at 1), as for log above.
            case ExprOp::Sin:
                if (d[n - 1] != 0.0) d[n - 1] *= std::cos(v[n - 1]);
                v[n - 1] = std::sin(v[n - 1]);
                break;
            case ExprOp::Cos:
                if (d[n - 1] != 0.0) d[n - 1] *= -std::sin(v[n - 1]);
                v[n - 1] = std::cos(v[n - 1]);
                break;
            case ExprOp::Tan:
                if (d[n - 1] != 0.0) d[n - 1] /= std::cos(v[n - 1]) * std::cos(v[n - 1]);
                v[n - 1] = std::tan(v[n - 1]);
                break;
            case ExprOp::Asin:
                if (d[n - 1] != 0.0) d[n - 1] /= std::sqrt(1.0 - v[n - 1] * v[n - 1]);
                v[n - 1] = std::asin(v[n - 1]);
                break;
            case ExprOp::Acos:
                if (d[n - 1] != 0.0) d[n - 1] /= -std::sqrt(1.0 - v[n - 1] * v[n - 1]);
                v[n - 1] = std::acos(v[n - 1]);
                break;
            case ExprOp::Atan:
                if (d[n - 1] != 0.0) d[n - 1] /= 1.0 + v[n - 1] * v[n - 1];
                v[n - 1] = std::atan(v[n - 1]);
                break;
            case ExprOp::Sinh:
                if (d[n - 1] != 0.0) d[n - 1] *= std::cosh(v[n - 1]);
                v[n - 1] = std::sinh(v[n - 1]);
                break;
            case ExprOp::Cosh:
                if (d[n - 1] != 0.0) d[n - 1] *= std::sinh(v[n - 1]);
                v[n - 1] = std::cosh(v[n - 1]);
                break;
            case ExprOp::Tanh:
                v[n - 1] = std::tanh(v[n - 1]);
                if (d[n - 1] != 0.0) d[n - 1] *= 1.0 - v[n - 1] * v[n - 1];
                break;
            case ExprOp::Asinh:
                if (d[n - 1] != 0.0) d[n - 1] /= std::sqrt(v[n - 1] * v[n - 1] + 1.0);
                v[n - 1] = std::asinh(v[n - 1]);
                break;
            case ExprOp::Acosh:
                if (d[n - 1] != 0.0) d[n - 1] /= std::sqrt(v[n - 1] * v[n - 1] - 1.0);
                v[n - 1] = std::acosh(v[n - 1]);
                break;
            case ExprOp::Atanh:
                if (d[n - 1] != 0.0) d[n - 1] /= 1.0 - v[n - 1] * v[n - 1];
                v[n - 1] = std::atanh(v[n - 1]);
                break;
            case ExprOp::Factorial: v[n - 1] = factorial(v[n - 1]); d[n - 1] = 0.0; break;
            case ExprOp::Rem: {
                // a - b trunc(a / b): the quotient is piecewise constant.
                --n;
                const double q = std::trunc(v[n - 1] / v[n]);
                v[n - 1] = std::fmod(v[n - 1], v[n]);
                d[n - 1] -= q * d[n];
                break;
            }
            case ExprOp::Quotient: --n; v[n - 1] = std::trunc(v[n - 1] / v[n]); d[n - 1] = 0.0; break;
            case ExprOp::Min:
                --n;
                if (v[n] < v[n - 1]) {
                    v[n - 1] = v[n];
                    d[n - 1] = d[n];
                }
                break;
            case ExprOp::Max:
                --n;
                if (v[n] > v[n - 1]) {
                    v[n - 1] = v[n];
                    d[n - 1] = d[n];
                }
                break;
            case ExprOp::JumpIfFalse:
                if (v[--n] == 0.0) pc = in.index;
                break;
            case ExprOp::Jump: pc = in.index; break;
        }
    }
    derivative = d[0];
    return v[0];
}

}  // namespace egress
