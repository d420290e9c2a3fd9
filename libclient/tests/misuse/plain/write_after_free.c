/* A byte written into a freed small block, found when it is handed out again. */
#include "classic.h"

int main(void)
{
	return write_after_free(24);
}
