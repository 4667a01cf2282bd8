#pragma once
// Names, dimensions and units of the result file (contract section 4; docs/file-format.md).
// The writer and `egress info` both use this table; analysis/egress_analysis/schema.py mirrors it.
namespace egress::schema {

inline constexpr const char* kFormat = "egress";
/// 2: /events/event has no values and /events/load is [E, C] over /events/cargo (1: [E, S]).
inline constexpr int kFormatVersion = 2;

// Dimension scales (coordinate variables).
inline constexpr const char* kTime = "time";            // float64 [T], s
inline constexpr const char* kSpecies = "species";      // string [S]
inline constexpr const char* kReplicate = "replicate";  // int64 [R]
inline constexpr const char* kRoute = "vesicles/route"; // string [V]
inline constexpr const char* kCompartment = "compartment"; // string [C]

inline constexpr const char* kAmounts = "amounts";                          // [R, T, S] molecules
inline constexpr const char* kBudded = "vesicles/budded";                   // [R, T, V]
inline constexpr const char* kFused = "vesicles/fused";                     // [R, T, V]
inline constexpr const char* kInTransit = "vesicles/in_transit";            // [R, T, V]
inline constexpr const char* kCargoInTransit = "vesicles/cargo_in_transit"; // [R, T, S] molecules
inline constexpr const char* kMembraneArea = "membrane_area";               // [R, T, C] um^2
/// Attributes of /membrane_area, int64 [C] and float64 [C] (um^2): how many replicates had a negative
/// area at some sample, and the lowest area of any replicate at any sample (of finished replicates).
inline constexpr const char* kNegativeAreaReplicatesAttribute = "negative_replicates";
inline constexpr const char* kLowestAreaAttribute = "lowest_area";
// /events/{replicate, time, route, kind, vesicle} [E], cargo [C] and load [E, C] along the value-less
// dimension /events/event: stochastic methods with the event log on. The group's attribute
// `count` is E.
inline constexpr const char* kEventGroup = "events";
inline constexpr const char* kEventCountAttribute = "count";

/// Root attribute set to 1 as the last write before the file gets its final name.
inline constexpr const char* kCompleteAttribute = "complete";

}  // namespace egress::schema
