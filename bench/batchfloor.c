/* batchfloor: the file-system floor of `queuectl enqueue -` on this machine (issue 12).
 *
 * Creates N small job files (418 bytes, the size of a default job) the way a batch enqueue
 * must, in variants, then one syncfs(2), and prints jobs/s.  Build and run:
 *
 *   cc -O2 -o /tmp/batchfloor bench/batchfloor.c -lpthread
 *   /tmp/batchfloor VARIANT N DIR [THREADS]
 *
 * DIR must not exist; it gets tmp/ ids/ pending/.  Variants:
 *   full     create+write+close in tmp/, link into ids/, rename into pending/ (queuectl <= 0.9)
 *   nomarker create+write+close in tmp/, rename into pending/ (no ids/ entry)
 *   direct   create+write+close straight in pending/ (a reader may see a partial file: floor only)
 *   tmpfile  O_TMPFILE in pending/, write, linkat into ids/ and into pending/ (no tmp/ name)
 *   tmpfile1 O_TMPFILE in pending/, write, linkat into pending/ only
 *   onedir   like full, but tmp/, ids/ and pending/ are one directory
 *   empty    create+close in pending/, no data (the inode + entry alone)
 *          (linkat AT_EMPTY_PATH; PROCFD=1: through /proc/self/fd/N instead)
 * THREADS (default 1) splits the N files between threads. BODY=n sets the file size (default 418).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *variant, *dir;
static int total, nthreads;
static char body[4096];
static size_t bodylen = 418;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const char *p) { perror(what); fprintf(stderr, "%s\n", p); exit(1); }

static void *work(void *arg) {
    long t = (long)arg;
    char tmp[512], id[512], pend[512], proc[64];
    const int onedir = !strcmp(variant, "onedir");
    for (int i = (int)t; i < total; i += nthreads) {
        /* names as queuectl makes them: rank.due.id.json, id = j<time><4 hex> */
        char jid[64];
        snprintf(jid, sizeof jid, "j20261203T1431530%09d%04x", i, (i * 2654435761u) & 0xffff);
        snprintf(tmp, sizeof tmp, "%s/%s/host-1-2.%d.%s.tmp", dir, onedir ? "pending" : "tmp", i, jid);
        snprintf(id, sizeof id, "%s/%s/%s", dir, onedir ? "pending" : "ids", jid);
        snprintf(pend, sizeof pend, "%s/pending/10000.20261203T143153%06dZ.%s.json", dir, i % 1000000, jid);
        if (!strcmp(variant, "tmpfile") || !strcmp(variant, "tmpfile1")) {
            char pd[512];
            snprintf(pd, sizeof pd, "%s/pending", dir);
            int fd = open(pd, O_TMPFILE | O_WRONLY, 0600);
            if (fd < 0) die("O_TMPFILE", pd);
            if (write(fd, body, bodylen) != (ssize_t)bodylen) die("write", pd);
            if (getenv("PROCFD")) {
                snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
                if (!strcmp(variant, "tmpfile") && linkat(AT_FDCWD, proc, AT_FDCWD, id, AT_SYMLINK_FOLLOW)) die("linkat", id);
                if (linkat(AT_FDCWD, proc, AT_FDCWD, pend, AT_SYMLINK_FOLLOW)) die("linkat", pend);
            } else {
                if (!strcmp(variant, "tmpfile") && linkat(fd, "", AT_FDCWD, id, AT_EMPTY_PATH)) die("linkat", id);
                if (linkat(fd, "", AT_FDCWD, pend, AT_EMPTY_PATH)) die("linkat", pend);
            }
            close(fd);
            continue;
        }
        const char *create = !strcmp(variant, "direct") || !strcmp(variant, "empty") ? pend : tmp;
        int fd = open(create, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        if (fd < 0) die("open", create);
        if (strcmp(variant, "empty") && write(fd, body, bodylen) != (ssize_t)bodylen) die("write", create);
        close(fd);
        if (create == pend) continue;
        if ((!strcmp(variant, "full") || onedir) && link(tmp, id)) die("link", id);
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, pend, RENAME_NOREPLACE)) die("rename", pend);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: batchfloor VARIANT N DIR [THREADS]\n"); return 2; }
    variant = argv[1]; total = atoi(argv[2]); dir = argv[3];
    nthreads = argc > 4 ? atoi(argv[4]) : 1;
    memset(body, 'x', sizeof body);
    if (getenv("BODY")) bodylen = atoi(getenv("BODY"));
    char p[512];
    if (mkdir(dir, 0700)) die("mkdir", dir);
    const char *subs[] = {"tmp", "ids", "pending"};
    for (int i = 0; i < 3; i++) { snprintf(p, sizeof p, "%s/%s", dir, subs[i]); if (mkdir(p, 0700)) die("mkdir", p); }
    double t0 = now();
    pthread_t th[64];
    for (long t = 0; t < nthreads; t++) pthread_create(&th[t], NULL, work, (void *)t);
    for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
    double t1 = now();
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    syncfs(fd);
    close(fd);
    double t2 = now();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("%-8s n=%d threads=%d body=%zu  files %.3f s  syncfs %.3f s  total %.3f s  = %.0f jobs/s (%.1f us/job; cpu %.1f us/job)\n",
           variant, total, nthreads, bodylen, t1 - t0, t2 - t1, t2 - t0, total / (t2 - t0), (t2 - t0) * 1e6 / total, cpu * 1e6 / total);
    return 0;
}
