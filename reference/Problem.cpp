//===- Problem.cpp - parsing of --shape and --seqlens ----------------------===//
#include "reference/Problem.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace linac {

static bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty() || s.size() > 12)
    return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

static std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos)
      return parts;
    start = end + 1;
  }
}

std::string parseDims(const std::string &text, Dims &dims, bool kernelOnly) {
  std::map<std::string, int64_t *> slots = {{"B", &dims.B},   {"T", &dims.T},
                                            {"H", &dims.H},   {"HV", &dims.HV},
                                            {"K", &dims.K},   {"V", &dims.V}};
  std::map<std::string, bool> seen;
  for (const std::string &part : split(text, ',')) {
    size_t eq = part.find('=');
    if (eq == std::string::npos)
      return "--shape: expected NAME=VALUE, got '" + part + "'";
    std::string key = part.substr(0, eq);
    auto it = slots.find(key);
    if (it == slots.end())
      return "--shape: unknown dimension '" + key +
             "' (expected B, T, H, HV, K, V)";
    if (seen[key])
      return "--shape: dimension '" + key + "' given twice";
    seen[key] = true;
    int64_t v;
    if (!parseInt(part.substr(eq + 1), v))
      return "--shape: " + key + " must be a non-negative integer, got '" +
             part.substr(eq + 1) + "'";
    *it->second = v;
  }
  for (const char *k : {"B", "T", "H", "K", "V"})
    if (!seen[k] && !(kernelOnly && (k[0] == 'B' || k[0] == 'T' || k[0] == 'H')))
      return std::string("--shape: missing dimension ") + k;
  if (kernelOnly) { // only K and V matter; keep the rest valid
    dims.B = seen["B"] ? dims.B : 1;
    dims.T = seen["T"] ? dims.T : 1;
    dims.H = seen["H"] ? dims.H : 1;
  }
  if (!seen["HV"])
    dims.HV = dims.H;
  if (dims.B < 1 || dims.H < 1 || dims.HV < 1 || dims.K < 1 || dims.V < 1)
    return "--shape: B, H, HV, K and V must be at least 1";
  if (dims.HV % dims.H != 0)
    return "--shape: HV (" + std::to_string(dims.HV) +
           ") must be a multiple of H (" + std::to_string(dims.H) + ")";
  if (dims.K > 1024 || dims.V > 1024)
    return "--shape: K and V must be at most 1024";
  // Keep every tensor well inside memory and index range.
  long double tokens = static_cast<long double>(dims.B) * dims.T * dims.HV;
  if (tokens * (dims.K + dims.V) > 1.0e9L ||
      static_cast<long double>(dims.B) * dims.HV * dims.K * dims.V > 1.0e9L)
    return "--shape: problem too large for the reference (more than 1e9 "
           "elements in one tensor)";
  return "";
}

Result zeroResult(const Problem &p) {
  const Dims &d = p.dims;
  const int64_t N = p.numSequences();
  Result r;
  r.o = {"o", {d.B, d.T, d.HV, d.V},
         std::vector<double>(static_cast<size_t>(d.B * d.T * d.HV * d.V))};
  r.ht = {"ht", {N, d.HV, d.K, d.V},
          std::vector<double>(static_cast<size_t>(N * d.HV * d.K * d.V))};
  return r;
}

double relativeError(const std::vector<double> &x, const std::vector<double> &ref,
                     int64_t *nonFinite) {
  double diff = 0, norm = 0;
  int64_t bad = 0;
  for (size_t i = 0; i < ref.size() && i < x.size(); ++i) {
    if (!std::isfinite(x[i]))
      ++bad;
    diff += (x[i] - ref[i]) * (x[i] - ref[i]);
    norm += ref[i] * ref[i];
  }
  if (nonFinite)
    *nonFinite = bad;
  if (x.size() != ref.size())
    return std::numeric_limits<double>::infinity();
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

uint16_t toHalfBits(float x, int dtype) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (dtype == 1) { // bf16, round to nearest even
    if ((u & 0x7fffffff) > 0x7f800000)
      return 0x7fc0;
    u += 0x7fff + ((u >> 16) & 1);
    return static_cast<uint16_t>(u >> 16);
  }
  // f16, round to nearest even; overflow to infinity, subnormals kept.
  uint32_t sign = (u >> 16) & 0x8000;
  float a = std::fabs(x);
  if (std::isnan(x))
    return static_cast<uint16_t>(sign | 0x7e00);
  if (a >= 65520.0f)
    return static_cast<uint16_t>(sign | 0x7c00);
  if (a < 6.103515625e-05f) // subnormal: multiples of 2^-24
    return static_cast<uint16_t>(
        sign | static_cast<uint32_t>(std::nearbyint(a * 16777216.0f)));
  std::memcpy(&u, &a, 4);
  uint32_t exponent = (u >> 23) - 127 + 15, mantissa = u & 0x7fffff;
  uint32_t h = (exponent << 10) | (mantissa >> 13), rem = mantissa & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    ++h; // a carry into the exponent is the correct rounding
  return static_cast<uint16_t>(sign | h);
}

float fromHalfBits(uint16_t h, int dtype) {
  if (dtype == 1) {
    uint32_t u = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
  float v = exponent == 0    ? std::ldexp(static_cast<float>(mantissa), -24)
            : exponent == 31 ? (mantissa ? NAN : INFINITY)
                             : std::ldexp(static_cast<float>(mantissa | 1024),
                                          exponent - 25);
  return sign ? -v : v;
}

void roundInputs(Problem &p, int dtype) {
  if (dtype != 1 && dtype != 2)
    return;
  for (Tensor &t : p.inputs)
    for (double &x : t.data)
      x = fromHalfBits(toHalfBits(static_cast<float>(x), dtype), dtype);
}

int parseDtype(const std::string &name) {
  return name == "f32" ? 0 : name == "bf16" ? 1 : name == "f16" ? 2 : -1;
}

void roundToFloat(Problem &p) {
  auto round = [](Tensor &t) {
    for (double &x : t.data)
      x = static_cast<double>(static_cast<float>(x));
  };
  for (Tensor &t : p.inputs)
    round(t);
  for (Tensor &t : p.params)
    round(t);
  if (p.h0)
    round(*p.h0);
  p.scale = static_cast<double>(static_cast<float>(p.scale));
}

std::string parseSeqlens(const std::string &text, const Dims &dims,
                         std::vector<int64_t> &cuSeqlens) {
  if (dims.B != 1)
    return "--seqlens needs B=1 (sequences are packed along T), got B=" +
           std::to_string(dims.B);
  cuSeqlens.assign(1, 0);
  for (const std::string &part : split(text, ',')) {
    int64_t len;
    if (!parseInt(part, len))
      return "--seqlens: expected non-negative integers, got '" + part + "'";
    cuSeqlens.push_back(cuSeqlens.back() + len);
    if (cuSeqlens.back() > dims.T)
      break;
  }
  if (cuSeqlens.back() != dims.T)
    return "--seqlens: lengths must sum to T=" + std::to_string(dims.T) +
           (cuSeqlens.back() > dims.T ? " (they exceed it)" : "");
  return "";
}

} // namespace linac
