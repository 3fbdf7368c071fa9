/* A function whose string names its own line, as fortify's field-spanning write warning does. */
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
extern void complain(const char *);

/* __FILE__ and __LINE__ expand where this is used, in the case's source */
#define DEFINE_FORTIFIED(name)							\
	__attribute__((noinline)) int name(int x)				\
	{									\
		if (x > 64)							\
			complain("field \"x\" at " __FILE__ ":" __stringify(__LINE__)); \
		return x;							\
	}
