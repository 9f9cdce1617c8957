# LINAC_STATIC_DRIVER: a `linac` that runs where there is no LLVM/MLIR, no
# clang and maybe another libstdc++ (the GPU machine of scripts/gpu-check):
# LLVM, MLIR, libstdc++, libgcc and the compression libraries are linked
# statically, leaving glibc and libnvrtc.so.13 (the CUDA 13 toolkit here has
# no libnvrtc_static.a). Included from the top-level CMakeLists.txt once the
# targets exist; scripts/gpu-check/build-static-linac.sh builds it.
#
# Debian builds LLVM with LLVM_LINK_LLVM_DYLIB, so every exported MLIR library
# links the `LLVM` imported target (libLLVM.so). That entry is replaced by the
# static LLVM component libraries; the libraries linac links itself are not
# touched, so this keeps working as they change.

set(LINAC_STATIC_LLVM_COMPONENTS Support CACHE STRING
    "LLVM components (static) that replace libLLVM.so under LINAC_STATIC_DRIVER")
llvm_map_components_to_libnames(_linac_llvm_libs ${LINAC_STATIC_LLVM_COMPONENTS})
add_library(LinacStaticLLVM INTERFACE)
target_link_libraries(LinacStaticLLVM INTERFACE ${_linac_llvm_libs})

foreach(_t ${MLIR_EXPORTED_TARGETS})
  if(NOT TARGET ${_t})
    continue()
  endif()
  get_target_property(_libs ${_t} INTERFACE_LINK_LIBRARIES)
  if(_libs)
    list(TRANSFORM _libs REPLACE "^LLVM$" LinacStaticLLVM)
    list(TRANSFORM _libs REPLACE "^\\$<LINK_ONLY:LLVM>$" "$<LINK_ONLY:LinacStaticLLVM>")
    set_property(TARGET ${_t} PROPERTY INTERFACE_LINK_LIBRARIES "${_libs}")
  endif()
endforeach()

# The LLVM libraries' own system dependencies name shared libraries (zlib,
# zstd, z3, ...): each becomes the static archive beside it, or is dropped
# where there is none (z3: only LLVM's SMT solver uses it), so a use of one
# fails at link time rather than on the GPU machine.
function(_linac_shared_location item out)
  set(loc "")
  if(TARGET ${item})
    get_target_property(type ${item} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(loc ${item} IMPORTED_LOCATION)
      get_target_property(configs ${item} IMPORTED_CONFIGURATIONS)
      foreach(c ${configs})
        if(NOT loc)
          get_target_property(loc ${item} IMPORTED_LOCATION_${c})
        endif()
      endforeach()
    endif()
  elseif(IS_ABSOLUTE "${item}")
    set(loc ${item})
  endif()
  if(NOT loc MATCHES "\\.so(\\.[0-9.]+)?$")
    set(loc "")
  endif()
  set(${out} "${loc}" PARENT_SCOPE)
endfunction()

set(_todo ${_linac_llvm_libs})
set(_seen)
while(_todo)
  list(POP_FRONT _todo _lib)
  if(_lib IN_LIST _seen OR NOT TARGET ${_lib})
    continue()
  endif()
  list(APPEND _seen ${_lib})
  get_target_property(_libs ${_lib} INTERFACE_LINK_LIBRARIES)
  if(NOT _libs)
    continue()
  endif()
  set(_new)
  foreach(_item ${_libs})
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _name "${_item}")
    if(_name MATCHES "^LLVM")
      list(APPEND _todo ${_name})
    endif()
    _linac_shared_location("${_name}" _so)
    if(_so)
      string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" _a "${_so}")
      if(EXISTS "${_a}")
        message(STATUS "Static driver: ${_lib} links ${_a} (not ${_name})")
        set(_item "${_a}")
      else()
        message(STATUS "Static driver: ${_lib} drops ${_name} (no static library)")
        continue()
      endif()
    endif()
    list(APPEND _new "${_item}")
  endforeach()
  set_property(TARGET ${_lib} PROPERTY INTERFACE_LINK_LIBRARIES "${_new}")
endwhile()

# libstdc++ and libgcc into the binary; --as-needed drops glibc's stub
# libraries (librt, libdl, libpthread: in libc since 2.34).
target_link_options(linac PRIVATE -static-libstdc++ -static-libgcc LINKER:--as-needed)
# libnvrtc.so.13 where the CUDA toolkit puts it (also found through ld.so.conf).
set_property(TARGET linac APPEND PROPERTY BUILD_RPATH /usr/local/cuda/lib64)
message(STATUS "Static driver: linac links LLVM (${LINAC_STATIC_LLVM_COMPONENTS}), MLIR and libstdc++ statically")
