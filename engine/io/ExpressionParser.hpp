#pragma once
// Rate-law expressions in model files (`law = "expression"`, `rate = "..."`, and the bodies of
// `[functions]`): parsed into a tree, names resolved against the model (species, parameters,
// `t`), user functions inlined, and compiled to the tape of core/Expression.hpp. Every mistake
// is an InputError at FILE:LINE:COLUMN of the offending token inside the string. io/ only;
// includes toml++. The syntax is documented in docs/file-format.md (Model files: expressions).
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/Expression.hpp"
#include "core/Model.hpp"
#include "io/TomlDocument.hpp"

namespace egress {

/// exp, log, log10, sqrt, pow, abs, min, max, floor, ceil, sin, cos, tan, asin, acos, atan, sinh,
/// cosh, tanh, asinh, acosh, atanh, factorial, rem, quotient, piecewise.
bool isBuiltinFunction(const std::string& name);
std::vector<std::string> builtinFunctionNames();

/// Longest expression text read, in bytes, and deepest nesting of parentheses and operators:
/// bounds that keep parsing and compiling cheap on any input.
constexpr std::size_t kMaxExpressionLength = 100000;
constexpr std::size_t kMaxExpressionNesting = 200;
/// Instructions in one compiled law once user functions are inlined.
constexpr std::size_t kMaxExpressionInstructions = 100000;

struct ExpressionNode;

class ExpressionCompiler {
public:
    explicit ExpressionCompiler(const Model& model);
    ~ExpressionCompiler();
    ExpressionCompiler(const ExpressionCompiler&) = delete;
    ExpressionCompiler& operator=(const ExpressionCompiler&) = delete;

    /// A user function with the given argument names; its body (string node `body`, at `field`)
    /// is parsed now. Names, calls and recursion are checked by checkFunctions.
    void addFunction(const Document& doc, const toml::node& body, const std::string& field, const std::string& name,
                     std::vector<std::string> arguments);
    bool hasFunction(const std::string& name) const;

    /// Resolves every function body against the model (call once every parameter is known) and
    /// refuses a function that calls itself, directly or through others.
    void checkFunctions() const;

    /// Compiles the string node `n` (at `field`) against the model and the functions.
    Expression compile(const Document& doc, const toml::node& n, const std::string& field) const;

    /// An assignment rule `variable = formula` (string node `formula`, at `field`), parsed now:
    /// from then on every expression compiled that names `variable` has the formula in its place.
    void addAssignmentRule(const Document& doc, const toml::node& formula, const std::string& field, const std::string& variable);
    bool hasAssignmentRule(const std::string& variable) const;
    /// The formula of the rule for `variable`, with the other rules inlined; a rule that reads
    /// itself, directly or through others, is an InputError at the name that closes the cycle.
    Expression compileAssignmentRule(const std::string& variable) const;

    struct Function;
    struct Source;
    struct Rule;

private:
    const Model& model_;
    std::map<std::string, std::unique_ptr<Function>> functions_;
    std::map<std::string, std::unique_ptr<Rule>> rules_;
};

}  // namespace egress
