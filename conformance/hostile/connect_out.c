/* connect_out.c: connects over TCP to --host (127.0.0.1) port --port and sends a line, to show whether a run has a network. */
#include <winsock2.h>
#include "hostile_kit.h"

static DWORD WINAPI attack(void *arg)
{
    static const char line[] = "svccert hostile connect_out was here\n";
    const wchar_t *host = hk_arg(L"--host");
    char addr[64] = "127.0.0.1";
    unsigned port = hk_num(L"--port", 0);
    struct sockaddr_in to = { 0 };
    WSADATA wsa;
    SOCKET s;
    int sent;

    (void)arg;
    if (host && !WideCharToMultiByte(CP_ACP, 0, host, -1, addr, sizeof addr, NULL, NULL))
        addr[0] = 0;
    if (!port || port > 65535 || WSAStartup(MAKEWORD(2, 2), &wsa)) {
        hk_say("connect ok=0 error=%lu port=%u (no usable --port or no Winsock)", GetLastError(), port);
        return 0;
    }
    to.sin_family = AF_INET;
    to.sin_port = htons((u_short)port);
    to.sin_addr.s_addr = inet_addr(addr);
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET || connect(s, (struct sockaddr *)&to, sizeof to)) {
        hk_say("connect ok=0 error=%d host=%s port=%u", WSAGetLastError(), addr, port);
    } else {
        sent = send(s, line, sizeof line - 1, 0);
        hk_say("connect ok=1 sent=%d host=%s port=%u", sent, addr, port);
    }
    if (s != INVALID_SOCKET)
        closesocket(s);
    WSACleanup();
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "connect_out", attack);
}
