/*
 * features.c - the target description gdb reads with qXfer:features:read:
 * org.gnu.gdb.i386.core (the general, segment and x87 registers) and
 * org.xbt.i386.system (control registers and segment bases); the slices
 * of a qXfer read.
 */
#include <string.h>

#include "gdbstub/gdbstub_int.h"

#define R32(n, t) "<reg name=\"" n "\" bitsize=\"32\" type=\"" t "\"/>"
#define RX87(n) "<reg name=\"" n "\" bitsize=\"80\" type=\"i387_ext\"/>"
#define RFP(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
#define RSYS(n) "<reg name=\"" n "\" bitsize=\"32\" type=\"int32\" group=\"system\"/>"

/* The order is the 'g' packet's and regs.c's (GDB_NREGS registers). */
static const char target_xml[] =
    "<?xml version=\"1.0\"?>"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target version=\"1.0\">"
    "<architecture>i386</architecture>"
    "<feature name=\"org.gnu.gdb.i386.core\">" R32("eax", "int32") R32("ecx", "int32")
        R32("edx", "int32") R32("ebx", "int32") R32("esp", "data_ptr") R32("ebp", "data_ptr")
            R32("esi", "int32") R32("edi", "int32") R32("eip", "code_ptr") R32("eflags", "int32")
                R32("cs", "int32") R32("ss", "int32") R32("ds", "int32") R32("es", "int32")
                    R32("fs", "int32") R32("gs", "int32") RX87("st0") RX87("st1") RX87("st2") RX87(
                        "st3") RX87("st4") RX87("st5") RX87("st6") RX87("st7") RFP("fctrl")
                        RFP("fstat") RFP("ftag") RFP("fiseg") RFP("fioff") RFP("foseg") RFP("fooff")
                            RFP("fop") "</feature>"
                                       "<feature name=\"org.xbt.i386.system\">" RSYS("cr0")
                                           RSYS("cr2") RSYS("cr3") RSYS("cr4") RSYS("es_base")
                                               RSYS("cs_base") RSYS("ss_base") RSYS("ds_base")
                                                   RSYS("fs_base") RSYS("gs_base") "</feature>"
                                                                                   "</target>";

const char *gdb_target_xml(void)
{
    return target_xml;
}

int gdb_xfer_slice(const char *doc, uint32_t off, uint32_t len, char *out, size_t outlen)
{
    size_t total = strlen(doc);
    size_t o = 0;
    if (outlen < 2)
        return -1;
    size_t end = off >= total ? off : (len > total - off ? total : off + len);
    out[o++] = end >= total ? 'l' : 'm';
    for (size_t i = off; i < end; i++) {
        char c = doc[i];
        if (o + 3 > outlen)
            return -1;
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out[o++] = '}';
            c = (char)(c ^ 0x20);
        }
        out[o++] = c;
    }
    out[o] = 0;
    return (int)o;
}
