/* no_dispatcher.c: a service binary that never connects to the control dispatcher. */
#include <windows.h>

int wmain(void)
{
    Sleep(120000);
    return 0;
}
