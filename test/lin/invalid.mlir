// Verifier errors of the lin dialect.
// RUN: linac-opt %s -split-input-file -verify-diagnostics

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  // expected-error @+1 {{'lin.add' op mixes a K-vector and a V-vector}}
  %0 = lin.add %k, %v : (!lin.vec<K>, !lin.vec<V>) -> !lin.vec<K>
  lin.recur write(%k, %v) read(%k)
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %s = lin.scale
  // expected-error @+1 {{'lin.mul' op result type should be '!lin.vec<K>'}}
  %0 = lin.mul %s, %k : (!lin.scalar, !lin.vec<K>) -> !lin.scalar
  lin.recur write(%k, %v) read(%k)
}

// -----

// expected-error @+1 {{'lin.variant' op is classified decay 'none' but its lin.recur has decay 'channel'}}
lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %g = lin.input "g" heads(HV) : !lin.vec<K>
  lin.recur decay(%g : !lin.vec<K>) write(%k, %v) read(%k)
}

// -----

// expected-error @+1 {{'lin.variant' op is classified decay 'constant' but its lin.recur has decay 'scalar'}}
lin.variant @t attributes {decay = #lin.decay<constant>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %g = lin.input "g" heads(HV) : !lin.scalar
  lin.recur decay(%g : !lin.scalar) write(%k, %v) read(%k)
}

// -----

// expected-error @+1 {{'lin.variant' op is classified erase 'delta' but its lin.recur has erase 'general'}}
lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<delta>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  lin.recur erase(%k : !lin.vec<K>) along(%k) write(%k, %v) read(%k)
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<general>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  // expected-error @+1 {{'lin.recur' op a general erase (K-vector 'erase') needs 'along'}}
  lin.recur erase(%k : !lin.vec<K>) write(%k, %v) read(%k)
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<delta>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %s = lin.scale
  // expected-error @+1 {{'lin.recur' op a delta-rule erase (scalar strength) takes no 'along'}}
  lin.recur erase(%s : !lin.scalar) along(%k) write(%k, %v) read(%k)
}

// -----

// The write key must be a K-vector (its type is implied by lin.recur).
lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  // expected-note @+1 {{prior use here}}
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  // expected-error @+1 {{use of value '%v' expects different type than prior uses: '!lin.vec<K>' vs '!lin.vec<V>'}}
  lin.recur write(%v, %v) read(%k)
}

// -----

// expected-error @+1 {{'lin.variant' op g_lower_bound must be <= 0, got 1.0}}
lin.variant @t attributes {decay = #lin.decay<constant>, erase = #lin.erase<none>, g_lower_bound = 1.0 : f64} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  %g = lin.constant -1.0
  lin.recur decay(%g : !lin.scalar) write(%k, %v) read(%k)
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  %k = lin.input "k" heads(H) : !lin.vec<K>
  // expected-error @+1 {{'lin.input' op redeclares 'k'}}
  %k2 = lin.input "k" heads(H) : !lin.vec<K>
  %v = lin.input "v" heads(HV) : !lin.vec<V>
  lin.recur write(%k, %v) read(%k)
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  // expected-error @+1 {{expected H or HV, got 'X'}}
  %k = lin.input "k" heads(X) : !lin.vec<K>
}

// -----

lin.variant @t attributes {decay = #lin.decay<none>, erase = #lin.erase<none>} {
  // expected-error @+1 {{expected K or V, got 'W'}}
  %k = lin.input "k" heads(H) : !lin.vec<W>
}
