/* main.c: the reference's entry point, which hands the process to the SCM's control dispatcher or runs one of its
 * other verbs (install, regserver, the EXE-server shapes).
 * Rule points: svc.dispatcher, com.register.at-start. */
#include "svc.h"
#include "com.h"
#include <stdio.h>
#include <wchar.h>

static void main_usage(FILE *to)
{
    fputs("usage: svcref install [--name NAME] [--display TEXT] [--account localservice|localsystem]\n"
          "                      [--auto] [-- OPTION...]   (also COM: AppID LocalService; an event source)\n"
          "       svcref uninstall [--name NAME]\n"
          "       svcref regserver [-- OPTION...] | unregserver   COM registration for LocalServer32\n"
          "       (ATL's /RegServer, /UnregServer and /Service are the same as regserver, unregserver, install)\n"
          "       svcref -Embedding [OPTION...]   (launched by COM) serve until the last client leaves\n"
          "       svcref -user [OPTION...]        serve with a window; stays until it is closed\n"
          "       (started by the service control manager) svcref [OPTION...]\n"
          "options (image path or start parameters; start parameters win):\n"
          "  --init-ms N --init-steps K   initialization work and its steps (default 200, 1)\n"
          "  --start auto|pending|running-no-controls   how a long start is reported\n"
          "  --stop-ms N --stop-steps K   cleanup work after STOP (default 100, 1)\n"
          "  --fail-init CODE             fail initialization with this service-specific code\n"
          "  --fail-run-ms N --fail-code CODE   fail N ms after reaching RUNNING\n"
          "  --no-pause                   do not accept PAUSE/CONTINUE\n"
          "  --com-fail-register          make CoRegisterClassObject fail for real (com.runas.identity)\n"
          "  --rot                        put a running object in the ROT (ALLOWANYCLIENT if allowed)\n"
          "  --first-client-ms N          -Embedding: leave if no client came within N ms (default 5000)\n", to);
}

static BOOL main_has(int argc, wchar_t **argv, const wchar_t *word)
{
    int i;

    for (i = 1; i < argc; i++)
        if (!_wcsicmp(argv[i], word))
            return TRUE;
    return FALSE;
}

/* ATL's spellings (/RegServer, /UnregServer, /Service) of our verbs, which a harness registering
 * "the way its users would" uses; argv itself is left as the runtime gave it. */
static const wchar_t *main_verb(int argc, wchar_t **argv)
{
    static const struct { const wchar_t *atl, *ours; } atl[] = {
        { L"RegServer", L"regserver" }, { L"UnregServer", L"unregserver" }, { L"Service", L"install" },
    };
    size_t i;

    if (argc < 2)
        return L"";
    if (argv[1][0] == L'/' || argv[1][0] == L'-')
        for (i = 0; i < sizeof atl / sizeof atl[0]; i++)
            if (!_wcsicmp(argv[1] + 1, atl[i].atl))
                return atl[i].ours;
    return argv[1];
}

int wmain(int argc, wchar_t **argv)
{
    /* For an own-process service the SCM ignores the table's name; ServiceMain gets the real one. */
    static wchar_t table_name[] = SVCREF_DEFAULT_NAME;
    SERVICE_TABLE_ENTRYW table[] = {
        { table_name, svc_main },
        { NULL, NULL }
    };
    const wchar_t *verb = main_verb(argc, argv);

    if (!wcscmp(verb, L"install"))
        return inst_install(argc, argv);
    if (!wcscmp(verb, L"uninstall"))
        return inst_uninstall(argc, argv);
    if (!wcscmp(verb, L"regserver") || !wcscmp(verb, L"unregserver"))
        return com_reg_main(!wcscmp(verb, L"unregserver"), argc, argv);
    /* com.register.at-start: COM launches a LocalServer32 server with -Embedding */
    /* com.register.at-start: COM appends -Embedding to LocalServer32, after any options there */
    if (main_has(argc, argv, L"-Embedding") || main_has(argc, argv, L"/Embedding"))
        return exe_run(COM_MODE_EMBEDDING, argc, argv);
    if (main_has(argc, argv, L"-user") || main_has(argc, argv, L"/user"))
        return exe_run(COM_MODE_USER, argc, argv);
    if (argc > 1 && (!wcscmp(argv[1], L"--help") || !wcscmp(argv[1], L"-h") || !wcscmp(argv[1], L"/?"))) {
        main_usage(stdout);
        return 0;
    }
    svc_set_image_args(argc, argv);
    /* svc.dispatcher: connect to the SCM; it runs svc_main on a new thread of its own. */
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD err = GetLastError();
        if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            fputs("svcref: this is a Windows service; it runs when the service control manager starts it.\n",
                  stderr);
            main_usage(stderr);
        } else {
            fprintf(stderr, "svcref: StartServiceCtrlDispatcher failed: error %lu\n", err);
        }
        return 2;
    }
    return 0;
}
