/*
 * isa_except.c - exceptions against the host CPU (#DE #UD #BP #OF #BR),
 * caught with xbt_catch(); see isa_except_impl.h for the cases.
 */
#include "isa_except_impl.h"
