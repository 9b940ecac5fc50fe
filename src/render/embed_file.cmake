# Writes a .cpp defining `std::string_view lambdascope::render::${FUNCTION}()` that returns the bytes of INPUT:
# `cmake -DINPUT=... -DOUTPUT=... -DFUNCTION=... -P embed_file.cmake`. A byte array rather than a raw string
# literal, so any content (including `)"` or NUL) embeds exactly.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],)(0x[0-9a-f][0-9a-f],))"
       "\\1\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} by embed_file.cmake; do not edit.
#include <string_view>

#include \"render/embedded_files.hpp\"

namespace lambdascope::render {

namespace {
// Named after the function, so that embedded files can share a unity build's translation unit. One extra
// zero byte, so an empty input still makes a valid array.
constexpr unsigned char ${FUNCTION}_bytes[] = {
${bytes}0x00};
}  // namespace

std::string_view ${FUNCTION}() { return {reinterpret_cast<const char*>(${FUNCTION}_bytes), ${size}}; }

}  // namespace lambdascope::render
")
# Replace only when changed, so an unchanged bundle does not recompile.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
