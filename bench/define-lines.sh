# Sourced by bench scripts: define_lines NAME[=VALUE]... prints one
# "#define NAME VALUE" line per switch (VALUE 1 where none is given), the
# lines put ahead of an emitted kernel source to set CUDA library switches.
define_lines() {
  local d
  for d in "$@"; do
    if [[ "$d" == *=* ]]; then echo "#define ${d%%=*} ${d#*=}"; else echo "#define $d 1"; fi
  done
}
