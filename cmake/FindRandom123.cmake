# FindRandom123: the header-only Random123 library (Salmon et al. 2011; Debian: librandom123-dev),
# which has no CMake package of its own. egress's installed package ships this file beside
# egressConfig.cmake, because engine/core/RandomStream.hpp includes <Random123/philox.h>.
#
# Result: Random123_FOUND, Random123_INCLUDE_DIR, and the imported target Random123::Random123.
find_path(Random123_INCLUDE_DIR NAMES Random123/philox.h DOC "Directory holding Random123/philox.h")
mark_as_advanced(Random123_INCLUDE_DIR)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Random123 REQUIRED_VARS Random123_INCLUDE_DIR)

if(Random123_FOUND AND NOT TARGET Random123::Random123)
  add_library(Random123::Random123 INTERFACE IMPORTED)
  set_target_properties(Random123::Random123 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Random123_INCLUDE_DIR}")
endif()
