//===- linac-opt.cpp - run linac's passes on IR (for lit) ------------------===//
#include "dialect/chunk/IR/ChunkDialect.h"
#include "dialect/chunk/Transforms/Passes.h"
#include "dialect/lin/IR/LinDialect.h"
#include "dialect/tile/Transforms/Passes.h"
#include "lowering/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::lin::LinDialect, mlir::chunk::ChunkDialect,
                  mlir::tile::TileDialect, mlir::scf::SCFDialect,
                  mlir::arith::ArithDialect>();
  linac::registerLoweringPasses();
  linac::registerChunkPasses();
  linac::registerTilePasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "linac optimizer driver\n", registry));
}
