/* console.c: an ordinary console program, not a service at all. */
#include <stdio.h>

int wmain(void)
{
    puts("hello from a console program");
    return 0;
}
