// toml++'s implementation, compiled here so that the TOML parser is instrumented too: the fuzz
// executables link this object, whose definitions take precedence over the (uninstrumented)
// shared libtomlplusplus that egress_io links. Same headers, same ABI.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
