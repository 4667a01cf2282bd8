# `cmake --install build/release --prefix P` gives
#   P/bin/egress                      the program; it finds P/share/egress/models by itself
#   P/share/egress/models/*.toml      the built-in models (`model = "secretory_core"`)
#   P/lib/libegress_*.a               egress::core, egress::solvers, egress::io, egress::driver
#   P/include/egress/{core,solvers,io,driver}/*.hpp   included as "core/Model.hpp" etc.
#   P/lib/cmake/egress/               egressConfig.cmake, egressConfigVersion.cmake,
#                                     egressTargets.cmake, FindRandom123.cmake
# so that another CMake project can `find_package(egress CONFIG REQUIRED)` and
# `target_link_libraries(app egress::io egress::solvers)`. tests/install checks all of it.
include(CMakePackageConfigHelpers)

set(EGRESS_INSTALL_MODELDIR ${CMAKE_INSTALL_DATADIR}/egress/models)
set(EGRESS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/egress)

install(TARGETS egress RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS egress_core egress_solvers egress_io egress_driver EXPORT egressTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/egress)
# Every header of the libraries, keeping the core/, solvers/, io/, driver/ folders, but the loaders'
# private parts: TomlDocument.hpp and the parts of ConfigLoader (they include toml++, which no
# installed header needs). tests/install checks that no installed header reaches toml++.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/egress
        FILES_MATCHING PATTERN "*.hpp"
        PATTERN "cli" EXCLUDE
        REGEX "/io/(TomlDocument|InputNames|LoadState|EquationParser|ExpressionParser|Units|ModelReader|RunReader|CrossChecks)\\.hpp$" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${EGRESS_INSTALL_MODELDIR}
        FILES_MATCHING PATTERN "*.toml")

install(EXPORT egressTargets NAMESPACE egress:: DESTINATION ${EGRESS_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/egressConfig.cmake.in
  ${PROJECT_BINARY_DIR}/egressConfig.cmake
  INSTALL_DESTINATION ${EGRESS_INSTALL_CMAKEDIR}
  PATH_VARS EGRESS_INSTALL_MODELDIR)
# 0.x releases promise nothing across minor versions; same-minor-version matching is the honest choice.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/egressConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/egressConfig.cmake ${PROJECT_BINARY_DIR}/egressConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindRandom123.cmake
        DESTINATION ${EGRESS_INSTALL_CMAKEDIR})
