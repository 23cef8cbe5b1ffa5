/*
 * aml.h - a tiny emitter of ACPI Machine Language (ACPI spec, section 20
 * "AML Specification"): just what xbt's DSDT needs - names, integers,
 * packages, buffers, scopes and devices, each with its PkgLength.
 *
 * Contract: every call appends to a caller's buffer; once an append does
 * not fit, the emitter stops writing and aml_ok() turns false (the caller
 * checks once at the end).  A *_begin returns a mark that the matching
 * aml_end() takes, and the opened objects nest like parentheses.
 */
#ifndef XBT_FIRMWARE_AML_H
#define XBT_FIRMWARE_AML_H

#include "xbt.h"

struct aml {
    uint8_t *buf;
    size_t len, cap;
    bool overflow;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
static inline bool aml_ok(const struct aml *a)
{
    return !a->overflow;
}

void aml_bytes(struct aml *a, const void *p, size_t n);
/* A NameString: an optional root prefix '\', then NameSegs separated by
 * '.' ("_SB.PCI0"), each padded with '_' to 4 characters. */
void aml_name_string(struct aml *a, const char *path);
/* The shortest integer encoding: ZeroOp, OneOp, or Byte/Word/DWord/QWord
 * prefix and the value. */
void aml_integer(struct aml *a, uint64_t v);
/* An EISA ID ("PNP0A03") compressed into the 32-bit integer _HID takes. */
uint32_t aml_eisaid(const char *id);

/* Name(name, integer) */
void aml_name_integer(struct aml *a, const char *name, uint64_t v);
/* Name(name, Buffer() { data }) */
void aml_name_buffer(struct aml *a, const char *name, const uint8_t *data, size_t n);
/* Name(name, Package(n) {...}): the elements follow, then aml_end(). */
size_t aml_name_package_begin(struct aml *a, const char *name, uint8_t nelem);
/* Scope(name) {...} and Device(name) {...}: the terms follow, then aml_end(). */
size_t aml_scope_begin(struct aml *a, const char *name);
size_t aml_device_begin(struct aml *a, const char *name);
/* Closes the object opened at mark: writes its PkgLength. */
void aml_end(struct aml *a, size_t mark);

#endif
