/*
 * native_main.c - native side of the portable test shim: linked into a
 * `gcc -m32 -static` Linux program, main() runs the same test_main() as the
 * guest kernel, with printf going to libc's stdout.
 */
#include <stdio.h>

int test_main(void);

const char *xbt_cmdline;

int main(int argc, char **argv)
{
    xbt_cmdline = argc > 1 ? argv[1] : NULL;
    int r = test_main();

    fflush(stdout);
    return r;
}
