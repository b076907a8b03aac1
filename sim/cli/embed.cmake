# Turns a text file into a C string constant, so `nsasim predict` runs on its
# default arch and workload from any directory. Run as:
#   cmake -DIN=file.yaml -DOUT=file.c -DSYMBOL=name -P embed.cmake
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}.tmp" "/* Generated from ${IN} by sim/cli/embed.cmake; do not edit. */\n")
file(APPEND "${OUT}.tmp" "const char ${SYMBOL}[] = {${bytes} 0x00};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
