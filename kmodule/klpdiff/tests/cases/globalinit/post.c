int gval = 2;
int read_gval(void) { return gval; }
