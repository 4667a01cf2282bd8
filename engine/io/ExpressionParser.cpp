#include "io/ExpressionParser.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "io/InputNames.hpp"

namespace egress {

struct ExpressionNode {
    enum class Kind { Number, Name, Call, Unary, Binary, Conditional };
    Kind kind = Kind::Number;
    std::size_t offset = 0;  ///< of the token that makes the node: the number, name or operator
    double number = 0.0;
    std::string name;        ///< Name and Call
    ExprOp op = ExprOp::Number;  ///< Unary and Binary
    std::vector<ExpressionNode> children;
};

/// Where an expression was written, to place its errors at the offending token.
struct ExpressionCompiler::Source {
    const Document* document = nullptr;
    const toml::node* node = nullptr;
    std::string field;
    std::string text;

    [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
        document->fail(document->positionInString(*node, offset), field, message);
    }
};

struct ExpressionCompiler::Function {
    std::string name;
    std::vector<std::string> arguments;
    Source source;
    ExpressionNode body;
};

struct ExpressionCompiler::Rule {
    std::string variable;
    Source source;
    ExpressionNode formula;
};

namespace {

using Node = ExpressionNode;
using Source = ExpressionCompiler::Source;

struct Builtin {
    const char* name;
    std::size_t minArgs, maxArgs;  ///< maxArgs 0: any number
    ExprOp op;                     ///< the instruction (Number for piecewise)
    const char* usage;
};

constexpr Builtin kBuiltins[] = {
    {"exp", 1, 1, ExprOp::Exp, "exp(x)"},         {"log", 1, 1, ExprOp::Log, "log(x), the natural logarithm"},
    {"log10", 1, 1, ExprOp::Log10, "log10(x)"},   {"sqrt", 1, 1, ExprOp::Sqrt, "sqrt(x)"},
    {"pow", 2, 2, ExprOp::Pow, "pow(x, y)"},      {"abs", 1, 1, ExprOp::Abs, "abs(x)"},
    {"min", 2, 0, ExprOp::Min, "min(x, y, ...)"}, {"max", 2, 0, ExprOp::Max, "max(x, y, ...)"},
    {"floor", 1, 1, ExprOp::Floor, "floor(x)"},   {"ceil", 1, 1, ExprOp::Ceil, "ceil(x)"},
    {"sin", 1, 1, ExprOp::Sin, "sin(x), x in radians"}, {"cos", 1, 1, ExprOp::Cos, "cos(x), x in radians"},
    {"tan", 1, 1, ExprOp::Tan, "tan(x), x in radians"}, {"asin", 1, 1, ExprOp::Asin, "asin(x)"},
    {"acos", 1, 1, ExprOp::Acos, "acos(x)"},      {"atan", 1, 1, ExprOp::Atan, "atan(x)"},
    {"sinh", 1, 1, ExprOp::Sinh, "sinh(x)"},      {"cosh", 1, 1, ExprOp::Cosh, "cosh(x)"},
    {"tanh", 1, 1, ExprOp::Tanh, "tanh(x)"},      {"asinh", 1, 1, ExprOp::Asinh, "asinh(x)"},
    {"acosh", 1, 1, ExprOp::Acosh, "acosh(x)"},   {"atanh", 1, 1, ExprOp::Atanh, "atanh(x)"},
    {"factorial", 1, 1, ExprOp::Factorial, "factorial(n), n a whole number >= 0"},
    {"rem", 2, 2, ExprOp::Rem, "rem(x, y), x - y trunc(x / y)"},
    {"quotient", 2, 2, ExprOp::Quotient, "quotient(x, y), trunc(x / y)"},
    {"piecewise", 2, 0, ExprOp::Number, "piecewise(value1, condition1, value2, condition2, ..., otherwise)"},
};

const Builtin* builtin(const std::string& name) {
    for (const auto& b : kBuiltins)
        if (name == b.name) return &b;
    return nullptr;
}

// ---- tokens ----

enum class Tok { Number, Name, Op, LParen, RParen, Comma, Question, Colon, End };

struct Token {
    Tok kind = Tok::End;
    std::size_t offset = 0;
    std::string text;
    double number = 0.0;
};

bool isNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::vector<Token> tokenize(const Source& src) {
    const std::string& s = src.text;
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        Token t;
        t.offset = i;
        if (isDigit(c) || (c == '.' && i + 1 < s.size() && isDigit(s[i + 1]))) {
            std::size_t j = i;
            while (j < s.size() && isDigit(s[j])) ++j;
            if (j < s.size() && s[j] == '.') {
                ++j;
                while (j < s.size() && isDigit(s[j])) ++j;
            }
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
                if (k >= s.size() || !isDigit(s[k])) src.fail(i, "malformed number '" + s.substr(i, k - i) + "': the exponent needs digits");
                while (k < s.size() && isDigit(s[k])) ++k;
                j = k;
            }
            if (j < s.size() && isNameChar(s[j]))
                src.fail(i, "malformed number '" + s.substr(i, j - i + 1) + "...': a name may not start with a digit");
            t.kind = Tok::Number;
            t.text = s.substr(i, j - i);
            t.number = std::strtod(t.text.c_str(), nullptr);
            if (!std::isfinite(t.number)) src.fail(i, "the number '" + t.text + "' is too large");
            i = j;
        } else if (isNameStart(c)) {
            std::size_t j = i;
            while (j < s.size() && isNameChar(s[j])) ++j;
            t.kind = Tok::Name;
            t.text = s.substr(i, j - i);
            i = j;
        } else {
            const std::string two = s.substr(i, 2);
            if (two == "<=" || two == ">=" || two == "==" || two == "!=" || two == "&&" || two == "||") {
                t.kind = Tok::Op;
                t.text = two;
                i += 2;
            } else if (two == "**") {
                src.fail(i, "'**' is not an operator: write a power as x^y or pow(x, y)");
            } else {
                switch (c) {
                    case '+': case '-': case '*': case '/': case '^': case '<': case '>': case '!': t.kind = Tok::Op; break;
                    case '(': t.kind = Tok::LParen; break;
                    case ')': t.kind = Tok::RParen; break;
                    case ',': t.kind = Tok::Comma; break;
                    case '?': t.kind = Tok::Question; break;
                    case ':': t.kind = Tok::Colon; break;
                    case '=': src.fail(i, "'=' is not an operator: compare with '=='");
                    case '&': src.fail(i, "'&' is not an operator: write 'and' as '&&'");
                    case '|': src.fail(i, "'|' is not an operator: write 'or' as '||'");
                    default: {
                        std::size_t bytes = 1;
                        while (i + bytes < s.size() && (static_cast<unsigned char>(s[i + bytes]) & 0xC0) == 0x80) ++bytes;
                        src.fail(i, "unexpected character '" + s.substr(i, bytes) + "'");
                    }
                }
                t.text = std::string(1, c);
                ++i;
            }
        }
        out.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::End;
    end.offset = s.size();
    out.push_back(end);
    return out;
}

std::string describe(const Token& t) { return t.kind == Tok::End ? "the end of the expression" : "'" + t.text + "'"; }

// ---- parser: precedence from low to high: ?:, ||, &&, comparisons, + -, * /, unary - + !, ^ ----

class Parser {
public:
    Parser(const Source& src) : src_(src), tokens_(tokenize(src)) {}

    Node parse() {
        if (peek().kind == Tok::End) src_.fail(0, "the expression is empty");
        Node n = conditional();
        if (peek().kind != Tok::End) {
            const Token& t = peek();
            src_.fail(t.offset, "unexpected " + describe(t) + " after a complete expression" +
                                    (t.kind == Tok::Name || t.kind == Tok::Number || t.kind == Tok::LParen ? " (a missing operator?)" : ""));
        }
        return n;
    }

private:
    const Token& peek() const { return tokens_[pos_]; }
    const Token& next() { return tokens_[pos_++]; }
    bool isOp(const char* text) const { return peek().kind == Tok::Op && peek().text == text; }

    struct Nesting {
        Parser& p;
        explicit Nesting(Parser& parser) : p(parser) {
            if (++p.depth_ > kMaxExpressionNesting)
                p.src_.fail(p.peek().offset, "the expression nests more than " + std::to_string(kMaxExpressionNesting) + " levels deep");
        }
        ~Nesting() { --p.depth_; }
    };

    static Node binary(ExprOp op, std::size_t offset, Node a, Node b) {
        Node n;
        n.kind = Node::Kind::Binary;
        n.op = op;
        n.offset = offset;
        n.children.push_back(std::move(a));
        n.children.push_back(std::move(b));
        return n;
    }

    Node conditional() {
        Nesting guard(*this);
        Node c = logicalOr();
        if (peek().kind != Tok::Question) return c;
        const std::size_t at = next().offset;
        Node a = conditional();
        if (peek().kind != Tok::Colon) src_.fail(peek().offset, "expected ':' of 'condition ? value : otherwise', found " + describe(peek()));
        next();
        Node b = conditional();
        Node n;
        n.kind = Node::Kind::Conditional;
        n.offset = at;
        n.children.push_back(std::move(c));
        n.children.push_back(std::move(a));
        n.children.push_back(std::move(b));
        return n;
    }

    Node logicalOr() {
        Node n = logicalAnd();
        while (isOp("||")) {
            const std::size_t at = next().offset;
            n = binary(ExprOp::Or, at, std::move(n), logicalAnd());
        }
        return n;
    }

    Node logicalAnd() {
        Node n = comparison();
        while (isOp("&&")) {
            const std::size_t at = next().offset;
            n = binary(ExprOp::And, at, std::move(n), comparison());
        }
        return n;
    }

    std::optional<ExprOp> comparisonOp() const {
        if (peek().kind != Tok::Op) return std::nullopt;
        const std::string& o = peek().text;
        if (o == "<") return ExprOp::Lt;
        if (o == "<=") return ExprOp::Le;
        if (o == ">") return ExprOp::Gt;
        if (o == ">=") return ExprOp::Ge;
        if (o == "==") return ExprOp::Eq;
        if (o == "!=") return ExprOp::Ne;
        return std::nullopt;
    }

    Node comparison() {
        Node n = additive();
        if (const auto op = comparisonOp()) {
            const std::size_t at = next().offset;
            n = binary(*op, at, std::move(n), additive());
            if (comparisonOp()) src_.fail(peek().offset, "comparisons do not chain: write 'a < b && b < c'");
        }
        return n;
    }

    Node additive() {
        Node n = multiplicative();
        while (isOp("+") || isOp("-")) {
            const Token& t = next();
            n = binary(t.text == "+" ? ExprOp::Add : ExprOp::Sub, t.offset, std::move(n), multiplicative());
        }
        return n;
    }

    Node multiplicative() {
        Node n = unary();
        while (isOp("*") || isOp("/")) {
            const Token& t = next();
            n = binary(t.text == "*" ? ExprOp::Mul : ExprOp::Div, t.offset, std::move(n), unary());
        }
        return n;
    }

    Node unary() {
        Nesting guard(*this);
        if (isOp("-") || isOp("!")) {
            const Token& t = next();
            Node n;
            n.kind = Node::Kind::Unary;
            n.op = t.text == "-" ? ExprOp::Neg : ExprOp::Not;
            n.offset = t.offset;
            n.children.push_back(unary());
            return n;
        }
        if (isOp("+")) {
            next();
            return unary();
        }
        return power();
    }

    // -x^2 is -(x^2), x^-1 is x^(-1), and x^y^z is x^(y^z), as in mathematics.
    Node power() {
        Node base = primary();
        if (!isOp("^")) return base;
        const std::size_t at = next().offset;
        return binary(ExprOp::Pow, at, std::move(base), unary());
    }

    Node primary() {
        const Token& t = next();
        Node n;
        n.offset = t.offset;
        switch (t.kind) {
            case Tok::Number:
                n.kind = Node::Kind::Number;
                n.number = t.number;
                return n;
            case Tok::Name:
                n.name = t.text;
                if (peek().kind != Tok::LParen) {
                    n.kind = Node::Kind::Name;
                    return n;
                }
                n.kind = Node::Kind::Call;
                next();
                if (peek().kind == Tok::RParen) {
                    next();
                    return n;
                }
                for (;;) {
                    n.children.push_back(conditional());
                    if (peek().kind == Tok::Comma) {
                        next();
                        continue;
                    }
                    if (peek().kind == Tok::RParen) {
                        next();
                        return n;
                    }
                    src_.fail(peek().offset, "expected ',' or ')' in the arguments of '" + n.name + "', found " + describe(peek()));
                }
            case Tok::LParen: {
                Node inner = conditional();
                if (peek().kind != Tok::RParen)
                    src_.fail(peek().offset, "expected ')' to close the '(' at column " + std::to_string(t.offset + 1) +
                                                 " of the expression, found " + describe(peek()));
                next();
                return inner;
            }
            default:
                src_.fail(t.offset, "expected a number, a name, a function call or '(', found " + describe(t));
        }
    }

    const Source& src_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
};

// ---- code generation ----

/// The scope of the text being compiled: a rate (no function) or a function's body, whose
/// arguments stand for the caller's argument nodes (compiled in the caller's scope).
struct Scope {
    const ExpressionCompiler::Function* function = nullptr;
    std::vector<const Node*> arguments;
    const Scope* caller = nullptr;
    const Source* source = nullptr;
    std::size_t activeDepth = 0;  ///< functions being inlined when this scope was entered
};

class Generator {
public:
    Generator(const Model& m, const std::map<std::string, std::unique_ptr<ExpressionCompiler::Function>>& functions,
              const std::map<std::string, std::unique_ptr<ExpressionCompiler::Rule>>& rules, Expression& out)
        : m_(m), functions_(functions), rules_(rules), out_(out) {}

    /// Generates the formula of `rule` in place of its variable, with `rule` among those being
    /// inlined, so that a formula that comes back to it is met as a cycle.
    void inlineRule(const ExpressionCompiler::Rule& rule) {
        activeRules_.push_back(&rule);
        Scope scope;
        scope.source = &rule.source;
        // A rule's formula reads the model, not the arguments of a function that names its variable.
        std::vector<const ExpressionCompiler::Function*> saved = std::move(active_);
        active_.clear();
        scope.activeDepth = 0;
        generate(rule.formula, scope);
        active_ = std::move(saved);
        activeRules_.pop_back();
    }

    void generate(const Node& n, const Scope& scope) {
        switch (n.kind) {
            case Node::Kind::Number: emit(ExprOp::Number, scope, n.offset, 0, n.number); return;
            case Node::Kind::Name: name(n, scope); return;
            case Node::Kind::Call: call(n, scope); return;
            case Node::Kind::Unary:
                generate(n.children[0], scope);
                emit(n.op, scope, n.offset);
                return;
            case Node::Kind::Binary:
                generate(n.children[0], scope);
                generate(n.children[1], scope);
                emit(n.op, scope, n.offset);
                return;
            case Node::Kind::Conditional: {
                generate(n.children[0], scope);
                const std::size_t jumpElse = emit(ExprOp::JumpIfFalse, scope, n.offset);
                const std::size_t before = depth_;
                generate(n.children[1], scope);
                const std::size_t jumpEnd = emit(ExprOp::Jump, scope, n.offset);
                out_.code[jumpElse].index = static_cast<std::uint32_t>(out_.code.size());
                depth_ = before;  // the other branch starts without this one's value
                generate(n.children[2], scope);
                out_.code[jumpEnd].index = static_cast<std::uint32_t>(out_.code.size());
                return;
            }
        }
    }

    void finish() {
        std::sort(out_.species.begin(), out_.species.end());
        out_.species.erase(std::unique(out_.species.begin(), out_.species.end()), out_.species.end());
        std::sort(out_.parameters.begin(), out_.parameters.end());
        out_.parameters.erase(std::unique(out_.parameters.begin(), out_.parameters.end()), out_.parameters.end());
    }

private:
    std::size_t emit(ExprOp op, const Scope& scope, std::size_t offset, std::uint32_t index = 0, double value = 0.0) {
        if (out_.code.size() >= kMaxExpressionInstructions)
            scope.source->fail(offset, "the expression is too large once its user functions are inlined (more than " +
                                           std::to_string(kMaxExpressionInstructions) + " instructions)");
        depth_ = depth_ - static_cast<std::size_t>(stackPops(op)) + static_cast<std::size_t>(stackPushes(op));
        if (depth_ > Expression::kMaxStack)
            scope.source->fail(offset, "the expression keeps more than " + std::to_string(Expression::kMaxStack) +
                                           " partial results at once; split it with user functions or parentheses on the left");
        out_.code.push_back(ExprInstruction{op, index, value});
        return out_.code.size() - 1;
    }

    void name(const Node& n, const Scope& scope) {
        if (scope.function) {
            const auto& args = scope.function->arguments;
            const auto it = std::find(args.begin(), args.end(), n.name);
            if (it != args.end()) {
                // The caller's argument, in the caller's scope and with its functions in progress.
                const std::size_t i = static_cast<std::size_t>(it - args.begin());
                std::vector<const ExpressionCompiler::Function*> saved = active_;
                active_.resize(scope.caller->activeDepth);
                generate(*scope.arguments[i], *scope.caller);
                active_ = std::move(saved);
                return;
            }
        }
        if (const auto r = rules_.find(n.name); r != rules_.end()) {
            const auto cycle = std::find(activeRules_.begin(), activeRules_.end(), r->second.get());
            if (cycle != activeRules_.end()) {
                std::string chain;
                for (auto c = cycle; c != activeRules_.end(); ++c) chain += (*c)->variable + " -> ";
                scope.source->fail(n.offset, "the assignment rules form a cycle (" + chain + n.name +
                                                 "): the rule for '" + n.name + "' reads itself");
            }
            inlineRule(*r->second);
            return;
        }
        const auto si = m_.findSpecies(n.name);
        const auto pi = m_.findParameter(n.name);
        if (n.name == "t") {
            if (si || pi || m_.findCompartment(n.name))
                scope.source->fail(n.offset, "'t' is the time, and the model also has a species, parameter or compartment named 't': rename it");
            out_.readsTime = true;
            emit(ExprOp::Time, scope, n.offset);
            return;
        }
        if (si) {
            out_.species.push_back(*si);
            emit(ExprOp::Species, scope, n.offset, static_cast<std::uint32_t>(*si));
            return;
        }
        if (pi) {
            out_.parameters.push_back(*pi);
            emit(ExprOp::Parameter, scope, n.offset, static_cast<std::uint32_t>(*pi));
            return;
        }
        if (m_.findCompartment(n.name))
            scope.source->fail(n.offset, "'" + n.name + "' is a compartment: egress compartments have no size (volume) that a rate could read");
        if (functions_.count(n.name) || builtin(n.name))
            scope.source->fail(n.offset, "'" + n.name + "' is a function: call it as " + n.name + "(...)");
        std::vector<std::string> known = names(m_.species);
        for (const auto& p : m_.parameters) known.push_back(p.name);
        if (scope.function) known.insert(known.end(), scope.function->arguments.begin(), scope.function->arguments.end());
        known.push_back("t");
        scope.source->fail(n.offset, "unknown name '" + n.name + "'" + didYouMean(n.name, known) +
                                         (scope.function ? ": a function body reads its arguments, species, parameters and the time 't'"
                                                         : ": a rate reads species, parameters and the time 't'"));
    }

    void call(const Node& n, const Scope& scope) {
        const std::size_t argc = n.children.size();
        if (const Builtin* b = builtin(n.name)) {
            if (argc < b->minArgs || (b->maxArgs != 0 && argc > b->maxArgs))
                scope.source->fail(n.offset, "'" + n.name + "' takes " +
                                                 (b->maxArgs == b->minArgs ? std::to_string(b->minArgs) + " argument" + (b->minArgs == 1 ? "" : "s")
                                                                           : "at least " + std::to_string(b->minArgs) + " arguments") +
                                                 ", not " + std::to_string(argc) + ": " + b->usage);
            if (b->op == ExprOp::Number) return piecewise(n, scope);
            generate(n.children[0], scope);
            for (std::size_t i = 1; i < argc; ++i) {
                generate(n.children[i], scope);
                emit(b->op, scope, n.offset);  // min and max fold left; pow has two
            }
            if (argc == 1) emit(b->op, scope, n.offset);
            return;
        }
        const auto it = functions_.find(n.name);
        if (it == functions_.end()) {
            if (m_.findSpecies(n.name) || m_.findParameter(n.name) || n.name == "t")
                scope.source->fail(n.offset, "'" + n.name + "' is not a function");
            std::vector<std::string> known = builtinFunctionNames();
            for (const auto& [name, f] : functions_) known.push_back(name);
            scope.source->fail(n.offset, "unknown function '" + n.name + "'" + didYouMean(n.name, known));
        }
        const ExpressionCompiler::Function& f = *it->second;
        if (argc != f.arguments.size())
            scope.source->fail(n.offset, "function '" + f.name + "' takes " + std::to_string(f.arguments.size()) + " argument" +
                                             (f.arguments.size() == 1 ? "" : "s") + ", not " + std::to_string(argc));
        const auto cycle = std::find(active_.begin(), active_.end(), &f);
        if (cycle != active_.end()) {
            std::string chain;
            for (auto c = cycle; c != active_.end(); ++c) chain += (*c)->name + " -> ";
            scope.source->fail(n.offset, "function '" + f.name + "' calls itself (" + chain + f.name + "): recursion is not allowed");
        }
        Scope inner;
        inner.function = &f;
        for (const auto& a : n.children) inner.arguments.push_back(&a);
        inner.caller = &scope;
        inner.source = &f.source;
        active_.push_back(&f);
        inner.activeDepth = active_.size();
        generate(f.body, inner);
        active_.pop_back();
    }

    // piecewise(v1, c1, v2, c2, ..., [otherwise]): the first value whose condition holds; with no
    // otherwise and no condition true, NaN (SBML leaves it undefined), which a run reports.
    void piecewise(const Node& n, const Scope& scope) {
        const std::size_t pairs = n.children.size() / 2;
        const std::size_t start = depth_;
        std::vector<std::size_t> toEnd;
        for (std::size_t k = 0; k < pairs; ++k) {
            depth_ = start;
            generate(n.children[2 * k + 1], scope);
            const std::size_t jumpNext = emit(ExprOp::JumpIfFalse, scope, n.offset);
            generate(n.children[2 * k], scope);
            toEnd.push_back(emit(ExprOp::Jump, scope, n.offset));
            out_.code[jumpNext].index = static_cast<std::uint32_t>(out_.code.size());
        }
        depth_ = start;
        if (n.children.size() % 2 == 1) generate(n.children.back(), scope);
        else emit(ExprOp::Number, scope, n.offset, 0, std::numeric_limits<double>::quiet_NaN());
        for (const std::size_t j : toEnd) out_.code[j].index = static_cast<std::uint32_t>(out_.code.size());
    }

    const Model& m_;
    const std::map<std::string, std::unique_ptr<ExpressionCompiler::Function>>& functions_;
    const std::map<std::string, std::unique_ptr<ExpressionCompiler::Rule>>& rules_;
    Expression& out_;
    std::size_t depth_ = 0;
    std::vector<const ExpressionCompiler::Function*> active_;
    std::vector<const ExpressionCompiler::Rule*> activeRules_;
};

}  // namespace

bool isBuiltinFunction(const std::string& name) { return builtin(name) != nullptr; }

std::vector<std::string> builtinFunctionNames() {
    std::vector<std::string> out;
    for (const auto& b : kBuiltins) out.push_back(b.name);
    return out;
}

ExpressionCompiler::ExpressionCompiler(const Model& model) : model_(model) {}
ExpressionCompiler::~ExpressionCompiler() = default;

namespace {
Source sourceOf(const Document& doc, const toml::node& n, const std::string& field) {
    Source src;
    src.document = &doc;
    src.node = &n;
    src.field = field;
    src.text = doc.string(n, field);
    if (src.text.size() > kMaxExpressionLength)
        doc.fail(n, field, "the expression is longer than " + std::to_string(kMaxExpressionLength) + " characters");
    return src;
}
}  // namespace

void ExpressionCompiler::addFunction(const Document& doc, const toml::node& body, const std::string& field,
                                     const std::string& name, std::vector<std::string> arguments) {
    auto f = std::make_unique<Function>();
    f->name = name;
    f->arguments = std::move(arguments);
    f->source = sourceOf(doc, body, field);
    f->body = Parser(f->source).parse();
    functions_[name] = std::move(f);
}

bool ExpressionCompiler::hasFunction(const std::string& name) const { return functions_.count(name) != 0; }

void ExpressionCompiler::checkFunctions() const {
    // Compiling each body once, its arguments standing for placeholders, checks its names and
    // calls and meets any recursion through the functions it calls.
    for (const auto& [name, f] : functions_) {
        Expression scratch;
        Generator g(model_, functions_, rules_, scratch);
        Node placeholder;
        placeholder.kind = Node::Kind::Number;
        Scope root;
        root.source = &f->source;
        Node call;
        call.kind = Node::Kind::Call;
        call.name = name;
        for (std::size_t i = 0; i < f->arguments.size(); ++i) call.children.push_back(placeholder);
        g.generate(call, root);
    }
}

Expression ExpressionCompiler::compile(const Document& doc, const toml::node& n, const std::string& field) const {
    const Source src = sourceOf(doc, n, field);
    const Node tree = Parser(src).parse();
    Expression e;
    e.text = src.text;
    Generator g(model_, functions_, rules_, e);
    Scope root;
    root.source = &src;
    g.generate(tree, root);
    g.finish();
    return e;
}

void ExpressionCompiler::addAssignmentRule(const Document& doc, const toml::node& formula, const std::string& field,
                                           const std::string& variable) {
    auto r = std::make_unique<Rule>();
    r->variable = variable;
    r->source = sourceOf(doc, formula, field);
    r->formula = Parser(r->source).parse();
    rules_[variable] = std::move(r);
}

bool ExpressionCompiler::hasAssignmentRule(const std::string& variable) const { return rules_.count(variable) != 0; }

Expression ExpressionCompiler::compileAssignmentRule(const std::string& variable) const {
    const Rule& r = *rules_.at(variable);
    Expression e;
    e.text = r.source.text;
    Generator g(model_, functions_, rules_, e);
    g.inlineRule(r);
    g.finish();
    return e;
}

}  // namespace egress
