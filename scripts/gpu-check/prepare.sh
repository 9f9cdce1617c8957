#!/usr/bin/env bash
# Emits, here, the kernels of the large gpu-check cases into .carry/big/
# (NAME.tc.cu: the default config; NAME.cu: the same with fp32 mma operands)
# (the inputs and the reference are rebuilt on the GPU machine from seeds).
set -euo pipefail
cd "$(dirname "$0")/../.."
L=build/tools/linac/linac
rm -rf .carry/big && mkdir -p .carry/big
: > .carry/big/cases.txt
case_() { # name example B,T,H,HV,K,V seed seqlens|- h0|-
  local name=$1 ex=$2 shape=$3; IFS=, read -r B T H HV K V <<< "$shape"
  # The default (bf16 mma operands on the tensor cores) and the same config
  # with fp32 operands, which is held to 1e-5.
  $L compile examples/$ex.lin --emit cuda --shape B=$B,T=$T,H=$H,HV=$HV,K=$K,V=$V -o .carry/big/$name.tc.cu
  local cfg; cfg=$(sed -n 's/.*config \([^,]*=[^ ]*\), target cuda\./\1/p' .carry/big/$name.tc.cu)
  $L compile examples/$ex.lin --emit cuda --shape B=$B,T=$T,H=$H,HV=$HV,K=$K,V=$V \
    --config "${cfg/mma=bf16/mma=f32}" -o .carry/big/$name.cu
  echo "$name $ex $shape $4 $5 $6" >> .carry/big/cases.txt
}
# T = 32K for every example (few heads: the default is the sequence split).
for ex in linear_attention retnet simple_gla gla deltanet gdn kda kda_safe dplr gdn2; do
  case_ ${ex}_t32k $ex 1,32768,2,4,128,128 21 - h0
done
# B x H = 512 (the default splits nothing), and a varlen batch.
case_ gdn_bh512 gdn 32,1024,16,16,128,128 22 - h0
case_ kda_bh512 kda 32,1024,16,16,128,128 23 - -
case_ kda_varlen kda 1,20000,4,8,128,128 24 1,0,4999,8000,7000 h0
# Head dimension 256 (the GPU config steps down to fit shared memory).
case_ kda_k256 kda 1,8192,2,4,256,256 25 - h0
case_ gdn_k256_bh gdn 8,2048,16,16,256,256 26 - h0
cat .carry/big/cases.txt
# Modules for the C ABI test (test/gpu/capi_cuda.cpp): GDN with fp32 mma
# operands, KDA with the GPU default.
rm -rf .carry/capi && mkdir -p .carry/capi
$L compile examples/gdn.lin --emit cuda --shape K=64,V=64 --config mma=f32 -o .carry/capi/gdn64.cu
$L compile examples/kda.lin --emit cuda --shape K=64,V=64 -o .carry/capi/kda64.cu
