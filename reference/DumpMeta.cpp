//===- DumpMeta.cpp -------------------------------------------------------===//
#include "reference/DumpMeta.h"
#include "reference/Npy.h"

#include <fstream>
#include <sstream>

namespace linac {

static std::string field(const std::string &json, const std::string &key) {
  size_t p = json.find("\"" + key + "\":");
  if (p == std::string::npos)
    return "";
  p = json.find(':', p) + 1;
  while (p < json.size() && json[p] == ' ')
    ++p;
  size_t e = p;
  if (p < json.size() && json[p] == '[')
    e = json.find(']', p) + 1;
  else
    while (e < json.size() && json[e] != ',' && json[e] != '}')
      ++e;
  return json.substr(p, e - p);
}

static std::vector<std::string> names(const std::string &list) {
  std::vector<std::string> out;
  size_t p = 0;
  while ((p = list.find('"', p)) != std::string::npos) {
    size_t e = list.find('"', p + 1);
    if (e == std::string::npos)
      break;
    out.push_back(list.substr(p + 1, e - p - 1));
    p = e + 1;
  }
  return out;
}

std::string readDumpMeta(const std::string &dir, DumpMeta &m) {
  std::ifstream f(dir + "/meta.json");
  if (!f)
    return "cannot read '" + dir + "/meta.json'";
  std::stringstream text;
  text << f.rdbuf();
  std::string json = text.str();
  try {
    m.variant = names(field(json, "variant")).at(0);
    m.B = std::stoll(field(json, "B"));
    m.T = std::stoll(field(json, "T"));
    m.H = std::stoll(field(json, "H"));
    m.HV = std::stoll(field(json, "HV"));
    m.K = std::stoll(field(json, "K"));
    m.V = std::stoll(field(json, "V"));
    m.scale = std::stod(field(json, "scale"));
  } catch (...) {
    return "'" + dir + "/meta.json' is missing a field";
  }
  m.varlen = field(json, "varlen") == "true";
  m.initialState = field(json, "initial_state") == "true";
  m.inputs = names(field(json, "inputs"));
  m.params = names(field(json, "params"));
  return "";
}

std::string readDump(const std::string &dir, Problem &p, Result &outputs) {
  DumpMeta m;
  if (auto err = readDumpMeta(dir, m); !err.empty())
    return err;
  p = Problem();
  p.dims = {m.B, m.T, m.H, m.HV, m.K, m.V};
  p.scale = m.scale;
  auto read = [&](const std::string &name, Tensor &t) {
    NpyArray a;
    if (auto err = readNpy(dir + "/" + name + ".npy", a); !err.empty())
      return err;
    t = {name, a.shape, std::move(a.data)};
    return std::string();
  };
  for (const std::string &n : m.inputs) {
    p.inputs.emplace_back();
    if (auto err = read(n, p.inputs.back()); !err.empty())
      return err;
  }
  for (const std::string &n : m.params) {
    p.params.emplace_back();
    if (auto err = read(n, p.params.back()); !err.empty())
      return err;
  }
  if (m.initialState) {
    p.h0.emplace();
    if (auto err = read("h0", *p.h0); !err.empty())
      return err;
  }
  if (m.varlen) {
    Tensor cu;
    if (auto err = read("cu_seqlens", cu); !err.empty())
      return err;
    for (double x : cu.data)
      p.cuSeqlens.push_back(static_cast<int64_t>(x));
  }
  if (auto err = read("o", outputs.o); !err.empty())
    return err;
  return read("ht", outputs.ht);
}

} // namespace linac
