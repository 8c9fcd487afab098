/* com_exe.c: svcref.exe as a plain EXE server, launched by COM (-Embedding) or by a person (-user).
 * Rule points: atl.quit.on-stop, com.runas.identity, com.revoke.user-control, com.revoke.all. */
#include "com.h"
#include "com_host.h"
#include "config.h"
#include "mark.h"
#include <stdio.h>

static LRESULT CALLBACK exe_wndproc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
{
    switch (msg) {
    case WM_CLOSE:
        DestroyWindow(w);
        return 0;
    case WM_DESTROY:
        /* com.revoke.user-control: only the person's own act ends user control */
        com_user_release();
        return 0;
    default:
        return DefWindowProcW(w, msg, wp, lp);
    }
}

/* A visible top-level window: what makes the server "shown to the user". */
static HWND exe_window(void)
{
    WNDCLASSW wc = { 0 };
    HWND w;

    wc.lpfnWndProc = exe_wndproc;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = L"svcref_com_server";
    if (!RegisterClassW(&wc))
        return NULL;
    w = CreateWindowExW(0, wc.lpszClassName, SVCREF_WINDOW_TITLE, WS_OVERLAPPEDWINDOW, CW_USEDEFAULT,
                        CW_USEDEFAULT, 320, 120, NULL, NULL, wc.hInstance, NULL);
    if (w)
        ShowWindow(w, SW_SHOW);
    return w;
}

/* The same Run shape as the service: pre-loop (thread id, COM), loop until WM_QUIT, post-loop. */
int exe_run(enum com_mode mode, int argc, wchar_t **argv)
{
    struct cfg c;
    const wchar_t *bad;
    wchar_t *opts[64];
    int i, n = 0;
    MSG msg;
    HRESULT hr;
    DWORD tid = GetCurrentThreadId();

    /* the mode word may stand anywhere: options are everything else */
    for (i = 1; i < argc && n < 64; i++)
        if (_wcsicmp(argv[i], L"-Embedding") && _wcsicmp(argv[i], L"/Embedding") &&
            _wcsicmp(argv[i], L"-user") && _wcsicmp(argv[i], L"/user"))
            opts[n++] = argv[i];
    cfg_defaults(&c);
    if (!cfg_parse(&c, n, opts, 0, &bad)) {
        fprintf(stderr, "svcref: bad option %ls\n", bad ? bad : L"?");
        return 2;
    }
    st_mark("atl.quit.on-stop", "loop thread id stored before the loop, for PostThreadMessage");
    PeekMessageW(&msg, NULL, WM_USER, WM_USER, PM_NOREMOVE);
    hr = com_start(mode, tid, &c);
    if (FAILED(hr)) {
        /* com.runas.identity: an EXE reports a failed registration by its exit code */
        com_stop();
        fprintf(stderr, "svcref: COM start failed: 0x%08lx\n", (unsigned long)hr);
        return SVCREF_EXIT_EXE_REGISTER;
    }
    /* Shown only once it can serve: a person (or a harness) who sees the window may use it at once. */
    if (mode == COM_MODE_USER && !exe_window()) {
        fprintf(stderr, "svcref: cannot create the window: error %lu\n", GetLastError());
        com_stop();
        return 1;
    }
    while (GetMessageW(&msg, NULL, 0, 0) > 0) {
        if (comi_message(&msg, com_busy))
            continue;
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
    }
    st_mark("com.revoke.all", "loop ended: revoke every class object, then exit");
    com_stop();
    return 0;
}
