//===- linac.cpp - the linac driver ----------------------------------------===//
//
//   linac compile X.lin --emit lin [-o FILE] [--verify-diagnostics]
//   linac run X.lin --target reference --shape B=..,T=..,H=..[,HV=..],K=..,V=..
//             [--seqlens 37,1,62] [--initial-state] [--scale F] --seed N
//             [--dump DIR]
//
// Exit codes: 0 success, 1 the program or the run failed, 2 bad usage.
//
//===----------------------------------------------------------------------===//
#include "dialect/lin/IR/Classification.h"
#include "dialect/lin/IR/LinDialect.h"
#include "frontend/import/ImportLin.h"
#include "reference/Interpreter.h"
#include "reference/Npy.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace mlir;

namespace {

constexpr const char *kUsage =
    "usage: linac compile FILE.lin --emit lin [-o OUT] [--verify-diagnostics]\n"
    "       linac run FILE.lin --target reference --shape "
    "B=..,T=..,H=..[,HV=..],K=..,V=..\n"
    "                 --seed N [--seqlens L1,L2,..] [--initial-state] "
    "[--scale F] [--dump DIR]\n"
    "       linac --help | --version\n";

int usageError(const std::string &message) {
  llvm::errs() << "linac: error: " << message << "\n";
  return 2;
}

/// Flags of one subcommand: names with a value, names without.
struct Flags {
  std::string file;
  std::map<std::string, std::string> values;
  std::map<std::string, bool> switches;
};

/// Returns an error message, empty on success.
std::string parseFlags(int argc, char **argv, int first,
                       const std::vector<std::string> &withValue,
                       const std::vector<std::string> &withoutValue,
                       Flags &flags) {
  auto contains = [](const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasInline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      hasInline = true;
    }
    if (contains(withValue, arg)) {
      if (!hasInline) {
        if (i + 1 >= argc)
          return "flag " + arg + " needs a value";
        value = argv[++i];
      }
      if (flags.values.count(arg))
        return "flag " + arg + " given twice";
      flags.values[arg] = value;
    } else if (contains(withoutValue, arg) && !hasInline) {
      flags.switches[arg] = true;
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      return "unknown flag '" + arg + "'";
    } else if (flags.file.empty()) {
      flags.file = arg;
    } else {
      return "unexpected argument '" + arg + "' (one .lin file at a time)";
    }
  }
  if (flags.file.empty())
    return "no input file (expected a .lin file)";
  return "";
}

struct Loaded {
  OwningOpRef<ModuleOp> module;
  lin::VariantOp variant;
};

/// Reads and imports a .lin file; DSL diagnostics go to stderr.
std::optional<Loaded> load(const std::string &path, MLIRContext &context,
                           llvm::SourceMgr &sourceMgr) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return std::nullopt;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  Loaded l;
  l.module = linac::parseLinFile(sourceMgr, &context);
  if (!l.module)
    return Loaded{};
  l.variant = *l.module->getOps<lin::VariantOp>().begin();
  return l;
}

int compileCommand(int argc, char **argv) {
  Flags flags;
  if (auto err = parseFlags(argc, argv, 2, {"--emit", "-o"},
                            {"--verify-diagnostics"}, flags);
      !err.empty())
    return usageError(err);
  std::string emit = flags.values.count("--emit") ? flags.values["--emit"] : "lin";
  if (emit != "lin")
    return usageError("--emit " + emit +
                      ": unknown (this build emits: lin)");
  if (!llvm::sys::fs::exists(flags.file))
    return usageError("no such file '" + flags.file + "'");
  MLIRContext context;
  context.getOrLoadDialect<lin::LinDialect>();
  llvm::SourceMgr sourceMgr;
  if (flags.switches["--verify-diagnostics"]) {
    auto buffer = llvm::MemoryBuffer::getFile(flags.file, /*IsText=*/true);
    if (!buffer)
      return usageError("cannot read '" + flags.file + "'");
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
    OwningOpRef<ModuleOp> module = linac::parseLinFile(sourceMgr, &context);
    return failed(handler.verify()) ? 1 : 0;
  }
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  auto loaded = load(flags.file, context, sourceMgr);
  if (!loaded)
    return usageError("cannot read '" + flags.file + "'");
  if (!loaded->module)
    return 1;
  std::string outPath = flags.values.count("-o") ? flags.values["-o"] : "-";
  std::string errorMessage;
  auto out = openOutputFile(outPath, &errorMessage);
  if (!out)
    return usageError(errorMessage);
  loaded->module->print(out->os());
  out->keep();
  return 0;
}

std::string dumpProblem(const std::string &dir, const linac::Problem &p,
                        const linac::Result &r, lin::VariantOp variant,
                        uint64_t seed) {
  if (auto ec = llvm::sys::fs::create_directories(dir))
    return "cannot create directory '" + dir + "': " + ec.message();
  auto path = [&](const std::string &name) {
    llvm::SmallString<256> s(dir);
    llvm::sys::path::append(s, name + ".npy");
    return std::string(s);
  };
  for (const auto *list : {&p.inputs, &p.params})
    for (const linac::Tensor &t : *list)
      if (auto err = linac::writeNpy(path(t.name), t.shape, t.data); !err.empty())
        return err;
  std::vector<const linac::Tensor *> outs = {&r.o, &r.ht};
  if (p.h0)
    outs.push_back(&*p.h0);
  for (const linac::Tensor *t : outs)
    if (auto err = linac::writeNpy(path(t->name), t->shape, t->data); !err.empty())
      return err;
  if (!p.cuSeqlens.empty())
    if (auto err = linac::writeNpyInt64(path("cu_seqlens"), p.cuSeqlens);
        !err.empty())
      return err;
  llvm::SmallString<256> meta(dir);
  llvm::sys::path::append(meta, "meta.json");
  std::error_code ec;
  llvm::raw_fd_ostream os(meta, ec);
  if (ec)
    return "cannot write '" + std::string(meta) + "': " + ec.message();
  const linac::Dims &d = p.dims;
  char scale[64];
  std::snprintf(scale, sizeof scale, "%.17g", p.scale);
  os << "{\"variant\": \"" << variant.getSymName() << "\", \"B\": " << d.B
     << ", \"T\": " << d.T << ", \"H\": " << d.H << ", \"HV\": " << d.HV
     << ", \"K\": " << d.K << ", \"V\": " << d.V << ", \"scale\": " << scale
     << ", \"seed\": " << seed
     << ", \"varlen\": " << (p.cuSeqlens.empty() ? "false" : "true")
     << ", \"initial_state\": " << (p.h0 ? "true" : "false") << "}\n";
  return "";
}

double frobenius(const std::vector<double> &x) {
  double s = 0;
  for (double v : x)
    s += v * v;
  return std::sqrt(s);
}

int runCommand(int argc, char **argv) {
  Flags flags;
  if (auto err = parseFlags(argc, argv, 2,
                            {"--target", "--shape", "--seqlens", "--seed",
                             "--dump", "--scale"},
                            {"--initial-state"}, flags);
      !err.empty())
    return usageError(err);
  std::string target =
      flags.values.count("--target") ? flags.values["--target"] : "reference";
  if (target != "reference")
    return usageError("--target " + target +
                      ": unknown target (this build runs: reference)");
  if (!flags.values.count("--shape"))
    return usageError("run needs --shape B=..,T=..,H=..[,HV=..],K=..,V=..");
  if (!flags.values.count("--seed"))
    return usageError("run needs --seed N");
  linac::Dims dims;
  if (auto err = linac::parseDims(flags.values["--shape"], dims); !err.empty())
    return usageError(err);
  std::vector<int64_t> cuSeqlens;
  if (flags.values.count("--seqlens"))
    if (auto err = linac::parseSeqlens(flags.values["--seqlens"], dims, cuSeqlens);
        !err.empty())
      return usageError(err);
  const std::string &seedText = flags.values["--seed"];
  if (seedText.empty() || seedText.size() > 19 ||
      seedText.find_first_not_of("0123456789") != std::string::npos)
    return usageError("--seed must be a non-negative integer, got '" +
                      seedText + "'");
  uint64_t seed = std::stoull(seedText);
  std::optional<double> scale;
  if (flags.values.count("--scale")) {
    char *end = nullptr;
    const std::string &s = flags.values["--scale"];
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v))
      return usageError("--scale must be a finite number, got '" + s + "'");
    scale = v;
  }
  if (!llvm::sys::fs::exists(flags.file))
    return usageError("no such file '" + flags.file + "'");

  MLIRContext context;
  context.getOrLoadDialect<lin::LinDialect>();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  auto loaded = load(flags.file, context, sourceMgr);
  if (!loaded)
    return usageError("cannot read '" + flags.file + "'");
  if (!loaded->module)
    return 1;

  linac::Problem problem =
      linac::makeRandomProblem(loaded->variant, dims, cuSeqlens,
                               flags.switches["--initial-state"], seed, scale);
  linac::Result result;
  if (auto err = linac::runReference(loaded->variant, problem, result);
      !err.empty()) {
    llvm::errs() << "linac: error: " << err << "\n";
    return 1;
  }
  lin::Classification cls = lin::classify(loaded->variant);
  llvm::outs() << "variant " << loaded->variant.getSymName() << ": decay "
               << lin::stringifyDecayKind(cls.decay) << ", erase "
               << lin::stringifyEraseKind(cls.erase) << "\n"
               << "target reference (float64, token by token)\n"
               << "shape B=" << dims.B << " T=" << dims.T << " H=" << dims.H
               << " HV=" << dims.HV << " K=" << dims.K << " V=" << dims.V
               << ", " << problem.numSequences() << " sequence(s)"
               << (problem.h0 ? ", initial state" : "") << ", seed " << seed
               << "\n";
  char line[160];
  std::snprintf(line, sizeof line, "||o||_F  = %.12e\n||ht||_F = %.12e\n",
                frobenius(result.o.data), frobenius(result.ht.data));
  llvm::outs() << line;
  bool finite = true;
  for (double v : result.o.data)
    finite &= std::isfinite(v);
  for (double v : result.ht.data)
    finite &= std::isfinite(v);
  if (!finite) {
    llvm::errs() << "linac: error: the reference produced non-finite values\n";
    return 1;
  }
  if (flags.values.count("--dump")) {
    if (auto err = dumpProblem(flags.values["--dump"], problem, result,
                               loaded->variant, seed);
        !err.empty()) {
      llvm::errs() << "linac: error: " << err << "\n";
      return 1;
    }
    llvm::outs() << "dumped inputs and outputs to " << flags.values["--dump"]
                 << "\n";
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usageError(std::string("no command\n") + kUsage);
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  if (command == "--version") {
    llvm::outs() << "linac 0.1\n";
    return 0;
  }
  if (command == "compile")
    return compileCommand(argc, argv);
  if (command == "run")
    return runCommand(argc, argv);
  return usageError("unknown command '" + command +
                    "' (expected compile or run)");
}
