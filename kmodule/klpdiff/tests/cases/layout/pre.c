struct thing { int a; };
struct thing shared_thing;
int get_a(void) { return shared_thing.a; }
