//===- Lexer.cpp ----------------------------------------------------------===//
#include "frontend/Lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace linac::frontend {

void Lexer::advance() {
  if (pos >= src.size())
    return;
  if (src[pos] == '\n') {
    ++loc.line;
    loc.col = 1;
  } else {
    ++loc.col;
  }
  ++pos;
}

static bool isIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
static bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }

Token Lexer::next() {
  // Skip white space and '#' comments.
  for (;;) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
    } else if (c == '#') {
      while (pos < src.size() && peek() != '\n')
        advance();
    } else {
      break;
    }
  }
  Token tok;
  tok.loc = loc;
  size_t start = pos;
  if (pos >= src.size()) {
    tok.kind = Token::Eof;
    return tok;
  }
  char c = peek();
  if (isIdentStart(c)) {
    while (isIdentChar(peek()))
      advance();
    tok.kind = Token::Ident;
  } else if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
    while (isDigit(peek()))
      advance();
    if (peek() == '.') {
      advance();
      while (isDigit(peek()))
        advance();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (isDigit(peek(1)) ||
         ((peek(1) == '+' || peek(1) == '-') && isDigit(peek(2))))) {
      advance();
      if (peek() == '+' || peek() == '-')
        advance();
      while (isDigit(peek()))
        advance();
    }
    tok.kind = Token::Number;
    std::string text(src.substr(start, pos - start));
    errno = 0;
    tok.number = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE)
      tok.kind = Token::Invalid; // reported as "number out of range"
  } else {
    static const struct {
      char c;
      Token::Kind kind;
    } punct[] = {{'{', Token::LBrace},  {'}', Token::RBrace},
                 {'(', Token::LParen},  {')', Token::RParen},
                 {'[', Token::LBracket}, {']', Token::RBracket},
                 {',', Token::Comma},   {':', Token::Colon},
                 {';', Token::Semi},    {'=', Token::Assign},
                 {'+', Token::Plus},    {'-', Token::Minus},
                 {'*', Token::Star},    {'/', Token::Slash},
                 {'@', Token::At},      {'^', Token::Caret}};
    tok.kind = Token::Invalid;
    for (const auto &p : punct)
      if (p.c == c)
        tok.kind = p.kind;
    advance();
  }
  tok.text = src.substr(start, pos - start);
  return tok;
}

const char *spell(Token::Kind kind) {
  switch (kind) {
  case Token::Eof: return "end of file";
  case Token::Ident: return "a name";
  case Token::Number: return "a number";
  case Token::LBrace: return "'{'";
  case Token::RBrace: return "'}'";
  case Token::LParen: return "'('";
  case Token::RParen: return "')'";
  case Token::LBracket: return "'['";
  case Token::RBracket: return "']'";
  case Token::Comma: return "','";
  case Token::Colon: return "':'";
  case Token::Semi: return "';'";
  case Token::Assign: return "'='";
  case Token::Plus: return "'+'";
  case Token::Minus: return "'-'";
  case Token::Star: return "'*'";
  case Token::Slash: return "'/'";
  case Token::At: return "'@'";
  case Token::Caret: return "'^'";
  case Token::Invalid: return "an invalid character";
  }
  return "?";
}

} // namespace linac::frontend
