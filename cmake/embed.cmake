# Writes a C++ file that defines `const std::string_view NAME` holding the bytes of INPUT.
# Called at build time: cmake -DINPUT=... -DOUTPUT=... -DNAME=... -P embed.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
math(EXPR size "${hex_length} / 2")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace mailsync::embedded {\nstatic const char ${NAME}_bytes[] = {${bytes} 0};\nextern const std::string_view ${NAME}{${NAME}_bytes, ${size}};\n}\n")
