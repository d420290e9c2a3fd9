/* A large block freed twice: its region went back at the first free. */
#include "classic.h"

int main(void)
{
	return double_free(3u << 20);
}
