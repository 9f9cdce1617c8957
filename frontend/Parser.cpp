//===- Parser.cpp - recursive descent over the DSL grammar (docs/dsl.md) ---===//
#include "frontend/Parser.h"
#include "frontend/Lexer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace linac::frontend {
namespace {

/// Deep nesting is legal syntax but no real recurrence needs it; the bound
/// keeps recursion (here and in later passes) off the stack limit.
constexpr int kMaxDepth = 64;
/// Bound on the height of an expression tree (long operator chains are
/// left-deep trees; later passes recurse over them).
constexpr int kMaxHeight = 256;

class Parser {
public:
  Parser(std::string_view source, Diagnostics &diags)
      : lexer(source), diags(diags) {
    tok = lexer.next();
  }

  std::optional<Program> parseProgram();

private:
  void consume() { tok = lexer.next(); }
  bool isIdent(std::string_view text) const {
    return tok.kind == Token::Ident && tok.text == text;
  }
  bool fail(const std::string &message) {
    if (!failed) {
      if (tok.kind == Token::Invalid && tok.text.empty() == false &&
          (tok.text[0] >= '0' && tok.text[0] <= '9'))
        diags.error(tok.loc, "number out of range");
      else if (tok.kind == Token::Invalid)
        diags.error(tok.loc, "unexpected character '" + printable(tok.text) +
                                 "'");
      else
        diags.error(tok.loc, message);
    }
    failed = true;
    return false;
  }
  static std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7f) {
        out += c;
      } else {
        static const char hex[] = "0123456789abcdef";
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      }
    }
    return out;
  }
  std::string found() const {
    if (tok.kind == Token::Ident || tok.kind == Token::Number)
      return "'" + printable(tok.text) + "'";
    return spell(tok.kind);
  }
  bool expect(Token::Kind kind, const std::string &context) {
    if (tok.kind != kind)
      return fail(std::string("expected ") + spell(kind) + " " + context +
                  ", found " + found());
    consume();
    return true;
  }

  bool parseDecls(Program &program, bool isParam);
  /// Sets the node's height from its children; fails past kMaxHeight.
  std::unique_ptr<AstExpr> finish(std::unique_ptr<AstExpr> node) {
    int height = 0;
    for (auto &arg : node->args)
      height = std::max(height, arg->height);
    node->height = height + 1;
    if (node->height > kMaxHeight) {
      fail("expression too large (a tree more than " +
           std::to_string(kMaxHeight) + " operations deep)");
      return nullptr;
    }
    return node;
  }
  std::unique_ptr<AstExpr> parseExpr(int depth);
  std::unique_ptr<AstExpr> parseTerm(int depth);
  std::unique_ptr<AstExpr> parseUnary(int depth);
  std::unique_ptr<AstExpr> parsePostfix(int depth);
  std::unique_ptr<AstExpr> parsePrimary(int depth);

  Lexer lexer;
  Diagnostics &diags;
  Token tok;
  bool failed = false;
};

std::optional<Program> Parser::parseProgram() {
  Program program;
  if (!isIdent("variant")) {
    fail("expected 'variant NAME {' at the start of the file, found " +
         found());
    return std::nullopt;
  }
  program.loc = tok.loc;
  consume();
  if (tok.kind != Token::Ident) {
    fail("expected the variant's name after 'variant', found " + found());
    return std::nullopt;
  }
  program.name = std::string(tok.text);
  consume();
  if (!expect(Token::LBrace, "after the variant's name"))
    return std::nullopt;
  while (tok.kind != Token::RBrace) {
    if (tok.kind == Token::Semi) {
      consume();
      continue;
    }
    if (tok.kind == Token::Eof) {
      fail("expected '}' to close variant '" + program.name +
           "', found end of file");
      return std::nullopt;
    }
    if (isIdent("input") || isIdent("param")) {
      bool isParam = isIdent("param");
      consume();
      if (!parseDecls(program, isParam))
        return std::nullopt;
      continue;
    }
    if (tok.kind != Token::Ident) {
      fail("expected a declaration or 'NAME = expression', found " + found());
      return std::nullopt;
    }
    Stmt stmt;
    stmt.target = std::string(tok.text);
    stmt.loc = tok.loc;
    consume();
    if (!expect(Token::Assign, "after the name '" + stmt.target + "'"))
      return std::nullopt;
    stmt.value = parseExpr(0);
    if (!stmt.value)
      return std::nullopt;
    program.stmts.push_back(std::move(stmt));
  }
  consume();
  if (tok.kind != Token::Eof) {
    fail("expected end of file after the variant, found " + found() +
         " (one variant per file)");
    return std::nullopt;
  }
  return program;
}

bool Parser::parseDecls(Program &program, bool isParam) {
  size_t first = program.decls.size();
  for (;;) {
    if (tok.kind != Token::Ident)
      return fail(std::string("expected the name of ") +
                  (isParam ? "a parameter" : "an input") + ", found " +
                  found());
    Decl decl;
    decl.name = std::string(tok.text);
    decl.loc = tok.loc;
    decl.isParam = isParam;
    consume();
    if (tok.kind == Token::LBracket) {
      consume();
      if (isIdent("K"))
        decl.extent = Extent::K;
      else if (isIdent("V"))
        decl.extent = Extent::V;
      else
        return fail("expected K or V as the extent of '" + decl.name +
                    "', found " + found());
      consume();
      if (!expect(Token::RBracket, "after the extent"))
        return false;
    }
    if (tok.kind == Token::Colon) {
      consume();
      if (isIdent("logdecay"))
        decl.domain = Domain::LogDecay;
      else if (isIdent("unit"))
        decl.domain = Domain::Unit;
      else if (isIdent("real"))
        decl.domain = Domain::Real;
      else
        return fail("expected a domain (real, logdecay or unit) for '" +
                    decl.name + "', found " + found());
      consume();
    }
    program.decls.push_back(std::move(decl));
    if (tok.kind != Token::Comma)
      break;
    consume();
  }
  if (isIdent("per")) {
    Loc perLoc = tok.loc;
    consume();
    HeadGroup heads;
    if (isIdent("H"))
      heads = HeadGroup::H;
    else if (isIdent("HV"))
      heads = HeadGroup::HV;
    else
      return fail("expected H or HV after 'per', found " + found());
    if (isParam) {
      diags.error(perLoc, "parameters are per value head; 'per' applies to "
                          "inputs only");
      failed = true;
      return false;
    }
    consume();
    for (size_t i = first; i < program.decls.size(); ++i)
      program.decls[i].heads = heads;
  }
  return true;
}

std::unique_ptr<AstExpr> Parser::parseExpr(int depth) {
  auto lhs = parseTerm(depth);
  while (lhs && (tok.kind == Token::Plus || tok.kind == Token::Minus)) {
    auto node = std::make_unique<AstExpr>();
    node->kind = AstExpr::Binary;
    node->op = tok.kind == Token::Plus ? '+' : '-';
    node->loc = tok.loc;
    consume();
    auto rhs = parseTerm(depth);
    if (!rhs)
      return nullptr;
    node->args.push_back(std::move(lhs));
    node->args.push_back(std::move(rhs));
    lhs = finish(std::move(node));
  }
  return lhs;
}

std::unique_ptr<AstExpr> Parser::parseTerm(int depth) {
  auto lhs = parseUnary(depth);
  while (lhs && (tok.kind == Token::Star || tok.kind == Token::Slash ||
                 tok.kind == Token::At)) {
    auto node = std::make_unique<AstExpr>();
    node->kind = AstExpr::Binary;
    node->op = tok.kind == Token::Star ? '*' : tok.kind == Token::Slash ? '/' : '@';
    node->loc = tok.loc;
    consume();
    auto rhs = parseUnary(depth);
    if (!rhs)
      return nullptr;
    node->args.push_back(std::move(lhs));
    node->args.push_back(std::move(rhs));
    lhs = finish(std::move(node));
  }
  return lhs;
}

std::unique_ptr<AstExpr> Parser::parseUnary(int depth) {
  if (depth > kMaxDepth) {
    fail("expression nested too deeply (more than " +
         std::to_string(kMaxDepth) + " levels)");
    return nullptr;
  }
  if (tok.kind == Token::Minus) {
    auto node = std::make_unique<AstExpr>();
    node->kind = AstExpr::Neg;
    node->loc = tok.loc;
    consume();
    auto operand = parseUnary(depth + 1);
    if (!operand)
      return nullptr;
    node->args.push_back(std::move(operand));
    return finish(std::move(node));
  }
  return parsePostfix(depth);
}

std::unique_ptr<AstExpr> Parser::parsePostfix(int depth) {
  auto expr = parsePrimary(depth);
  while (expr && tok.kind == Token::Caret) {
    Loc loc = tok.loc;
    consume();
    if (!isIdent("T")) {
      fail("expected 'T' after '^' (transpose), found " + found());
      return nullptr;
    }
    consume();
    auto node = std::make_unique<AstExpr>();
    node->kind = AstExpr::Transpose;
    node->loc = loc;
    node->args.push_back(std::move(expr));
    expr = finish(std::move(node));
  }
  return expr;
}

std::unique_ptr<AstExpr> Parser::parsePrimary(int depth) {
  auto node = std::make_unique<AstExpr>();
  node->loc = tok.loc;
  if (tok.kind == Token::Number) {
    node->kind = AstExpr::Number;
    node->number = tok.number;
    consume();
    return node;
  }
  if (tok.kind == Token::LParen) {
    consume();
    auto inner = parseExpr(depth + 1);
    if (!inner || !expect(Token::RParen, "to close '('"))
      return nullptr;
    return inner;
  }
  if (tok.kind != Token::Ident) {
    fail("expected an expression, found " + found());
    return nullptr;
  }
  node->name = std::string(tok.text);
  consume();
  if (tok.kind != Token::LParen) {
    node->kind = AstExpr::Name;
    return node;
  }
  node->kind = AstExpr::Call;
  consume();
  if (tok.kind != Token::RParen) {
    for (;;) {
      auto arg = parseExpr(depth + 1);
      if (!arg)
        return nullptr;
      node->args.push_back(std::move(arg));
      if (tok.kind != Token::Comma)
        break;
      consume();
    }
  }
  if (!expect(Token::RParen, "to close the arguments of a call"))
    return nullptr;
  return finish(std::move(node));
}

} // namespace

std::optional<Program> parse(std::string_view source, Diagnostics &diags) {
  return Parser(source, diags).parseProgram();
}

} // namespace linac::frontend
