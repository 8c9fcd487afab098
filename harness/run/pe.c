/* pe.c: refuses, with one clear line, a candidate that is missing, is not a 64-bit Windows program, or is one Wine would not run itself; reads what it imports. */
#include "harness.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The "Wine builtin DLL" marker at offset 0x40 of Wine's own programs and libraries (with its NUL). */
static const char PE_WINE_BUILTIN[] = "Wine builtin DLL";

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
    /* Wine 8 maps an image with its marker after the DOS header (server/mapping.c compares the 17 bytes
       with their NUL, in a full 0x60-byte read) as its own builtin of that name: another program would run */
    if (n >= 0x60 && !memcmp(h + 0x40, PE_WINE_BUILTIN, sizeof PE_WINE_BUILTIN)) {
        const char *name = strrchr(path, '/');
        char builtin[4096];

        if (hr_builtin_instead(path, builtin, sizeof builtin)) {
            snprintf(err, errlen, "%s carries Wine's builtin marker: Wine would run its own %s (%s), not this file",
                     name ? name + 1 : path, name ? name + 1 : path, builtin);
            return HR_BAD_INPUT;
        }
    }
    return 0;
}

/* The imports: what the program asks the loader for by name. Every offset read from the file is
 * checked against its size: the candidate is untrusted. */
#define PE_MAX_READ (64L << 20)

struct pe_image {
    unsigned char *b;
    size_t n;
    size_t sect;         /* offset of the section table */
    unsigned nsect;
};

/* The file offset of an RVA, or 0 when no section holds it. */
static size_t pe_rva(const struct pe_image *p, uint32_t rva)
{
    unsigned i;

    for (i = 0; i < p->nsect; i++) {
        const unsigned char *s = p->b + p->sect + (size_t)i * 40;
        uint32_t va = pe_u32(s + 12), vsize = pe_u32(s + 8), raw = pe_u32(s + 16), ptr = pe_u32(s + 20);
        uint32_t span = vsize > raw ? vsize : raw;

        if (rva >= va && rva - va < span && rva - va < raw && (size_t)ptr + (rva - va) < p->n)
            return (size_t)ptr + (rva - va);
    }
    return 0;
}

/* Whether a name table (64-bit thunks, at RVA names) holds `fn`. */
static int pe_thunks_have(const struct pe_image *p, uint32_t names, const char *fn)
{
    size_t off = pe_rva(p, names), len = strlen(fn);
    int i;

    for (i = 0; off && i < 65536 && off + 8 <= p->n; i++, off += 8) {
        uint32_t lo = pe_u32(p->b + off), hi = pe_u32(p->b + off + 4);
        size_t name;

        if (!lo && !hi)
            break;
        if (hi & 0x80000000u)      /* by ordinal */
            continue;
        name = pe_rva(p, lo);
        if (name && name + 2 + len < p->n && !memcmp(p->b + name + 2, fn, len + 1))
            return 1;
    }
    return 0;
}

/* Whether the directory of import descriptors (entry bytes each; the name table's RVA at name_at, or at
 * alt_at when that is 0) asks for fn. */
static int pe_dir_has(const struct pe_image *p, uint32_t rva, size_t entry, size_t name_at, size_t alt_at,
                      const char *fn)
{
    size_t off = rva ? pe_rva(p, rva) : 0;
    int i;

    for (i = 0; off && i < 4096 && off + entry <= p->n; i++, off += entry) {
        uint32_t names = pe_u32(p->b + off + name_at);
        unsigned j, zero = 1;

        for (j = 0; j < entry; j++)
            zero &= !p->b[off + j];
        if (zero)
            break;
        if (!names)
            names = pe_u32(p->b + off + alt_at);
        if (pe_thunks_have(p, names, fn))
            return 1;
    }
    return 0;
}

int hr_pe_imports(const char *path, const char *fn)
{
    struct pe_image p = { 0 };
    uint32_t off, opt, ndirs;
    long size;
    int found = -1;
    FILE *f = fopen(path, "rb");

    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 64 || size > PE_MAX_READ || fseek(f, 0, SEEK_SET) ||
        !(p.b = malloc((size_t)size)) || fread(p.b, 1, (size_t)size, f) != (size_t)size)
        goto out;
    p.n = (size_t)size;
    off = pe_u32(p.b + 0x3c);
    if (off > p.n - 24 || memcmp(p.b + off, "PE\0\0", 4))
        goto out;
    opt = off + 24;
    p.nsect = pe_u16(p.b + off + 6);
    p.sect = (size_t)opt + pe_u16(p.b + off + 20);
    if (opt + 112 > p.n || pe_u16(p.b + opt) != 0x20b || p.sect + (size_t)p.nsect * 40 > p.n)
        goto out;
    ndirs = pe_u32(p.b + opt + 108);
    found = 0;
    /* the import directory (descriptors of 20 bytes: the name table at 0, else the address table at 16)
       and the delay-load one (32 bytes: the name table at 16) */
    if (ndirs > 1 && opt + 112 + 16 <= p.n)
        found = pe_dir_has(&p, pe_u32(p.b + opt + 112 + 8), 20, 0, 16, fn);
    if (!found && ndirs > 13 && opt + 112 + 14 * 8 <= p.n)
        found = pe_dir_has(&p, pe_u32(p.b + opt + 112 + 13 * 8), 32, 16, 16, fn);
out:
    free(p.b);
    fclose(f);
    return found;
}
