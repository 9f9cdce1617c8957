//===- FrontendFuzzer.cpp - libFuzzer target for the DSL frontend -----------===//
//
// Any bytes must give either a recurrence or an error that says why: never a
// crash, a hang, a leak or undefined behaviour.
//
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string source(reinterpret_cast<const char *>(data), size);
  linac::frontend::Diagnostics diags;
  auto rec = linac::frontend::compileSource(source, diags);
  if (!rec && !diags.hasErrors())
    std::abort(); // a rejection must come with a diagnostic
  if (rec) {
    // Every slot of the normal form refers to a node of the pool.
    for (int id : {rec->g, rec->eraseA, rec->eraseB, rec->key, rec->value,
                   rec->query})
      if (id >= static_cast<int>(rec->pool.size()))
        std::abort();
    if (rec->key < 0 || rec->value < 0 || rec->query < 0)
      std::abort();
  }
  std::string text = diags.render("fuzz.lin", source);
  return text.size() == 1 ? 1 : 0; // keep the rendering from being optimised out
}
