#include "io/LoadState.hpp"

#include "io/InputNames.hpp"

namespace egress {

void LoadState::runConstant(const Document& doc, const Model& m, const toml::node& n, const std::string& field, double& value,
                            std::optional<std::size_t>& parameter) {
    if (const auto* str = n.as_string()) {
        const auto pi = parameterNamed(doc, m, n.source(), field, str->get());
        parameter = pi;
        value = m.parameters[pi].value;
        usedParameters.insert(pi);
        return;
    }
    value = doc.nonNegative(n, field);
}

}  // namespace egress
