/* List-file data sets: lines "FILE, LABEL" with FILE relative to the list's
 * folder (or absolute). The comma before the label is the last one on the
 * line, so file names may contain commas. Every listed file is checked to
 * exist at open, so a broken list fails early with its line number. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset_internal.h"
#include "data/name_pool.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Non-blank line count of root/name, or 0 when unreadable. */
static int count_lines(const char *root, const char *name)
{
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", root, name) >= sizeof p)
        return 0;
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    int n = 0, blank = 1, ch;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '\n') {
            n += !blank;
            blank = 1;
        } else if (!isspace(ch)) {
            blank = 0;
        }
    }
    n += !blank;
    fclose(f);
    return n;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static fm_status parse(FILE *f, const char *list, const char *root, name_pool *pool,
                       int32_t *max_label, fm_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    fm_status st = FM_OK;
    while (!st && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if ((size_t)len != strlen(line)) {
            st = fm_error_set(err, FM_ERR_FORMAT, "%s:%ld: NUL byte in line", list, lineno);
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *comma = strrchr(s, ',');
        char *end = NULL;
        long v = -1;
        if (comma) {
            *comma = '\0';
            char *lab = trim(comma + 1);
            errno = 0;
            v = *lab ? strtol(lab, &end, 10) : -1;
            if (errno || !end || *end)
                v = -1;
        }
        char *file = trim(s);
        if (!comma || !*file || v < 0 || v > INT32_MAX) {
            st = fm_error_set(err, FM_ERR_FORMAT,
                              "%s:%ld: expected 'FILE, LABEL' with LABEL >= 0, got '%.100s%s'",
                              list, lineno, s, comma ? ",..." : "");
            break;
        }
        char p[4096];
        struct stat sb;
        int plen = file[0] == '/' ? snprintf(p, sizeof p, "%s", file)
                                  : snprintf(p, sizeof p, "%s/%s", root, file);
        if (plen < 0 || (size_t)plen >= sizeof p || stat(p, &sb) != 0) {
            st = fm_error_set(err, FM_ERR_IO, "%s:%ld: %s: no such file", list, lineno, p);
            break;
        }
        if (name_pool_add(pool, file, NULL, (int32_t)v))
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        if (v > *max_label)
            *max_label = (int32_t)v;
    }
    free(line);
    if (!st && ferror(f))
        st = fm_error_set(err, FM_ERR_IO, "%s: read error", list);
    return st;
}

fm_status fm_list_open(fm_dataset *ds, const char *list, fm_error *err)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open (%s)", list, strerror(errno));
    char *root = dir_of(list);
    if (!root) {
        fclose(f);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    name_pool pool = {0};
    int32_t max_label = -1;
    fm_status st = parse(f, list, root, &pool, &max_label, err);
    fclose(f);
    if (!st && pool.n == 0)
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: lists no images", list);
    if (st) {
        free(root);
        name_pool_free(&pool);
        return st;
    }
    /* A class-name file next to the list (ImageNet's synset_words.txt) gives
     * the true class count even when the list does not use every class. */
    int named = count_lines(root, "classes.txt");
    if (!named)
        named = count_lines(root, "synset_words.txt");
    ds->num_classes = named > max_label ? named : max_label + 1;
    return fm_files_open(ds, root, pool.chars, pool.off, pool.labels, pool.n, list, err);
}
