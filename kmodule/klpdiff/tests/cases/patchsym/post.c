#define noinline __attribute__((noinline))
extern int hidden_fn(int);
/* defined by another file of the same patch (cases/newglobal) */
extern int khp_helper(int);
extern int khp_counter;
noinline int b_caller(int x) { return hidden_fn(x) + khp_helper(x) + khp_counter; }
