/* A small block freed twice. */
#include "classic.h"

int main(void)
{
	return double_free(24);
}
