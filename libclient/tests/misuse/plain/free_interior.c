/* free() of a pointer into the middle of a small block. */
#include "classic.h"

int main(void)
{
	return free_interior(24);
}
