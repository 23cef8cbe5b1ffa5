/*
 * string.c - the C library string functions gcc may call implicitly
 * (memcpy, memset, memmove, memcmp) plus a few common ones.  The bulk
 * copies and fills use the string instructions (rep movsl/movsb, rep
 * stosl/stosb, std + rep movsb for backward moves).
 */
#include "rt.h"

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    void *ret = d;
    size_t words = n >> 2;

    __asm__ volatile("rep movsl\n\t"
                     "movl %3, %%ecx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(s), "+c"(words)
                     : "g"(n & 3)
                     : "memory");
    return ret;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;

    if (dp <= sp || dp >= sp + n)
        return memcpy(d, s, n);
    /* Overlapping with d above s: copy backwards. */
    dp += n - 1;
    sp += n - 1;
    __asm__ volatile("std\n\t"
                     "rep movsb\n\t"
                     "cld"
                     : "+D"(dp), "+S"(sp), "+c"(n)
                     :
                     : "memory");
    return d;
}

void *memset(void *d, int c, size_t n)
{
    void *ret = d;
    uint32_t pat = (uint8_t)c * 0x01010101u;
    size_t words = n >> 2;

    __asm__ volatile("rep stosl\n\t"
                     "movl %3, %%ecx\n\t"
                     "rep stosb"
                     : "+D"(d), "+c"(words)
                     : "a"(pat), "g"(n & 3)
                     : "memory");
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (size_t)(p - s);
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char *strcpy(char *restrict d, const char *restrict s)
{
    char *ret = d;

    while ((*d++ = *s++))
        ;
    return ret;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}
