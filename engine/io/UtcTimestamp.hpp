#pragma once
// The time now, UTC, as ISO 8601 to the second ("2026-01-31T12:00:00Z"): the `created` attribute.
#include <ctime>
#include <string>

namespace egress {

inline std::string utcTimestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

}  // namespace egress
