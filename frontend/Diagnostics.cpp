//===- Diagnostics.cpp ----------------------------------------------------===//
#include "frontend/Diagnostics.h"

namespace linac::frontend {

bool Diagnostics::hasErrors() const {
  for (const Diagnostic &d : list)
    if (d.severity == Severity::Error)
      return true;
  return false;
}

static std::string sourceLine(const std::string &source, uint32_t line) {
  size_t start = 0;
  for (uint32_t l = 1; l < line; ++l) {
    size_t nl = source.find('\n', start);
    if (nl == std::string::npos)
      return "";
    start = nl + 1;
  }
  size_t end = source.find('\n', start);
  std::string text = source.substr(start, end == std::string::npos
                                              ? std::string::npos
                                              : end - start);
  // Keep the caret line aligned and printable whatever bytes came in.
  for (char &c : text)
    if (c == '\t')
      c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 ||
             static_cast<unsigned char>(c) >= 0x7f)
      c = '?';
  return text;
}

std::string Diagnostics::render(const std::string &fileName,
                                const std::string &source) const {
  std::string out;
  for (const Diagnostic &d : list) {
    const char *kind = d.severity == Severity::Error     ? "error"
                       : d.severity == Severity::Warning ? "warning"
                                                          : "note";
    out += fileName + ":" + std::to_string(d.loc.line) + ":" +
           std::to_string(d.loc.col) + ": " + kind + ": " + d.message + "\n";
    std::string text = sourceLine(source, d.loc.line);
    out += text + "\n";
    out += std::string(d.loc.col > 0 ? d.loc.col - 1 : 0, ' ') + "^\n";
  }
  return out;
}

} // namespace linac::frontend
