struct thing { int a; int b; };
struct thing shared_thing;
int get_a(void) { return shared_thing.a + shared_thing.b; }
