/*
 * test_loader.c - unit tests for the Multiboot v1 loader (src/loader/).
 *
 * The test kernels are generated here: an ELF32 header, program headers and
 * segment contents are assembled in memory (struct kimg) and written to a
 * temporary directory, so the tests need no cross compiler and run in well
 * under a second.  Every error path is checked for its return code and for a
 * characteristic substring of the message; a successful load is checked
 * byte by byte (segments, BSS, entry, every multiboot information field);
 * finally every truncation of a valid kernel and many random corruptions are
 * loaded to show that hostile input yields an error, never a crash (run the
 * suite with XBT_SANITIZE=ON to make that meaningful).
 */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include <elf.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader.h"

/* Test kernel file layout. */
#define K_FILE_SIZE 0x2800u   /* default file length */
#define K_FILE_MAX 0x6000u    /* room for experiments past the end */
#define K_PHOFF 52u           /* program headers right after the ehdr */
#define K_NPH 4               /* program headers written */
#define K_TEXT_OFF 0x1000u    /* file offset of segment 0 */
#define K_TEXT_ADDR 0x100000u /* its load address (1 MiB) */
#define K_TEXT_SIZE 0x1000u
#define K_DATA_OFF 0x2000u    /* file offset of segment 1 */
#define K_DATA_ADDR 0x101000u /* its load address */
#define K_DATA_FILESZ 0x800u
#define K_DATA_MEMSZ 0x2f00u        /* BSS: [0x101800, 0x103f00) */
#define K_MBH_OFF K_TEXT_OFF        /* multiboot header at the text start */
#define K_ENTRY (K_TEXT_ADDR + 12u) /* just after the multiboot header */

#define RAM_SIZE (16u << 20) /* guest RAM for most tests */
#define SMALL_RAM (2u << 20) /* guest RAM for the fuzz loops */
#define RAM_FILL 0xa5        /* RAM poison: shows what was written */

struct kimg {
    Elf32_Ehdr eh;
    Elf32_Phdr ph[K_NPH];
    uint8_t file[K_FILE_MAX]; /* everything but the headers */
    size_t len;               /* bytes written */
};

static char tmpdir[256];
static uint8_t *ram; /* RAM_SIZE bytes */

static uint8_t text_byte(uint32_t i)
{
    return (uint8_t)(i * 7u + 1u);
}
static uint8_t data_byte(uint32_t i)
{
    return (uint8_t)(i * 13u + 5u);
}

static void set_mb_header(struct kimg *k, uint32_t off, uint32_t flags)
{
    uint32_t magic = MB_HEADER_MAGIC, sum = 0u - MB_HEADER_MAGIC - flags;
    memcpy(k->file + off, &magic, 4);
    memcpy(k->file + off + 4, &flags, 4);
    memcpy(k->file + off + 8, &sum, 4);
}

/* The reference kernel: text at 1 MiB, data + BSS after it, a PT_NOTE and a
 * PT_GNU_STACK that must be ignored. */
static void kimg_default(struct kimg *k)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->eh.e_ident, ELFMAG, SELFMAG);
    k->eh.e_ident[EI_CLASS] = ELFCLASS32;
    k->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    k->eh.e_ident[EI_VERSION] = EV_CURRENT;
    k->eh.e_type = ET_EXEC;
    k->eh.e_machine = EM_386;
    k->eh.e_version = EV_CURRENT;
    k->eh.e_entry = K_ENTRY;
    k->eh.e_phoff = K_PHOFF;
    k->eh.e_ehsize = sizeof(Elf32_Ehdr);
    k->eh.e_phentsize = sizeof(Elf32_Phdr);
    k->eh.e_phnum = K_NPH;
    k->eh.e_shentsize = sizeof(Elf32_Shdr);

    k->ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD,
                             .p_offset = K_TEXT_OFF,
                             .p_vaddr = K_TEXT_ADDR,
                             .p_paddr = K_TEXT_ADDR,
                             .p_filesz = K_TEXT_SIZE,
                             .p_memsz = K_TEXT_SIZE,
                             .p_flags = PF_R | PF_X,
                             .p_align = 0x1000 };
    k->ph[1] = (Elf32_Phdr){ .p_type = PT_LOAD,
                             .p_offset = K_DATA_OFF,
                             .p_vaddr = K_DATA_ADDR,
                             .p_paddr = K_DATA_ADDR,
                             .p_filesz = K_DATA_FILESZ,
                             .p_memsz = K_DATA_MEMSZ,
                             .p_flags = PF_R | PF_W,
                             .p_align = 0x1000 };
    k->ph[2] = (Elf32_Phdr){
        .p_type = PT_NOTE, .p_offset = K_TEXT_OFF, .p_filesz = 16, .p_memsz = 16, .p_align = 4
    };
    k->ph[3] = (Elf32_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };

    for (uint32_t i = 0; i < K_TEXT_SIZE; i++)
        k->file[K_TEXT_OFF + i] = text_byte(i);
    for (uint32_t i = 0; i < K_DATA_FILESZ; i++)
        k->file[K_DATA_OFF + i] = data_byte(i);
    set_mb_header(k, K_MBH_OFF, 0x3); /* page-align + memory info */
    k->len = K_FILE_SIZE;
}

/* Assembles the file image into out (at least K_FILE_MAX bytes). */
static void kimg_bytes(const struct kimg *k, uint8_t *out)
{
    memcpy(out, k->file, K_FILE_MAX);
    memcpy(out, &k->eh, sizeof(k->eh));
    memcpy(out + K_PHOFF, k->ph, sizeof(k->ph));
}

static char *tmp_path(const char *name)
{
    static char paths[4][512];
    static int n;
    char *p = paths[n++ % 4];
    snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static const char *write_kimg(const struct kimg *k, const char *name)
{
    static uint8_t bytes[K_FILE_MAX];
    kimg_bytes(k, bytes);
    const char *p = tmp_path(name);
    write_file(p, bytes, k->len);
    return p;
}

static uint32_t rd32(uint32_t addr)
{
    uint32_t v;
    memcpy(&v, ram + addr, 4);
    return v;
}

static uint64_t rd64(uint32_t addr)
{
    uint64_t v;
    memcpy(&v, ram + addr, 8);
    return v;
}

/* Loads with the default RAM and no modules; expects failure `code` with
 * `needle` in the message. */
static void expect_error_mods(const char *path, const char *cmdline, const struct mb_module *mods,
                              int nmods, uint32_t ram_size, int code, const char *needle)
{
    char err[512];
    struct mb_boot boot;
    memset(err, 'x', sizeof(err));
    err[sizeof(err) - 1] = '\0';
    int rc = loader_multiboot(ram, ram_size, path, cmdline, mods, nmods, &boot, err, sizeof(err));
    if (rc != code || !strstr(err, needle))
        print_error("rc %d (want %d), err \"%s\" (want \"%s\")\n", rc, code, err, needle);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err, needle));
    size_t n = strlen(err);
    assert_true(n > 0 && n < sizeof(err) - 1);
    assert_int_not_equal(err[n - 1], '\n');
}

static void expect_error(const char *path, int code, const char *needle)
{
    expect_error_mods(path, "", NULL, 0, RAM_SIZE, code, needle);
}

static void expect_kimg_error(const struct kimg *k, int code, const char *needle)
{
    expect_error(write_kimg(k, "bad.elf"), code, needle);
}

static int load_ok(const char *path, const char *cmdline, const struct mb_module *mods, int nmods,
                   struct mb_boot *b)
{
    char err[512] = "";
    int rc = loader_multiboot(ram, RAM_SIZE, path, cmdline, mods, nmods, b, err, sizeof(err));
    if (rc != 0)
        print_error("unexpected failure %d: %s\n", rc, err);
    return rc;
}

/* --- setup ------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/xbt_loader_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    ram = malloc(RAM_SIZE);
    return ram ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    (void)state;
    free(ram);
    return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int test_setup(void **state)
{
    (void)state;
    memset(ram, RAM_FILL, RAM_SIZE);
    return 0;
}

/* --- successful loads ------------------------------------------------- */

static void check_mmap(uint32_t ram_size)
{
    static const struct {
        uint64_t base, len;
        uint32_t type;
    } want[] = {
        { 0, 0x9fc00, 1 },
        { 0x9fc00, 0x400, 2 },
        { 0xe0000, 0x20000, 2 }, /* the ACPI tables and the BIOS */
        { 0x100000, 0, 1 },      /* length: ram_size - 1 MiB */
    };
    uint32_t mbi = MB_INFO_ADDR;
    uint32_t len = rd32(mbi + 44), addr = rd32(mbi + 48);
    assert_int_equal(len, 4 * 24);
    assert_true(addr >= MB_INFO_ADDR && addr + len <= MB_INFO_LIMIT);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t e = addr + i * 24;
        assert_int_equal(rd32(e), 20);
        assert_int_equal(rd64(e + 4), want[i].base);
        assert_int_equal(rd64(e + 12), i == 3 ? ram_size - 0x100000u : want[i].len);
        assert_int_equal(rd32(e + 20), want[i].type);
    }
}

static void test_load_kernel(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");

    /* Two modules: one with a string and an unaligned length, one without
     * a string (gets its path). */
    uint8_t m0[5000], m1[100];
    for (size_t i = 0; i < sizeof(m0); i++)
        m0[i] = (uint8_t)(i ^ 0x5a);
    for (size_t i = 0; i < sizeof(m1); i++)
        m1[i] = (uint8_t)(0xff - i);
    char m0_path[512], m1_path[512];
    snprintf(m0_path, sizeof(m0_path), "%s", tmp_path("mod0.bin"));
    snprintf(m1_path, sizeof(m1_path), "%s", tmp_path("mod1.bin"));
    write_file(m0_path, m0, sizeof(m0));
    write_file(m1_path, m1, sizeof(m1));
    struct mb_module mods[2] = {
        { .path = m0_path, .string = "mod0 arg=1" },
        { .path = m1_path, .string = NULL },
    };

    struct mb_boot b;
    memset(&b, 0xee, sizeof(b));
    assert_int_equal(load_ok(path, "console=ttyS0 quiet", mods, 2, &b), 0);
    assert_int_equal(b.entry, K_ENTRY);
    assert_int_equal(b.mbi, MB_INFO_ADDR);
    assert_int_equal(b.kernel_lo, K_TEXT_ADDR);
    assert_int_equal(b.kernel_hi, K_DATA_ADDR + K_DATA_MEMSZ);

    /* Segments at their physical addresses, BSS zeroed, nothing else. */
    assert_memory_equal(ram + K_TEXT_ADDR, k.file + K_TEXT_OFF, K_TEXT_SIZE);
    assert_memory_equal(ram + K_DATA_ADDR, k.file + K_DATA_OFF, K_DATA_FILESZ);
    for (uint32_t a = K_DATA_ADDR + K_DATA_FILESZ; a < K_DATA_ADDR + K_DATA_MEMSZ; a++)
        assert_int_equal(ram[a], 0);
    assert_int_equal(ram[K_TEXT_ADDR - 1], RAM_FILL);
    assert_int_equal(ram[0x1000], RAM_FILL);

    /* The information structure. */
    uint32_t mbi = b.mbi;
    uint32_t flags = rd32(mbi);
    assert_int_equal(flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
    assert_int_equal(flags & (1u << 1), 0); /* no boot device */
    assert_int_equal(flags & (1u << 5), 0); /* no ELF sections */
    assert_int_equal(rd32(mbi + 4), 639);
    assert_int_equal(rd32(mbi + 8), (RAM_SIZE - 0x100000u) / 1024);
    uint32_t cmd = rd32(mbi + 16);
    assert_true(cmd >= MB_INFO_ADDR && cmd < MB_INFO_LIMIT);
    char want[512];
    snprintf(want, sizeof(want), "%s console=ttyS0 quiet", path); /* GRUB's convention */
    assert_string_equal((char *)ram + cmd, want);
    uint32_t name = rd32(mbi + 64);
    assert_true(name >= MB_INFO_ADDR && name < MB_INFO_LIMIT);
    assert_string_equal((char *)ram + name, "xbt");
    /* Unused fields are zero, not RAM poison. */
    assert_int_equal(rd32(mbi + 12), 0);  /* boot_device */
    assert_int_equal(rd32(mbi + 28), 0);  /* syms */
    assert_int_equal(rd32(mbi + 52), 0);  /* drives_length */
    assert_int_equal(rd32(mbi + 60), 0);  /* config_table */
    assert_int_equal(rd32(mbi + 68), 0);  /* apm_table */
    assert_int_equal(rd32(mbi + 112), 0); /* framebuffer colour info */
    check_mmap(RAM_SIZE);

    /* Modules: page-aligned, after the kernel, in order. */
    assert_int_equal(rd32(mbi + 20), 2);
    uint32_t ml = rd32(mbi + 24);
    assert_true(ml >= MB_INFO_ADDR && ml + 32 <= MB_INFO_LIMIT);
    uint32_t s0 = rd32(ml), e0 = rd32(ml + 4);
    uint32_t s1 = rd32(ml + 16), e1 = rd32(ml + 20);
    assert_int_equal(s0, 0x104000); /* first page after 0x103f00 */
    assert_int_equal(e0, s0 + sizeof(m0));
    assert_int_equal(s1, 0x106000); /* next page after e0 */
    assert_int_equal(e1, s1 + sizeof(m1));
    assert_memory_equal(ram + s0, m0, sizeof(m0));
    assert_memory_equal(ram + s1, m1, sizeof(m1));
    assert_string_equal((char *)ram + rd32(ml + 8), "mod0 arg=1");
    assert_string_equal((char *)ram + rd32(ml + 24), m1_path);
    assert_int_equal(rd32(ml + 12), 0);
    assert_int_equal(rd32(ml + 28), 0);
    uint32_t sa = rd32(ml + 8), sb = rd32(ml + 24);
    assert_true(sa >= MB_INFO_ADDR && sa < MB_INFO_LIMIT);
    assert_true(sb >= MB_INFO_ADDR && sb < MB_INFO_LIMIT);
}

/* NULL command line: empty string, still flagged; no modules: flag set,
 * count 0; the kernel path is not prepended (unlike QEMU). */
static void test_load_defaults(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");
    struct mb_boot b;
    assert_int_equal(load_ok(path, NULL, NULL, 0, &b), 0);
    uint32_t flags = rd32(b.mbi);
    assert_true(flags & (1u << 2));
    assert_string_equal((char *)ram + rd32(b.mbi + 16), path); /* the path alone */
    assert_true(flags & (1u << 3));
    assert_int_equal(rd32(b.mbi + 20), 0);

    assert_int_equal(load_ok(path, "a b  c", NULL, 0, &b), 0);
    const char *got = (char *)ram + rd32(b.mbi + 16); /* spaces kept as given */
    assert_int_equal(strncmp(got, path, strlen(path)), 0);
    assert_string_equal(got + strlen(path), " a b  c");
}

/* RAM of exactly 1 MiB: mem_upper 0 and no upper memory map entry. */
static void test_load_tiny_ram(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.ph[0].p_paddr = k.ph[0].p_vaddr = 0x1000; /* below the info area */
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0x2000;
    k.eh.e_entry = 0x100c;
    char err[256];
    struct mb_boot b;
    int rc = loader_multiboot(ram, 0x100000, write_kimg(&k, "lo.elf"), "", NULL, 0, &b, err,
                              sizeof(err));
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(rd32(b.mbi + 8), 0);
    assert_int_equal(rd32(b.mbi + 44), 3 * 24);
}

/* A kernel below the information area: modules still go above 1 MiB. */
static void test_load_low_kernel_modules(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.ph[0].p_paddr = k.ph[0].p_vaddr = 0x2000;
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0x3000;
    k.eh.e_entry = 0x200c;
    const char *path = write_kimg(&k, "low.elf");
    const char *mp = tmp_path("m.bin");
    write_file(mp, "hello", 5);
    struct mb_module m = { .path = mp, .string = "m" };
    struct mb_boot b;
    assert_int_equal(load_ok(path, "", &m, 1, &b), 0);
    assert_int_equal(b.kernel_lo, 0x2000);
    assert_int_equal(b.kernel_hi, 0x3000 + K_DATA_MEMSZ);
    uint32_t ml = rd32(b.mbi + 24);
    assert_int_equal(rd32(ml), 0x100000);
    assert_int_equal(rd32(ml + 4), 0x100005);
    assert_memory_equal(ram + 0x100000, "hello", 5);
}

/* An empty module file is allowed: mod_start == mod_end. */
static void test_load_empty_module(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");
    const char *mp = tmp_path("empty.bin");
    write_file(mp, "", 0);
    struct mb_module m[2] = { { .path = mp }, { .path = mp, .string = "x" } };
    struct mb_boot b;
    assert_int_equal(load_ok(path, "", m, 2, &b), 0);
    uint32_t ml = rd32(b.mbi + 24);
    assert_int_equal(rd32(ml), 0x104000);
    assert_int_equal(rd32(ml + 4), 0x104000);
    assert_int_equal(rd32(ml + 16), 0x104000);
    assert_string_equal((char *)ram + rd32(ml + 8), mp);
    assert_string_equal((char *)ram + rd32(ml + 24), "x");
}

/* p_paddr 0 everywhere: the virtual addresses are the load addresses. */
static void test_load_vaddr_fallback(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.ph[0].p_paddr = 0;
    k.ph[1].p_paddr = 0;
    struct mb_boot b;
    assert_int_equal(load_ok(write_kimg(&k, "v.elf"), "", NULL, 0, &b), 0);
    assert_int_equal(b.kernel_lo, K_TEXT_ADDR);
    assert_memory_equal(ram + K_TEXT_ADDR, k.file + K_TEXT_OFF, K_TEXT_SIZE);
}

/* Higher-half kernel: virtual addresses at 3 GiB, physical at 1 MiB, and
 * a virtual entry point, which is translated to its physical address. */
static void test_load_higher_half(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.ph[0].p_vaddr = 0xc0000000u + K_TEXT_ADDR;
    k.ph[1].p_vaddr = 0xc0000000u + K_DATA_ADDR;
    k.eh.e_entry = 0xc0000000u + K_ENTRY;
    struct mb_boot b;
    assert_int_equal(load_ok(write_kimg(&k, "hh.elf"), "", NULL, 0, &b), 0);
    assert_int_equal(b.entry, K_ENTRY);
    assert_memory_equal(ram + K_TEXT_ADDR, k.file + K_TEXT_OFF, K_TEXT_SIZE);

    /* Physical entry in a higher-half kernel: used as is. */
    k.eh.e_entry = K_ENTRY;
    assert_int_equal(load_ok(write_kimg(&k, "hh.elf"), "", NULL, 0, &b), 0);
    assert_int_equal(b.entry, K_ENTRY);
}

/* Header flags: video mode (bit 2) ignored, a.out kludge (bit 16) and the
 * optional bits 17-31 accepted; header found anywhere aligned in 8 KiB. */
static void test_load_header_variants(void **state)
{
    (void)state;
    struct kimg k;
    struct mb_boot b;
    static const uint32_t ok_flags[] = {
        0, 1, 2, 4, 7, 1u << 16, (1u << 16) | 3, 0xffff0007u,
    };
    for (size_t i = 0; i < sizeof(ok_flags) / sizeof(ok_flags[0]); i++) {
        kimg_default(&k);
        set_mb_header(&k, K_MBH_OFF, ok_flags[i]);
        assert_int_equal(load_ok(write_kimg(&k, "h.elf"), "", NULL, 0, &b), 0);
    }
    /* Last possible position: the 12 bytes end exactly at 8 KiB. */
    kimg_default(&k);
    memset(k.file + K_MBH_OFF, 0, 12);
    set_mb_header(&k, 8192 - 12, 3);
    assert_int_equal(load_ok(write_kimg(&k, "h.elf"), "", NULL, 0, &b), 0);
    /* A corrupt candidate before the real one is skipped. */
    kimg_default(&k);
    set_mb_header(&k, 0x800, 3);
    k.file[0x808] ^= 1;
    assert_int_equal(load_ok(write_kimg(&k, "h.elf"), "", NULL, 0, &b), 0);
}

/* Zero-size PT_LOAD segments occupy nothing and are not checked. */
static void test_load_empty_segment(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.ph[2] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_paddr = 0x9000 };
    struct mb_boot b;
    assert_int_equal(load_ok(write_kimg(&k, "z.elf"), "", NULL, 0, &b), 0);
}

/* --- errors ----------------------------------------------------------- */

static void test_err_files(void **state)
{
    (void)state;
    expect_error(tmp_path("does-not-exist.elf"), XBT_ENOENT, "cannot open");
    expect_error(tmp_path("does-not-exist.elf"), XBT_ENOENT, "No such file or directory");
    expect_error(tmp_path("does-not-exist.elf"), XBT_ENOENT, "does-not-exist.elf");
    /* Reading a directory fails with EISDIR (works even as root). */
    expect_error(tmpdir, XBT_EIO, "cannot read");
    expect_error(tmpdir, XBT_EIO, "Is a directory");
    /* Permission denied (meaningless as root: open succeeds). */
    if (geteuid() != 0) {
        const char *p = tmp_path("noperm.elf");
        write_file(p, "x", 1);
        chmod(p, 0);
        expect_error(p, XBT_EIO, "Permission denied");
    }
    const char *e = tmp_path("empty.elf");
    write_file(e, "", 0);
    expect_error(e, XBT_EFORMAT, "empty file");
    const char *t = tmp_path("text.elf");
    write_file(t, "#!/bin/sh\necho not a kernel\n", 28);
    expect_error(t, XBT_EFORMAT, "not an ELF file");
    write_file(t,
               "\x7f"
               "EL",
               3);
    expect_error(t, XBT_EFORMAT, "not an ELF file");
}

static void test_err_truncated_ehdr(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.len = 30;
    expect_kimg_error(&k, XBT_EFORMAT, "truncated");
}

static void test_err_elf64(void **state)
{
    (void)state;
    uint8_t buf[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)];
    Elf64_Ehdr eh = { 0 };
    Elf64_Phdr ph = { .p_type = PT_LOAD,
                      .p_offset = 0,
                      .p_vaddr = 0x100000,
                      .p_paddr = 0x100000,
                      .p_filesz = sizeof(buf),
                      .p_memsz = sizeof(buf) };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x100000;
    eh.e_phoff = sizeof(eh);
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(ph);
    eh.e_phnum = 1;
    memcpy(buf, &eh, sizeof(eh));
    memcpy(buf + sizeof(eh), &ph, sizeof(ph));
    const char *p = tmp_path("k64.elf");
    write_file(p, buf, sizeof(buf));
    expect_error(p, XBT_EUNSUP, "64-bit ELF");
    expect_error(p, XBT_EUNSUP, "32-bit (i386)");

    /* An ELF32 header relabelled ELFCLASS64 (libelf may reject it as
     * corrupt): still reported as 64-bit. */
    struct kimg k;
    kimg_default(&k);
    k.eh.e_ident[EI_CLASS] = ELFCLASS64;
    expect_kimg_error(&k, XBT_EUNSUP, "64-bit ELF");
}

static void test_err_header_fields(void **state)
{
    (void)state;
    struct kimg k;

    kimg_default(&k);
    k.eh.e_machine = EM_ARM;
    expect_kimg_error(&k, XBT_EUNSUP, "ELF machine 40");
    kimg_default(&k);
    k.eh.e_machine = EM_X86_64;
    expect_kimg_error(&k, XBT_EUNSUP, "ELF machine 62");

    kimg_default(&k);
    k.eh.e_type = ET_DYN;
    expect_kimg_error(&k, XBT_EUNSUP, "not an executable");
    kimg_default(&k);
    k.eh.e_type = ET_REL;
    expect_kimg_error(&k, XBT_EFORMAT, "not an executable");

    kimg_default(&k);
    k.eh.e_ident[EI_CLASS] = 7;
    expect_kimg_error(&k, XBT_EFORMAT, "ELF");
}

/* A correct big-endian ELF32 header (as a PowerPC or SPARC tool would
 * write), byte-swapped field by field. */
static void test_err_big_endian(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    k.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    uint8_t bytes[K_FILE_MAX];
    kimg_bytes(&k, bytes);
#define SWAP16(f)                                                                                  \
    do {                                                                                           \
        uint16_t v = __builtin_bswap16(k.eh.f);                                                    \
        memcpy(bytes + offsetof(Elf32_Ehdr, f), &v, 2);                                            \
    } while (0)
#define SWAP32(f)                                                                                  \
    do {                                                                                           \
        uint32_t v = __builtin_bswap32(k.eh.f);                                                    \
        memcpy(bytes + offsetof(Elf32_Ehdr, f), &v, 4);                                            \
    } while (0)
    SWAP16(e_type);
    SWAP16(e_machine);
    SWAP32(e_version);
    SWAP32(e_entry);
    SWAP32(e_phoff);
    SWAP32(e_shoff);
    SWAP32(e_flags);
    SWAP16(e_ehsize);
    SWAP16(e_phentsize);
    SWAP16(e_phnum);
    SWAP16(e_shentsize);
    SWAP16(e_shnum);
    SWAP16(e_shstrndx);
#undef SWAP16
#undef SWAP32
    for (size_t i = K_PHOFF; i < K_PHOFF + sizeof(k.ph); i += 4) {
        uint32_t v;
        memcpy(&v, bytes + i, 4);
        v = __builtin_bswap32(v);
        memcpy(bytes + i, &v, 4);
    }
    const char *p = tmp_path("be.elf");
    write_file(p, bytes, k.len);
    expect_error(p, XBT_EUNSUP, "big-endian");
}

static void test_err_phdrs(void **state)
{
    (void)state;
    struct kimg k;

    kimg_default(&k);
    k.eh.e_phnum = 0;
    expect_kimg_error(&k, XBT_EFORMAT, "no program headers");

    kimg_default(&k);
    k.eh.e_phnum = 400; /* table runs past the end of the file */
    expect_kimg_error(&k, XBT_EFORMAT, "program header table");

    kimg_default(&k);
    k.eh.e_phoff = 0xfffffff0u;
    expect_kimg_error(&k, XBT_EFORMAT, "program header table");

    kimg_default(&k);
    k.eh.e_phoff = K_FILE_SIZE - 16;
    expect_kimg_error(&k, XBT_EFORMAT, "program header table");

    kimg_default(&k);
    k.eh.e_phentsize = 40;
    expect_kimg_error(&k, XBT_EFORMAT, "program header table");

    kimg_default(&k);
    k.len = K_PHOFF + 40; /* file ends inside the table */
    expect_kimg_error(&k, XBT_EFORMAT, "program header table");

    kimg_default(&k);
    k.ph[0].p_type = PT_NULL;
    k.ph[1].p_type = PT_NOTE;
    expect_kimg_error(&k, XBT_EFORMAT, "no loadable");
}

static void test_err_segment_file_range(void **state)
{
    (void)state;
    struct kimg k;

    kimg_default(&k);
    k.ph[1].p_filesz = 0x10000;
    k.ph[1].p_memsz = 0x10000;
    expect_kimg_error(&k, XBT_EFORMAT, "beyond the end of the file");

    kimg_default(&k);
    k.ph[1].p_offset = 0xfffff000u; /* offset + filesz wraps in 32 bits */
    k.ph[1].p_filesz = 0x2000;
    k.ph[1].p_memsz = 0x2000;
    expect_kimg_error(&k, XBT_EFORMAT, "beyond the end of the file");

    kimg_default(&k);
    k.len = K_DATA_OFF + 0x100; /* data segment cut short */
    expect_kimg_error(&k, XBT_EFORMAT, "segment 1 file range");

    kimg_default(&k);
    k.ph[1].p_filesz = K_DATA_MEMSZ + 1;
    expect_kimg_error(&k, XBT_EFORMAT, "p_filesz");
}

static void test_err_segment_placement(void **state)
{
    (void)state;
    struct kimg k;

    kimg_default(&k);
    k.ph[1].p_paddr = RAM_SIZE - 0x1000; /* BSS runs off the end */
    expect_kimg_error(&k, XBT_ERANGE,
                      "segment 1 [0xfff000-0x1001f00) is "
                      "outside guest RAM (0x1000000 bytes)");

    kimg_default(&k);
    k.ph[1].p_paddr = 0xfffff000u; /* wraps in 32 bits */
    expect_kimg_error(&k, XBT_ERANGE, "outside guest RAM");
    kimg_default(&k);
    k.ph[1].p_paddr = 0xffffffffu;
    k.ph[1].p_memsz = 0xffffffffu;
    expect_kimg_error(&k, XBT_ERANGE, "outside guest RAM");

    kimg_default(&k);
    k.ph[0].p_paddr = 0x800;
    expect_kimg_error(&k, XBT_ERANGE, "below 0x1000");
    kimg_default(&k);
    k.ph[0].p_paddr = 0;
    expect_kimg_error(&k, XBT_ERANGE, "below 0x1000");

    /* the information area moves out of the way of a segment at 0x9000 */
    kimg_default(&k);
    k.ph[0].p_paddr = MB_INFO_ADDR - 0x800;
    struct mb_boot b;
    assert_int_equal(load_ok(write_kimg(&k, "low.elf"), "x", NULL, 0, &b), 0);
    assert_true(b.mbi + 116 <= MB_INFO_ADDR - 0x800 || b.mbi >= MB_INFO_ADDR - 0x800 + K_TEXT_SIZE);
    assert_true(b.mbi < MB_INFO_LIMIT);
    /* ... but not when the kernel fills conventional memory */
    kimg_default(&k);
    k.ph[0].p_paddr = 0x1000;
    k.ph[0].p_memsz = MB_INFO_LIMIT - 0x1000;
    expect_kimg_error(&k, XBT_ERANGE, "no room for the multiboot information");

    kimg_default(&k);
    k.ph[1].p_paddr = K_TEXT_ADDR + 0x800;
    expect_kimg_error(&k, XBT_EFORMAT, "overlap");
    kimg_default(&k);
    k.ph[1].p_paddr = K_TEXT_ADDR - 0x100; /* BSS reaches into text */
    expect_kimg_error(&k, XBT_EFORMAT, "overlap");

    kimg_default(&k);
    k.eh.e_entry = 0x200000;
    expect_kimg_error(&k, XBT_EFORMAT, "entry point 0x200000");
    kimg_default(&k);
    k.eh.e_entry = K_DATA_ADDR + K_DATA_MEMSZ; /* one past the end */
    expect_kimg_error(&k, XBT_EFORMAT, "entry point");
}

static void test_err_multiboot_header(void **state)
{
    (void)state;
    struct kimg k;

    kimg_default(&k);
    memset(k.file + K_MBH_OFF, 0, 12);
    expect_kimg_error(&k, XBT_EFORMAT, "no multiboot header in the first 8 KiB");

    kimg_default(&k); /* bad checksum */
    k.file[K_MBH_OFF + 8] ^= 0x10;
    expect_kimg_error(&k, XBT_EFORMAT, "bad checksum");

    kimg_default(&k); /* beyond the first 8 KiB */
    memset(k.file + K_MBH_OFF, 0, 12);
    set_mb_header(&k, 8192, 3);
    expect_kimg_error(&k, XBT_EFORMAT, "no multiboot header");

    kimg_default(&k); /* straddles the 8 KiB limit */
    memset(k.file + K_MBH_OFF, 0, 12);
    set_mb_header(&k, 8192 - 8, 3);
    expect_kimg_error(&k, XBT_EFORMAT, "no multiboot header");

    kimg_default(&k); /* not 4-byte aligned */
    memset(k.file + K_MBH_OFF, 0, 12);
    set_mb_header(&k, K_MBH_OFF + 2, 3);
    expect_kimg_error(&k, XBT_EFORMAT, "no multiboot header");

    for (unsigned bit = 3; bit < 16; bit++) {
        char want[32];
        kimg_default(&k);
        set_mb_header(&k, K_MBH_OFF, 3u | (1u << bit));
        snprintf(want, sizeof(want), "feature bit %u ", bit);
        expect_kimg_error(&k, XBT_EUNSUP, want);
    }
}

static void test_err_modules(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");

    struct mb_module m = { .path = tmp_path("no-such-module") };
    expect_error_mods(path, "", &m, 1, RAM_SIZE, XBT_ENOENT, "cannot open module 0");
    expect_error_mods(path, "", &m, 1, RAM_SIZE, XBT_ENOENT, "No such file or directory");

    struct mb_module md[2] = { { .path = tmp_path("m.bin") }, { .path = tmpdir } };
    write_file(md[0].path, "abc", 3);
    expect_error_mods(path, "", md, 2, RAM_SIZE, XBT_EIO, "cannot read module 1");

    /* 1.5 MiB module, kernel ends at ~1 MiB + 16 KiB, RAM is 2 MiB. */
    size_t big = 0x180000;
    uint8_t *buf = calloc(1, big);
    assert_non_null(buf);
    const char *bp = tmp_path("big.bin");
    write_file(bp, buf, big);
    free(buf);
    struct mb_module mb = { .path = bp };
    expect_error_mods(path, "", &mb, 1, SMALL_RAM, XBT_ERANGE, "does not fit in guest RAM");
    /* Two modules that fit separately but not together. */
    struct mb_module two[2] = { { .path = bp }, { .path = bp } };
    expect_error_mods(path, "", two, 2, 4u << 20, XBT_ERANGE, "module 1");
    /* ... and a third with no room left at all. */
    kimg_default(&k);
    k.ph[1].p_memsz = SMALL_RAM - K_DATA_ADDR; /* BSS to the end of RAM */
    expect_error_mods(write_kimg(&k, "full.elf"), "", md, 1, SMALL_RAM, XBT_ERANGE, "does not fit");

    struct mb_module nul = { .path = NULL };
    expect_error_mods(path, "", &nul, 1, RAM_SIZE, XBT_EINVAL, "module 0");
}

static void test_err_info_area(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");
    size_t n = MB_INFO_LIMIT; /* cannot possibly fit in conventional memory */
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, 'a', n);
    s[n] = '\0';
    expect_error_mods(path, s, NULL, 0, RAM_SIZE, XBT_ERANGE, "command line is too long");
    /* The same length split between a command line and a module string. */
    const char *mp = tmp_path("m.bin");
    write_file(mp, "abc", 3);
    struct mb_module m = { .path = mp, .string = s + n / 2 };
    char saved = s[n / 2 - 1];
    s[n / 2 - 1] = '\0'; /* s: n/2 - 1 chars; module string: n/2 */
    expect_error_mods(path, s, &m, 1, RAM_SIZE, XBT_ERANGE, "module 0 string is too long");
    s[n / 2 - 1] = saved;
    /* A long command line that does fit is passed intact, after the path. */
    s[MB_INFO_LIMIT - MB_INFO_ADDR - 4096] = '\0';
    struct mb_boot b;
    assert_int_equal(load_ok(path, s, NULL, 0, &b), 0);
    const char *got = (char *)ram + rd32(b.mbi + 16);
    assert_int_equal(strncmp(got, path, strlen(path)), 0);
    assert_string_equal(got + strlen(path) + 1, s);
    free(s);
}

static void test_err_arguments(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    const char *path = write_kimg(&k, "good.elf");
    char err[128];
    struct mb_boot b;
    expect_error_mods(path, "", NULL, 0, 0x80000, XBT_EINVAL, "1 MiB");
    expect_error_mods(path, "", NULL, -1, RAM_SIZE, XBT_EINVAL, "invalid");
    expect_error_mods(path, "", NULL, 1, RAM_SIZE, XBT_EINVAL, "invalid");
    assert_int_equal(loader_multiboot(ram, RAM_SIZE, path, "", NULL, 0, NULL, err, sizeof(err)),
                     XBT_EINVAL);
    assert_int_equal(loader_multiboot(NULL, RAM_SIZE, path, "", NULL, 0, &b, err, sizeof(err)),
                     XBT_EINVAL);
    assert_int_equal(loader_multiboot(ram, RAM_SIZE, NULL, "", NULL, 0, &b, err, sizeof(err)),
                     XBT_EINVAL);
    /* No error buffer, or a tiny one: still no crash. */
    assert_int_equal(loader_multiboot(ram, RAM_SIZE, "/nonexistent", "", NULL, 0, &b, NULL, 0),
                     XBT_ENOENT);
    char tiny[4];
    assert_int_equal(
        loader_multiboot(ram, RAM_SIZE, "/nonexistent", "", NULL, 0, &b, tiny, sizeof(tiny)),
        XBT_ENOENT);
    assert_int_equal(strlen(tiny), 3);
}

/* --- robustness ------------------------------------------------------- */

/* After any load, successful or not: a clean message, or a sane result. */
static void check_outcome(int rc, const char *err, const struct mb_boot *b, uint32_t ram_size)
{
    if (rc == 0) {
        assert_true(b->kernel_lo >= 0x1000 && b->kernel_lo < b->kernel_hi);
        assert_true(b->kernel_hi <= ram_size);
        assert_true(b->entry >= b->kernel_lo && b->entry < b->kernel_hi);
        assert_int_equal(b->mbi, MB_INFO_ADDR);
    } else {
        assert_true(rc >= XBT_EUNSUP && rc <= XBT_EINVAL);
        size_t n = strlen(err);
        assert_true(n > 0);
        assert_int_not_equal(err[n - 1], '\n');
    }
}

static void test_fuzz_truncation(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    uint8_t bytes[K_FILE_MAX];
    kimg_bytes(&k, bytes);
    const char *p = tmp_path("trunc.elf");
    int ok = 0;
    for (size_t len = 0; len <= K_FILE_SIZE; len++) {
        write_file(p, bytes, len);
        char err[256] = "";
        struct mb_boot b;
        int rc = loader_multiboot(ram, SMALL_RAM, p, "x", NULL, 0, &b, err, sizeof(err));
        check_outcome(rc, err, &b, SMALL_RAM);
        ok += rc == 0;
    }
    assert_int_equal(ok, 1); /* only the complete file is valid */
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_fuzz_byte_flips(void **state)
{
    (void)state;
    struct kimg k;
    kimg_default(&k);
    uint8_t orig[K_FILE_MAX], bytes[K_FILE_MAX];
    kimg_bytes(&k, orig);
    const char *p = tmp_path("flip.elf");
    int ok = 0, failed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(bytes, orig, sizeof(bytes));
        int nflips = 1 + (int)(rng() % 8);
        for (int f = 0; f < nflips; f++) {
            /* Mostly the headers (where the parsing happens), sometimes the
             * multiboot header, sometimes anywhere. */
            uint32_t r = rng() % 10, off;
            if (r < 6)
                off = rng() % (K_PHOFF + sizeof(k.ph));
            else if (r < 8)
                off = K_MBH_OFF + rng() % 12;
            else
                off = rng() % K_FILE_SIZE;
            switch (rng() % 3) {
            case 0: bytes[off] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 1: bytes[off] = (uint8_t)rng(); break;
            default: bytes[off] = (rng() & 1) ? 0xff : 0; break;
            }
        }
        size_t len = (rng() % 16 == 0) ? rng() % (K_FILE_SIZE + 1) : K_FILE_SIZE;
        write_file(p, bytes, len);
        char err[256] = "";
        struct mb_boot b;
        int rc = loader_multiboot(ram, SMALL_RAM, p, "", NULL, 0, &b, err, sizeof(err));
        check_outcome(rc, err, &b, SMALL_RAM);
        if (rc == 0)
            ok++;
        else
            failed++;
    }
    /* Both outcomes must have happened, or the fuzzing is pointless. */
    assert_true(ok > 0);
    assert_true(failed > 0);
}

/* Random 32-bit values in the header fields that drive the loader. */
static void test_fuzz_fields(void **state)
{
    (void)state;
    const char *p = tmp_path("field.elf");
    for (int iter = 0; iter < 2000; iter++) {
        struct kimg k;
        kimg_default(&k);
        uint32_t v = (rng() & 1) ? rng() : rng() % 0x4000;
        int i = (int)(rng() % 2);
        switch (rng() % 9) {
        case 0: k.eh.e_phoff = v; break;
        case 1: k.eh.e_phnum = (uint16_t)v; break;
        case 2: k.eh.e_entry = v; break;
        case 3: k.ph[i].p_offset = v; break;
        case 4: k.ph[i].p_filesz = v; break;
        case 5: k.ph[i].p_memsz = v; break;
        case 6: k.ph[i].p_paddr = v; break;
        case 7:
            k.ph[i].p_vaddr = v;
            k.ph[0].p_paddr = 0;
            k.ph[1].p_paddr = 0;
            break;
        default:
            k.eh.e_shoff = v;
            k.eh.e_shnum = (uint16_t)rng();
            break;
        }
        write_kimg(&k, "field.elf");
        char err[256] = "";
        struct mb_boot b;
        int rc = loader_multiboot(ram, SMALL_RAM, p, "", NULL, 0, &b, err, sizeof(err));
        check_outcome(rc, err, &b, SMALL_RAM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_load_kernel, test_setup),
        cmocka_unit_test_setup(test_load_defaults, test_setup),
        cmocka_unit_test_setup(test_load_tiny_ram, test_setup),
        cmocka_unit_test_setup(test_load_low_kernel_modules, test_setup),
        cmocka_unit_test_setup(test_load_empty_module, test_setup),
        cmocka_unit_test_setup(test_load_vaddr_fallback, test_setup),
        cmocka_unit_test_setup(test_load_higher_half, test_setup),
        cmocka_unit_test_setup(test_load_header_variants, test_setup),
        cmocka_unit_test_setup(test_load_empty_segment, test_setup),
        cmocka_unit_test_setup(test_err_files, test_setup),
        cmocka_unit_test_setup(test_err_truncated_ehdr, test_setup),
        cmocka_unit_test_setup(test_err_elf64, test_setup),
        cmocka_unit_test_setup(test_err_header_fields, test_setup),
        cmocka_unit_test_setup(test_err_big_endian, test_setup),
        cmocka_unit_test_setup(test_err_phdrs, test_setup),
        cmocka_unit_test_setup(test_err_segment_file_range, test_setup),
        cmocka_unit_test_setup(test_err_segment_placement, test_setup),
        cmocka_unit_test_setup(test_err_multiboot_header, test_setup),
        cmocka_unit_test_setup(test_err_modules, test_setup),
        cmocka_unit_test_setup(test_err_info_area, test_setup),
        cmocka_unit_test_setup(test_err_arguments, test_setup),
        cmocka_unit_test_setup(test_fuzz_truncation, test_setup),
        cmocka_unit_test_setup(test_fuzz_byte_flips, test_setup),
        cmocka_unit_test_setup(test_fuzz_fields, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
