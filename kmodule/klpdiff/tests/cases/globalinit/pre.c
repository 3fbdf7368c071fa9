int gval = 1;
int read_gval(void) { return gval; }
