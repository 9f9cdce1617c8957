//===- Lexer.h - tokens of the DSL -----------------------------------------===//
#ifndef LINAC_FRONTEND_LEXER_H
#define LINAC_FRONTEND_LEXER_H

#include "frontend/Diagnostics.h"

#include <string>
#include <string_view>

namespace linac::frontend {

struct Token {
  enum Kind {
    Eof, Ident, Number, LBrace, RBrace, LParen, RParen, LBracket, RBracket,
    Comma, Colon, Semi, Assign, Plus, Minus, Star, Slash, At, Caret, Invalid
  } kind = Eof;
  std::string_view text;
  double number = 0;
  Loc loc;
};

class Lexer {
public:
  explicit Lexer(std::string_view source) : src(source) {}
  /// The next token; `Invalid` for a byte that starts no token.
  Token next();

private:
  char peek(size_t ahead = 0) const {
    return pos + ahead < src.size() ? src[pos + ahead] : '\0';
  }
  void advance();
  std::string_view src;
  size_t pos = 0;
  Loc loc;
};

const char *spell(Token::Kind kind);

} // namespace linac::frontend

#endif
