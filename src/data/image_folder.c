/* Class-folder data sets (DIR/CLASS/FILE.png or .jpg): classes are the sorted
 * sub-folder names unless DIR/classes.txt lists them; files are sorted by
 * name within a class and samples run class-major, so the order is the same
 * on every machine whatever readdir returns. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/dataset_internal.h"
#include "data/name_pool.h"

typedef struct str_list {
    char **v;
    int n, cap;
} str_list;

static int str_list_add(str_list *l, const char *s)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 64;
        char **q = realloc(l->v, (size_t)nc * sizeof *q);
        if (!q)
            return -1;
        l->v = q;
        l->cap = nc;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void str_list_free(str_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") ||
                   !strcasecmp(dot, ".jpeg"));
}

static int entry_is_dir(const char *parent, const struct dirent *e)
{
    if (e->d_type == DT_DIR)
        return 1;
    if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK)
        return 0;
    char p[4096];
    struct stat st;
    if ((size_t)snprintf(p, sizeof p, "%s/%s", parent, e->d_name) >= sizeof p)
        return 0;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Class names from DIR/classes.txt (one a line, blank lines skipped), or
 * NULL list when the file is absent. */
static fm_status read_classes_txt(const char *dir, str_list *out, int *found, fm_error *err)
{
    char p[4096];
    *found = 0;
    if ((size_t)snprintf(p, sizeof p, "%s/classes.txt", dir) >= sizeof p)
        return FM_OK;
    FILE *f = fopen(p, "r");
    if (!f)
        return FM_OK;
    *found = 1;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && isspace((unsigned char)line[n - 1]))
            line[--n] = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s && str_list_add(out, s)) {
            fclose(f);
            return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        }
    }
    fclose(f);
    if (out->n == 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: lists no classes", p);
    return FM_OK;
}

static fm_status scan_classes(const char *dir, str_list *out, fm_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open folder (%s)", dir, strerror(errno));
    struct dirent *e;
    int loose_images = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (entry_is_dir(dir, e)) {
            if (str_list_add(out, e->d_name)) {
                closedir(d);
                return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
            }
        } else if (is_image_name(e->d_name)) {
            loose_images++;
        }
    }
    closedir(d);
    if (out->n == 0)
        return fm_error_set(err, FM_ERR_FORMAT,
                            "%s: no class sub-folders (expected %s/<class>/*.png|jpg)%s", dir,
                            dir, loose_images ? "; images directly in the folder have no label"
                                              : "");
    qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_str);
    return FM_OK;
}

/* Appends the sorted image files of one class folder to the pool. */
static fm_status scan_class(const char *dir, const char *cls, int32_t label, name_pool *pool,
                            fm_error *err)
{
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, cls) >= sizeof p)
        return fm_error_set(err, FM_ERR_INVALID, "%s/%s: path too long", dir, cls);
    DIR *d = opendir(p);
    if (!d)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open class folder (%s)", p,
                            strerror(errno));
    str_list files = {0};
    struct dirent *e;
    fm_status st = FM_OK;
    while ((e = readdir(d)) && !st) {
        if (e->d_name[0] != '.' && is_image_name(e->d_name) && !entry_is_dir(p, e) &&
            str_list_add(&files, e->d_name))
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    closedir(d);
    if (!st) {
        if (files.n > 1)
            qsort(files.v, (size_t)files.n, sizeof *files.v, cmp_str);
        char prefix[1024];
        if ((size_t)snprintf(prefix, sizeof prefix, "%s/", cls) >= sizeof prefix)
            st = fm_error_set(err, FM_ERR_INVALID, "%s: class name too long", p);
        for (int i = 0; i < files.n && !st; i++)
            if (name_pool_add(pool, prefix, files.v[i], label))
                st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    str_list_free(&files);
    return st;
}

fm_status fm_folder_open(fm_dataset *ds, const char *dir, fm_error *err)
{
    str_list classes = {0};
    name_pool pool = {0};
    int from_txt = 0;
    fm_status st = read_classes_txt(dir, &classes, &from_txt, err);
    if (!st && !from_txt)
        st = scan_classes(dir, &classes, err);
    for (int k = 0; k < classes.n && !st; k++)
        st = scan_class(dir, classes.v[k], k, &pool, err);
    if (!st && pool.n == 0)
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: no PNG or JPEG images in its %d class folders",
                          dir, classes.n);
    if (st) {
        str_list_free(&classes);
        name_pool_free(&pool);
        return st;
    }
    /* Hand the class names to the data set. */
    ds->class_names = classes.v;
    ds->num_classes = classes.n;
    char *root = strdup(dir);
    if (!root) {
        name_pool_free(&pool);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    return fm_files_open(ds, root, pool.chars, pool.off, pool.labels, pool.n, dir, err);
}
