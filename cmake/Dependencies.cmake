# Every dependency is a Debian package. A missing one stops the configure
# step with the package to install, instead of a wall of compiler errors.
include(FindPkgConfig)

function(loopscope_missing what package)
  message(FATAL_ERROR
    "loopscope needs ${what}, which was not found.\n"
    "On Debian/Ubuntu install it with:  sudo apt-get install ${package}\n"
    "(or run tools/setup.sh, which installs everything loopscope needs).")
endfunction()

find_package(nlohmann_json 3.11 QUIET)
if(NOT nlohmann_json_FOUND)
  loopscope_missing("nlohmann/json 3.11+" nlohmann-json3-dev)
endif()

find_package(CLI11 QUIET)
if(NOT CLI11_FOUND)
  loopscope_missing("CLI11" libcli11-dev)
endif()

if(LOOPSCOPE_TESTS)
  find_package(Catch2 2 QUIET)
  if(NOT Catch2_FOUND)
    loopscope_missing("Catch2 v2" catch2)
  endif()
  include(Catch)
endif()

find_package(glfw3 QUIET)
if(NOT glfw3_FOUND)
  loopscope_missing("GLFW 3" libglfw3-dev)
endif()

find_package(OpenSSL QUIET)
if(NOT OPENSSL_FOUND)
  loopscope_missing("OpenSSL" libssl-dev)
endif()

pkg_check_modules(IMGUI QUIET IMPORTED_TARGET imgui)
if(NOT IMGUI_FOUND)
  loopscope_missing("Dear ImGui 1.86" libimgui-dev)
endif()

# The backends ship as sources in the -dev package's examples; the viewer
# compiles them itself (ui/CMakeLists.txt).
set(LOOPSCOPE_IMGUI_BACKENDS /usr/share/doc/libimgui-dev/examples/backends)
if(NOT EXISTS ${LOOPSCOPE_IMGUI_BACKENDS}/imgui_impl_glfw.cpp)
  loopscope_missing("Dear ImGui's GLFW/OpenGL3 backend sources" libimgui-dev)
endif()

find_package(OpenGL QUIET)
if(NOT OPENGL_FOUND)
  loopscope_missing("OpenGL" libgl-dev)
endif()

pkg_check_modules(PCAP QUIET IMPORTED_TARGET libpcap)
if(NOT PCAP_FOUND)
  loopscope_missing("libpcap" libpcap-dev)
endif()

find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY http_parser)
if(NOT HTTP_PARSER_INCLUDE_DIR OR NOT HTTP_PARSER_LIBRARY)
  loopscope_missing("http-parser" libhttp-parser-dev)
endif()
add_library(loopscope_http_parser INTERFACE)
target_include_directories(loopscope_http_parser INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(loopscope_http_parser INTERFACE ${HTTP_PARSER_LIBRARY})
