//===- Parser.h - .lin source to syntax tree -------------------------------===//
#ifndef LINAC_FRONTEND_PARSER_H
#define LINAC_FRONTEND_PARSER_H

#include "frontend/AST.h"

#include <optional>
#include <string_view>

namespace linac::frontend {

/// Parses one `variant NAME { ... }`; on a syntax error reports it and
/// returns nothing. Never reads past the input, never recurses unboundedly.
std::optional<Program> parse(std::string_view source, Diagnostics &diags);

} // namespace linac::frontend

#endif
