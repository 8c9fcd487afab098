/* pe.c: refuses, with one clear line, a candidate that is missing or is not a 64-bit Windows program. */
#include "harness.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t pe_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned pe_u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int hr_check_candidate(const char *path, char *err, size_t errlen)
{
    unsigned char h[1024];
    struct stat st;
    uint32_t off;
    unsigned machine, magic;
    size_t n;
    FILE *f;

    if (stat(path, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return HR_BAD_INPUT;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return HR_BAD_INPUT;
    }
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return HR_BAD_INPUT;
    }
    n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n < 64 || h[0] != 'M' || h[1] != 'Z') {
        snprintf(err, errlen, "%s: not a Windows executable (no MZ header)", path);
        return HR_BAD_INPUT;
    }
    off = pe_u32(h + 0x3c);
    if (off > n - 26 || memcmp(h + off, "PE\0\0", 4)) {
        snprintf(err, errlen, "%s: not a PE executable (DOS program or damaged header)", path);
        return HR_BAD_INPUT;
    }
    machine = pe_u16(h + off + 4);
    magic = pe_u16(h + off + 24);
    if (machine == 0x14c || magic == 0x10b) {
        snprintf(err, errlen, "%s: a 32-bit PE; svccert runs 64-bit (x86-64) services only", path);
        return HR_BAD_INPUT;
    }
    if (machine != 0x8664 || magic != 0x20b) {
        snprintf(err, errlen, "%s: PE for machine 0x%04x; svccert runs x86-64 services only", path, machine);
        return HR_BAD_INPUT;
    }
    if (pe_u16(h + off + 22) & 0x2000) {
        snprintf(err, errlen, "%s: a DLL, not an executable", path);
        return HR_BAD_INPUT;
    }
    return 0;
}
