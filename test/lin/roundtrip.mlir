// The lin dialect prints and parses back to the same IR.
// RUN: linac-opt %s | linac-opt | FileCheck %s

// CHECK-LABEL: lin.variant @kda
// CHECK-SAME: decay = #lin.decay<channel>, erase = #lin.erase<delta>
// CHECK: %q = lin.input "q" heads(H) : !lin.vec<K>
// CHECK: %A_log = lin.param "A_log" : !lin.scalar
// CHECK: lin.inv_norm %k : !lin.vec<K>
// CHECK: lin.recur decay(%{{.+}} : !lin.vec<K>) erase(%{{.+}} : !lin.scalar) write(%{{.+}}, %{{.+}}) read(%{{.+}})
lin.variant @kda attributes {decay = #lin.decay<channel>, erase = #lin.erase<delta>, g_lower_bound = -5.0 : f64, prep = ["k = l2norm(k)"]} {
  %q = lin.input "q" heads(H) : !lin.vec<K>
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %a = lin.input "a" heads(HV) : !lin.vec<K>
  %b = lin.input "b" heads(HV) : !lin.scalar
  %A_log = lin.param "A_log" : !lin.scalar
  %0 = lin.l2norm %k : !lin.vec<K>
  %1 = lin.exp %A_log : !lin.scalar
  %2 = lin.softplus %a : !lin.vec<K>
  %3 = lin.mul %1, %2 : (!lin.scalar, !lin.vec<K>) -> !lin.vec<K>
  %4 = lin.neg %3 : !lin.vec<K>
  %5 = lin.constant -5.0
  %6 = lin.max %4, %5 : (!lin.vec<K>, !lin.scalar) -> !lin.vec<K>
  %7 = lin.sigmoid %b : !lin.scalar
  %8 = lin.mul %v, %7 : (!lin.vec<V>, !lin.scalar) -> !lin.vec<V>
  %s = lin.scale
  %9 = lin.mul %q, %s : (!lin.vec<K>, !lin.scalar) -> !lin.vec<K>
  %10 = lin.dot %q, %0 : !lin.vec<K>
  %11 = lin.inv_norm %k : !lin.vec<K>
  lin.recur decay(%6 : !lin.vec<K>) erase(%7 : !lin.scalar) write(%0, %8) read(%9)
}

// CHECK-LABEL: lin.variant @dplr
// CHECK: lin.recur decay(%{{.+}} : !lin.vec<K>) erase(%{{.+}} : !lin.vec<K>) along(%{{.+}}) write
lin.variant @dplr attributes {decay = #lin.decay<channel>, erase = #lin.erase<general>} {
  %q = lin.input "q" heads(H) : !lin.vec<K>
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %a = lin.input "a" heads(HV) : !lin.vec<K>
  %b = lin.input "b" heads(HV) : !lin.vec<K>
  %g = lin.input "g" heads(HV) {domain = #lin.domain<logdecay>} : !lin.vec<K>
  lin.recur decay(%g : !lin.vec<K>) erase(%a : !lin.vec<K>) along(%b) write(%k, %v) read(%q)
}

// CHECK-LABEL: lin.variant @linear
// CHECK: lin.recur write(%k, %v) read(%q)
lin.variant @linear attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %q = lin.input "q" heads(H) : !lin.vec<K>
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  lin.recur write(%k, %v) read(%q)
}
