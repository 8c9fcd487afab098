/* eventlog.h: the reference's event source: registered at install, written to when a start fails.
 * Rule points: none. */
#ifndef SVCREF_EVENTLOG_H
#define SVCREF_EVENTLOG_H

#include <windows.h>

void evt_set_source(const wchar_t *name);    /* the service's name, which is the source's */
void evt_report_bad_parameter(const wchar_t *param);
void evt_report_com_start(HRESULT hr);
BOOL evt_install(const wchar_t *name, const wchar_t *exe);
void evt_uninstall(const wchar_t *name);

#endif
