/*
 * isa_string.c - string instructions against the host CPU (MOVS STOS LODS
 * CMPS SCAS, REP prefixes, DF, overlap, based segments and 16-bit
 * addressing); see isa_string_impl.h for the cases.
 */
#include "isa_string_impl.h"
