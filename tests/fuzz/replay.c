/*
 * replay.c - the harnesses without libFuzzer: main() runs every file
 * named on the command line (a directory: each regular file in it, in
 * name order) through LLVMFuzzerTestOneInput once.  ctest's
 * fuzz_replay_* run the committed corpora this way (tests/fuzz/corpus/),
 * under ASan/UBSan in `make asan`.  Exit status 0, or 1 if a file cannot
 * be read or nothing was run (an empty corpus is a mistake).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Tunable: the largest input replayed.  Policy: corpus entries are small
 * seeds (libFuzzer's default -max_len is 4096); this only guards against
 * a wrong path. */
#define REPLAY_MAX_SIZE (64u << 20)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX_SIZE) {
        fprintf(stderr, "replay: %s: cannot open (or not a file of at most %u MiB)\n", path,
                REPLAY_MAX_SIZE >> 20);
        if (f)
            fclose(f);
        return -1;
    }
    /* exactly the file's bytes on the heap, so ASan sees reads past them */
    size_t n = (size_t)st.st_size;
    uint8_t *in = malloc(n ? n : 1);
    int bad = !in || fread(in, 1, n, f) != n;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(in);
        return -1;
    }
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir, unsigned *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: %s: cannot list\n", dir);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path))
                rc = -1;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc |= replay_dir(argv[i], &count);
        else if (replay_file(argv[i]) == 0)
            count++;
        else
            rc = -1;
    }
    printf("replay: %u inputs\n", count);
    return rc || count == 0;
}
