/* eventlog.c: failures an administrator must see, written to the Application event log.
 * Rule points: none. */
#include "eventlog.h"
#include "svc.h"
#include "svcref_msg.h"
#include <stdio.h>
#include <wchar.h>

#define EVT_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\"

static wchar_t evt_source[256] = SVCREF_DEFAULT_NAME;

void evt_set_source(const wchar_t *name)
{
    if (name && *name)
        swprintf(evt_source, sizeof evt_source / sizeof evt_source[0], L"%ls", name);
}

/* Microsoft's SvcReportEvent: one source handle per report, so that a failure at any moment needs no
 * state. The event viewer formats the text from our own message table (svcref_msg.mc), which the
 * install registered as the source's EventMessageFile; without that it shows only the insertion
 * strings, and a borrowed DLL's table would give the event someone else's words. */
void evt_report(DWORD event_id, const wchar_t *detail)
{
    const wchar_t *strings[2] = { evt_source, detail };
    HANDLE h = RegisterEventSourceW(NULL, evt_source);

    if (!h)
        return;
    ReportEventW(h, EVENTLOG_ERROR_TYPE, 0, event_id, NULL, 2, 0, strings, NULL);
    DeregisterEventSource(h);
}

void evt_report_bad_parameter(const wchar_t *param)
{
    evt_report(SVCREF_MSG_BAD_PARAMETER, param);
}

void evt_report_com_start(HRESULT hr)
{
    wchar_t text[32];

    swprintf(text, sizeof text / sizeof text[0], L"HRESULT 0x%08lx", (unsigned long)hr);
    evt_report(SVCREF_MSG_COM_START, text);
}

/* The source key: the message file is this very program (its message table resource), as an
 * expandable string since that is the value's documented type. */
BOOL evt_install(const wchar_t *name, const wchar_t *exe)
{
    wchar_t key[320];
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    HKEY k;
    LONG r;

    swprintf(key, sizeof key / sizeof key[0], EVT_KEY L"%ls", name);
    r = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);
    if (r != ERROR_SUCCESS) {
        fprintf(stderr, "svcref: cannot register the event source %ls: error %ld\n", name, r);
        return FALSE;
    }
    r = RegSetValueExW(k, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                       (DWORD)((wcslen(exe) + 1) * sizeof(wchar_t)));
    if (r == ERROR_SUCCESS)
        r = RegSetValueExW(k, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof types);
    RegCloseKey(k);
    if (r != ERROR_SUCCESS)
        fprintf(stderr, "svcref: cannot write the event source %ls: error %ld\n", name, r);
    return r == ERROR_SUCCESS;
}

void evt_uninstall(const wchar_t *name)
{
    wchar_t key[320];

    swprintf(key, sizeof key / sizeof key[0], EVT_KEY L"%ls", name);
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, key);
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, key);
}
