#pragma once
// The kinds of entry in the schema of egress's HDF5 files. The entries themselves are generated
// from engine/io/result_schema.toml into io/ResultSchema.hpp (scripts/generate-result-schema.py).
#include <array>
#include <cstddef>
#include <string_view>

namespace egress::schema {

/// Count: float64 expected counts in ode, int64 whole vesicles in the stochastic methods.
enum class ValueType { Float64, Int64, Int32, Int8, String, Count };

/// A text attribute whose value the schema fixes (description, flag_meanings, ...).
struct TextAttribute {
    const char* name = nullptr;  ///< null past the last one
    const char* value = nullptr;
};

/// An attribute of a group ("/" for the root) or of a dataset: a scalar (rank 0), or a vector
/// along one dimension (rank 1; its length is that of the dimension).
struct AttributeSpec {
    const char* on;
    const char* name;
    ValueType type;
    std::size_t rank;
    std::array<const char*, 1> dims;
};

/// A dataset: its path below the root, type, dimensions (slowest first; each the name of a
/// dimension scale), units (the value of its `units` attribute, "" for none) and fixed attributes.
struct DatasetSpec {
    const char* path;
    ValueType type;
    std::size_t rank;
    std::array<const char*, 4> dims;
    const char* units;
    std::array<TextAttribute, 2> attributes;

    /// The last part of the path: the name within its group.
    const char* name() const {
        const std::string_view p(path);
        const auto slash = p.rfind('/');
        return slash == std::string_view::npos ? path : path + slash + 1;
    }
};

}  // namespace egress::schema
