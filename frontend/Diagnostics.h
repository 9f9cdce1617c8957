//===- Diagnostics.h - frontend diagnostics (file:line:col) ----------------===//
//
// The frontend has no MLIR dependency (it is what the fuzzer links), so it
// collects its own diagnostics; the driver forwards them to MLIR's engine.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_FRONTEND_DIAGNOSTICS_H
#define LINAC_FRONTEND_DIAGNOSTICS_H

#include <cstdint>
#include <string>
#include <vector>

namespace linac::frontend {

struct Loc {
  uint32_t line = 1, col = 1;
};

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity;
  Loc loc;
  std::string message;
};

class Diagnostics {
public:
  void error(Loc loc, std::string message) {
    list.push_back({Severity::Error, loc, std::move(message)});
  }
  void note(Loc loc, std::string message) {
    list.push_back({Severity::Note, loc, std::move(message)});
  }
  bool hasErrors() const;
  const std::vector<Diagnostic> &all() const { return list; }

  /// Renders every diagnostic as "file:line:col: error: msg", the source
  /// line and a caret, as MLIR does.
  std::string render(const std::string &fileName,
                     const std::string &source) const;

private:
  std::vector<Diagnostic> list;
};

} // namespace linac::frontend

#endif
