#define _GNU_SOURCE
#include "CQueueBuildInfo.h"
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef QUEUECTL_COMMIT
#define QUEUECTL_COMMIT ""
#endif

const char *cqb_commit(void) { return QUEUECTL_COMMIT; }

static int has_shared_swift_core(struct dl_phdr_info *info, size_t size, void *found) {
    (void)size;
    const char *name = info->dlpi_name;
    if (name != NULL && strstr(name, "libswiftCore.so") != NULL) {
        *(int *)found = 1;
        return 1;
    }
    return 0;
}

int cqb_linkage(void) {
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long count = getauxval(AT_PHNUM);
    if (phdr == NULL || count == 0) return -1;
    int interpreted = 0;
    for (unsigned long i = 0; i < count; i++) {
        if (phdr[i].p_type == PT_INTERP) interpreted = 1;
    }
    if (!interpreted) return 2;
    int shared_swift = 0;
    dl_iterate_phdr(has_shared_swift_core, &shared_swift);
    return shared_swift ? 0 : 1;
}
