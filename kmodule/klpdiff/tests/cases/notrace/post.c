__attribute__((no_instrument_function, noinline)) int quiet(int x) { return x + 2; }
