/* inner.c: the script a run executes in its box (or unconfined), and reading what it leaves behind. */
#include "harness.h"
#include "inner.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The run's inner part, the same in the sandbox and out of it: the wineserver first (it must start with
 * the debug settings, or services.exe would not print its part), then, once it listens (a Wine client
 * starts a server of its own when none answers yet), the controller under the run's deadline, then the
 * server's shutdown. Debian's Wine keeps its server directory under the name the prefix's "wineserver"
 * file holds, in TMPDIR (else /tmp); upstream Wine in /tmp/.wine-UID. `status` tells the runner how it
 * went and when: each phase's time in ms since the epoch. Arguments: OUT SERVER WINE DEADLINE_S ARGV... */
static const char inner_text[] =
    "out=$1 server=$2 wine=$3 secs=$4; shift 4\n"
    "now() { date +%s%3N; }\n"
    "echo \"t_start $(now)\" > \"$out/status\"\n"
    "\"$server\" -f -p >>\"$out/raw.log\" 2>&1 &\n"
    "spid=$!\n"
    "base=$(head -n 1 \"$WINEPREFIX/wineserver\" 2>/dev/null | cut -d / -f 1 | tr -d '\\r')\n"
    "if [ -n \"$base\" ]; then dir=\"${TMPDIR:-/tmp}/$base\"; else dir=\"/tmp/.wine-$(id -u)\"; fi\n"
    "sock=\"$dir/server-$(printf '%x-%x' $(stat -Lc '%d %i' \"$WINEPREFIX\"))/socket\"\n"
    "i=0\n"
    "while [ ! -e \"$sock\" ]; do\n"
    "    if [ $i -ge 1000 ] || ! kill -0 $spid 2>/dev/null; then echo server_failed >> \"$out/status\"; exit 3; fi\n"
    "    i=$((i + 1)); sleep 0.01\n"
    "done\n"
    "echo \"t_server $(now)\" >> \"$out/status\"\n"
    "timeout -k 2 \"$secs\" \"$wine\" \"$@\" >>\"$out/ctl.log\" 2>>\"$out/raw.log\"\n"
    "echo \"controller $?\" >> \"$out/status\"\n"
    "echo \"t_controller $(now)\" >> \"$out/status\"\n"
    "\"$server\" -k\n"
    "wait $spid\n"
    "echo \"t_end $(now)\" >> \"$out/status\"\n";

const char *inner_script(void)
{
    return inner_text;
}

void inner_read_status(const char *out, struct inner_status *st)
{
    char path[4200], key[32];
    long long v;
    FILE *f;

    memset(st, 0, sizeof *st);
    snprintf(path, sizeof path, "%s/status", out);
    if (!(f = fopen(path, "r")))
        return;
    while (fscanf(f, "%31s", key) == 1) {
        if (!strcmp(key, "server_failed")) {
            st->server_failed = 1;
            continue;
        }
        if (fscanf(f, "%lld", &v) != 1)
            break;
        if (!strcmp(key, "controller")) {
            st->controller_ended = 1;
            st->controller_rc = (int)v;
        } else if (!strcmp(key, "t_start")) {
            st->t[0] = v;
        } else if (!strcmp(key, "t_server")) {
            st->t[1] = v;
        } else if (!strcmp(key, "t_controller")) {
            st->t[2] = v;
        } else if (!strcmp(key, "t_end")) {
            st->t[3] = v;
        }
    }
    fclose(f);
}

long long inner_file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) ? 0 : (long long)st.st_size;
}

void inner_cut_log(const char *path, long long max)
{
    FILE *f = fopen(path, "r+");
    long long at = max;
    int c;

    if (!f)
        return;
    while (at > 0 && !fseeko(f, at - 1, SEEK_SET) && (c = fgetc(f)) != EOF && c != '\n')
        at--;
    fclose(f);
    if (truncate(path, at))
        return;
}

int inner_move(const char *from, const char *to)
{
    if (!rename(from, to))
        return 0;
    if (errno == ENOENT)
        return hr_copy_file("/dev/null", to);
    if (hr_copy_file(from, to))
        return -1;
    unlink(from);
    return 0;
}
