/* ctl_proc.h: what the controller's parts share about processes: starting one, and which file a command line runs. */
#ifndef SVCCERT_CTL_PROC_H
#define SVCCERT_CTL_PROC_H

#include <windows.h>

/* CreateProcess with the child's WINEDEBUG set to winedebug (NULL: this process's own); hand_on: the
 * child also learns this process's WINEDEBUG as SVCCERT_SERVER_WINEDEBUG, to pass to what it starts. */
BOOL ctl_spawn(wchar_t *cmdline, const wchar_t *winedebug, BOOL hand_on, PROCESS_INFORMATION *pi);
/* The file-name part of a path or command line ("C:\a\b.exe" -x -> b.exe); FALSE if none. Windows
 * compares these case-insensitively. */
BOOL ctl_exe_name(const wchar_t *cmd, wchar_t *out, size_t cap);
/* Whether the command line (a service's image path: quoted or not, with arguments) runs `file` itself:
 * the same file, however its path is spelled (case, short or long names, \\?\ forms, environment
 * strings). A name alone is never the file: the candidate's copy is not where a bare name is searched. */
BOOL ctl_runs_file(const wchar_t *cmd, const wchar_t *file);

#endif
