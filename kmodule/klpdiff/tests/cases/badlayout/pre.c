/* An .altinstructions entry of a layout klpdiff does not know (7 bytes). */
__attribute__((noinline)) int alt(int x)
{
	return x + 1;
}
