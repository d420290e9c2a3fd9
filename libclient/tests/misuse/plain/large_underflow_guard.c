/* An underflow of a large block that fills its region (1 MiB with its
 * canary): the byte before it is in the leading guard page. */
#include "overrun.h"

int main(void)
{
	return underflow_into_guard((1u << 20) - 8);
}
