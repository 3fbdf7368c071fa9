/* An .altinstructions entry of a layout klpdiff does not know (7 bytes). */
__attribute__((noinline)) int alt(int x)
{
	asm volatile("1: nop\n\t"
		     ".pushsection .altinstructions, \"a\"\n\t"
		     ".long 1b - .\n\t"
		     ".word 1\n\t"
		     ".byte 1\n\t"
		     ".popsection");
	return x + 2;
}
